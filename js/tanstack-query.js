// Refresh flags into TanStack Query's cache (`calimero-socket/tanstack-query`):
// TanStack Query v5 (`@tanstack/react-query`, an optional peer dependency that this
// entry imports and never bundles). Apps that do not import this entry never load it.
//
// Decisions (see tanstack-query.d.ts for the API):
//
// - The map is `{ flag: [queryKey, ...] }`: each value a list of query keys (arrays, as
//   every v5 key is), or a function returning such a map, called once per batch so it
//   can read the app's current state. Anything else throws a `TypeError` naming the flag.
// - One `invalidateQueries` call per batch, with a predicate matching the keys of every
//   raised flag (all mapped keys, `resync` included, on a `resync` batch) by TanStack's
//   own rule (`partialMatchKey`: a key matches the queries it is a prefix of). A query
//   two flags (or two overlapping keys, like `["messages"]` and `["messages", ctx]`)
//   reach is therefore invalidated and refetched once per batch, not once per key.
// - TanStack's defaults are kept: matching queries are marked stale, the active ones
//   (with a mounted observer) are refetched, inactive ones refetch when next used.
// - The Promise `invalidateQueries` returns (settled once the refetches are) goes back
//   to `onBatch`: the next batch waits for it (backpressure), frames arriving
//   meanwhile fold into it, so a slow server never piles refetches up.
// - The hook reads the map from a ref (through `useBatches`): a new object or function
//   each render neither resubscribes nor goes stale.

import { hashKey, partialMatchKey, useQueryClient } from "@tanstack/react-query";
import { useBatches } from "./react.js";

function keysOf(map, flag) {
  const list = map[flag];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every(Array.isArray)) {
    throw new TypeError(`invalidateOnFlags: map.${flag} must be a list of query keys (arrays), e.g. [["${flag}"]]`);
  }
  return list;
}

function resolveMap(map) {
  const m = typeof map === "function" ? map() : map;
  if (m === null || typeof m !== "object") throw new TypeError("invalidateOnFlags: the map must be an object { flag: [queryKey, ...] } or a function returning one");
  return m;
}

/** The distinct query keys a batch's flags select from `map` (every key on a resync). */
function keysForBatch(map, batch) {
  const m = resolveMap(map);
  const all = Boolean(batch.resync || batch.flags.resync);
  const seen = new Set();
  const keys = [];
  for (const flag of Object.keys(m)) {
    const list = keysOf(m, flag);
    if (!all && !batch.flags[flag]) continue;
    for (const key of list) {
      const h = hashKey(key);
      if (seen.has(h)) continue;
      seen.add(h);
      keys.push(key);
    }
  }
  return keys;
}

function invalidate(queryClient, map, batch) {
  const keys = keysForBatch(map, batch);
  if (keys.length === 0) return undefined;
  return queryClient.invalidateQueries({
    predicate: (query) => keys.some((key) => partialMatchKey(query.queryKey, key)),
  });
}

/**
 * `invalidateOnFlags(manager, queryClient, { channels: [["channels"]], messages: [["messages", ctx]] })`:
 * per batch, invalidates the queries of every raised flag's keys (all keys on a resync),
 * each query once; the refetches hold the next batch back. Returns the unsubscribe function.
 */
export function invalidateOnFlags(manager, queryClient, map) {
  if (!queryClient || typeof queryClient.invalidateQueries !== "function") {
    throw new TypeError("invalidateOnFlags: the second argument must be a QueryClient");
  }
  if (typeof map !== "function") {
    const m = resolveMap(map);
    for (const flag of Object.keys(m)) keysOf(m, flag);
  }
  return manager.onBatch((batch) => invalidate(queryClient, map, batch));
}

/**
 * `useInvalidateOnFlags(map, manager?, queryClient?)`: `invalidateOnFlags` for the
 * provider's manager (or `manager`) and the `QueryClientProvider`'s client (or
 * `queryClient`), subscribed once per manager, the map read from a ref.
 */
export function useInvalidateOnFlags(map, manager, queryClient) {
  const client = useQueryClient(queryClient);
  useBatches((batch) => invalidate(client, map, batch), manager);
}
