// The live dashboard: what the SDK did with the traffic, drawn as it happens.
import { useEffect, useRef, useState } from "react";
import { useBatches, useLatency, useSocketManager } from "calimero-socket/react";
import { COLORS, FLAG_ORDER, FlagColumns, Histogram, PercentileBars, StatusTimeline, TimeChart } from "./plots.jsx";
import { percentile, wireSamples } from "../wireTap.js";
import { Controls } from "./Controls.jsx";

const SERIES_SPAN_MS = 60000;
/** The latency panel's window: recent enough to recover soon after a burst. */
const RECENT_MS = 10000;
const MAX_LOG = 40;

/**
 * Everything the plots need, kept in refs by callbacks (no render per frame or per
 * batch); the component re-renders on the `stats` tick that its parent passes down.
 */
function useTelemetry(manager) {
  const t = useRef(null);
  if (!t.current) t.current = { batches: [], n: 0, frames: 0, series: [], last: null, changes: [], log: [] };
  const log = (tag, text) => {
    const list = t.current.log;
    list.unshift({ id: Math.random(), at: Date.now(), tag, text });
    if (list.length > MAX_LOG) list.length = MAX_LOG;
  };

  useBatches((batch) => {
    const d = t.current;
    d.n++;
    d.frames += batch.size;
    d.batches.push({ n: d.n, size: batch.size, flags: { ...batch.flags }, reason: batch.reason });
    if (d.batches.length > 200) d.batches.splice(0, d.batches.length - 200);
    if (batch.resync) log("status", `resync batch: every list refetched (${batch.size} frames)`);
  });

  useEffect(() => {
    if (!manager) return undefined;
    const d = t.current;
    const push = (status) => {
      if (d.changes.at(-1)?.status === status) return;
      d.changes.push({ t: Date.now(), status });
      if (d.changes.length > 400) d.changes.splice(0, d.changes.length - 400);
    };
    push(manager.status);
    const offs = [
      manager.onStatus((s) => {
        push(s);
        log("status", s);
      }),
      manager.onError((e) => log("error", `${e.code}: ${e.message}`)),
      manager.onDegraded((a) => log("alert", `latency ${a.severity}${a.latencyMs != null ? ` (${Math.round(a.latencyMs)} ms${a.kind ? `, ${a.kind}` : ""})` : ""}`)),
    ];
    return () => offs.forEach((off) => off());
  }, [manager]);

  return { data: t.current, log };
}

/** Frames/s and batches/s from successive `stats()` snapshots. */
function sampleSeries(d, stats) {
  if (!stats || stats === d.lastStats) return;
  const now = Date.now();
  const prev = d.last;
  d.lastStats = stats;
  d.last = { t: now, frames: stats.framesReceived, batches: stats.batchesDelivered };
  if (!prev || stats.framesReceived < prev.frames) return;
  const dt = (now - prev.t) / 1000;
  if (dt <= 0.05) return;
  d.series.push({ t: now, fps: (stats.framesReceived - prev.frames) / dt, bps: (stats.batchesDelivered - prev.batches) / dt });
  while (d.series.length && d.series[0].t < now - SERIES_SPAN_MS - 5000) d.series.shift();
}

function Card({ title, sub, right, children, className = "", testid }) {
  return (
    <section className={`card ${className}`} data-testid={testid}>
      <header>
        <h2>{title}</h2>
        {sub && <span className="sub">{sub}</span>}
        {right && <div className="right">{right}</div>}
      </header>
      {children}
    </section>
  );
}

const Legend = ({ color, label, dash }) => (
  <span className="legend">
    <i style={{ background: dash ? "transparent" : color, border: dash ? `2px dashed ${color}` : 0 }} />
    {label}
  </span>
);

const ms = (v) => (v == null ? "–" : v < 10 ? v.toFixed(1) : Math.round(v).toString());

