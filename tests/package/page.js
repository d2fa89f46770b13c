// The body of the smoke page's module script (smoke.mjs writes it after the line
// `import init, { SocketManager } from "<installed package>/dist/index.js";`).
// Reports through window.__smoke = { ok, summary } or { ok: false, error }, and logs
// every step in window.__smokeLog for a failure to print.
const params = new URLSearchParams(location.search);
const session = params.get('session');
const ctx = params.get('ctx');
const log = (window.__smokeLog = []);
const step = (line) => log.push(`${(performance.now() / 1000).toFixed(2)} s ${line}`);
const control = async (name, query = {}, body) => {
  const q = new URLSearchParams({ session, ...query });
  const res = await fetch(`/control/${name}?${q}`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
  if (!res.ok) throw new Error(`/control/${name}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};
const until = async (what, test, ms = 8000) => {
  const end = performance.now() + ms;
  for (;;) {
    const v = await test();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

// One frame raising `messages` and `channels`; `dms` and `members` must stay down.
const EXPECT_RAISED = ['messages', 'channels'];
const EXPECT_DOWN = ['dms', 'members'];

async function main() {
  await init();
  step('init() resolved');
  const statuses = [];
  const batches = [];
  const errors = [];
  const m = new SocketManager({
    url: `ws://${location.host}/ws?session=${encodeURIComponent(session)}`,
    protocol: 'calimero',
    contextIds: [ctx],
  });
  m.onStatus((s) => { statuses.push(s); step(`status ${s}`); });
  m.onError((e) => { errors.push(`${e.code}: ${e.message}`); step(`error ${e.code}: ${e.message}`); });
  m.onBatch((b) => {
    const raised = Object.keys(b.flags).filter((f) => b.flags[f]);
    batches.push({ size: b.size, raised, reason: b.reason, contextIds: [...b.contextIds], kinds: { ...b.kinds } });
    step(`batch of ${b.size} (${b.reason}): ${raised.join(',') || 'no flags'}`);
  });
  m.connect();
  await until('status open', () => statuses.includes('open'));
  await until('the server to see the subscription', async () => (await control('status')).subscriptions.some((ids) => ids.includes(ctx)));
  step('subscribed');
  await control('burst', {}, { path: 'ws', frames: [{ contextId: ctx, kinds: ['MessageSent', 'ChannelCreated'] }] });
  step('burst sent');
  const batch = await until('a batch', () => batches[0]);
  const missing = EXPECT_RAISED.filter((f) => !batch.raised.includes(f));
  const extra = EXPECT_DOWN.filter((f) => batch.raised.includes(f));
  if (missing.length || extra.length || batch.size !== 1 || batch.contextIds[0] !== ctx) {
    throw new Error(`wrong batch ${JSON.stringify(batch)}: flags missing [${missing}], flags that should be down [${extra}]`);
  }
  if (errors.length) throw new Error(`errors reported: ${errors.join('; ')}`);
  m.close();
  await until('status closed', () => statuses.includes('closed'));
  m.free();
  const live = SocketManager.liveHandles();
  step(`liveHandles ${JSON.stringify(live)}`);
  if (live.sockets || live.listeners || live.timers) throw new Error(`live handles after free: ${JSON.stringify(live)}`);
  // The Socket.IO entry: its own build loads beside the main one, and has the emitters.
  const sio = await import(SOCKETIO_ENTRY);
  await sio.default();
  const s = new sio.SocketManager({ url: `http://${location.host}`, protocol: 'socketio', namespaces: ['/', '/guild/1'] });
  if (typeof s.emit !== 'function' || typeof s.of('/guild/1').emitWithAck !== 'function') throw new Error('the socketio entry has no emitters');
  if (JSON.stringify(s.namespaces) !== '{"/":"joining","/guild/1":"joining"}') throw new Error(`socketio namespaces ${JSON.stringify(s.namespaces)}`);
  s.free();
  let refused = '';
  try { m.emit('x'); } catch (e) { refused = e.message; }
  if (!refused.includes('socketio')) throw new Error('the main entry\'s emit() should point to calimero-socket/socketio');
  step('socketio entry loaded');
  return `statuses ${statuses.join('>')}, batch of ${batch.size} raising ${batch.raised.join('+')}, 0 live handles after free, the socketio entry loads`;
}

main().then(
  (summary) => (window.__smoke = { ok: true, summary }),
  (e) => (window.__smoke = { ok: false, error: `${e}${e && e.stack ? `\n${e.stack}` : ''}` }),
);
