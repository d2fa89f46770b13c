// (a) SocketManagerProvider and every hook under <React.StrictMode> (development build:
// effects mount, unmount and mount again). `?mode=standalone` uses
// `useSocketManager(options)` in a component instead of the provider.
// window.__test: {mode, status, batches, frames, stats, latency, flagCalls, mounted,
// effectMounts} (effectMounts is 2 when StrictMode really double-mounts)
// window.__unmount(): unmounts the whole tree.
import { StrictMode, useEffect } from "react";
import { createRoot } from "react-dom/client";
import {
  SocketManagerProvider,
  useBatches,
  useConnectionStatus,
  useLatency,
  useRefreshFlags,
  useSocketManager,
  useStats,
} from "calimero-socket/react";
import { OPTIONS, report } from "./common.js";

const mode = new URLSearchParams(location.search).get("mode") === "standalone" ? "standalone" : "provider";
const r = report({ mode, status: "none", batches: 0, frames: 0, stats: null, latency: null, flagCalls: 0, mounted: false, effectMounts: 0 });

function Status({ manager }) {
  const status = useConnectionStatus(manager);
  r.status = status;
  return <p data-testid="status">{status}</p>;
}
function Stats({ manager }) {
  const s = useStats(200, manager);
  r.stats = s && { framesReceived: s.framesReceived, batchesDelivered: s.batchesDelivered, connectAttempts: s.connectAttempts };
  return <p>frames {s?.framesReceived ?? "–"}</p>;
}
function Latency({ manager }) {
  const l = useLatency(200, manager);
  r.latency = l && { count: l.latency.count, quality: l.connectionQuality };
  return <p>latency samples {l?.latency.count ?? "–"}</p>;
}
function Batches({ manager }) {
  useBatches((b) => {
    r.batches++;
    r.frames += b.size;
  }, manager);
  useRefreshFlags({ messages: () => void r.flagCalls++ }, manager);
  return <p>batches: see window.__test</p>;
}
function Children({ manager }) {
  return (
    <>
      <Status manager={manager} />
      <Stats manager={manager} />
      <Latency manager={manager} />
      <Batches manager={manager} />
      <Batches manager={manager} />
    </>
  );
}
function Standalone() {
  const manager = useSocketManager(OPTIONS);
  return <Children manager={manager} />;
}
function App() {
  r.mounted = true;
  useEffect(() => {
    r.effectMounts++;
  }, []);
  return mode === "provider" ? (
    <SocketManagerProvider options={OPTIONS}>
      <Children />
    </SocketManagerProvider>
  ) : (
    <Standalone />
  );
}

const root = createRoot(document.getElementById("root"));
root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);
window.__unmount = () => {
  root.unmount();
  r.mounted = false;
};
