// bench/meetings.mjs - latency of the meetings module: the compliance roll-up (a county
// of 500 branches; the province data set) and check-in of a 60-member branch within a
// minute. Client-side times on loopback; serve with `cache_mb = 0` in zhibu.conf so
// every compliance answer is computed, not served from the answer cache.
//
//   node bench/meetings.mjs demo BASE_URL DATA_DIR ZHIBU_BIN     # zhibu demo data (fresh)
//   node bench/meetings.mjs province BASE_URL DATA_DIR           # bench/gen_province data
//
// demo: adds a township of 400 branches to the demo county (503 branches), holds
// committee and theme-day meetings in 60 % of them (months spread over half a year),
// times the county and township roll-ups and a branch calendar; then makes a branch of
// 60 members with accounts, schedules a meeting and checks all 60 in: six waves of ten
// concurrent requests, then one every 100 ms. province: holds meetings in 2,000 branches and
// times the roll-up at the root (20,400 branches), a city and a county.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [mode, base, dataDir, bin] = process.argv.slice(2);
if (!['demo', 'province'].includes(mode) || !base || !dataDir) {
  console.error('usage: node bench/meetings.mjs demo|province BASE_URL DATA_DIR [ZHIBU_BIN]');
  process.exit(2);
}
const accounts = JSON.parse(readFileSync(join(dataDir, mode === 'demo' ? 'demo-accounts.json' : 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin');
const sql = (q) => execFileSync('sqlite3', [join(dataDir, 'zhibu.db'), q], { encoding: 'utf8' }).trim();

async function call(method, path, token, body) {
  const t0 = performance.now();
  const r = await fetch(base + '/api/v1' + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const ms = performance.now() - t0;
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
  return { ms, data: JSON.parse(text).data };
}

async function login(a) {
  const r = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: a.phone, password: a.password }),
  });
  const j = await r.json();
  if (!j.data) throw new Error(`login ${a.phone}: ${JSON.stringify(j)}`);
  return j.data.token;
}

const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (ms) => ms.toFixed(2);
function report(label, ms) {
  console.log(`| ${label} | ${ms.length} | ${fmt(q(ms, 0.5))} | ${fmt(q(ms, 0.99))} | ${fmt(Math.max(...ms))} |`);
}
async function timeGet(label, path, token, n = 30) {
  for (let i = 0; i < 3; i++) await call('GET', path, token);
  const ms = [];
  for (let i = 0; i < n; i++) ms.push((await call('GET', path, token)).ms);
  report(label, ms);
}

let seed = 7;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

async function holdAll(token, branches, types) {
  let n = 0;
  for (const b of branches) {
    for (const type of types) {
      const t = Math.floor(Date.now() / 1000) - rnd(6) * 30 * 86400 - 3600;
      const m = (await call('POST', '/meetings', token, { orgId: b, type, title: '基准会议', startsAt: iso(t), place: '村委', attendees: 'branch' })).data;
      await call('PATCH', `/meetings/${m.id}`, token, { minutes: '基准会议记录' });
      await call('POST', `/meetings/${m.id}/close`, token);
      n++;
    }
  }
  return n;
}

function idNumber(seq) {
  const first17 = `52262719800101${String(101 + 2 * seq)}`; // born 1980-01-01, odd: male
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += W[i] * Number(first17[i]);
  return first17 + '10X98765432'[s % 11];
}

const tA = await login(admin);
console.log('| request | n | p50 ms | p99 ms | max ms |');
console.log('|---|---|---|---|---|');

