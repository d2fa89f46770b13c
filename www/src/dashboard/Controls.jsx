// Buttons and sliders that drive the local event server's faults (`/control/*`,
// same origin: the server serves this page) for this page's session only.
import { useEffect, useRef, useState } from "react";

export function control(name, session, params = {}) {
  const q = new URLSearchParams({ session, ...params });
  return fetch(`/control/${name}?${q}`).then(async (r) => {
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
    return body;
  });
}

// Network profiles: the server back-dates each frame's `_server_timestamp` by a delay
// redrawn every half second, so the latency plot has a distribution to show.
const NETWORKS = {
  local: () => 0,
  wan: () => 28 + Math.random() * 14 + (Math.random() < 0.15 ? Math.random() * 45 : 0),
  flaky: () => 60 + Math.random() * 40 + (Math.random() < 0.25 ? Math.random() * 260 : 0),
};
const RATES = [0, 5, 20, 50, 100, 200, 500, 1000];

// Small stroke icons (24x24 grid), drawn here so no icon font or emoji is needed.
const ICONS = {
  bolt: "M13 2 4 14h7l-1 8 9-12h-7z",
  waves: "M2 8c2.5-2 4.5-2 7 0s4.5 2 7 0 4.5-2 6 0M2 13c2.5-2 4.5-2 7 0s4.5 2 7 0 4.5-2 6 0M2 18c2.5-2 4.5-2 7 0s4.5 2 7 0 4.5-2 6 0",
  cut: "M9 15 4 20M15 9l5-5M8 8l-2-2M16 16l2 2M11 13l-4 4M13 11l4-4M7 7h.01M17 17h.01",
  pause: "M8 5v14M16 5v14",
  ban: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM5.6 5.6l12.8 12.8",
  broken: "M8 4H6a2 2 0 0 0-2 2v4l-2 2 2 2v4a2 2 0 0 0 2 2h2M16 4h2a2 2 0 0 1 2 2v4l2 2-2 2v4a2 2 0 0 1-2 2h-2M11 9h2v3h-1M12 15v.01",
};
const Icon = ({ name }) => (
  <svg className="ico" width="15" height="15" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
    <path d={ICONS[name]} />
  </svg>
);

// Every fault: what it does (the caption under its button, one line) and what to
// watch (the tooltip, and the line under the buttons when it is hovered or pressed).
// `steps`: the control calls, in order.
const faults = (path) => [
  {
    label: "Burst 100", ico: "bolt", testid: "burst-100", caption: "100 frames at once",
    watch: "the server sends 100 frames in one go: they arrive as one or two batches (frames/batch jumps), and the chat refetches once per list, not 100 times",
    steps: [["burst", { count: 100, path }]],
  },
  {
    label: "Burst 2000", ico: "waves", testid: "burst-2000", caption: "2000 frames at once",
    watch: "2000 frames queue up in the page: latency (last 10 s) spikes to hundreds of ms, then falls back within ~10 s; throughput spikes; still a handful of batches",
    steps: [["burst", { count: 2000, path }]],
  },
  {
    label: "Drop", ico: "cut", testid: "drop", danger: true, caption: "kill the socket",
    watch: "the server kills the connection (close 1006): the status goes reconnecting, the SDK reconnects at once, a ↻ mark with the outage appears on the Connection timeline, the next batch is a resync",
    steps: [["drop", {}]],
  },
  {
    label: "Stall 10 s", ico: "pause", testid: "stall", danger: true, caption: "server goes silent",
    watch: "the socket stays open but the server answers nothing for 10 s: within ~7 s the heartbeat probe times out (heartbeatTimeout in the log) and the SDK reconnects",
    steps: [["stall", { ms: 10000 }]],
  },
  {
    label: "Refuse 5 s", ico: "ban", testid: "refuse", danger: true, caption: "drop, refuse reconnects",
    watch: "the server drops the socket and refuses new connections for 5 s: the Connection timeline stays orange, each refused attempt logs connectFailed and the attempts count climbs, then it reconnects",
    steps: [["refuse", { ms: 5000 }], ["drop", {}]],
  },
  {
    label: "Malformed", ico: "broken", testid: "malformed", danger: true, caption: "send a broken frame",
    watch: "the server sends a frame that is not valid JSON: a badFrame error shows in the log, the frame is skipped, the stream and the connection go on",
    steps: [["malformed", { path, text: path === "json" ? '{"type":"StateMutation","data":' : '{"id":null,"result":' }]],
  },
];

