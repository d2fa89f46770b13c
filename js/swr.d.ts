// Refresh flags into SWR 2 (`calimero-socket/swr`). Needs `swr` 2 or newer (an optional
// peer dependency, never bundled) and, for the hook, React 18 or newer.
//
// Per batch, one `mutate(filter)` call revalidates every SWR key that a matcher of a
// raised flag selects (every matcher, the `resync` ones included, on a `resync` batch):
// each key once per batch however many flags or matchers reach it. Only the filter is
// passed, so SWR revalidates (keys with a mounted `useSWR` refetch) and writes nothing.
// The returned Promise (settled when the revalidations are) holds the next batch back
// (the manager's backpressure).

import type { Arguments } from "swr";
import type { ChatFlag, Frame, SocketManager, Unsubscribe } from "./index.js";

/** Keeps a type parameter from being inferred from this position. */
type NoInferHere<T> = [T][T extends unknown ? 0 : never];

/** SWR's key filter: called with each cache key as the app wrote it. */
export type SWRKeyFilter = (key: Arguments) => boolean;

/**
 * Selects SWR keys: a string, the key equal to it; an array, the array keys that start
 * with its items, compared by value (primitives by `Object.is`, arrays and plain
 * objects by content, anything else by identity), so `["messages"]` matches
 * `["messages", ctx]`; a function, SWR's own filter.
 */
export type SWRKeyMatcher = string | readonly unknown[] | SWRKeyFilter;

/**
 * `{ flag: matchers }`: for each flag of the rules (and `resync`, for keys revalidated
 * only on a resync), a list of matchers, or a lone string or filter. An array value is
 * always a list: write one array key as `[["messages", ctx]]`.
 */
export type SWRKeyMap<Flag extends string = ChatFlag> = {
  readonly [K in Flag | "resync"]?: string | SWRKeyFilter | readonly SWRKeyMatcher[];
};

/** The map, or a function called once per batch that returns it. */
export type SWRKeyMapInput<Flag extends string = ChatFlag> = SWRKeyMap<Flag> | (() => SWRKeyMap<Flag>);

/** What `invalidateOnFlags` calls: SWR's global `mutate` or `useSWRConfig().mutate`. */
export type SWRMutate = (filter: SWRKeyFilter) => PromiseLike<unknown>;

/**
 * Revalidates the SWR keys of the raised flags on every batch of `manager` (see the
 * module comment). An object map is checked at once (a matcher of another type throws
 * a `TypeError`); a function map per batch (its error is reported through `onError`).
 * Returns the function that unsubscribes.
 */
export function invalidateOnFlags<F extends object = Frame, Flag extends string = ChatFlag>(
  manager: SocketManager<F, Flag>,
  mutate: SWRMutate,
  map: SWRKeyMapInput<NoInferHere<Flag>>,
): Unsubscribe;

/**
 * `invalidateOnFlags` as a hook, with the nearest `SWRConfig` cache's mutate
 * (`useSWRConfig().mutate`); `manager` defaults to the `SocketManagerProvider`'s
 * (throws outside one). Subscribed once per manager; the map is read from a ref.
 */
export function useInvalidateOnFlags<F extends object = Frame, Flag extends string = ChatFlag>(
  map: SWRKeyMapInput<NoInferHere<Flag>>,
  manager?: SocketManager<F, Flag> | null,
): void;
