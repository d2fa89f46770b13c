// Hand-made SVG plots (no chart library): each draws at the pixel size of its box.
import { useLayoutEffect, useRef, useState } from "react";

export const COLORS = {
  frames: "#38bdf8",
  batches: "#f472b6",
  messages: "#818cf8",
  channels: "#22d3ee",
  dms: "#e879f9",
  members: "#4ade80",
  resync: "#fb923c",
  open: "#22c55e",
  connecting: "#facc15",
  reconnecting: "#f97316",
  closed: "#64748b",
  failed: "#ef4444",
  idle: "#475569",
  p50: "#4ade80",
  p95: "#facc15",
  p99: "#f87171",
};
export const FLAG_ORDER = ["messages", "channels", "dms", "members"];

/** The content-box size of an element, kept current. */
export function useSize(fallback = { width: 480, height: 170 }) {
  const ref = useRef(null);
  const [size, setSize] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const apply = () => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) setSize((s) => (Math.abs(s.width - r.width) < 1 && Math.abs(s.height - r.height) < 1 ? s : { width: Math.floor(r.width), height: Math.floor(r.height) }));
    };
    apply();
    const ro = new ResizeObserver(apply);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/** 1, 2, 5 x 10^n at or above `x`. */
export function niceCeil(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** An axis from 0 covering `max` in about `ticks` round steps: `{max, step}`. */
export function niceScale(max, ticks = 4) {
  const step = niceCeil(max / ticks);
  return { step, max: step * Math.max(1, Math.ceil(max / step - 1e-9)) };
}

const fmt = (v) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k` : v >= 10 || v === 0 ? `${Math.round(v)}` : v.toFixed(1));

function Grid({ w, h, pad, yMax, step, unit = "" }) {
  const lines = [];
  const ticks = Math.round(yMax / step);
  for (let i = 0; i <= ticks; i++) {
    const v = step * i;
    const y = pad.top + (h - pad.top - pad.bottom) * (1 - i / ticks);
    lines.push(
      <g key={i}>
        <line x1={pad.left} x2={w - pad.right} y1={y} y2={y} className="grid" />
        <text x={pad.left - 6} y={y + 3.5} className="axis" textAnchor="end">
          {fmt(v)}
          {i === ticks ? unit : ""}
        </text>
      </g>,
    );
  }
  return <g>{lines}</g>;
}

/**
 * Lines over time. `series`: [{key, label, color, values: [{t, v}], area}], `now` and
 * `spanMs` set the x range (the right edge is now).
 */
export function TimeChart({ series, now, spanMs = 60000, unit = "/s", height = 170 }) {
  const [ref, { width: w }] = useSize();
  const h = height;
  const pad = { left: 40, right: 12, top: 12, bottom: 22 };
  const all = series.flatMap((s) => s.values.map((p) => p.v));
  const { max: yMax, step: yStep } = niceScale(Math.max(5, ...all) * 1.05);
  const x = (t) => pad.left + ((t - (now - spanMs)) / spanMs) * (w - pad.left - pad.right);
  const y = (v) => pad.top + (h - pad.top - pad.bottom) * (1 - v / yMax);
  const xTicks = [];
  for (let s = 0; s <= spanMs / 1000; s += 15) xTicks.push(s);
  return (
    <div ref={ref} className="plot">
      <svg width={w} height={h} role="img" aria-label="frames and batches per second">
        <defs>
          {series.map((s) => (
            <linearGradient key={s.key} id={`fill-${s.key}`} x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor={s.color} stopOpacity="0.35" />
              <stop offset="100%" stopColor={s.color} stopOpacity="0" />
            </linearGradient>
          ))}
          <clipPath id="time-clip">
            <rect x={pad.left} y={0} width={Math.max(0, w - pad.left - pad.right)} height={h} />
          </clipPath>
        </defs>
        <Grid w={w} h={h} pad={pad} yMax={yMax} step={yStep} unit={unit} />
        {xTicks.map((s) => (
          <text key={s} x={x(now - s * 1000)} y={h - 6} className="axis" textAnchor="middle">
            {s === 0 ? "now" : `-${s}s`}
          </text>
        ))}
        <g clipPath="url(#time-clip)">
          {series.map((s) => {
            const pts = s.values.filter((p) => p.t >= now - spanMs - 2000);
            if (pts.length < 2) return null;
            const line = pts.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
            const area = `${line}L${x(pts.at(-1).t).toFixed(1)},${y(0)}L${x(pts[0].t).toFixed(1)},${y(0)}Z`;
            return (
              <g key={s.key}>
                {s.area && <path d={area} fill={`url(#fill-${s.key})`} />}
                <path d={line} fill="none" stroke={s.color} strokeWidth={s.width ?? 2} strokeLinejoin="round" strokeDasharray={s.dash} />
              </g>
            );
          })}
        </g>
        {series.map((s) => {
          const last = s.values.at(-1);
          if (!last) return null;
          return <circle key={s.key} cx={x(last.t)} cy={y(last.v)} r={3.5} fill={s.color} className="pulse-dot" />;
        })}
      </svg>
    </div>
  );
}

