// React hooks of calimero-socket (`calimero-socket/react`). React 18 or newer.
//
// StrictMode: the development double mount opens exactly one WebSocket. A provider's
// (or owning hook's) manager is connected, and closed + freed, from a `setTimeout(0)`
// that the next mount/unmount cancels, so mount → unmount → mount never opens a
// socket only to close it, and a real unmount leaves nothing live.
//
// Options: the manager is created with the first committed options. Changing `url`,
// `protocol` or `token` replaces it (one new socket); a changed `contextIds` list is
// applied with `subscribe`/`unsubscribe` of the difference; other options are read
// once (change the provider's `key` to apply them).
//
// Renders: no hook sets React state per frame or per batch; a burst of frames costs at
// most the renders the app's own batch handler causes.

import type { ReactElement, ReactNode } from "react";
import type {
  Batch,
  ChatFlag,
  ConnectionQuality,
  ConnectionStatus,
  Frame,
  Health,
  LatencySummary,
  SocketManager,
  SocketManagerOptions,
  Stats,
} from "./index.js";

/** Keeps a type parameter from being inferred from this position. */
type NoInferHere<T> = [T][T extends unknown ? 0 : never];

export interface SocketManagerProviderProps<Flag extends string = ChatFlag> {
  /** The manager's options (see the module comment for what may change later). `null`: no manager yet. */
  options: SocketManagerOptions<Flag> | null;
  /** Call `connect()` once mounted. Default `true`. */
  autoConnect?: boolean;
  children?: ReactNode;
}

/**
 * One manager shared by every component under it: created once (after `ready()`),
 * connected unless `autoConnect` is false, closed and freed on unmount. Read it with
 * `useSocketManager()`; every other hook reads it when given no manager.
 */
export function SocketManagerProvider<Flag extends string = ChatFlag>(props: SocketManagerProviderProps<Flag>): ReactElement;

/**
 * The provider's manager (throws outside a `SocketManagerProvider`); `null` until the
 * wasm is ready. The type parameters only assert what the provider was given.
 */
export function useSocketManager<F extends object = Frame, Flag extends string = ChatFlag>(): SocketManager<F, Flag> | null;
/**
 * A manager owned by the calling component, connected after mount and closed + freed
 * on unmount (StrictMode-safe as above). `null` until the wasm is ready, and while
 * `options` is `null`.
 */
export function useSocketManager<F extends object = Frame, Flag extends string = ChatFlag>(
  options: SocketManagerOptions<Flag> | null,
): SocketManager<F, Flag> | null;

/**
 * The manager's status (`"idle"` without one), re-rendered on each change only.
 * `manager` defaults to the provider's.
 */
export function useConnectionStatus<F extends object = Frame, Flag extends string = ChatFlag>(
  manager?: SocketManager<F, Flag> | null,
): ConnectionStatus;

/** `stats()` sampled every `intervalMs` (default 1000): one render per interval; `null` without a manager. */
export function useStats<F extends object = Frame, Flag extends string = ChatFlag>(
  intervalMs?: number,
  manager?: SocketManager<F, Flag> | null,
): Stats | null;

/** The latency view of `stats()`, sampled every `intervalMs` (default 1000). */
export interface LatencyView {
  /** End-to-end latency (clock-corrected). */
  readonly latency: LatencySummary;
  /** Round trips of subscribe replies and heartbeat probes. */
  readonly rtt: LatencySummary;
  readonly clockOffsetMs: number | null;
  readonly health: Health;
  readonly connectionQuality: ConnectionQuality;
}

/** Latency, round trips, clock offset, health and quality every `intervalMs` (default 1000); `null` without a manager. */
export function useLatency<F extends object = Frame, Flag extends string = ChatFlag>(
  intervalMs?: number,
  manager?: SocketManager<F, Flag> | null,
): LatencyView | null;

/**
 * Calls `handler(batch)` once per batch. A returned Promise holds the next batch back
 * (the manager's backpressure). The handler is read from a ref: a new function each
 * render does not resubscribe.
 */
export function useBatches<F extends object = Frame, Flag extends string = ChatFlag>(
  handler: (batch: Batch<F, Flag>) => void | PromiseLike<unknown>,
  manager?: SocketManager<F, Flag> | null,
): void;

/** What a refresh handler receives and may return (a Promise holds the next batch back). */
export type RefreshHandler<F extends object = Frame, Flag extends string = ChatFlag> = (
  batch: Batch<F, Flag>,
) => void | PromiseLike<unknown>;

/** `{ flag: handler }`: the flags of the rules, plus `resync` and `changed`. */
export type RefreshHandlers<F extends object = Frame, Flag extends string = ChatFlag> = {
  readonly [K in Flag | "resync" | "changed"]?: RefreshHandler<F, Flag>;
};

/**
 * `useRefreshFlags({ channels: fetchChannels, dms: fetchDms })`: per batch, calls each
 * handler whose flag was raised (all of them on a `resync` batch), each function at
 * most once per batch, and hands `onBatch` a Promise of them all so the next batch
 * waits for the refetches. Handlers are read from a ref.
 */
export function useRefreshFlags<F extends object = Frame, Flag extends string = ChatFlag>(
  handlers: RefreshHandlers<NoInferHere<F>, NoInferHere<Flag>>,
  manager?: SocketManager<F, Flag> | null,
): void;
