// Types of the calimero-socket package: every option, the batch, frames, stats,
// notices and errors. The runtime is the wasm-bindgen glue in ../pkg (re-exported by
// index.js); these declarations replace its `any`-typed ones.

// ---------------------------------------------------------------------------------
// Loading the wasm

/** Where the wasm comes from, when not from the default URL next to the glue. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** What `init()` resolves to: the instantiated module's memory (the rest is internal). */
export interface InitOutput {
  readonly memory: WebAssembly.Memory;
}

/**
 * Loads and instantiates the wasm (from `calimero_socket_bg.wasm` next to the glue,
 * unless `input` says otherwise). Idempotent: every call, concurrent or later, shares
 * the first one's promise; a failed load is forgotten so a later call retries.
 */
declare function init(
  input?: InitInput | Promise<InitInput> | { readonly module_or_path: InitInput | Promise<InitInput> },
): Promise<InitOutput>;
export default init;
export { init };

/** Instantiates synchronously from bytes or a compiled module (workers, tests). */
export function initSync(module: BufferSource | WebAssembly.Module | { readonly module: BufferSource | WebAssembly.Module }): InitOutput;

/** `init()` once; resolves when a `SocketManager` may be created. */
export function ready(input?: InitInput | Promise<InitInput>): Promise<void>;

/** Whether the wasm is instantiated (`init`, `ready` or `initSync` has finished). */
export function isReady(): boolean;

// ---------------------------------------------------------------------------------
// Options

/** The wire protocol. */
export type Protocol = "calimero" | "json" | "socketio";

/** socketio: the CONNECT payload, or a function (may be async) called on every (re)connect. */
export type AuthOption = { readonly [key: string]: JsonValue } | (() => { readonly [key: string]: JsonValue } | Promise<{ readonly [key: string]: JsonValue }>);

/** Coherent presets; explicit options override them. */
export type Profile = "development" | "production" | "highThroughput";

/** What `send()` does when the offline queue is full. */
export type QueueOverflow = "dropOldest" | "rejectNew";

/** The refresh flags of the default (chat) rules. */
export type ChatFlag = "channels" | "messages" | "dms" | "members";

/** A JSON value (what `pingMessage` may be). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * `new SocketManager(options)`. Only `url` is required. A value of the wrong type, or
 * an unknown key, throws a `TypeError`; an out-of-range number or unknown enum value a
 * `RangeError` (the message names the option).
 *
 * `Flag` is the set of refresh flag names `refreshRules` produces (the chat flags by
 * default; inferred from a literal `refreshRules`).
 */
