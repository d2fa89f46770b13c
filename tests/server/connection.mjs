/**
 * One accepted WebSocket: joins its session, logs the text frames it receives,
 * hands them to its protocol (/ws or /json), and runs the node's heartbeat:
 * a protocol Ping every `pingMs`, close 1002 "Ping timeout" when no Pong comes
 * within `pongTimeoutMs`. While the session is stalled it sends nothing: no
 * pings, no pongs to the client's pings, no replies.
 */

const OPEN = 1;
/** After a close frame, a peer that never answers is cut off after this long. */
const CLOSE_GRACE_MS = 1000;

/**
 * @param {import('ws').WebSocket} ws
 * @param {import('./session.mjs').Session} session
 * @param {'ws'|'json'} path
 * @param {{onText:(client:object,text:string)=>void}} protocol
 * @param {URL} url
 */
export function acceptConnection(ws, session, path, protocol, url) {
  const client = {
    id: session.nextClientId++,
    ws,
    session,
    path,
    url: url.pathname + url.search,
    subscriptions: new Set(),
    groups: new Set(),
    droppedSlow: 0,
    pingTimer: null,
    pongTimer: null,
    /** Clean close with a code, or abrupt termination when `code` is undefined. */
    close(code, reason = '') {
      stopHeartbeat();
      if (code === undefined) {
        ws.terminate();
        return;
      }
      if (ws.readyState === OPEN) {
        ws.close(code, reason);
        const t = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        t.unref();
      } else {
        ws.terminate();
      }
    },
    /** (Re)start the heartbeat with the session's current settings. */
    restartHeartbeat() {
      stopHeartbeat();
      const { pingMs } = session.heartbeat;
      if (pingMs > 0) client.pingTimer = setInterval(ping, pingMs);
    },
  };

  function stopHeartbeat() {
    clearInterval(client.pingTimer);
    clearTimeout(client.pongTimer);
    client.pingTimer = null;
    client.pongTimer = null;
  }

  function ping() {
    if (ws.readyState !== OPEN || session.isStalled() || client.pongTimer) return;
    try {
      ws.ping();
    } catch {
      return;
    }
    client.pongTimer = setTimeout(() => {
      client.pongTimer = null;
      client.close(1002, 'Ping timeout');
    }, session.heartbeat.pongTimeoutMs);
  }

  session.clients.add(client);
  session.totalConnections++;

  ws.on('error', () => {}); // e.g. invalid UTF-8 or oversized frame: ws closes the socket itself
  ws.on('pong', () => {
    clearTimeout(client.pongTimer);
    client.pongTimer = null;
  });
  ws.on('ping', (data) => {
    if (!session.isStalled() && ws.readyState === OPEN) ws.pong(data);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return; // the node ignores binary frames
    const text = data.toString('utf8');
    session.logReceived(text);
    try {
      protocol.onText(client, text);
    } catch (err) {
      process.stderr.write(`[server] ${path} handler error: ${err?.stack || err}\n`);
    }
  });
  ws.on('close', () => {
    stopHeartbeat();
    session.clients.delete(client);
  });

  client.restartHeartbeat();
  return client;
}
