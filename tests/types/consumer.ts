// A consumer of the published types: `npm run check:types` (tsc -p tests/types) must
// pass. Every `@ts-expect-error` line below MUST fail to compile; if one ever compiled,
// tsc would fail with "Unused '@ts-expect-error' directive". Never run, only checked.

import init, {
  SocketManager,
  init as namedInit,
  initSync,
  isReady,
  ready,
  type Batch,
  type BatchEvent,
  type CalimeroFrame,
  type ConnectionStatus,
  type DegradedNotice,
  type ErrorCode,
  type ExecuteError,
  type ExecuteErrorCode,
  type Frame,
  type GapNotice,
  type HealthNotice,
  type JsonFrame,
  type LatencySummary,
  type LiveHandles,
  type SocketManagerError,
  type SocketManagerOptions,
  type Stats,
} from "calimero-socket";
import {
  SocketManagerProvider,
  useBatches,
  useConnectionStatus,
  useLatency,
  useRefreshFlags,
  useSocketManager,
  useStats,
  type LatencyView,
} from "calimero-socket/react";
import { createElement, StrictMode, type ReactElement } from "react";

declare function refetchChannels(): Promise<void>;
declare function refetchDms(): Promise<string[]>;
declare function refetchMessages(contextId: string): void;
declare function render(text: string): void;

// ---------------------------------------------------------------------------------
// Loading

export async function load(bytes: ArrayBuffer): Promise<void> {
  const out = await init();
  const mem: WebAssembly.Memory = out.memory;
  await namedInit(new URL("/pkg/calimero_socket_bg.wasm", location.href));
  await ready();
  const loaded: boolean = isReady();
  initSync(bytes);
  initSync({ module: new WebAssembly.Module(bytes) });
  render(`${mem.buffer.byteLength} ${loaded}`);
  // @ts-expect-error ready() resolves to nothing
  const nothing: number = await ready();
  render(String(nothing));
}

// ---------------------------------------------------------------------------------
// Every option

const everyOption: SocketManagerOptions = {
  url: "wss://node.example/ws",
  protocol: "calimero",
  profile: "production",
  token: "jwt",
  contextIds: ["9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi"],
  batchWindowMs: 100,
  maxBatchSize: 10,
  maxBatchWaitMs: 300,
  refreshRules: { MessageSent: ["messages"], ChannelJoined: ["channels", "members"] },
  criticalKinds: ["ChannelCreated"],
  collectEvents: true,
  debug: false,
  reconnect: true,
  reconnectInitialDelayMs: 1000,
  reconnectMaxDelayMs: 30000,
  reconnectMultiplier: 2,
  reconnectMinUptimeMs: 5000,
  reconnectMaxAttempts: Infinity,
  connectTimeoutMs: 10000,
  heartbeatIntervalMs: 15000,
  heartbeatTimeoutMs: 10000,
  pingMessage: { type: "ping" },
  maxQueuedMessages: 200,
  queuedMessageTtlMs: 0,
  queueOverflow: "dropOldest",
  maxMessageBytes: 1048576,
  timestampField: "_server_timestamp",
  latencySampleSize: 1000,
  latencyWarnMs: 50,
  latencyCriticalMs: 100,
  metricsIntervalMs: 0,
};

const json: SocketManagerOptions = { url: "ws://127.0.0.1:9477/json", protocol: "json", pingMessage: "ping", queueOverflow: "rejectNew", profile: "highThroughput" };

// shareAcrossTabs: the option, the role and its callback, stats().sharedTabs.
const shared = new SocketManager({ url: "ws://127.0.0.1:9477/ws", shareAcrossTabs: true });
const role: "leader" | "follower" | "alone" = shared.role;
const offRole: () => void = shared.onRole((r) => {
  const same: typeof role = r;
  void same;
});
const tabsSharing: number = shared.stats().sharedTabs;
void [offRole, tabsSharing];
const notABoolean: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error shareAcrossTabs is a boolean
  shareAcrossTabs: "yes",
};
// @ts-expect-error the role is read-only
shared.role = "leader";

const wrongType: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error batchWindowMs is a number
  batchWindowMs: "100",
};

const misspelled: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error unknown option (typo of batchWindowMs)
  batchWindwMs: 100,
};

const badEnum: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error protocol is "calimero" | "json"
  protocol: "websocket",
};

// @ts-expect-error url is required
const noUrl: SocketManagerOptions = { protocol: "json" };

const badProfile: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error not a profile
  profile: "fast",
};

const badRules: SocketManagerOptions = {
  url: "ws://x",
  // @ts-expect-error the default Flag set is the chat flags
  refreshRules: { MessageSent: ["mesages"] },
};

