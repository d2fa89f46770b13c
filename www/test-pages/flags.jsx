// (b) useRefreshFlags with counting handlers, each an async "fetch" (20 ms), so the
// manager's backpressure path is used too.
// window.__test: {status, calls: {channels, messages, dms, members}, batches: [{size, flags, resync}]}
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { SocketManagerProvider, useBatches, useConnectionStatus, useRefreshFlags } from "calimero-socket/react";
import { OPTIONS, report } from "./common.js";

const r = report({ status: "none", calls: { channels: 0, messages: 0, dms: 0, members: 0 }, batches: [] });
const fetchLike = (flag) => () => {
  r.calls[flag]++;
  return new Promise((resolve) => setTimeout(resolve, 20));
};
const handlers = { channels: fetchLike("channels"), messages: fetchLike("messages"), dms: fetchLike("dms"), members: fetchLike("members") };

function Chat() {
  r.status = useConnectionStatus();
  useBatches((b) => {
    r.batches.push({ size: b.size, resync: b.resync, reason: b.reason, flags: Object.keys(b.flags).filter((f) => b.flags[f]) });
  });
  useRefreshFlags(handlers);
  return <pre data-testid="calls">{JSON.stringify(r.calls)}</pre>;
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <SocketManagerProvider options={OPTIONS}>
      <Chat />
    </SocketManagerProvider>
  </StrictMode>,
);