export interface SocketManagerOptions<Flag extends string = ChatFlag> {
  /**
   * `ws://` or `wss://` URL (socketio: also `http(s)://`, with no path), or a list of
   * them: each pass tries them in order the first time, then the last one that worked
   * first, with no delay between them (the backoff applies between passes). Required.
   */
  url: string | readonly string[];
  /** Wire protocol. Default `"calimero"`. */
  protocol?: Protocol;
  /**
   * Preset defaults: `development` (`debug: true`, never gives up), `production`
   * (`reconnectMaxAttempts: 5`), `highThroughput` (`batchWindowMs: 16`,
   * `maxBatchSize: 500`, `maxBatchWaitMs: 100`, `maxQueuedMessages: 1000`). Default none.
   */
  profile?: Profile;
  /** Appended to the URL as `?token=` (URL-encoded). Default none. */
  token?: string;
  /** Subscribed on every open; Calimero ids are base58 of 32 bytes. Default `[]`. */
  contextIds?: readonly string[];
  /** socketio: namespaces joined on open and re-joined after reconnects. Default `["/"]`. */
  namespaces?: readonly string[];
  /** socketio: the Engine.IO endpoint's path (with its trailing slash). Default `"/socket.io/"`. */
  path?: string;
  /** socketio: extra query parameters of the connect URL. Default `{}`. */
  query?: { readonly [key: string]: string | number | boolean };
  /** socketio: the CONNECT payload (an object, or a function called on every (re)connect). Default none. */
  auth?: AuthOption;
  /** socketio: events whose first argument is base64 of JSON, unwrapped before delivery. Default `{}`. */
  payloadEncoding?: { readonly [event: string]: "base64json" };
  /** socketio: an event emitted on `/` every `heartbeatIntervalMs` with `{timestamp}`, for round trips. Default none. */
  probeEvent?: string;
  /** socketio: the event that answers `probeEvent` (its `_server_timestamp` gives the clock offset). Default `"pong"`. */
  probeReplyEvent?: string;
  /**
   * Coalesce the sends of this window (ms) into one frame: json, one JSON array frame of
   * the sends; socketio, one `sendBatchEvent` whose argument is `[[event, ...args], ...]`
   * (one namespace per batch). Not for calimero (a `RangeError`). Default `0`.
   */
  sendBatchMs?: number;
  /** socketio: the event that carries a batch of emits. Default `"batch"`. */
  sendBatchEvent?: string;
  /** socketio: `emitWithAck` rejects (`ackTimeout`) after this long (ms). Default `10000`. */
  ackTimeoutMs?: number;
  /** Quiet time (ms) that closes a batch. Default `100`. */
  batchWindowMs?: number;
  /** Frames that close a batch at once. Default `10`. */
  maxBatchSize?: number;
  /** Longest time (ms) a batch stays open; must be ≥ `batchWindowMs`. Default `300`. */
  maxBatchWaitMs?: number;
  /** `{ Kind: ["flag", ...] }`; replaces the default chat mapping. Default the chat rules. */
  refreshRules?: { readonly [kind: string]: readonly Flag[] };
  /** Kinds whose frame flushes the batch at once. Default `[]`. */
  criticalKinds?: readonly string[];
  /** Add `events` (every nested event, decoded) to each batch. Default `false`. */
  collectEvents?: boolean;
  /** One socket for every tab of the origin with the same connection identity: a leader tab owns it, every tab gets its own batches. Default `false`. */
  shareAcrossTabs?: boolean;
  /** Log status changes and errors to the console. Default `false`. */
  debug?: boolean;
  /** Reconnect after closes the app did not ask for. Default `true`. */
  reconnect?: boolean;
  /** Backoff ceiling (ms) of the first delayed retry. Default `1000`. */
  reconnectInitialDelayMs?: number;
  /** Backoff ceiling cap (ms). Default `30000`. */
  reconnectMaxDelayMs?: number;
  /** Ceiling growth per retry. Default `2`. */
  reconnectMultiplier?: number;
  /** Uptime (ms) after which the retry counter resets. Default `5000`. */
  reconnectMinUptimeMs?: number;
  /** Retries before status `failed`. Default `Infinity`. */
  reconnectMaxAttempts?: number;
  /** A connect attempt not open by then (ms) counts as failed. Default `10000`. */
  connectTimeoutMs?: number;
  /** Heartbeat probe period (ms); `0` turns probes off. Default `15000`. */
  heartbeatIntervalMs?: number;
  /** No reply (ms) after a probe: the connection is dead. Default `10000`. */
  heartbeatTimeoutMs?: number;
  /** json protocol: the probe sent (objects are JSON-encoded). Default `{"type":"ping"}`. */
  pingMessage?: string | { readonly [key: string]: JsonValue };
  /** json protocol: the `type` of the frame that answers the probe. Default `"pong"`. */
  pongType?: string;
  /** Offline send queue bound. Default `200`. */
  maxQueuedMessages?: number;
  /** Queued messages older than this (ms) are dropped; `0` = never. Default `0`. */
  queuedMessageTtlMs?: number;
  /** What a full queue does. Default `"dropOldest"`. */
  queueOverflow?: QueueOverflow;
  /** Larger frames are dropped unread. Default `1048576`. */
  maxMessageBytes?: number;
  /** Server timestamp field (dotted path allowed); removed from delivered data. Default `"_server_timestamp"`. */
  timestampField?: string;
  /** Latency samples kept for percentiles (and round trips). Default `1000`. */
  latencySampleSize?: number;
  /** `onDegraded` warning threshold (ms). Default `50`. */
  latencyWarnMs?: number;
  /** `onDegraded` critical threshold (ms), ≥ `latencyWarnMs`. Default `100`. */
  latencyCriticalMs?: number;
  /** `onMetrics(stats)` period (ms) while connected; `0` = off. Default `0`. */
  metricsIntervalMs?: number;
}

// ---------------------------------------------------------------------------------
// Frames

