// Refresh flags into SWR's cache (`calimero-socket/swr`): SWR 2 (`swr`, an optional
// peer dependency that this entry imports and never bundles). Apps that do not import
// this entry never load it.
//
// Decisions (see swr.d.ts for the API):
//
// - The map is `{ flag: matcher | [matcher, ...] }` (or a function returning such a map,
//   called once per batch). A matcher is
//     - a string: the SWR key equal to it (`"/api/channels"`);
//     - an array: the array keys that start with its items, compared by value
//       (primitives by `Object.is`, arrays and plain objects by their contents, anything
//       else by identity), so `["messages", ctx]` matches `["messages", ctx]` and
//       `["messages", ctx, { page: 2 }]`, and `["messages"]` every messages key: the
//       prefix rule TanStack Query uses, and the one SWR's own `mutate(key)` lacks;
//     - a function: SWR's own key filter, called with each cache key as SWR passes it.
//   A lone string or function may stand alone; an array value is always a list (write
//   one array key as `[["messages", ctx]]`). Anything else throws a `TypeError`.
// - One `mutate(filter)` call per batch, `filter` matching a key when any matcher of any
//   raised flag does (every matcher on a `resync` batch): SWR revalidates each matched
//   cache key once, whatever number of flags or matchers reach it. Only the filter is
//   passed (no data), so SWR revalidates and never writes the cache.
// - SWR revalidates the keys that have a mounted `useSWR`; others are left as they are
//   (SWR refetches them on their next mount anyway).
// - The Promise `mutate(filter)` returns (settled once every revalidation is) goes back
//   to `onBatch`: the next batch waits for it (backpressure).
// - The hook uses `useSWRConfig().mutate`, the mutate of the nearest `SWRConfig` cache,
//   and reads the map from a ref (through `useBatches`).

import { useSWRConfig } from "swr";
import { useBatches } from "./react.js";

const hasOwn = Object.prototype.hasOwnProperty;

function isPlain(v) {
  if (v === null || typeof v !== "object") return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn.call(b, k) && same(a[k], b[k]));
  }
  return false;
}

function matcherOf(m, flag) {
  if (typeof m === "string") return (key) => key === m;
  if (typeof m === "function") return (key) => Boolean(m(key));
  if (Array.isArray(m)) return (key) => Array.isArray(key) && key.length >= m.length && m.every((v, i) => same(v, key[i]));
  throw new TypeError(`invalidateOnFlags: map.${flag} holds ${m === null ? "null" : typeof m}; a key matcher is a string, an array key or a filter function`);
}

function matchersOf(map, flag) {
  const v = map[flag];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((m) => matcherOf(m, flag));
}

function resolveMap(map) {
  const m = typeof map === "function" ? map() : map;
  if (m === null || typeof m !== "object") throw new TypeError("invalidateOnFlags: the map must be an object { flag: matchers } or a function returning one");
  return m;
}

function revalidate(mutate, map, batch) {
  const m = resolveMap(map);
  const all = Boolean(batch.resync || batch.flags.resync);
  const matchers = [];
  for (const flag of Object.keys(m)) {
    const list = matchersOf(m, flag);
    if (all || batch.flags[flag]) matchers.push(...list);
  }
  if (matchers.length === 0) return undefined;
  return mutate((key) => matchers.some((match) => match(key)));
}

/**
 * `invalidateOnFlags(manager, mutate, { channels: "/api/channels", messages: [["messages", ctx]] })`:
 * per batch, revalidates the SWR keys the raised flags' matchers select (all of them on a
 * resync), each key once; the revalidations hold the next batch back. Returns the
 * unsubscribe function. `mutate`: SWR's global `mutate` or `useSWRConfig().mutate`.
 */
export function invalidateOnFlags(manager, mutate, map) {
  if (typeof mutate !== "function") throw new TypeError("invalidateOnFlags: the second argument must be SWR's mutate");
  if (typeof map !== "function") {
    const m = resolveMap(map);
    for (const flag of Object.keys(m)) matchersOf(m, flag);
  }
  return manager.onBatch((batch) => revalidate(mutate, map, batch));
}

/**
 * `useInvalidateOnFlags(map, manager?)`: `invalidateOnFlags` for the provider's manager
 * (or `manager`) and the nearest SWR cache (`useSWRConfig().mutate`), subscribed once
 * per manager, the map read from a ref.
 */
export function useInvalidateOnFlags(map, manager) {
  const { mutate } = useSWRConfig();
  useBatches((batch) => revalidate(mutate, map, batch), manager);
}
