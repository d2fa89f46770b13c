// (d) Refresh flags into real query caches: calimero-socket/tanstack-query with a real
// QueryClient, or calimero-socket/swr with a real SWR cache (`lib=tanstack|swr`), through
// the hook (`api=hook`, a new map object every render) or the plain function
// (`api=fn`, a map function, `window.__unsubscribe()` calls the unsubscribe it returned).
// Five queries whose fetchers count their calls: channels, members, messages, dms (all
// mapped) and profile (never mapped). `window.__test.delayMs` slows every fetcher.
//
// Maps (members also refreshes channels, so one batch with both flags reaches the
// channels query through two flags; messages uses a prefix of the query's key):
//   tanstack: channels [["channels"]], members [["members"], ["channels"]],
//             messages [["messages", "ctx"]], dms [["dms"]]
//   swr:      channels "channels", members ["members", "channels"],
//             messages [["messages", "ctx"]], dms (key) => key === "dms"
// Query keys: tanstack ["channels"], ["members"], ["messages", "ctx", {page: 1}], ["dms"],
// ["profile"]; swr "channels", "members", ["messages", "ctx", {page: 1}], "dms", "profile".
//
// window.__test: {status, lib, api, fetches: {name: n}, inflight, maxInflight,
//   log: [{name, start, end}], batches: [{t, size, resync, flags}], ready, unsubscribed}
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import useSWR, { SWRConfig, useSWRConfig } from "swr";
import { SocketManagerProvider, useBatches, useConnectionStatus, useSocketManager } from "calimero-socket/react";
import * as tanstack from "calimero-socket/tanstack-query";
import * as swr from "calimero-socket/swr";
import { OPTIONS, report } from "./common.js";

const q = new URLSearchParams(location.search);
const LIB = q.get("lib") === "swr" ? "swr" : "tanstack";
const API = q.get("api") === "fn" ? "fn" : "hook";
const NAMES = ["channels", "members", "messages", "dms", "profile"];

const r = report({
  status: "none",
  lib: LIB,
  api: API,
  fetches: Object.fromEntries(NAMES.map((n) => [n, 0])),
  inflight: 0,
  maxInflight: 0,
  log: [],
  batches: [],
  delayMs: 5,
  ready: false,
  unsubscribed: false,
});

/** A counting fetcher: one call = one fetch of `name`. */
const fetcher = (name) => async () => {
  const entry = { name, start: performance.now(), end: null };
  r.fetches[name]++;
  r.log.push(entry);
  r.inflight++;
  r.maxInflight = Math.max(r.maxInflight, r.inflight);
  await new Promise((resolve) => setTimeout(resolve, r.delayMs));
  r.inflight--;
  entry.end = performance.now();
  return `${name} #${r.fetches[name]}`;
};
const fetchers = Object.fromEntries(NAMES.map((n) => [n, fetcher(n)]));

const tanstackMap = () => ({ channels: [["channels"]], members: [["members"], ["channels"]], messages: [["messages", "ctx"]], dms: [["dms"]] });
const swrMap = () => ({ channels: "channels", members: ["members", "channels"], messages: [["messages", "ctx"]], dms: (key) => key === "dms" });
const tanstackKey = (name) => (name === "messages" ? ["messages", "ctx", { page: 1 }] : [name]);
const swrKey = (name) => (name === "messages" ? ["messages", "ctx", { page: 1 }] : name);

function TanstackQuery({ name }) {
  const { data } = useQuery({ queryKey: tanstackKey(name), queryFn: fetchers[name] });
  return <li>{data ?? "…"}</li>;
}

function SwrQuery({ name }) {
  const { data } = useSWR(swrKey(name), fetchers[name]);
  return <li>{data ?? "…"}</li>;
}

function useFnApi(subscribe) {
  const m = useSocketManager();
  useEffect(() => {
    if (!m) return undefined;
    const off = subscribe(m);
    window.__unsubscribe = () => {
      off();
      r.unsubscribed = true;
    };
    return off;
  }, [m]);
}

function TanstackInvalidation() {
  const client = useQueryClient();
  if (API === "hook") tanstack.useInvalidateOnFlags(tanstackMap());
  else useFnApi((m) => tanstack.invalidateOnFlags(m, client, tanstackMap));
  return null;
}

function SwrInvalidation() {
  const { mutate } = useSWRConfig();
  if (API === "hook") swr.useInvalidateOnFlags(swrMap());
  else useFnApi((m) => swr.invalidateOnFlags(m, mutate, swrMap));
  return null;
}

function Recorder() {
  r.status = useConnectionStatus();
  useBatches((b) => {
    r.batches.push({ t: performance.now(), size: b.size, resync: b.resync, flags: Object.keys(b.flags).filter((f) => b.flags[f]) });
  });
  return null;
}

function Queries({ Query }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => {
      r.ready = r.log.length >= NAMES.length && r.inflight === 0;
      if (r.ready) clearInterval(id);
      setTick((n) => n + 1);
    }, 50);
    return () => clearInterval(id);
  }, []);
  return <ul data-tick={tick}>{NAMES.map((n) => <Query key={n} name={n} />)}</ul>;
}

function App() {
  if (LIB === "swr") {
    return (
      <SWRConfig value={{ provider: () => new Map(), revalidateOnFocus: false, revalidateOnReconnect: false, shouldRetryOnError: false }}>
        <SocketManagerProvider options={OPTIONS}>
          <Recorder />
          <SwrInvalidation />
          <Queries Query={SwrQuery} />
        </SocketManagerProvider>
      </SWRConfig>
    );
  }
  const [client] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false } } }),
  );
  return (
    <QueryClientProvider client={client}>
      <SocketManagerProvider options={OPTIONS}>
        <Recorder />
        <TanstackInvalidation />
        <Queries Query={TanstackQuery} />
      </SocketManagerProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