/** One nested event of a Calimero frame, its byte-array `data` decoded. */
export interface CalimeroEvent {
  /** The app event's kind (`MessageSent`, ...). */
  readonly kind: string;
  /** The JSON the event's bytes carried (`null` for a unit variant; a string if not JSON). */
  readonly data: unknown;
  readonly handler?: string | null;
}

/**
 * A Calimero frame as delivered: the node's `result` object, with every
 * `events[].data` byte array decoded into the JSON it carries.
 */
export interface CalimeroFrame {
  /** Set on context events. */
  readonly contextId?: string;
  /** Set on group events (`MemberJoined`, ...). */
  readonly groupId?: string;
  /** `StateMutation`, `ExecutionEvent`, `SyncStatus`, `Ephemeral`, ... */
  readonly type: string;
  readonly data: {
    readonly newRoot?: string;
    readonly events?: readonly CalimeroEvent[];
    readonly [key: string]: unknown;
  };
}

/** A json-protocol frame as delivered (the `timestampField` removed). */
export interface JsonFrame {
  readonly type: string;
  readonly contextId?: string;
  readonly seq?: number;
  readonly data?: unknown;
  readonly [key: string]: unknown;
}

/** Either protocol's frame. */
export type Frame = CalimeroFrame | JsonFrame;

/** One entry of `batch.events` (with `collectEvents: true`). */
export interface BatchEvent {
  /** The frame's context (`""` for a json frame without one). */
  readonly contextId: string;
  /** The frame's `type`. */
  readonly type: string;
  /** The nested event's kind, or the frame's `type` when it has no nested events. */
  readonly kind: string;
  /** The event's data, decoded. */
  readonly data: unknown;
  readonly handler?: string | null;
}

// ---------------------------------------------------------------------------------
// Batches

/** What delivered a batch. */
export type BatchReason = "window" | "maxSize" | "maxWait" | "critical" | "close";

/**
 * The refresh flags of a batch: every flag of the rules (`true` when any nested event
 * of any frame raised it), plus `resync`, plus `changed` (raised by every state frame,
 * a Calimero `StateMutation` with `events: []` too, whatever the rules). Flags not in
 * `Flag` read as `boolean | undefined`.
 */
export type BatchFlags<Flag extends string = ChatFlag> = { readonly [K in Flag | "resync" | "changed"]: boolean } & {
  readonly [flag: string]: boolean | undefined;
};

/** What `onBatch` receives. */
export interface Batch<F extends object = Frame, Flag extends string = ChatFlag> {
  /** Frames folded into this batch. */
  readonly size: number;
  /** The refresh flags raised (and `resync`). */
  readonly flags: BatchFlags<Flag>;
  /** The first batch after a reconnect: the server does not replay, refetch everything. */
  readonly resync: boolean;
  /** socketio: with `resync`, the namespaces whose session was not recovered (each must be refetched). */
  readonly resyncContexts?: readonly string[];
  /** Count per event kind (unknown kinds too). */
  readonly kinds: { readonly [kind: string]: number };
  /**
   * The most recent frame per context, decoded on first read and then cached. A `Proxy`
   * over the context ids: keys, `in`, `Object.entries`, spread and `JSON.stringify` see
   * decoded frames; `structuredClone` refuses proxies (clone `{ ...batch.latest }`).
   */
  readonly latest: { readonly [contextId: string]: F };
  /** The contexts in the batch, in order of first frame. */
  readonly contextIds: readonly string[];
  /** What delivered it. */
  readonly reason: BatchReason;
  /** With `collectEvents: true`: every nested event in arrival order. */
  readonly events?: readonly BatchEvent[];
  /** With `collectEvents: true`: `true` when `events` hit its cap and was cut. */
  readonly eventsTruncated?: boolean;
  /** Present (`true`) when `latest` hit its per-batch context cap. */
  readonly latestTruncated?: true;
}

// ---------------------------------------------------------------------------------
// Status, notices, errors

/** `SocketManager.status` and what `onStatus` receives. */
export type ConnectionStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed" | "failed";

/** Health verdict over the last minute. */
export type Health = "healthy" | "warning" | "critical";

/** Connection quality verdict. */
export type ConnectionQuality = "excellent" | "good" | "poor";

/** What `onGap` receives when a json `seq` skips. */
export interface GapNotice {
  /** The sequence's context (`""` for a global sequence). */
  readonly contextId: string;
  readonly expected: number;
  readonly received: number;
}

