// `calimero-socket/socketio`: the same API as `calimero-socket` over the Socket.IO build
// (the socketio protocol alone; `protocol` defaults to "socketio").
export * from "./index.js";
export { default } from "./index.js";
