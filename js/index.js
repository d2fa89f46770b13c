// The package's entry: the wasm-bindgen glue in ../pkg, with `init` made idempotent.
//
// The glue loads the wasm with `new URL('calimero_socket_bg.wasm', import.meta.url)`,
// which a plain browser, Vite and webpack 5 all resolve without configuration; this file
// only re-exports it, so that path keeps working wherever the package is installed.

import wasmInit, { initSync as wasmInitSync, SocketManager } from "../pkg/calimero_socket.js";

export { SocketManager };

// socketio's emitters, in socket.io-client's shape: `m.emit(event, ...args)`,
// `m.emitWithAck(...)`, `m.timeout(ms).emitWithAck(...)`, `m.of(ns).emit(...)`, over
// the manager's `emitOn(ns, event, args)` and `emitWithAckOn(ns, event, args, ms)`.
function emitter(m, ns, ms) {
  return {
    emit: (event, ...args) => m.emitOn(ns, event, args),
    emitWithAck: (event, ...args) => m.emitWithAckOn(ns, event, args, ms),
    timeout: (t) => emitter(m, ns, t),
  };
}
const proto = SocketManager.prototype;
proto.emit = function (event, ...args) {
  return this.emitOn("/", event, args);
};
proto.emitWithAck = function (event, ...args) {
  return this.emitWithAckOn("/", event, args, undefined);
};
proto.timeout = function (ms) {
  return emitter(this, "/", ms);
};
proto.of = function (ns) {
  return emitter(this, ns, undefined);
};

// Vite's dev server (before Vite 8) pre-bundles dependencies into node_modules/.vite/deps/
// without the wasm next to them, so the glue's relative URL 404s there (vitejs/vite#8427).
// From that folder the package's own file is at node_modules/calimero-socket/pkg/. Built
// by string, so that no bundler mistakes it for an asset reference.
function devServerWasm() {
  const here = import.meta.url;
  const at = here.indexOf("/node_modules/.vite/");
  if (at < 0) return undefined;
  return new URL(here.slice(0, at) + "/node_modules/" + "calimero-socket/pkg/calimero_socket_bg.wasm");
}

let loading = null;
let loaded = false;

/**
 * Loads and instantiates the wasm once. Later calls (and concurrent ones) share the
 * first call's promise, so two callers never instantiate the module twice; a failed
 * load is forgotten, so a later call retries. `input` (a URL, Response, bytes or
 * `WebAssembly.Module`) overrides where the wasm comes from; only the first call's is used.
 */
export default function init(input) {
  if (!loading) {
    const wrapped = input !== null && typeof input === "object" && "module_or_path" in input;
    if (input === undefined) input = devServerWasm();
    const started = input === undefined ? wasmInit() : wasmInit(wrapped ? input : { module_or_path: input });
    loading = started.then(
      (out) => {
        loaded = true;
        return out;
      },
      (err) => {
        loading = null;
        throw err;
      },
    );
  }
  return loading;
}

export { init };

/** Synchronous instantiation from bytes or a compiled module (workers, tests). */
export function initSync(module) {
  const wrapped = module !== null && typeof module === "object" && "module" in module;
  const out = wasmInitSync(wrapped ? module : { module });
  loaded = true;
  if (!loading) loading = Promise.resolve(out);
  return out;
}

/** `init()` once, resolving to nothing: `await ready()` before creating a manager. */
export function ready(input) {
  return init(input).then(() => undefined);
}

/** Whether the wasm is instantiated (`init`, `ready` or `initSync` has finished). */
export function isReady() {
  return loaded;
}