/** What `onDegraded` receives. */
export interface DegradedNotice {
  readonly severity: "warning" | "critical" | "recovered";
  /** The latency sample (ms) that raised or ended the alert. */
  readonly latencyMs: number;
  /** The event kind of that sample, when known. */
  readonly kind: string | null;
}

/** What `onHealth` receives when either verdict changes. */
export interface HealthNotice {
  readonly health: Health;
  readonly connectionQuality: ConnectionQuality;
}

/** `error.code` of everything `onError` reports. */
export type ErrorCode =
  | "badFrame"
  | "oversizedFrame"
  | "binaryFrame"
  | "subscriptionDenied"
  | "invalidContextId"
  | "serverError"
  | "callbackThrew"
  | "messageDropped"
  | "connectFailed"
  | "connectionLost"
  | "heartbeatTimeout"
  | "gaveUp"
  | "duplicateFrame"
  | "badTimestamp"
  | "connectError"
  | "namespaceDisconnected"
  | "serverDisconnect"
  | "notJoined"
  | "payloadTooLarge"
  | "badPayload";

/**
 * `error.code` of a rejected `execute()`: `serverError` (the node's error reply, with
 * its `type` and `data`), `executeTimeout` (no reply within `timeoutMs`),
 * `connectionLost` (the socket died after the call was sent), `closed` (`close()`,
 * `free()`, or called when closed or failed), `messageDropped` (dropped from the
 * offline queue, or 256 calls already pending), `invalidContextId`, `unsupported`
 * (protocol `"json"`).
 */
export type ExecuteErrorCode =
  | "serverError"
  | "executeTimeout"
  | "connectionLost"
  | "closed"
  | "messageDropped"
  | "invalidContextId"
  | "unsupported";

/** What a rejected `execute()` gives. */
export type ExecuteError = Error & {
  readonly code: ExecuteErrorCode;
  /** `serverError`: the node's error `type` (e.g. `"FunctionCallError"`). */
  readonly type?: string;
  /** `serverError`: the node's error `data` (a string or any JSON value). */
  readonly data?: unknown;
};

/** `execute()`'s options. */
export interface ExecuteOptions {
  /** Rejects with `executeTimeout` when no reply came by then, counted from the call (queued time included). Default 10000. */
  timeoutMs?: number;
}

/** What `onError` receives: a real `Error`, never fatal to the manager. */
export type SocketManagerError = Error & {
  readonly code: ErrorCode;
  /** `subscriptionDenied`, `invalidContextId`, `serverError`: the ids concerned. */
  readonly contextIds?: readonly string[];
  /** `connectFailed`, `connectionLost`: the WebSocket close code. */
  readonly closeCode?: number;
  /** `connectError`: the server's `data`. */
  readonly data?: JsonValue;
};

// ---------------------------------------------------------------------------------
// Stats

