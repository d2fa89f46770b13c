// Shared by the hook test pages: options from the query string, and the object the
// end-to-end tests read (`window.__test`).
//
// Query: `server` (host:port of the event server; default: this page's host),
// `session` (required by the tests: one per test), `protocol` (`json` default, or
// `calimero`), `context` (Calimero context id to subscribe; a fixed valid one by default).
import { SocketManager } from "calimero-socket";

const q = new URLSearchParams(location.search);
export const SESSION = q.get("session") || "default";
export const PROTOCOL = q.get("protocol") === "calimero" ? "calimero" : "json";
const SERVER = q.get("server") || location.host;
const CONTEXT = q.get("context") || "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2";

export const OPTIONS = Object.freeze({
  url: `ws://${SERVER}/${PROTOCOL === "json" ? "json" : "ws"}?session=${encodeURIComponent(SESSION)}`,
  protocol: PROTOCOL,
  contextIds: PROTOCOL === "calimero" ? [CONTEXT] : [],
});

/** The counters a page exposes, plus helpers the tests call. */
export function report(initial) {
  const r = { ...initial, errors: [] };
  window.__test = r;
  window.__liveHandles = () => SocketManager.liveHandles();
  window.addEventListener("error", (e) => r.errors.push(String(e.message)));
  window.addEventListener("unhandledrejection", (e) => r.errors.push(String(e.reason?.message ?? e.reason)));
  return r;
}