/**
 * A histogram of `samples` (ms) with vertical marks (`[{label, value, color}]`).
 */
export function Histogram({ samples, marks = [], height = 170, emptyText = "waiting for samples" }) {
  const [ref, { width: w }] = useSize();
  const h = height;
  const pad = { left: 40, right: 16, top: 40, bottom: 22 };
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
  const markMax = Math.max(0, ...marks.map((m) => m.value ?? 0));
  const { max: xMax, step: xStep } = niceScale(Math.max(8, q(0.995) * 1.1, markMax * 1.1), 5);
  const binCount = Math.max(8, Math.min(60, Math.floor((w - pad.left - pad.right) / 9)));
  const binW = niceCeil(Math.max(xMax / binCount, 1));
  const nBins = Math.ceil(xMax / binW);
  const bins = new Array(nBins).fill(0);
  let over = 0;
  for (const s of samples) {
    const i = Math.floor(Math.max(0, s) / binW);
    if (i >= nBins) over++;
    else bins[i]++;
  }
  const { max: yMax, step: yStep } = niceScale(Math.max(4, ...bins));
  const x = (v) => pad.left + (v / (nBins * binW)) * (w - pad.left - pad.right);
  const y = (v) => pad.top + (h - pad.top - pad.bottom) * (1 - v / yMax);
  const xTicks = [];
  for (let v = 0; v <= nBins * binW + 1e-9; v += xStep) xTicks.push(v);
  return (
    <div ref={ref} className="plot">
      <svg width={w} height={h} role="img" aria-label="latency histogram">
        <defs>
          <linearGradient id="hist-fill" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor="#a78bfa" stopOpacity="0.95" />
            <stop offset="100%" stopColor="#6366f1" stopOpacity="0.55" />
          </linearGradient>
        </defs>
        <Grid w={w} h={h} pad={pad} yMax={yMax} step={yStep} />
        {bins.map((c, i) =>
          c > 0 ? (
            <rect key={i} x={x(i * binW) + 1} width={Math.max(1, x(binW) - x(0) - 2)} y={y(c)} height={y(0) - y(c)} rx={2} fill="url(#hist-fill)" />
          ) : null,
        )}
        {xTicks.map((v) => (
          <text key={v} x={x(v)} y={h - 6} className="axis" textAnchor="middle">
            {fmt(v)} ms
          </text>
        ))}
        {over > 0 && (
          <text x={w - pad.right} y={y(0) - 4} className="axis" textAnchor="end">
            +{over} beyond
          </text>
        )}
        {marks.map((m, i) =>
          m.value == null ? null : (
            <g key={m.label}>
              <line x1={x(Math.min(m.value, nBins * binW))} x2={x(Math.min(m.value, nBins * binW))} y1={pad.top - 28 + i * 11} y2={y(0)} stroke={m.color} strokeWidth={1.5} strokeDasharray="4 3" />
              <text x={x(Math.min(m.value, nBins * binW)) + 4} y={pad.top - 28 + i * 11 + 8} className="mark" fill={m.color} textAnchor="start">
                {m.label} {fmt(m.value)}
              </text>
            </g>
          ),
        )}
        {samples.length === 0 && (
          <text x={w / 2} y={h / 2} className="empty" textAnchor="middle">
            {emptyText}
          </text>
        )}
      </svg>
    </div>
  );
}

/**
 * One column per batch (newest right): a stacked cell per raised flag, resync on top,
 * and the batch size as a thin bar below.
 */
