// The query-cache entries' published types (`calimero-socket/tanstack-query`,
// `calimero-socket/swr`) against the libraries' own types. Checked with consumer.ts by
// `npm run check:types`; every `@ts-expect-error` line MUST fail to compile.

import { SocketManager } from "calimero-socket";
import { useSocketManager } from "calimero-socket/react";
import * as tq from "calimero-socket/tanstack-query";
import * as sw from "calimero-socket/swr";
import { QueryClient } from "@tanstack/react-query";
import { mutate as globalMutate, useSWRConfig } from "swr";

declare const ctx: string;

// ---------------------------------------------------------------------------------
// TanStack Query

export function tanstack(client: QueryClient): () => void {
  const m = new SocketManager({ url: "ws://x" });
  const off: () => void = tq.invalidateOnFlags(m, client, {
    channels: [["channels"]],
    messages: [["messages", ctx], ["unread", { ctx }]],
    resync: [["profile"]],
  });
  tq.invalidateOnFlags(m, client, () => ({ dms: [["dms"]] }));
  // @ts-expect-error a query key is an array: write [["channels"]]
  tq.invalidateOnFlags(m, client, { channels: ["channels"] });
  // @ts-expect-error misspelled flag
  tq.invalidateOnFlags(m, client, { chanels: [["channels"]] });
  // @ts-expect-error the second argument is a QueryClient
  tq.invalidateOnFlags(m, {}, { channels: [["channels"]] });
  const orders = new SocketManager({ url: "ws://x", refreshRules: { OrderPlaced: ["orders"] } });
  tq.invalidateOnFlags(orders as SocketManager<object, "orders">, client, { orders: [["orders"]] });
  // @ts-expect-error not a flag of these rules
  tq.invalidateOnFlags(orders as SocketManager<object, "orders">, client, { channels: [["channels"]] });
  return off;
}

export function TanstackHook({ client }: { client: QueryClient }): null {
  const m = useSocketManager();
  tq.useInvalidateOnFlags({ channels: [["channels"]], members: [["members"], ["channels"]] });
  tq.useInvalidateOnFlags(() => ({ messages: [["messages", ctx]] }), m);
  tq.useInvalidateOnFlags({ dms: [["dms"]] }, m, client);
  // @ts-expect-error misspelled flag
  tq.useInvalidateOnFlags({ chanels: [["channels"]] });
  return null;
}

// ---------------------------------------------------------------------------------
// SWR

export function swr(): () => void {
  const m = new SocketManager({ url: "ws://x" });
  const off: () => void = sw.invalidateOnFlags(m, globalMutate, {
    channels: "/api/channels",
    members: ["/api/members", "/api/channels"],
    messages: [["messages", ctx]],
    dms: (key) => Array.isArray(key) && key[0] === "dms",
    resync: [(key) => typeof key === "string" && key.startsWith("/api/")],
  });
  sw.invalidateOnFlags(m, globalMutate, () => ({ messages: [["messages", ctx], "/api/unread"] }));
  // @ts-expect-error a matcher is a string, an array or a filter
  sw.invalidateOnFlags(m, globalMutate, { channels: 42 });
  // @ts-expect-error misspelled flag
  sw.invalidateOnFlags(m, globalMutate, { chanels: "/api/channels" });
  return off;
}

export function SwrHook(): null {
  const m = useSocketManager();
  const { mutate } = useSWRConfig();
  sw.useInvalidateOnFlags({ channels: "/api/channels", messages: [["messages", ctx]] });
  sw.useInvalidateOnFlags(() => ({ dms: (key) => key === "/api/dms" }), m);
  if (m) sw.invalidateOnFlags(m, mutate, { members: "/api/members" });
  // @ts-expect-error misspelled flag
  sw.useInvalidateOnFlags({ chanels: "/api/channels" });
  return null;
}
