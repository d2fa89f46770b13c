// The React provider with `shareAcrossTabs` (in StrictMode, whose double mount creates and
// closes a manager first): the hooks are unchanged, the provider takes the option.
// `?session=S` (the local server's session). window.__test: {status, role, frames, resyncs}
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { SocketManagerProvider, useBatches, useConnectionStatus, useSocketManager } from "calimero-socket/react";

const q = new URLSearchParams(location.search);
const OPTIONS = Object.freeze({
  url: `ws://${location.host}/ws?session=${encodeURIComponent(q.get("session") || "default")}`,
  protocol: "calimero",
  contextIds: ["29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2"],
  shareAcrossTabs: true,
});
const r = (window.__test = { status: "none", role: "none", frames: 0, resyncs: 0, errors: [] });
window.addEventListener("error", (e) => r.errors.push(String(e.message)));

function Probe() {
  const m = useSocketManager();
  r.status = useConnectionStatus();
  r.role = m ? m.role : "none";
  useBatches((b) => {
    r.frames += b.size;
    if (b.resync) r.resyncs++;
    r.role = m ? m.role : r.role;
  });
  return <p>{r.status}</p>;
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <SocketManagerProvider options={OPTIONS}>
      <Probe />
    </SocketManagerProvider>
  </StrictMode>,
);