if (mode === 'demo') {
  const county = admin.orgId;
  const tw = (await call('POST', '/orgs', tA, { parentId: county, name: '基准镇', level: 'township' })).data.id;
  const made = [];
  for (let i = 0; i < 400; i++) made.push((await call('POST', '/orgs', tA, { parentId: tw, name: `基准${i}村党支部`, level: 'branch' })).data.id);
  const all = sql(`SELECT id FROM orgs WHERE level = 'branch' AND path LIKE (SELECT path FROM orgs WHERE id = ${county}) || '%'`).split('\n').map(Number);
  const some = all.filter(() => rnd(100) < 60);
  const held = await holdAll(tA, some, ['committee', 'theme_day']);
  console.error(`bench: ${all.length} branches in the county, ${held} meetings held`);
  await timeGet(`compliance: county (${all.length} branches, ${held} meetings held)`, `/orgs/${county}/compliance`, tA);
  await timeGet('compliance: township (400 branches)', `/orgs/${tw}/compliance`, tA);
  await timeGet('compliance: one branch calendar', `/orgs/${some[0]}/compliance`, tA);

  // Check-in: a branch of 60 members, each with an account.
  const branch = (await call('POST', '/orgs', tA, { parentId: tw, name: '签到基准村党支部', level: 'branch' })).data.id;
  const members = [];
  for (let i = 0; i < 60; i++) {
    const m = (await call('POST', '/members', tA, {
      orgId: branch, name: `基准党员${i}`, gender: 'male', birthDate: '1980-01-01', idNumber: idNumber(i),
      occupation: '农民', joinedAt: '2005-07-01', fullAt: '2006-07-01', category: 'full',
    }).catch((e) => { throw new Error(`member ${i}: ${e.message}`); })).data;
    const phone = `1370000${String(1000 + i).padStart(4, '0')}`;
    execFileSync(bin, ['user', 'create', '--data', dataDir, '--phone', phone, '--name', m.name, '--password', 'bench-pass-1', '--member', String(m.id)], { stdio: 'ignore' });
    members.push({ phone, password: 'bench-pass-1' });
  }
  const tokens = [];
  for (const a of members) tokens.push(await login(a));
  const mt = (await call('POST', '/meetings', tA, { orgId: branch, type: 'branch_assembly', title: '党员大会', startsAt: iso(Math.floor(Date.now() / 1000) + 120), place: '村委', attendees: 'branch' })).data;
  const ms = [];
  const t0 = performance.now();
  for (let wave = 0; wave < 6; wave++) {
    const code = (await call('GET', `/meetings/${mt.id}/code`, tA)).data.code;
    const out = await Promise.all(tokens.slice(wave * 10, wave * 10 + 10).map((tk) => call('POST', `/meetings/${mt.id}/checkin`, tk, { code })));
    for (const r of out) { if (r.data.status !== 'present') throw new Error('not present'); ms.push(r.ms); }
  }
  const total = (performance.now() - t0) / 1000;
  report(`check-in: 60 members in ${total.toFixed(1)} s (6 waves of 10 concurrent)`, ms);
  // Paced: one member every 100 ms (ten times denser than a room filling in a minute).
  const mt2 = (await call('POST', '/meetings', tA, { orgId: branch, type: 'party_lecture', title: '党课', startsAt: iso(Math.floor(Date.now() / 1000) + 120), place: '村委', attendees: 'branch' })).data;
  const paced = [];
  const t1 = performance.now();
  let code = null;
  for (let i = 0; i < 60; i++) {
    if (i % 10 === 0) code = (await call('GET', `/meetings/${mt2.id}/code`, tA)).data.code;
    const r = await call('POST', `/meetings/${mt2.id}/checkin`, tokens[i], { code });
    if (r.data.status !== 'present') throw new Error('not present');
    paced.push(r.ms);
    await new Promise((res) => setTimeout(res, 100));
  }
  report(`check-in: 60 members, one every 100 ms (${((performance.now() - t1) / 1000).toFixed(1)} s)`, paced);
} else {
  const root = admin.orgId;
  const all = sql(`SELECT id FROM orgs WHERE level = 'branch'`).split('\n').map(Number);
  const some = all.filter(() => rnd(100) < 10).slice(0, 2000);
  const held = await holdAll(tA, some, ['committee']);
  console.error(`bench: ${all.length} branches, ${held} meetings held`);
  const city = Number(sql(`SELECT id FROM orgs WHERE parent_id = ${root} ORDER BY id LIMIT 1`));
  const countyId = Number(sql(`SELECT id FROM orgs WHERE parent_id = ${city} ORDER BY id LIMIT 1`));
  await timeGet(`compliance: province root (${all.length} branches)`, `/orgs/${root}/compliance`, tA, 20);
  await timeGet('compliance: a city', `/orgs/${city}/compliance`, tA, 20);
  await timeGet('compliance: a county', `/orgs/${countyId}/compliance`, tA, 20);
}
