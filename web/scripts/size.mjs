// Measures the initial download: index.html plus the JS and CSS it loads, gzip level 9,
// and writes the figure to SIZE.md. Fails if it is over the 100 KB budget.
import { gzipSync, constants } from 'node:zlib';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = root + 'dist/';
if (!existsSync(dist + 'index.html')) {
  console.error('size: dist/index.html missing, run `npm run build` first');
  process.exit(1);
}
const html = readFileSync(dist + 'index.html', 'utf8');
const files = ['index.html'].concat(
  Array.from(html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g), (m) => m[1]),
);
let total = 0;
for (const f of files) {
  const n = gzipSync(readFileSync(dist + f), { level: constants.Z_BEST_COMPRESSION }).length;
  total += n;
  console.log(`${(n / 1024).toFixed(1).padStart(7)} KB  ${f}`);
}
const kb = (total / 1024).toFixed(1);
const line = `initial download: ${kb} KB gzip (index.html + JS + CSS), measured by \`npm run size\``;
// The lazily loaded chunks (screens opened later), each on its own.
const lazy = readdirSync(dist + 'assets')
  .filter((f) => f.endsWith('.js') && !files.includes('assets/' + f))
  .map((f) => ({ f, n: gzipSync(readFileSync(dist + 'assets/' + f), { level: constants.Z_BEST_COMPRESSION }).length }))
  .sort((a, b) => b.n - a.n);
const lines = [line, '', 'lazily loaded chunks (gzip), fetched when their screen is first opened:']
  .concat(lazy.map((c) => `- ${c.f.replace(/-[\w-]{8}\.js$/, '')}: ${(c.n / 1024).toFixed(1)} KB`));
writeFileSync(root + 'SIZE.md', lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (total > 100 * 1024) {
  console.error('size: over the 100 KB budget');
  process.exit(1);
}
