// `calimero-socket/socketio`: the package's entry over the Socket.IO build
// (../pkg/socketio, the socketio protocol alone, its default), with `init` made
// idempotent (js/entry.js). The API is the main entry's (js/index.d.ts).
//
// The glue loads the wasm with `new URL('calimero_socket_bg.wasm', import.meta.url)`,
// which a plain browser, Vite and webpack 5 all resolve without configuration; this file
// only re-exports it, so that path keeps working wherever the package is installed.

import wasmInit, { initSync as wasmInitSync, SocketManager } from "../pkg/socketio/calimero_socket.js";
import { entry } from "./entry.js";

export { SocketManager };

const built = entry(wasmInit, wasmInitSync, SocketManager, "pkg/socketio/calimero_socket_bg.wasm");

/** Loads and instantiates the wasm once (see js/entry.js). */
export const init = built.init;
export default init;
/** Synchronous instantiation from bytes or a compiled module (workers, tests). */
export const initSync = built.initSync;
/** `init()` once, resolving to nothing: `await ready()` before creating a manager. */
export const ready = built.ready;
/** Whether the wasm is instantiated. */
export const isReady = built.isReady;