export function Controls({ session, protocol, onAction }) {
  const path = protocol === "json" ? "json" : "ws";
  const [busy, setBusy] = useState(null);
  const [rate, setRate] = useState(null); // frames/s; null until the server said
  const [network, setNetwork] = useState("local");
  const [hovered, setHovered] = useState(null);
  const [pressed, setPressed] = useState(null);
  const touched = useRef(false); // nothing is sent to /control/traffic before the visitor asks

  const run = async (fault) => {
    const { label, steps } = fault;
    setBusy(label);
    setPressed(label);
    onAction?.(label);
    try {
      for (const [name, params] of steps) await control(name, session, params);
    } catch (err) {
      onAction?.(`${label} failed: ${err.message}`);
    } finally {
      setTimeout(() => setBusy((b) => (b === label ? null : b)), 400);
    }
  };
  // The session's current rate (the server's --rate, unless changed from this page).
  useEffect(() => {
    let live = true;
    control("status", session)
      .then((s) => live && setRate((r) => r ?? s.traffic?.[path] ?? 0))
      .catch(() => live && setRate((r) => r ?? 0));
    return () => {
      live = false;
    };
  }, [session, path]);

  // Traffic: the rate and the network profile both go through `/control/traffic`.
  useEffect(() => {
    if (!touched.current || rate == null) return undefined;
    const send = () => control("traffic", session, { rate, path: "both", delayMs: Math.round(NETWORKS[network]()) }).catch(() => {});
    send();
    if (network === "local" || rate === 0) return undefined;
    const id = setInterval(send, 500);
    return () => clearInterval(id);
  }, [session, rate, network]);

  const rateIdx = rate == null ? 2 : RATES.reduce((best, r, i) => (Math.abs(r - rate) < Math.abs(RATES[best] - rate) ? i : best), 0);
  const chooseRate = (i) => {
    touched.current = true;
    setRate(RATES[i]);
  };
  const chooseNetwork = (n) => {
    touched.current = true;
    setNetwork(n);
  };

  const list = faults(path);
  const button = (f) => (
    <div key={f.label} className="fault">
      <button
        className={`btn ${f.danger ? "danger" : ""} ${busy === f.label ? "busy" : ""}`}
        data-testid={f.testid}
        title={`${f.caption}. Watch: ${f.watch}`}
        onClick={() => run(f)}
        onMouseEnter={() => setHovered(f.label)}
        onMouseLeave={() => setHovered((h) => (h === f.label ? null : h))}
        onFocus={() => setHovered(f.label)}
        onBlur={() => setHovered((h) => (h === f.label ? null : h))}
      >
        <Icon name={f.ico} />
        {f.label}
      </button>
      <small className="caption" data-testid={`caption-${f.testid}`}>{f.caption}</small>
    </div>
  );
  const shown = list.find((f) => f.label === (hovered ?? pressed));

  return (
    <>
    <div className="controls">
      {list.slice(0, 2).map(button)}
      <span className="sep" />
      {list.slice(2).map(button)}
      <span className="sep" />
      <label className="slider">
        <span>traffic</span>
        <input type="range" min={0} max={RATES.length - 1} step={1} value={rateIdx} onChange={(e) => chooseRate(Number(e.target.value))} data-testid="rate" />
        <b>{rate ?? "–"} f/s</b>
      </label>
      <span className="seg" role="group" aria-label="network">
        {Object.keys(NETWORKS).map((n) => (
          <button key={n} className={network === n ? "on" : ""} onClick={() => chooseNetwork(n)} data-testid={`net-${n}`}>
            {n === "local" ? "loopback" : n === "wan" ? "WAN" : "flaky"}
          </button>
        ))}
      </span>
    </div>
    <p className="watch" data-testid="fault-hint">
      {shown ? (
        <>
          <b>{shown.label}</b> — {shown.watch}
        </>
      ) : (
        "Point at a fault to see what it does and what to watch; each hits only this page's session."
      )}
    </p>
    </>
  );
}
