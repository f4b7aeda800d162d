// bench/access.mjs - 50 sequential GET /orgs/1/access as the province admin on one
// connection: the client's latency, then the server's own time per request from its
// access log beside /healthz's. bench/access runs it.
//
//   node bench/access.mjs BASE_URL DATA_DIR SERVE_LOG
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dir, serveLog] = process.argv.slice(2);
const accounts = JSON.parse(readFileSync(join(dir, 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin' && a.orgName === '云岭省委');
const login = await fetch(base + '/api/v1/auth/login', {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ phone: admin.phone, password: admin.password }),
});
const token = (await login.json()).data.token;
const ms = [];
let last;
for (let i = 0; i < 53; i++) {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/orgs/1/access`, { headers: { Authorization: `Bearer ${token}` } });
  last = await r.json();
  if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(last)}`);
  if (i >= 3) ms.push(performance.now() - t0); // three to warm up
}
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`client: median ${q(ms, 0.5).toFixed(2)} ms, p90 ${q(ms, 0.9).toFixed(2)} ms`);
const server = { '/healthz': [], '/api/v1/orgs/1/access': [] };
for (const line of readFileSync(serveLog, 'utf8').split('\n')) {
  if (!line.includes('"msg":"access"')) continue;
  const j = JSON.parse(line);
  server[j.path]?.push(j.us / 1000);
}
for (const [path, xs] of Object.entries(server))
  console.log(`server ${path}: median ${q(xs, 0.5).toFixed(2)} ms, p90 ${q(xs, 0.9).toFixed(2)} ms (${xs.length})`);
console.log(`figures: ${JSON.stringify({ ...last.data, children: last.data.children.length })}`);
