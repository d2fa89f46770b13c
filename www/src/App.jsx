// The demo: one SocketManager (from the provider) shared by a chat app that refetches
// only on refresh flags, and a dashboard of what the SDK is doing.
import { useMemo, useState } from "react";
import { SocketManagerProvider, useConnectionStatus, useStats } from "calimero-socket/react";
import { ChatApp } from "./chat/ChatApp.jsx";
import { Dashboard } from "./dashboard/Dashboard.jsx";

const CONTEXTS = ["29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2", "3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3"];
const params = new URLSearchParams(location.search);
const SESSION = params.get("session") || `demo-${Math.random().toString(36).slice(2, 8)}`;
const SERVER = params.get("server") || location.host;
const WS = location.protocol === "https:" ? "wss:" : "ws:";

function optionsFor(protocol) {
  return {
    url: `${WS}//${SERVER}/${protocol === "json" ? "json" : "ws"}?session=${encodeURIComponent(SESSION)}`,
    protocol,
    contextIds: protocol === "calimero" ? CONTEXTS : [],
    collectEvents: true, // the chat's fake node stores every event
    heartbeatIntervalMs: 4000, // a stalled server is noticed within ~7 s
    heartbeatTimeoutMs: 3000,
    reconnectInitialDelayMs: 500,
    reconnectMaxDelayMs: 4000,
    latencyWarnMs: 100,
    latencyCriticalMs: 250,
  };
}

const fmt = (n) => (n == null ? "–" : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : n.toLocaleString());

function Header({ protocol, setProtocol, stats }) {
  const status = useConnectionStatus();
  return (
    <header className="top">
      <div className="brand">
        <div className="logo">c</div>
        <div>
          <h1>calimero-socket</h1>
          <small>Rust/wasm realtime SDK · live</small>
        </div>
      </div>
      <span className={`pill ${status}`} data-testid="status">
        <span className="dot" />
        <span data-testid="status-text">{status}</span>
      </span>
      <span className="seg" role="group" aria-label="protocol">
        {["json", "calimero"].map((p) => (
          <button key={p} className={protocol === p ? "on" : ""} onClick={() => setProtocol(p)} data-testid={`protocol-${p}`}>
            {p === "json" ? "JSON /json" : "Calimero /ws"}
          </button>
        ))}
      </span>
      <div className="kpis">
        <div className="kpi">
          <b data-testid="frames-count" data-value={stats?.framesReceived ?? 0}>{fmt(stats?.framesReceived)}</b>
          <span>frames</span>
        </div>
        <div className="kpi">
          <b data-testid="batch-count" data-value={stats?.batchesDelivered ?? 0}>{fmt(stats?.batchesDelivered)}</b>
          <span>batches</span>
        </div>
        <div className="kpi hi">
          <b>{stats ? `${stats.framesPerBatch.toFixed(1)}×` : "–"}</b>
          <span>frames/batch</span>
        </div>
        <div className="kpi">
          <b data-testid="reconnects" data-value={stats?.reconnects ?? 0}>{fmt(stats?.reconnects)}</b>
          <span>reconnects</span>
        </div>
        <div className="kpi">
          <b>{stats ? `${(stats.memoryBytes / 1048576).toFixed(1)} MB` : "–"}</b>
          <span>wasm memory</span>
        </div>
      </div>
    </header>
  );
}

function Shell({ protocol, setProtocol }) {
  const stats = useStats(500);
  const status = useConnectionStatus();
  return (
    <>
      <Header protocol={protocol} setProtocol={setProtocol} stats={stats} />
      <main className="layout">
        <ChatApp protocol={protocol} />
        <Dashboard stats={stats} session={SESSION} protocol={protocol} status={status} />
      </main>
    </>
  );
}

export function App() {
  const [protocol, setProtocol] = useState(params.get("protocol") === "calimero" ? "calimero" : "json");
  const options = useMemo(() => optionsFor(protocol), [protocol]);
  // A new protocol is a new manager: the key remounts the provider and every view.
  return (
    <SocketManagerProvider key={protocol} options={options}>
      <Shell protocol={protocol} setProtocol={setProtocol} />
    </SocketManagerProvider>
  );
}
