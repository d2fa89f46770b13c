// The React provider with `protocol: "socketio"`: it loads the Socket.IO build on first
// use and its hooks see that manager. `?sio=host:port` is the socket.io test server,
// `?ns=/guild/<n>` the namespace to join.
// window.__test: {status, batches, events, lastArgs, errors}
import { createRoot } from "react-dom/client";
import { SocketManagerProvider, useBatches, useConnectionStatus, useSocketManager } from "calimero-socket/react";

const q = new URLSearchParams(location.search);
const NS = q.get("ns") || "/guild/1";
const OPTIONS = Object.freeze({ url: `http://${q.get("sio")}`, protocol: "socketio", namespaces: [NS] });
const r = (window.__test = { status: "none", batches: 0, events: 0, lastArgs: null, emitted: false, errors: [] });
window.addEventListener("error", (e) => r.errors.push(String(e.message)));

function Probe() {
  const m = useSocketManager();
  r.status = useConnectionStatus();
  useBatches((b) => {
    r.batches++;
    r.events += b.size;
    const latest = b.latest[NS];
    if (latest && latest.echo) r.lastArgs = latest.echo;
  });
  if (m && r.status === "open" && !r.emitted) {
    r.emitted = m.of(NS).emit("echo", { from: "react" });
  }
  return <p>{r.status}</p>;
}

createRoot(document.getElementById("root")).render(
  <SocketManagerProvider options={OPTIONS}>
    <Probe />
  </SocketManagerProvider>,
);