export function FlagColumns({ batches, height = 170, capacity = 80 }) {
  const [ref, { width: w }] = useSize();
  const h = height;
  const pad = { left: 70, right: 12, top: 10, bottom: 40 };
  const rows = [...FLAG_ORDER, "resync"];
  const colW = (w - pad.left - pad.right) / capacity;
  const rowH = (h - pad.top - pad.bottom) / rows.length;
  const shown = batches.slice(-capacity);
  const offset = capacity - shown.length;
  const maxSize = Math.max(1, ...shown.map((b) => b.size));
  return (
    <div ref={ref} className="plot">
      <svg width={w} height={h} role="img" aria-label="flags raised per batch">
        {rows.map((f, r) => (
          <g key={f}>
            <text x={pad.left - 8} y={pad.top + r * rowH + rowH / 2 + 4} className="axis" textAnchor="end">
              {f}
            </text>
            <rect x={pad.left} y={pad.top + r * rowH + 1} width={w - pad.left - pad.right} height={rowH - 2} className="lane" rx={3} />
          </g>
        ))}
        {shown.map((b, i) => {
          const cx = pad.left + (offset + i) * colW;
          return (
            <g key={b.n}>
              {rows.map((f, r) =>
                b.flags[f] ? <rect key={f} x={cx + 0.75} y={pad.top + r * rowH + 2} width={Math.max(1, colW - 1.5)} height={rowH - 4} rx={2} fill={COLORS[f]} /> : null,
              )}
              <rect x={cx + 0.75} width={Math.max(1, colW - 1.5)} y={h - pad.bottom + 6} height={Math.max(1.5, Math.sqrt(b.size / maxSize) * 18)} fill={COLORS.batches} opacity={0.75} rx={1} />
            </g>
          );
        })}
        <text x={pad.left - 8} y={h - pad.bottom + 18} className="axis" textAnchor="end">
          frames
        </text>
        <text x={w - pad.right} y={h - 4} className="axis" textAnchor="end">
          newest batch →  (bar height: √frames, largest {maxSize})
        </text>
      </svg>
    </div>
  );
}

/**
 * The connection's status over the last `spanMs`: colored segments, a tick at each
 * reconnect (a return to `open` after the first), and the outage lengths. Outage labels
 * never overlap and never leave the plot: each takes the first of two rows where it
 * fits, kept inside the edges; one that fits in neither is counted on the label before
 * it ("+2").
 */
