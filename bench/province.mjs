// bench/province.mjs - latency of the member-records module on the province data set:
// statistics of subtrees from the root down to a village, roster pages, and transfers
// completed end to end. Sequential requests on one keep-alive connection, so each
// figure is one request's time (client-side, loopback: server time plus ~0.1 ms).
//
//   node bench/province.mjs BASE_URL DATA_DIR [OUT.md]
//
// DATA_DIR holds bench-accounts.json (bench/gen_province). bench/province runs it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dataDir, out] = process.argv.slice(2);
if (!base || !dataDir) {
  console.error('usage: node bench/province.mjs BASE_URL DATA_DIR [OUT.md]');
  process.exit(2);
}
const accounts = JSON.parse(readFileSync(join(dataDir, 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin' && a.orgName === '云岭省委');
const [secA, secB] = accounts.filter((a) => a.role === 'branch_secretary');

async function call(method, path, token, body) {
  const t0 = performance.now();
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const ms = performance.now() - t0;
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
  return { ms, json: JSON.parse(text) };
}

async function login(a) {
  const r = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: a.phone, password: a.password }),
  });
  const j = await r.json();
  if (!j.data) throw new Error(`login ${a.phone}: ${JSON.stringify(j)}`);
  return j.data.token;
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function timeIt(label, n, fn) {
  for (let i = 0; i < 3; i++) await fn(i); // warm-up
  const ms = [];
  for (let i = 0; i < n; i++) ms.push(await fn(i));
  return { label, n, p50: q(ms, 0.5), p95: q(ms, 0.95), max: Math.max(...ms) };
}

const tA = await login(admin);
const tS = await login(secB);
// A path from the root to the last village (the first one's members move there below):
// root, city, county, township, branch.
const path = (await call('GET', `/api/v1/orgs/${secB.orgId}`, tA)).json.data.path;
const first = (await call('GET', `/api/v1/orgs/${secA.orgId}`, tA)).json.data.path;
const rows = [];
for (const o of path) {
  const s = await call('GET', `/api/v1/orgs/${o.id}/stats`, tA);
  rows.push(await timeIt(`GET /orgs/{id}/stats — ${o.level} (${s.json.data.members.toLocaleString('en')} members)`, 50,
    async () => (await call('GET', `/api/v1/orgs/${o.id}/stats`, tA)).ms));
}
rows.push(await timeIt('GET /members?orgId={branch}&limit=50 (roster page)', 200,
  async () => (await call('GET', `/api/v1/members?orgId=${secB.orgId}&limit=50`, tS)).ms));
rows.push(await timeIt('GET /members?orgId={root}&limit=50 (province roster page)', 100,
  async () => (await call('GET', `/api/v1/members?orgId=${path[0].id}&limit=50`, tA)).ms));
const filtered = `/api/v1/members?orgId=${path[0].id}&limit=50&migrant=true&gender=female`;
rows.push(await timeIt('GET /members?orgId={root}&migrant&gender (filtered province page)', 50,
  async () => (await call('GET', filtered, tA)).ms));

// Transfers across counties, completed by the admin above both sides: start, approve, accept.
// Movers come from the first county (10,000 members): each run moves 43 of them away.
const movers = (await call('GET', `/api/v1/members?orgId=${first[2].id}&limit=60`, tA)).json.data.items;
let k = 0;
rows.push(await timeIt('POST /transfers/{id}/accept (the move: roster, counters on both paths, history)', 40, async () => {
  const m = movers[k++];
  const t = (await call('POST', '/api/v1/transfers', tA, { memberId: m.id, toOrgId: secB.orgId, reason: 'bench' })).json.data;
  await call('POST', `/api/v1/transfers/${t.id}/approve`, tA);
  return (await call('POST', `/api/v1/transfers/${t.id}/accept`, tA)).ms;
}));

const lines = [
  '| request | n | p50 ms | p95 ms | max ms |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.max.toFixed(2)} |`),
];
console.log(lines.join('\n'));
if (out) writeFileSync(out, lines.join('\n') + '\n');
