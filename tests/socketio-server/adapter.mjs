/**
 * `--redis URL`: the socket.io Redis adapter (@socket.io/redis-adapter 8.3.0
 * with node-redis 4.7.1), so several servers on one Redis share rooms and
 * broadcasts. Uses one publisher and one subscriber connection.
 */

import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

/**
 * Connect the two Redis clients (bounded: fails after ~5 s) and install the
 * adapter on `io`. Resolves `{ quit }`.
 */
export async function connectRedisAdapter(io, url, log) {
  const pub = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: (n) => (n > 50 ? new Error('redis gone') : 200) } });
  const sub = pub.duplicate();
  for (const [name, c] of [['pub', pub], ['sub', sub]]) c.on('error', (err) => log(`redis ${name}: ${err.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
  log(`redis adapter on ${url}`);
  return {
    async quit() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