// ---------------------------------------------------------------------------------
// The manager, callbacks, batch, stats

export function useTheManager(): void {
  const m = new SocketManager(everyOption);
  const j = new SocketManager<JsonFrame>(json);

  const output: Promise<{ v: number }> = m.execute<{ v: number }>("ctx", "get", { key: "k" }, { timeoutMs: 500 });
  output.catch((e: ExecuteError) => {
    const c: ExecuteErrorCode = e.code;
    const t: string | undefined = e.type;
    return [c, t, e.data];
  });
  // @ts-expect-error timeoutMs is a number
  m.execute("ctx", "get", {}, { timeoutMs: "1" });
  const pending: number = m.stats().executesPending + m.stats().badTimestamps + m.stats().probeReplaysDropped;
  void pending;
  const offBatch: () => void = m.onBatch(async (batch) => {
    const size: number = batch.size;
    const channels: boolean = batch.flags.channels;
    const resync: boolean = batch.flags.resync && batch.resync;
    const changed: boolean = batch.flags.changed;
    void changed;
    const custom: boolean | undefined = batch.flags["someCustomFlag"];
    const sent: number | undefined = batch.kinds["MessageSent"];
    const reason: "window" | "maxSize" | "maxWait" | "critical" | "close" = batch.reason;
    for (const id of batch.contextIds) {
      const frame: Frame | undefined = batch.latest[id];
      if (frame) refetchMessages(`${id} ${frame.type}`);
    }
    const events: readonly BatchEvent[] = batch.events ?? [];
    for (const e of events) render(`${e.contextId} ${e.type} ${e.kind} ${JSON.stringify(e.data)}`);
    const cut: boolean | undefined = batch.eventsTruncated;
    const latestCut: true | undefined = batch.latestTruncated;
    render(`${size} ${channels} ${resync} ${custom} ${sent} ${reason} ${cut} ${latestCut}`);
    if (batch.flags.resync || batch.flags.channels) await refetchChannels();
    // @ts-expect-error flags are booleans
    const notString: string = batch.flags.messages;
    // @ts-expect-error "timeout" is not a batch reason
    if (batch.reason === "timeout") render(notString);
  });
  m.onBatch(() => undefined);
  m.onBatch(() => refetchDms());

  j.onBatch((batch: Batch<JsonFrame>) => {
    const latest = batch.latest["ctx"];
    const seq: number | undefined = latest?.seq;
    render(String(seq));
  });

  m.onStatus((status) => {
    const s: ConnectionStatus = status;
    if (s === "open" || s === "reconnecting" || s === "failed") render(s);
    // @ts-expect-error "opened" is not a status
    if (status === "opened") render(s);
  });
  m.onError((error: SocketManagerError) => {
    const code: ErrorCode = error.code;
    const stamp: ErrorCode = "badTimestamp";
    void stamp;
    const msg: string = error.message;
    const ids: readonly string[] | undefined = error.contextIds;
    const close: number | undefined = error.closeCode;
    render(`${code} ${msg} ${ids?.join()} ${close}`);
    // @ts-expect-error not an error code
    if (error.code === "timeout") render(msg);
  });
  m.onEvent((event) => {
    const c = event as CalimeroFrame;
    render(`${c.type} ${c.contextId} ${c.groupId} ${c.data.events?.length}`);
  });
  m.onGap((gap: GapNotice) => render(`${gap.contextId} ${gap.expected} ${gap.received}`));
  m.onDegraded((n: DegradedNotice) => {
    render(`${n.severity} ${n.latencyMs} ${n.kind ?? "-"}`);
    // @ts-expect-error severity is warning | critical | recovered
    if (n.severity === "ok") render("");
  });
  m.onHealth((h: HealthNotice) => render(`${h.health} ${h.connectionQuality}`));
  m.onMetrics((s: Stats) => render(String(s.framesPerSecond)));

  m.connect();
  const refused: string[] = m.subscribe(["3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3"]);
  // @ts-expect-error ids are an array
  m.subscribe("3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3");
  m.unsubscribe(refused);
  const queued: boolean = m.send({ hello: "world" }) && m.send("text");
  // @ts-expect-error undefined cannot be JSON-encoded
  m.send(undefined);
  const cleared: number = m.clearQueue();
  m.injectFrame('{"type":"x"}');
  const status: ConnectionStatus = m.status;
  const subs: string[] = m.subscriptions;
  const live: LiveHandles = SocketManager.liveHandles();
  render(`${queued} ${cleared} ${status} ${subs.length} ${live.sockets + live.listeners + live.timers}`);

  const s: Stats = m.stats();
  const numbers: number[] = [
    s.framesReceived, s.bytesReceived, s.framesPerSecond, s.framesBatched, s.batchesDelivered,
    s.framesPerBatch, s.largestBatch, s.refreshesSaved, s.framesDropped, s.sideEvents, s.errors,
    s.connectAttempts, s.reconnects, s.retries, s.messagesSent, s.messagesQueued,
    s.messagesDropped, s.queued, s.gaps, s.duplicates, s.pendingFrames, s.alertsRaised, s.memoryBytes,
  ];
  const kinds: number | undefined = s.kindsSeen["MessageSent"];
  const badFrames: number | undefined = s.errorsByCode.badFrame;
  const latencies: LatencySummary[] = [s.latency, s.latencyRaw, s.rtt];
  const byKind: LatencySummary | undefined = s.latencyByKind["MessageSent"];
  const p: number = s.latency.p50 + s.latency.p95 + s.latency.p99 + s.latency.min + s.latency.max + s.latency.mean + s.latency.count;
  const nullable: (number | null)[] = [s.lastRttMs, s.clockOffsetMs, s.clockOffsetUncertaintyMs];
  const verdict: string = `${s.health} ${s.connectionQuality} ${s.status} ${s.subscriptions.join()}`;
  render(`${numbers} ${kinds} ${badFrames} ${latencies.length} ${byKind?.p95} ${p} ${nullable} ${verdict}`);
  // @ts-expect-error misspelled stats field
  render(String(s.framesRecieved));
  // @ts-expect-error lastRttMs may be null
  const rtt: number = s.lastRttMs;
  // @ts-expect-error not an error code
  render(String(s.errorsByCode.timeout ?? rtt));

  m.resetStats();
  m.close();
  m.free();
  offBatch();
}