export function Dashboard({ stats, session, protocol, status }) {
  const manager = useSocketManager();
  const { data, log } = useTelemetry(manager);
  const lat = useLatency(1000);
  sampleSeries(data, stats);
  const now = Date.now();
  const last = data.series.at(-1);
  const saved = stats?.refreshesSaved ?? 0;

  const latency = lat?.latency;
  const hasStamps = protocol === "json";
  const tap = hasStamps ? wireSamples(RECENT_MS) : { samples: [], total: 0 };
  const sorted = [...tap.samples].sort((a, b) => a - b);
  const recent = { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
  const marks = hasStamps && sorted.length
    ? [
        { label: "p50", value: recent.p50, color: COLORS.p50 },
        { label: "p95", value: recent.p95, color: COLORS.p95 },
        { label: "p99", value: recent.p99, color: COLORS.p99 },
      ]
    : [];
  const shownLatency = hasStamps ? recent : { p50: lat?.rtt?.p50, p95: lat?.rtt?.p95, p99: lat?.rtt?.p99 };
  const reconnects = stats?.reconnects ?? 0;

  return (
    <div className="dash">
      <Card
        className="wide"
        title="Server faults"
        sub="break the server, watch the SDK recover"
        right={<span className="session">session {session}</span>}
      >
        <Controls session={session} protocol={protocol} onAction={(text) => log("control", text)} />
      </Card>

      <Card
        title="Throughput"
        sub="frames in vs callbacks out"
        right={
          <>
            <Legend color={COLORS.frames} label="frames/s" />
            <Legend color={COLORS.batches} label="batches/s" />
          </>
        }
      >
        <div className="bignums">
          <div>
            <b className="num" style={{ color: COLORS.frames }}>{last ? last.fps.toFixed(0) : "–"}</b>
            <span>frames/s</span>
          </div>
          <div>
            <b className="num" style={{ color: COLORS.batches }}>{last ? last.bps.toFixed(1) : "–"}</b>
            <span>batches/s</span>
          </div>
          <div>
            <b className="num">{stats ? stats.framesPerBatch.toFixed(1) : "–"}</b>
            <span>frames/batch</span>
          </div>
          <div>
            <b className="num">{stats?.largestBatch ?? "–"}</b>
            <span>largest</span>
          </div>
        </div>
        <TimeChart
          now={now}
          spanMs={SERIES_SPAN_MS}
          series={[
            { key: "frames", color: COLORS.frames, area: true, values: data.series.map((p) => ({ t: p.t, v: p.fps })) },
            { key: "batches", color: COLORS.batches, area: true, values: data.series.map((p) => ({ t: p.t, v: p.bps })) },
          ]}
        />
      </Card>

      <Card
        title="Latency"
        sub={hasStamps ? "server stamp → page, frames of the last 10 s" : "Calimero frames carry no stamp: round trips"}
        right={
          <>
            <Legend color={COLORS.p50} label="p50" dash />
            <Legend color={COLORS.p95} label="p95" dash />
            <Legend color={COLORS.p99} label="p99" dash />
          </>
        }
      >
        <div className="bignums">
          {["p50", "p95", "p99"].map((p) => (
            <div key={p}>
              <b className="num" style={{ color: COLORS[p] }} data-testid={`latency-${p}`} data-value={shownLatency[p] ?? ""}>
                {ms(shownLatency[p])}
              </b>
              <span>{hasStamps ? `${p} ms` : `rtt ${p}`}</span>
            </div>
          ))}
          <div>
            <b className="num">{lat?.connectionQuality ?? "–"}</b>
            <span>quality</span>
          </div>
        </div>
        {hasStamps ? (
          <Histogram samples={tap.samples} marks={marks} emptyText="no stamped frame in the last 10 s" />
        ) : (
          <PercentileBars summary={lat?.rtt} emptyText="waiting for a subscribe reply or heartbeat" />
        )}
        <p className="sdk-window" data-testid="sdk-latency">
          {hasStamps
            ? `SDK window (last ${Math.min(latency?.count ?? 0, 1000)} samples, any age): p50 ${ms(latency?.p50)} · p95 ${ms(latency?.p95)} ms`
            : `SDK round trips: ${lat?.rtt?.count ?? 0}`}
          {" · "}
          {stats?.clockOffsetMs != null ? `clock offset ${stats.clockOffsetMs.toFixed(2)} ± ${stats.clockOffsetUncertaintyMs.toFixed(2)} ms` : "clock offset not known yet"}
          {stats?.latencyClamped ? ` · ${stats.latencyClamped} negative sample${stats.latencyClamped === 1 ? "" : "s"} counted as 0` : ""}
        </p>
      </Card>

      <Card
        title="Refresh flags per batch"
        sub={`${saved.toLocaleString()} refetches saved`}
        right={FLAG_ORDER.concat("resync").map((f) => (
          <Legend key={f} color={COLORS[f]} label={f} />
        ))}
      >
        <FlagColumns batches={data.batches} />
      </Card>

      <Card
        title="Connection"
        sub={`${reconnects} reconnect${reconnects === 1 ? "" : "s"} · ${stats?.connectAttempts ?? 0} attempts · health ${lat?.health ?? "–"}`}
        right={["open", "connecting", "reconnecting", "failed"].map((s) => (
          <Legend key={s} color={COLORS[s]} label={s} />
        ))}
      >
        <StatusTimeline changes={data.changes.length ? data.changes : [{ t: now, status }]} now={now} />
        <ul className="log" data-testid="log">
          {data.log.slice(0, 6).map((e) => (
            <li key={e.id}>
              <time>{new Date(e.at).toLocaleTimeString()}</time>
              <span className={`tag ${e.tag}`}>{e.tag}</span>
              <span>{e.text}</span>
            </li>
          ))}
          {data.log.length === 0 && <li className="muted">status changes, errors and alerts show up here</li>}
        </ul>
      </Card>
    </div>
  );
}
