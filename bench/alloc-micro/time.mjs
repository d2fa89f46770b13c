// Times bench/alloc-micro's workloads for each built wasm (argument: the folder).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const dir = process.argv[2];
const N = { frames: 200_000, churn: 200_000 };
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
console.log('allocator  wasm gzip  frames ns/step (min-max), memory   churn ns/step (min-max), memory');
for (const v of ['own', 'talc', 'lol']) {
  const bytes = readFileSync(path.join(dir, `${v}.wasm`));
  const cells = [];
  for (const w of ['frames', 'churn']) {
    const times = [];
    let mem = 0;
    for (let r = 0; r < 7; r++) {
      // A fresh instance per run: every run starts from an empty heap.
      const { instance } = await WebAssembly.instantiate(bytes, {});
      const f = instance.exports[w];
      f(1000); // warm-up (tier-up), not timed
      const t = process.hrtime.bigint();
      f(N[w]);
      times.push(Number(process.hrtime.bigint() - t) / N[w]);
      mem = Math.max(mem, instance.exports.memory_bytes());
    }
    cells.push(`${median(times).toFixed(0).padStart(6)} (${Math.min(...times).toFixed(0)}-${Math.max(...times).toFixed(0)}), ${(mem / 2 ** 20).toFixed(2)} MB`.padEnd(36));
  }
  console.log(`${v.padEnd(10)} ${String(gzipSync(bytes, { level: 9 }).length).padStart(9)}  ${cells.join('')}`);
}
