/**
 * The namespaces the SDK tests connect to, their auth middlewares and the
 * behaviour of every socket:
 *
 *   `/`               open, or token-checked when started with `--require-token T`
 *   `/guild/<digits>` dynamic (one child namespace per id), open
 *   `/private`        refused unless `auth.token === "good"`
 *
 * Every socket gets `welcome {server, namespace}` on connect, and answers
 * `echo` (emits `echo` back with the same args), `join {room}` / `leave {room}`
 * (ack `{joined: room}` / `{left: room}`), `ping {timestamp}` (emits `pong`
 * `{timestamp, _server_timestamp}`); any other event that carries an ack
 * callback is acked with `{ok: true, event, args}`. Everything is recorded.
 */

import { hasBinary, jsonSafe } from './record.mjs';

/** Matches the dynamic guild namespaces. */
export const GUILD = /^\/guild\/\d+$/;

/** The engine id of a socket.io socket (its underlying Engine.IO connection). */
export const engineIdOf = (socket) => socket.conn?.id ?? null;

/** A refusal as socket.io sends it: CONNECT_ERROR `{message, data}`. */
function refusal(message, data) {
  const err = new Error(message);
  err.data = data;
  return err;
}

/** Middleware accepting only `auth.token === want`; records refusals. */
function tokenMiddleware(want, recorder) {
  return (socket, next) => {
    const token = socket.handshake.auth?.token;
    if (token === want) return next();
    const reason = token === undefined ? 'missing token' : 'bad token';
    recorder.add('connects', {
      namespace: socket.nsp.name,
      socketId: null,
      engineId: engineIdOf(socket),
      accepted: false,
      error: 'not authorized',
      auth: jsonSafe(socket.handshake.auth ?? {}),
      query: { ...socket.handshake.query },
    });
    next(refusal('not authorized', { reason }));
  };
}

/** The behaviour of one connected socket. */
function onConnection(socket, { name, recorder, log }) {
  const namespace = socket.nsp.name;
  recorder.add('connects', {
    namespace,
    socketId: socket.id,
    engineId: engineIdOf(socket),
    accepted: true,
    auth: jsonSafe(socket.handshake.auth ?? {}),
    query: { ...socket.handshake.query },
  });
  log(`connect ${namespace} ${socket.id}`);
  socket.emit('welcome', { server: name, namespace });

  socket.onAny((event, ...raw) => {
    const ack = typeof raw[raw.length - 1] === 'function' ? raw.pop() : null;
    recorder.add('received', {
      namespace,
      socketId: socket.id,
      engineId: engineIdOf(socket),
      event,
      args: jsonSafe(raw),
      binary: hasBinary(raw),
      ack: ack !== null,
    });
    const first = raw[0];
    const room = first && typeof first === 'object' ? first.room : undefined;
    if (event === 'echo') socket.emit('echo', ...raw);
    if (event === 'ping' && first && typeof first === 'object') {
      socket.emit('pong', { timestamp: first.timestamp, _server_timestamp: Date.now() });
    }
    if ((event === 'join' || event === 'leave') && typeof room === 'string') {
      if (event === 'join') socket.join(room);
      else socket.leave(room);
      if (ack) ack(event === 'join' ? { joined: room } : { left: room });
      return;
    }
    if (ack) ack({ ok: true, event, args: raw });
  });

  socket.on('disconnect', (reason) => {
    recorder.add('disconnects', { namespace, socketId: socket.id, engineId: engineIdOf(socket), reason });
    log(`disconnect ${namespace} ${socket.id}: ${reason}`);
  });
}

/**
 * Register the namespaces on `io`. `opts`: `{name, requireToken, recorder, log}`.
 * Returns the namespace objects (the guild entry is the parent namespace).
 */
export function setupNamespaces(io, opts) {
  const root = io.of('/');
  if (opts.requireToken) root.use(tokenMiddleware(opts.requireToken, opts.recorder));
  const privateNsp = io.of('/private');
  privateNsp.use(tokenMiddleware('good', opts.recorder));
  const guilds = io.of(GUILD);
  for (const nsp of [root, privateNsp, guilds]) nsp.on('connection', (socket) => onConnection(socket, opts));
  return { root, private: privateNsp, guilds };
}
