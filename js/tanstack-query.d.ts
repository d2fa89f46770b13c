// Refresh flags into TanStack Query v5 (`calimero-socket/tanstack-query`). Needs
// `@tanstack/react-query` 5 or newer (an optional peer dependency, never bundled) and,
// for the hook, React 18 or newer.
//
// Per batch, every query matched by a key of a raised flag (every mapped key, the
// `resync` list included, on a `resync` batch) is invalidated with one
// `queryClient.invalidateQueries` call: a key matches the queries it is a prefix of
// (TanStack's own rule), each query is invalidated once per batch however many flags
// or keys reach it, active queries refetch, and the returned Promise (settled when the
// refetches are) holds the next batch back (the manager's backpressure).

import type { QueryClient, QueryKey } from "@tanstack/react-query";
import type { ChatFlag, Frame, SocketManager, Unsubscribe } from "./index.js";

/** Keeps a type parameter from being inferred from this position. */
type NoInferHere<T> = [T][T extends unknown ? 0 : never];

/**
 * `{ flag: [queryKey, ...] }`: for each flag of the rules (and `resync`, for keys
 * invalidated only on a resync), a list of v5 query keys (each an array; write one
 * key as `[["messages", ctx]]`).
 */
export type QueryKeyMap<Flag extends string = ChatFlag> = {
  readonly [K in Flag | "resync"]?: readonly QueryKey[];
};

/** The map, or a function called once per batch that returns it (to read current state). */
export type QueryKeyMapInput<Flag extends string = ChatFlag> = QueryKeyMap<Flag> | (() => QueryKeyMap<Flag>);

/**
 * Invalidates the queries of the raised flags' keys on every batch of `manager` (see
 * the module comment). An object map is checked at once (a value that is not a list of
 * arrays throws a `TypeError`); a function map is checked per batch (its error is
 * reported through `onError`). Returns the function that unsubscribes.
 */
export function invalidateOnFlags<F extends object = Frame, Flag extends string = ChatFlag>(
  manager: SocketManager<F, Flag>,
  queryClient: QueryClient,
  map: QueryKeyMapInput<NoInferHere<Flag>>,
): Unsubscribe;

/**
 * `invalidateOnFlags` as a hook: `manager` defaults to the `SocketManagerProvider`'s
 * (throws outside one), `queryClient` to the `QueryClientProvider`'s
 * (`useQueryClient()`). Subscribed once per manager; the map is read from a ref, so a
 * new object or function each render is fine.
 */
export function useInvalidateOnFlags<F extends object = Frame, Flag extends string = ChatFlag>(
  map: QueryKeyMapInput<NoInferHere<Flag>>,
  manager?: SocketManager<F, Flag> | null,
  queryClient?: QueryClient,
): void;
