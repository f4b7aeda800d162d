// After `vite build`: writes a .gz sibling (zlib level 9) for every text file in dist,
// so the server can send pre-compressed bodies. Stale .gz files are removed first.
import { gzipSync, constants } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync, unlinkSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt', '.map', '.xml']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

let n = 0;
for (const f of walk(dist)) if (f.endsWith('.gz')) unlinkSync(f);
for (const f of walk(dist)) {
  if (!TEXT.has(extname(f))) continue;
  const gz = gzipSync(readFileSync(f), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(f + '.gz', gz);
  n++;
}
console.log(`gzip: wrote ${n} .gz files in dist`);
