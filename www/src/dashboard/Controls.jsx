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

export function Controls({ session, protocol, onAction }) {
  const path = protocol === "json" ? "json" : "ws";
  const [busy, setBusy] = useState(null);
  const [rate, setRate] = useState(null); // frames/s; null until the server said
  const [network, setNetwork] = useState("local");
  const touched = useRef(false); // nothing is sent to /control/traffic before the visitor asks

  const run = async (label, name, params) => {
    setBusy(label);
    onAction?.(label);
    try {
      await control(name, session, params);
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

  const button = ({ label, ico, name, params, danger, testid }) => (
    <button key={label} className={`btn ${danger ? "danger" : ""} ${busy === label ? "busy" : ""}`} data-testid={testid} onClick={() => run(label, name, params)}>
      <Icon name={ico} />
      {label}
    </button>
  );

  return (
    <div className="controls">
      {button({ label: "Burst 100", ico: "bolt", name: "burst", params: { count: 100, path }, testid: "burst-100" })}
      {button({ label: "Burst 2000", ico: "waves", name: "burst", params: { count: 2000, path }, testid: "burst-2000" })}
      <span className="sep" />
      {button({ label: "Drop", ico: "cut", name: "drop", danger: true, testid: "drop" })}
      {button({ label: "Stall 10 s", ico: "pause", name: "stall", params: { ms: 10000 }, danger: true, testid: "stall" })}
      {button({ label: "Refuse 5 s", ico: "ban", name: "refuse", params: { ms: 5000 }, danger: true, testid: "refuse" })}
      {button({ label: "Malformed", ico: "broken", name: "malformed", params: { path, text: path === "json" ? '{"type":"StateMutation","data":' : '{"id":null,"result":' }, danger: true, testid: "malformed" })}
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
  );
}
