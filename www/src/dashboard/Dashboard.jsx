// The live dashboard: what the SDK did with the traffic, drawn as it happens.
import { useEffect, useRef, useState } from "react";
import { useBatches, useLatency, useSocketManager } from "calimero-socket/react";
import { COLORS, FLAG_ORDER, FlagColumns, Histogram, PercentileBars, StatusTimeline, TimeChart } from "./plots.jsx";
import { wireSamples } from "../wireTap.js";
import { Controls } from "./Controls.jsx";

const SERIES_SPAN_MS = 60000;
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
  const tap = hasStamps ? wireSamples() : { samples: [], total: 0 };
  const marks = hasStamps && latency?.count
    ? [
        { label: "p50", value: latency.p50, color: COLORS.p50 },
        { label: "p95", value: latency.p95, color: COLORS.p95 },
        { label: "p99", value: latency.p99, color: COLORS.p99 },
      ]
    : [];
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
        sub={hasStamps ? "server stamp → page, per frame" : "Calimero frames carry no stamp: round trips"}
        right={
          <>
            <Legend color={COLORS.p50} label="p50" dash />
            <Legend color={COLORS.p95} label="p95" dash />
            <Legend color={COLORS.p99} label="p99" dash />
          </>
        }
      >
        <div className="bignums">
          <div>
            <b className="num" style={{ color: COLORS.p50 }}>{hasStamps ? ms(latency?.p50) : ms(lat?.rtt?.p50)}</b>
            <span>{hasStamps ? "p50 ms" : "rtt p50"}</span>
          </div>
          <div>
            <b className="num" style={{ color: COLORS.p95 }}>{hasStamps ? ms(latency?.p95) : ms(lat?.rtt?.p95)}</b>
            <span>{hasStamps ? "p95 ms" : "rtt p95"}</span>
          </div>
          <div>
            <b className="num" style={{ color: COLORS.p99 }}>{hasStamps ? ms(latency?.p99) : ms(lat?.rtt?.p99)}</b>
            <span>{hasStamps ? "p99 ms" : "rtt p99"}</span>
          </div>
          <div>
            <b className="num">{lat?.connectionQuality ?? "–"}</b>
            <span>quality</span>
          </div>
        </div>
        {hasStamps ? (
          <Histogram samples={tap.samples} marks={marks} emptyText="waiting for frames…" />
        ) : (
          <PercentileBars summary={lat?.rtt} emptyText="waiting for a subscribe reply or heartbeat" />
        )}
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
