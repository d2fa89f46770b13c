/**
 * Tiny static file server for `--static /abs/dir:/prefix/` (repeatable): serves
 * a demo page and a built package directory with the right MIME types (wasm
 * must be application/wasm for streaming compilation), `index.html` for
 * directories, no caching headers, and never a file outside its directory.
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

export const MIME = Object.freeze({
  '.wasm': 'application/wasm',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
});

/**
 * Parse `DIR:PREFIX` (the last `:` splits; PREFIX defaults to `/`).
 * Returns `{ dir, prefix }` with an absolute dir and a prefix that starts and ends with `/`.
 */
export function parseStaticSpec(spec) {
  const i = spec.lastIndexOf(':');
  const dir = path.resolve(i > 0 ? spec.slice(0, i) : spec);
  let prefix = i > 0 ? spec.slice(i + 1) : '/';
  if (!prefix.startsWith('/')) prefix = '/' + prefix;
  if (!prefix.endsWith('/')) prefix += '/';
  return { dir, prefix };
}

function plain(res, status, text, extra = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/**
 * Build a request handler over `mounts` (`[{dir, prefix}]`). It returns false when
 * no mount matches the URL (so the caller can answer 404 itself).
 */
export function createStatic(mounts) {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  return async function handleStatic(req, res, url) {
    const pathname = url.pathname;
    const mount = sorted.find((m) => pathname.startsWith(m.prefix) || pathname + '/' === m.prefix);
    if (!mount) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return true;
    }
    if (pathname + '/' === mount.prefix) {
      res.writeHead(301, { Location: mount.prefix + url.search, 'Content-Length': 0 });
      res.end();
      return true;
    }
    let rel;
    try {
      rel = decodeURIComponent(pathname.slice(mount.prefix.length));
    } catch {
      plain(res, 400, 'bad path\n');
      return true;
    }
    let file = path.resolve(mount.dir, '.' + path.posix.sep + rel);
    if (rel.includes('\0') || (file !== mount.dir && !file.startsWith(mount.dir + path.sep))) {
      plain(res, 404, 'not found\n');
      return true;
    }
    try {
      let st = await stat(file);
      if (st.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, { Location: pathname + '/' + url.search, 'Content-Length': 0 });
          res.end();
          return true;
        }
        file = path.join(file, 'index.html');
        st = await stat(file);
      }
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': st.size,
        'Access-Control-Allow-Origin': '*',
      });
      if (req.method === 'HEAD') {
        res.end();
        return true;
      }
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch {
      plain(res, 404, 'not found\n');
    }
    return true;
  };
}