/** Percentiles over the last `latencySampleSize` samples (all `0` before the first). */
export interface LatencySummary {
  /** Samples ever added (not only those in the window). */
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** A manager's part in `shareAcrossTabs`. */
export type TabRole = "leader" | "follower" | "alone";

/** The `stats()` snapshot (also what `onMetrics` receives). Totals since creation or `resetStats()`. */
export interface Stats {
  readonly framesReceived: number;
  readonly bytesReceived: number;
  /** Over the last minute. */
  readonly framesPerSecond: number;
  /** State frames folded into batches. */
  readonly framesBatched: number;
  readonly batchesDelivered: number;
  readonly framesPerBatch: number;
  readonly largestBatch: number;
  /** Refetches spared: frames batched minus batches delivered. */
  readonly refreshesSaved: number;
  /** Frames read but not delivered (malformed, oversized, binary, duplicate). */
  readonly framesDropped: number;
  /** Side events handed to `onEvent`. */
  readonly sideEvents: number;
  /** Count per event kind seen. */
  readonly kindsSeen: { readonly [kind: string]: number };
  readonly errors: number;
  /** Only codes that occurred are present. */
  readonly errorsByCode: { readonly [C in ErrorCode]?: number };
  /** Sockets created. */
  readonly connectAttempts: number;
  /** Successful opens after the first. */
  readonly reconnects: number;
  /** Retries of the current backoff run. */
  readonly retries: number;
  readonly messagesSent: number;
  /** Messages that went through the offline queue. */
  readonly messagesQueued: number;
  readonly messagesDropped: number;
  /** Messages in the queue now. */
  readonly queued: number;
  readonly gaps: number;
  readonly duplicates: number;
  /** Frames in the batch not yet delivered. */
  readonly pendingFrames: number;
  /** Server stamps refused (not a positive number, or more than 60 s ahead of the corrected clock): every one, reported or not. */
  readonly badTimestamps: number;
  /** Presence (`Ephemeral` with `ageMs`) the node replayed because a heartbeat probe re-subscribed, dropped. */
  readonly probeReplaysDropped: number;
  /** `execute()` calls awaiting their reply (sent or queued). */
  readonly executesPending: number;
  /** `shareAcrossTabs`: managers sharing this socket, this one included (`1` when alone). */
  readonly sharedTabs: number;
  readonly subscriptions: readonly string[];
  /** The URL in use or being tried (without the token); `null` before the first attempt. */
  readonly url: string | null;
  /** Failed connect attempts per URL. */
  readonly urlFailures: { readonly [url: string]: number };
  /** The last round trip (ms), `null` before the first. */
  readonly lastRttMs: number | null;
  /** End-to-end latency corrected by the clock offset. */
  readonly latency: LatencySummary;
  /** End-to-end latency as measured (no clock correction). */
  readonly latencyRaw: LatencySummary;
  readonly latencyByKind: { readonly [kind: string]: LatencySummary };
  /** Corrected latency of the window in buckets: `counts[i]` samples under `boundsMs[i]`
   * (and at or over the bound before it); the last count is for the rest. */
  readonly latencyHistogram: { readonly boundsMs: readonly number[]; readonly counts: readonly number[] };
  /** One-way samples that came out negative (after the clock-offset correction) and entered as 0. */
  readonly latencyClamped: number;
  /** The same for the uncorrected (raw) samples. */
  readonly latencyRawClamped: number;
  /** Round trips of subscribe replies and heartbeat probes. */
  readonly rtt: LatencySummary;
  /** Server clock minus client clock (ms), `null` until estimated. */
  readonly clockOffsetMs: number | null;
  readonly clockOffsetUncertaintyMs: number | null;
  readonly health: Health;
  readonly connectionQuality: ConnectionQuality;
  readonly alertsRaised: number;
  /** wasm linear memory size in bytes. */
  readonly memoryBytes: number;
  readonly status: ConnectionStatus;
}

/** `SocketManager.liveHandles()`: live browser handles over every manager. */
export interface LiveHandles {
  readonly sockets: number;
  readonly listeners: number;
  readonly timers: number;
}

/** What every `on*` method returns: removes the callback. */
export type Unsubscribe = () => void;

/** socketio: emits on one namespace (`m.of(ns)`), optionally with an ack timeout. */
export interface NamespaceEmitter {
  emit(event: string, ...args: unknown[]): boolean;
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T>;
  timeout(ms: number): NamespaceEmitter;
}

/** A batch callback; a returned Promise holds the next batch back (backpressure). */
export type BatchCallback<F extends object = Frame, Flag extends string = ChatFlag> = (
  batch: Batch<F, Flag>,
) => void | PromiseLike<unknown>;

// ---------------------------------------------------------------------------------
// The manager

/**
 * A realtime connection: WebSocket, subscriptions, batching, reconnects. Create it
 * after `await ready()`. `F` is the frame type delivered (`latest`, `onEvent`);
 * `Flag` the refresh flag names.
 */
export declare class SocketManager<F extends object = Frame, Flag extends string = ChatFlag> {
  /** Throws a `TypeError`/`RangeError` naming a bad option. */
  constructor(options: SocketManagerOptions<Flag>);
  /** Connects (idempotent: never opens a second socket). */
  connect(): void;
  /** Closes with code 1000; nothing reconnects until `connect()` is called again. */
  close(): void;
  /** Releases the wasm side (closes first); the object is unusable afterwards. */
  free(): void;
  /** Subscribes to more ids (re-sent after every reconnect). Returns the ids refused as malformed. */
  subscribe(contextIds: readonly string[]): string[];
  /** Removes subscriptions. */
  unsubscribe(contextIds: readonly string[]): void;
  /**
   * Sends (objects JSON-encoded); queued while not open. `false` when it can be neither.
   * socketio: emits `"message"` on `/` with `value`, as socket.io's `send` does.
   */
  send(value: string | number | boolean | object | null): boolean;
  /**
   * socketio: emits `event` with `args` on `/`; queued until `/` is joined. `false` when
   * refused (a namespace not wanted: `notJoined`; a packet at or over the server's
   * `maxPayload`: `payloadTooLarge`) or dropped. Throws a `TypeError` for a reserved
   * name, binary arguments (not supported yet) or arguments JSON cannot carry.
   */
  emit(event: string, ...args: unknown[]): boolean;
  /**
   * socketio: emits and resolves with the ack's first argument; rejects with an `Error`
   * of code `ackTimeout` (after `ackTimeoutMs`, counted from the call, also offline),
   * `connectionLost`, `closed`, `messageDropped`, `notJoined` or `payloadTooLarge`.
   */
  emitWithAck<T = unknown>(event: string, ...args: unknown[]): Promise<T>;
  /** socketio: `emitWithAck` with its own timeout (ms): `m.timeout(5000).emitWithAck(...)`. */
  timeout(ms: number): NamespaceEmitter;
  /** socketio: emits on another namespace: `m.of("/guild/1").emit(...)`. */
  of(namespace: string): NamespaceEmitter;
  /** socketio: each namespace's state (`"joining"`, `"joined"`, `"refused"`, `"kicked"`). */
  readonly namespaces: { readonly [namespace: string]: "joining" | "joined" | "refused" | "kicked" };
  /**
   * Calls `method` of `contextId` on the node (Calimero `execute`; `args` JSON-encoded
   * as `argsJson`, `{}` when absent). Resolves to the reply's `output`; rejects with an
   * {@link ExecuteError}. Queued while not open, like `send()`. Throws a `TypeError` for
   * a non-string `contextId`/`method`, a `RangeError` for a bad `timeoutMs`.
   */
  execute<T = unknown>(contextId: string, method: string, args?: unknown, options?: ExecuteOptions): Promise<T>;
  /** Drops every queued message (each counted and reported). Returns how many. */
  clearQueue(): number;
  /** Sends the `sendBatchMs` batch held now (also done on `pagehide` and `close()`). */
  flush(): void;
  /** Each batch; a returned Promise holds the next batch back. */
  onBatch(cb: BatchCallback<F, Flag>): Unsubscribe;
  /** Every status change. */
  onStatus(cb: (status: ConnectionStatus) => void): Unsubscribe;
  /** Every non-fatal error. */
  onError(cb: (error: SocketManagerError) => void): Unsubscribe;
  /** Side events (`SyncStatus`, `Ephemeral`, `XCall`, `AppVersionChanged`, group events), one by one. */
  onEvent(cb: (event: F) => void): Unsubscribe;
  /** A json `seq` gap. */
  onGap(cb: (gap: GapNotice) => void): Unsubscribe;
  /** Latency crossing `latencyWarnMs` / `latencyCriticalMs`, and its recovery. */
  onDegraded(cb: (notice: DegradedNotice) => void): Unsubscribe;
  /** Health or connection quality changed. */
  onHealth(cb: (notice: HealthNotice) => void): Unsubscribe;
  /** The `stats()` snapshot every `metricsIntervalMs` while connected. */
  onMetrics(cb: (stats: Stats) => void): Unsubscribe;
  /** A snapshot of the counters, latency, health and memory. */
  stats(): Stats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Feeds `text` through the same path as a socket frame (tests, benchmarks). */
  injectFrame(text: string): void;
  /** The current status. */
  readonly status: ConnectionStatus;
  /**
   * `shareAcrossTabs`: `"leader"` (this tab runs the shared socket), `"follower"` (it
   * reads another tab's), `"alone"` (its own socket: sharing off or not possible here,
   * or not connected).
   */
  readonly role: TabRole;
  /** `cb(role)` on every change of `role`. */
  onRole(cb: (role: TabRole) => void): Unsubscribe;
  /** The current subscriptions. */
  readonly subscriptions: string[];
  /** Live sockets, page listeners and timers over every manager (all zero once every manager is closed). */
  static liveHandles(): LiveHandles;
}
