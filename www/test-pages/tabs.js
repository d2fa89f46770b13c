// The cross-tab test page: one manager with `shareAcrossTabs`, and what it saw, on
// `window.__tabs` for the tests that open it in several tabs (tests/e2e/tabs.test.mjs,
// tests/tabs-webdriver).
//
// Query: `server` (host:port of the event server; default this page's host), `session`,
// `protocol` (`calimero` default, `json`, or `socketio`: `server` is then the socket.io
// test server and `contexts` its namespaces), `share` (`0` turns sharing off), `token`,
// `contexts` (comma-separated Calimero context ids; default one fixed valid id),
// `nolocks` and `throttle` (handled in tabs.html), `connect` (`0`: do not connect on load).
const q0 = new URLSearchParams(location.search);
const sdk = q0.get("protocol") === "socketio" ? await import("calimero-socket/socketio") : await import("calimero-socket");
const { default: init, SocketManager } = sdk;

const q = new URLSearchParams(location.search);
const SERVER = q.get("server") || location.host;
const SESSION = q.get("session") || "default";
const PROTOCOL = ["json", "socketio"].includes(q.get("protocol")) ? q.get("protocol") : "calimero";
const CONTEXTS = (q.get("contexts") ?? "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2").split(",").filter(Boolean);

const t0 = performance.timeOrigin;
const now = () => t0 + performance.now();
const r = { ready: false, roles: [], statuses: [], batches: [], errors: [], events: [], pageErrors: [] };
window.__tabs = r;
window.addEventListener("error", (e) => r.pageErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => r.pageErrors.push(String(e.reason?.message ?? e.reason)));

await init();
const options =
  PROTOCOL === "socketio"
    ? { url: `http://${SERVER}`, protocol: "socketio", namespaces: CONTEXTS }
    : {
        url: `ws://${SERVER}/${PROTOCOL === "json" ? "json" : "ws"}?session=${encodeURIComponent(SESSION)}`,
        protocol: PROTOCOL,
        contextIds: PROTOCOL === "calimero" ? CONTEXTS : [],
      };
options.shareAcrossTabs = q.get("share") !== "0";
if (q.get("token")) options.token = q.get("token");
const m = new SocketManager(options);
r.m = m;
m.onRole((role) => r.roles.push({ role, at: now() }));
m.onStatus((status) => r.statuses.push({ status, at: now() }));
m.onError((e) => r.errors.push({ code: e.code, message: e.message, at: now() }));
m.onEvent((e) => r.events.push(e));
m.onBatch((b) => {
  const flags = Object.keys(b.flags).filter((f) => b.flags[f]);
  r.batches.push({ at: now(), size: b.size, flags, resync: b.resync, contextIds: [...b.contextIds], kinds: { ...b.kinds }, latest: PROTOCOL === "socketio" ? JSON.parse(JSON.stringify(b.latest, (k, v) => (v instanceof ArrayBuffer ? { bytes: [...new Uint8Array(v)] } : v))) : undefined });
});
/** What the tests call. */
Object.assign(r, {
  role: () => m.role,
  status: () => m.status,
  stats: () => m.stats(),
  subscribe: (ids) => m.subscribe(ids),
  unsubscribe: (ids) => m.unsubscribe(ids),
  send: (v) => m.send(v),
  emit: (ns, event, ...args) => m.of(ns).emit(event, ...args),
  emitWithAck: (ns, event, ...args) => m.of(ns).emitWithAck(event, ...args).then((v) => ({ ok: v }), (e) => ({ error: e.code, message: e.message })),
  namespaces: () => ({ ...m.namespaces }),
  latest: () => r.batches.at(-1),
  execute: (ctx, method, args) => m.execute(ctx, method, args).then((v) => ({ ok: v }), (e) => ({ error: e.code, message: e.message })),
  close: () => m.close(),
  liveHandles: () => ({ ...SocketManager.liveHandles() }),
  connect: () => m.connect(),
  resyncs: () => r.batches.filter((b) => b.resync).length,
});
if (q.get("connect") !== "0") m.connect();
r.ready = true;
document.getElementById("out").textContent = `tabs page: ${PROTOCOL} session ${SESSION}`;
