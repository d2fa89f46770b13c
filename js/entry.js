// What both entries share (`calimero-socket` and `calimero-socket/socketio`): `init`
// made idempotent over a build's wasm-bindgen glue, and socket.io-client-shaped
// emitters on its SocketManager. Each entry passes its own build's glue.

// socketio's emitters, in socket.io-client's shape: `m.emit(event, ...args)`,
// `m.emitWithAck(...)`, `m.timeout(ms).emitWithAck(...)`, `m.of(ns).emit(...)`, over
// the manager's `emitOn(ns, event, args)` and `emitWithAckOn(ns, event, args, ms)`. On
// the other protocols they throw a TypeError (emit() is for socketio).
function emitter(m, ns, ms) {
  return {
    emit: (event, ...args) => m.emitOn(ns, event, ...attachments(args)),
    emitWithAck: (event, ...args) => m.emitWithAckOn(ns, event, ...attachments(args), ms),
    timeout: (t) => emitter(m, ns, t),
  };
}

// Binary arguments (ArrayBuffer, typed arrays, DataView, at any depth of arrays and plain
// objects) become `{"_placeholder":true,"num":k}` and the k-th attachment, as
// socket.io-client sends them; the app's values are not changed. `[args, buffers]`.
function attachments(args) {
  const buffers = [];
  const walk = (v) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      buffers.push(v instanceof ArrayBuffer ? v : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const o = {};
      for (const k of Object.keys(v)) o[k] = walk(v[k]);
      return o;
    }
    return v;
  };
  const out = args.map(walk);
  return [out, buffers.length ? buffers : undefined];
}

function addEmitters(SocketManager) {
  const proto = SocketManager.prototype;
  if (typeof proto.execute !== "function") {
    // The Socket.IO build has no Calimero `execute()`: it rejects as on the json protocol.
    proto.execute = () =>
      Promise.reject(Object.assign(new Error('execute() needs protocol "calimero" (the main entry)'), { code: "unsupported" }));
  }
  if (typeof proto.emitOn !== "function") {
    // The build without Socket.IO: say where the emitters are.
    const missing = () => {
      throw new TypeError('emit() is for protocol "socketio": import it from "calimero-socket/socketio"');
    };
    proto.emit = proto.emitWithAck = proto.timeout = proto.of = missing;
    return;
  }
  proto.emit = function (event, ...args) {
    return this.emitOn("/", event, ...attachments(args));
  };
  proto.emitWithAck = function (event, ...args) {
    return this.emitWithAckOn("/", event, ...attachments(args), undefined);
  };
  proto.timeout = function (ms) {
    return emitter(this, "/", ms);
  };
  proto.of = function (ns) {
    return emitter(this, ns, undefined);
  };
}

// Vite's dev server (before Vite 8) pre-bundles dependencies into node_modules/.vite/deps/
// without the wasm next to them, so the glue's relative URL 404s there (vitejs/vite#8427).
// From that folder the package's own file is at node_modules/calimero-socket/<wasmPath>.
// Built by string, so that no bundler mistakes it for an asset reference.
function devServerWasm(wasmPath) {
  const here = import.meta.url;
  const at = here.indexOf("/node_modules/.vite/");
  if (at < 0) return undefined;
  return new URL(here.slice(0, at) + "/node_modules/" + "calimero-socket/" + wasmPath);
}

/**
 * The entry's functions over one build's glue (`wasmInit`, `wasmInitSync`, its
 * `SocketManager`); `wasmPath` is its wasm's path in the package.
 */
export function entry(wasmInit, wasmInitSync, SocketManager, wasmPath) {
  addEmitters(SocketManager);
  let loading = null;
  let loaded = false;

  /**
   * Loads and instantiates the wasm once. Later calls (and concurrent ones) share the
   * first call's promise, so two callers never instantiate the module twice; a failed
   * load is forgotten, so a later call retries. `input` (a URL, Response, bytes or
   * `WebAssembly.Module`) overrides where the wasm comes from; only the first call's is used.
   */
  function init(input) {
    if (!loading) {
      const wrapped = input !== null && typeof input === "object" && "module_or_path" in input;
      if (input === undefined) input = devServerWasm(wasmPath);
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

  /** Synchronous instantiation from bytes or a compiled module (workers, tests). */
  function initSync(module) {
    const wrapped = module !== null && typeof module === "object" && "module" in module;
    const out = wasmInitSync(wrapped ? module : { module });
    loaded = true;
    if (!loading) loading = Promise.resolve(out);
    return out;
  }

  /** `init()` once, resolving to nothing: `await ready()` before creating a manager. */
  const ready = (input) => init(input).then(() => undefined);

  /** Whether the wasm is instantiated (`init`, `ready` or `initSync` has finished). */
  const isReady = () => loaded;

  return { init, initSync, ready, isReady };
}