const MARK_CHAR_PX = 6.6; // the .mark font's widest glyphs, a little generous
const outageText = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function StatusTimeline({ changes, now, spanMs = 120000, height = 108 }) {
  const [ref, { width: w }] = useSize({ width: 480, height: 108 });
  const h = height;
  const pad = { left: 12, right: 12, top: 36, bottom: 24 };
  const x = (t) => pad.left + ((Math.max(t, now - spanMs) - (now - spanMs)) / spanMs) * (w - pad.left - pad.right);
  const segs = changes.map((c, i) => ({ ...c, to: changes[i + 1]?.t ?? now })).filter((s) => s.to >= now - spanMs);
  const reconnects = [];
  let opened = 0;
  for (let i = 0; i < changes.length; i++) {
    if (changes[i].status === "open") {
      if (opened > 0) {
        let j = i - 1;
        while (j >= 0 && changes[j].status !== "open") j--;
        const downAt = j >= 0 ? changes[j + 1].t : changes[i].t;
        reconnects.push({ t: changes[i].t, outage: changes[i].t - downAt });
      }
      opened++;
    }
  }
  const bandY = pad.top;
  const bandH = h - pad.top - pad.bottom;
  // Place the labels, oldest first.
  const labels = [];
  const gap = 6;
  for (const r of reconnects.filter((r) => r.t >= now - spanMs)) {
    const cx = x(r.t);
    const text = `↻ ${outageText(r.outage)}`;
    const width = (text.length + 3) * MARK_CHAR_PX; // room for a "+n" suffix
    const x0 = Math.max(pad.left, Math.min(w - pad.right - width, cx - width / 2));
    const row = [0, 1].find((row) => !labels.some((l) => l.row === row && x0 < l.x1 + gap && x0 + width > l.x0 - gap));
    if (row === undefined) {
      const last = labels.findLast((l) => !l.hidden);
      if (last) last.more++;
      labels.push({ cx, hidden: true });
      continue;
    }
    labels.push({ cx, row, x0, x1: x0 + width, text, more: 0 });
  }
  const ticks = [];
  for (let s = 0; s <= spanMs / 1000; s += 30) ticks.push(s);
  const rowY = (row) => bandY - 8 - row * 13;
  return (
    <div ref={ref} className="plot" data-testid="timeline">
      <svg width={w} height={h} role="img" aria-label="connection status timeline">
        <rect x={pad.left} y={bandY} width={w - pad.left - pad.right} height={bandH} className="lane" rx={6} />
        {segs.map((s, i) => (
          <rect key={i} x={x(s.t)} y={bandY} width={Math.max(1.5, x(s.to) - x(s.t))} height={bandH} fill={COLORS[s.status] ?? COLORS.idle} opacity={s.status === "open" ? 0.85 : 1} />
        ))}
        {labels.map((l, i) => (
          <g key={i}>
            <line x1={l.cx} x2={l.cx} y1={bandY - 4} y2={bandY + bandH + 4} stroke="#f8fafc" strokeWidth={1.5} />
            {!l.hidden && (
              <text x={l.x0} y={rowY(l.row)} className="mark reconnect-label" fill="#f8fafc" textAnchor="start">
                {l.text}
                {l.more > 0 ? ` +${l.more}` : ""}
              </text>
            )}
          </g>
        ))}
        {ticks.map((s) => (
          <text key={s} x={x(now - s * 1000)} y={h - 6} className="axis" textAnchor={s === 0 ? "end" : s === spanMs / 1000 ? "start" : "middle"}>
            {s === 0 ? "now" : `-${s}s`}
          </text>
        ))}
      </svg>
    </div>
  );
}

/**
 * Horizontal bars for a latency summary (`{min, p50, p95, p99, max, count}`), for when
 * only percentiles are known (Calimero round trips).
 */
export function PercentileBars({ summary, height = 170, emptyText = "no samples yet" }) {
  const [ref, { width: w }] = useSize();
  const h = height;
  const pad = { left: 48, right: 64, top: 14, bottom: 22 };
  const rows = [
    ["min", summary?.min, "#64748b"],
    ["p50", summary?.p50, COLORS.p50],
    ["p95", summary?.p95, COLORS.p95],
    ["p99", summary?.p99, COLORS.p99],
    ["max", summary?.max, "#94a3b8"],
  ];
  const has = summary && summary.count > 0;
  const { max: xMax, step } = niceScale(Math.max(5, ...(has ? rows.map((r) => r[1] ?? 0) : [5])), 4);
  const x = (v) => pad.left + (v / xMax) * (w - pad.left - pad.right);
  const rowH = (h - pad.top - pad.bottom) / rows.length;
  const ticks = [];
  for (let v = 0; v <= xMax + 1e-9; v += step) ticks.push(v);
  return (
    <div ref={ref} className="plot">
      <svg width={w} height={h} role="img" aria-label="round-trip percentiles">
        {ticks.map((v) => (
          <g key={v}>
            <line x1={x(v)} x2={x(v)} y1={pad.top} y2={h - pad.bottom} className="grid" />
            <text x={x(v)} y={h - 6} className="axis" textAnchor="middle">
              {fmt(v)} ms
            </text>
          </g>
        ))}
        {rows.map(([label, v, color], i) => (
          <g key={label}>
            <text x={pad.left - 8} y={pad.top + i * rowH + rowH / 2 + 4} className="axis" textAnchor="end">
              {label}
            </text>
            {has && (
              <>
                <rect x={pad.left} y={pad.top + i * rowH + 4} width={Math.max(2, x(v) - pad.left)} height={rowH - 8} rx={4} fill={color} opacity={0.85} />
                <text x={x(v) + 6} y={pad.top + i * rowH + rowH / 2 + 4} className="mark" fill={color}>
                  {fmt(v)} ms
                </text>
              </>
            )}
          </g>
        ))}
        {!has && (
          <text x={w / 2} y={h / 2} className="empty" textAnchor="middle">
            {emptyText}
          </text>
        )}
      </svg>
    </div>
  );
}
