// (c) A render counter: `Feed` uses useBatches and useRefreshFlags and sets state once
// per batch, as an app that shows the latest batch would. No StrictMode here, so each
// commit is one render. The status lives in a sibling, so it never re-renders `Feed`.
// window.__test: {status, renders, batches, frames, flagCalls}
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { SocketManagerProvider, useBatches, useConnectionStatus, useRefreshFlags } from "calimero-socket/react";
import { OPTIONS, report } from "./common.js";

const r = report({ status: "none", renders: 0, batches: 0, frames: 0, flagCalls: 0 });

function Feed() {
  r.renders++;
  const [last, setLast] = useState(null);
  useBatches((b) => {
    r.batches++;
    r.frames += b.size;
    setLast({ n: r.batches, size: b.size, kinds: b.kinds });
  });
  useRefreshFlags({
    messages: () => void r.flagCalls++,
    channels: () => void r.flagCalls++,
    dms: () => void r.flagCalls++,
    members: () => void r.flagCalls++,
  });
  return <pre data-testid="last">{JSON.stringify(last)}</pre>;
}

function Status() {
  r.status = useConnectionStatus();
  return <p data-testid="status">{r.status}</p>;
}

createRoot(document.getElementById("root")).render(
  <SocketManagerProvider options={OPTIONS}>
    <Status />
    <Feed />
  </SocketManagerProvider>,
);
