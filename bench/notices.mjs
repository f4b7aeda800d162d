// bench/notices.mjs - announcements on the province data set: publishing to the whole
// province (one row, whatever the audience: target < 50 ms), a member's home feed page
// and unread count (target < 5 ms), the read/acknowledge report of a province-wide notice.
// Sequential requests on one keep-alive connection, measured by the client over loopback
// (server time plus ~0.1 ms).
//
//   node bench/notices.mjs BASE_URL DATA_DIR [OUT.md]
//
// DATA_DIR holds bench-accounts.json (bench/gen_province; bench/province makes the data
// set). The member account the feed is read as is created with `zhibu user create
// --member` (ZHIBU_BIN, default build-bench/zhibu) on the first run.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dataDir, out] = process.argv.slice(2);
if (!base || !dataDir) {
  console.error('usage: node bench/notices.mjs BASE_URL DATA_DIR [OUT.md]');
  process.exit(2);
}
const bin = process.env.ZHIBU_BIN || 'build-bench/zhibu';
const accounts = JSON.parse(readFileSync(join(dataDir, 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin' && a.orgName === '云岭省委');
const secA = accounts.find((a) => a.role === 'branch_secretary');
const township = accounts.find((a) => a.role === 'org_admin' && a !== admin);

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
const tS = await login(secA);
const tT = await login(township);
// A member of the first village, with an account to read the feed as.
const MEMBER = { phone: '13900000090', password: 'bench-member-1' };
let tM;
try {
  tM = await login(MEMBER);
} catch {
  const m = (await call('GET', `/api/v1/members?orgId=${secA.orgId}&limit=1`, tS)).json.data.items[0];
  execFileSync(bin, ['user', 'create', '--data', dataDir, '--phone', MEMBER.phone, '--name', '基准党员',
    '--password', MEMBER.password, '--member', String(m.id)], { stdio: 'ignore' });
  tM = await login(MEMBER);
}
const root = admin.orgId;
const rows = [];
let prov;
rows.push(await timeIt('POST /notices — to the whole province (all members)', 30, async (i) => {
  const r = await call('POST', '/api/v1/notices', tA, { orgId: root, title: `全省通知 ${i}`, text: '基准测试正文。\n第二段。', ackRequired: true });
  prov = r.json.data;
  return r.ms;
}));
rows.push(await timeIt('POST /notices — to a township', 30, async (i) =>
  (await call('POST', '/api/v1/notices', tT, { orgId: township.orgId, title: `镇通知 ${i}`, text: '基准' })).ms));
rows.push(await timeIt('POST /notices — to a village (chosen roles)', 30, async (i) =>
  (await call('POST', '/api/v1/notices', tS, { orgId: secA.orgId, title: `村通知 ${i}`, text: '基准', roles: ['member', 'branch_secretary'] })).ms));
const feed0 = (await call('GET', '/api/v1/feed?limit=20', tM)).json.data;
rows.push(await timeIt(`GET /feed?limit=20 — a member (${feed0.unread} unread on the path)`, 300, async () =>
  (await call('GET', '/api/v1/feed?limit=20', tM)).ms));
rows.push(await timeIt('GET /feed/unread — the badge', 300, async () => (await call('GET', '/api/v1/feed/unread', tM)).ms));
rows.push(await timeIt('POST /notices/{id}/read — a member', 20, async (i) =>
  (await call('POST', `/api/v1/notices/${feed0.items[i % feed0.items.length].id}/read`, tM)).ms));
rows.push(await timeIt('GET /notices/{id}/report — province-wide notice, by city', 30, async () =>
  (await call('GET', `/api/v1/notices/${prov.id}/report`, tA)).ms));
rows.push(await timeIt('GET /notices/{id}/members?filter=unacked — a village', 30, async () =>
  (await call('GET', `/api/v1/notices/${prov.id}/members?orgId=${secA.orgId}&filter=unacked&limit=50`, tA)).ms));

const f = (x) => x.toFixed(2);
const md = [
  `# Announcements on the province data set`,
  '',
  `${new Date().toISOString().slice(0, 16)}Z, \`node bench/notices.mjs\` against ${dataDir}`,
  '',
  '| request | n | p50 ms | p95 ms | max ms |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.n} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.max)} |`),
  '',
].join('\n');
console.log(md);
if (out) writeFileSync(out, md);