// Custom refresh rules: the flag names are inferred from the literal rules.
export function customFlags(): void {
  const m = new SocketManager({ url: "ws://x", refreshRules: { OrderPlaced: ["orders"], OrderShipped: ["orders", "shipping"] } });
  m.onBatch((batch) => {
    const orders: boolean = batch.flags.orders;
    const shipping: boolean = batch.flags.shipping;
    render(`${orders} ${shipping}`);
  });
}

// ---------------------------------------------------------------------------------
// React

function Channels(): ReactElement {
  const m = useSocketManager();
  const status: ConnectionStatus = useConnectionStatus();
  const stats: Stats | null = useStats(500);
  const latency: LatencyView | null = useLatency();
  useRefreshFlags({ channels: refetchChannels, dms: refetchDms, resync: () => undefined });
  useRefreshFlags({ messages: (batch) => batch.contextIds.forEach(refetchMessages) }, m);
  // @ts-expect-error misspelled flag
  useRefreshFlags({ chanels: refetchChannels });
  useBatches((batch) => render(String(batch.size)));
  useBatches(async (batch) => {
    if (batch.flags.members) await refetchChannels();
  }, m);
  // @ts-expect-error "opened" is not a status
  if (status === "opened") render("");
  // @ts-expect-error the interval is a number
  useStats("1000");
  const l = latency ? `${latency.latency.p95} ${latency.rtt.p50} ${latency.clockOffsetMs} ${latency.health} ${latency.connectionQuality}` : "";
  return createElement("p", null, `${status} ${stats?.framesReceived ?? 0} ${l}`);
}

function Standalone({ url }: { url: string }): ReactElement {
  const m = useSocketManager({ url, protocol: "json", contextIds: ["a"] });
  const none = useSocketManager(null);
  const status = useConnectionStatus(m);
  const stats = useStats(1000, m);
  const latency = useLatency(250, none);
  useBatches((batch) => render(String(batch.size)), m);
  useRefreshFlags({ channels: refetchChannels }, m);
  // @ts-expect-error wrong option type
  useSocketManager({ url, batchWindowMs: "100" });
  return createElement("p", null, `${status} ${stats?.queued} ${latency?.health}`);
}

export function App(): ReactElement {
  return createElement(
    StrictMode,
    null,
    createElement(
      SocketManagerProvider,
      { options: { url: "wss://node.example/ws", contextIds: ["9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi"] } },
      createElement(Channels),
      createElement(Standalone, { url: "ws://127.0.0.1:9477/json" }),
    ),
    createElement(SocketManagerProvider, { options: null, autoConnect: false }),
  );
}

export const unused = [json, wrongType, misspelled, badEnum, noUrl, badProfile, badRules, notABoolean];
