// stats.test.mjs - GET /orgs/{id}/stats: live figures of a subtree, for those
// who may read its roster, and nothing for anyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, assertError, idNumber, listAll, startServer } from './helpers.mjs';

let srv, api, who;
const tok = {};

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  for (const [k, a] of Object.entries(who)) tok[k] = (await srv.login(a)).token;
});

after(async () => {
  await srv?.stop();
});

test('stats: a village secretary sees figures that agree with the roster', async () => {
  const village = who.secretaryA.orgId;
  const s = assertData(await api('GET', `/api/v1/orgs/${village}/stats`, { token: tok.secretaryA }));
  const roster = await listAll(api, tok.secretaryA, `/api/v1/members?orgId=${village}`);
  const normal = roster.filter((m) => m.status === 'normal');
  assert.equal(s.orgId, village);
  assert.equal(s.members, normal.length);
  assert.equal(s.full + s.probationary, s.members);
  assert.equal(s.probationary, normal.filter((m) => m.category === 'probationary').length);
  assert.equal(s.female, normal.filter((m) => m.gender === 'female').length);
  assert.equal(s.male + s.female, s.members);
  assert.equal(s.migrant, normal.filter((m) => m.migrant).length);
  assert.ok(s.migrant >= 1, 'the demo village has members working away');
  assert.equal(s.branches, 1);
  assert.deepEqual(s.ageBands.map((b) => b.band), ['under35', '35to45', '46to60', 'over60']);
  assert.equal(s.ageBands.reduce((n, b) => n + b.count, 0), s.members);
  const under35 = normal.filter((m) => m.age < 35).length;
  assert.equal(s.ageBands[0].count, under35);
  assert.equal(s.occupations.reduce((n, o) => n + o.count, 0), s.members);
});

test('stats: a township adds up its villages', async () => {
  const township = who.townshipAdmin.orgId;
  const s = assertData(await api('GET', `/api/v1/orgs/${township}/stats`, { token: tok.townshipAdmin }));
  const kids = await listAll(api, tok.townshipAdmin, `/api/v1/orgs/${township}/children`);
  let sum = 0;
  for (const k of kids) {
    const ks = assertData(await api('GET', `/api/v1/orgs/${k.id}/stats`, { token: tok.townshipAdmin }));
    sum += ks.members;
  }
  assert.equal(s.members, sum);
  assert.equal(s.branches, kids.filter((k) => k.level === 'branch' && !k.closed).length);
});

test('stats: outside the roster scope it answers like a missing organisation', async () => {
  const other = who.secretaryB.orgId;
  assertError(await api('GET', `/api/v1/orgs/${other}/stats`, { token: tok.secretaryA }), 404, 'org.not_found');
  assertError(await api('GET', `/api/v1/orgs/999999/stats`, { token: tok.secretaryA }), 404, 'org.not_found');
  // A plain member may see their branch but not its figures.
  assertError(await api('GET', `/api/v1/orgs/${who.member.orgId}/stats`, { token: tok.member }), 404, 'org.not_found');
  assertError(await api('GET', `/api/v1/orgs/${who.townshipAdmin.orgId}/stats`), 401, 'auth.required');
});

test('stats: every breakdown adds up to the members, and children drill down', async () => {
  const county = who.countyAdmin.orgId;
  const s = assertData(await api('GET', `/api/v1/orgs/${county}/stats`, { token: tok.countyAdmin }));
  const sum = (xs) => xs.reduce((n, x) => n + x.count, 0);
  assert.ok(s.members > 1000);
  assert.equal(sum(s.occupations), s.members);
  assert.equal(sum(s.educations), s.members);
  assert.equal(sum(s.ethnicities), s.members);
  assert.equal(sum(s.addedHow), s.members);
  const d = s.dues;
  assert.equal(d.paidUp + d.behind + d.warning + d.alert + d.lapsed + d.neverPaid, s.members);
  assert.ok(d.warning + d.alert + d.lapsed > 0, 'the demo has members behind with dues');
  assert.equal(s.series.length, 24);
  assert.ok(s.series.every((x) => /^\d{4}-\d{2}$/.test(x.month)));
  assert.equal(s.children.reduce((n, c) => n + c.members, 0), s.members);
  // drill down: a township's figures equal its row in the county's children
  const first = s.children[0];
  const t = assertData(await api('GET', `/api/v1/orgs/${first.id}/stats`, { token: tok.countyAdmin }));
  assert.equal(t.members, first.members);
  assert.equal(t.migrant, first.migrant);
  assert.equal(t.dues.warning + t.dues.alert + t.dues.lapsed, first.duesWarning);
});

test('stats: a new member, a status change and an edit move the figures at once', async () => {
  const village = who.secretaryA.orgId;
  const county = who.countyAdmin.orgId;
  const get = async (id) => assertData(await api('GET', `/api/v1/orgs/${id}/stats`, { token: tok.countyAdmin }));
  const v0 = await get(village), c0 = await get(county);
  const body = { orgId: village, name: '统计测试', gender: 'female', birthDate: '1999-02-03', idNumber: idNumber('1999-02-03', false, 44), occupation: '外出务工', migrant: true, migrantPlace: '上海市', joinedAt: '2024-03-01', category: 'probationary' };
  const m = assertData(await api('POST', '/api/v1/members', { token: tok.secretaryA, body }), 201);
  const v1 = await get(village), c1 = await get(county);
  for (const [a, b] of [[v0, v1], [c0, c1]]) {
    assert.equal(b.members, a.members + 1);
    assert.equal(b.female, a.female + 1);
    assert.equal(b.migrant, a.migrant + 1);
    assert.equal(b.probationary, a.probationary + 1);
    assert.equal(b.ageBands[0].count, a.ageBands[0].count + 1);
  }
  assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tok.secretaryA, body: { migrant: false, migrantPlace: null } }));
  assert.equal((await get(county)).migrant, c0.migrant);
  assertData(await api('POST', `/api/v1/members/${m.id}/status`, { token: tok.secretaryA, body: { status: 'left', date: '2026-02-01', reason: '本人申请' } }));
  const c3 = await get(county);
  assert.equal(c3.members, c0.members);
  assert.equal(c3.female, c0.female);
  assert.deepEqual(c3.ageBands, c0.ageBands);
});

test('stats: statuses count the members on the rosters, as members and memberCount do', async () => {
  const village = who.secretaryA.orgId;
  const get = async (id) => assertData(await api('GET', `/api/v1/orgs/${id}/stats`, { token: tok.countyAdmin }));
  const body = { orgId: village, name: '去世测试', gender: 'male', birthDate: '1940-02-03', idNumber: idNumber('1940-02-03', true, 45), occupation: '农民', joinedAt: '1970-03-01', fullAt: '1971-03-01', category: 'full' };
  const m = assertData(await api('POST', '/api/v1/members', { token: tok.secretaryA, body }), 201);
  assertData(await api('POST', `/api/v1/members/${m.id}/status`, { token: tok.secretaryA, body: { status: 'deceased', date: '2026-01-05', reason: '病故' } }));
  for (const id of [village, who.countyAdmin.orgId]) {
    const s = await get(id);
    const sum = s.statuses.reduce((n, x) => n + x.count, 0);
    assert.deepEqual(s.statuses.map((x) => x.status).filter((x) => !['normal', 'retired', 'temporarily_out'].includes(x)), [], 'only roster statuses');
    assert.equal(sum, s.members, 'statuses add up to members');
    const org = assertData(await api('GET', `/api/v1/orgs/${id}`, { token: tok.countyAdmin }));
    assert.equal(org.memberCount, s.members, 'memberCount is the same figure');
  }
});

test('stats: the counters kept on every write equal a full recount', async () => {
  // Writes of every kind happened above and in this file's setup; add a transfer-free
  // edit mix here, then compare every figure with `zhibu org recount`.
  const county = who.countyAdmin.orgId, village = who.secretaryA.orgId, township = who.townshipAdmin.orgId;
  const roster = await listAll(api, tok.secretaryA, `/api/v1/members?orgId=${village}`);
  const m = roster.find((x) => x.id !== who.member.memberId && x.id !== who.migrant.memberId && x.birthDate < '1980-01-01' && x.category === 'full');
  assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tok.secretaryA, body: { joinedAt: '2001-03-04', fullAt: '2002-03-04', education: '大专', lostContact: true, lostContactSince: '2025-01-01' } }));
  const get = async (id) => assertData(await api('GET', `/api/v1/orgs/${id}/stats`, { token: tok.countyAdmin }));
  const before = [await get(county), await get(township), await get(village)];
  const r = srv.run(['org', 'recount', '--data', srv.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const after = [await get(county), await get(township), await get(village)];
  assert.deepEqual(after, before);
});

test('stats: answers are cached until the next write, also one made by another process', async () => {
  const county = who.countyAdmin.orgId, village = who.secretaryA.orgId;
  const hits = async () => Number(/zhibu_cache_hits_total (\d+)/.exec((await api('GET', '/metrics')).text)[1]);
  const get = async () => assertData(await api('GET', `/api/v1/orgs/${county}/stats`, { token: tok.countyAdmin }));
  const s1 = await get();
  const h1 = await hits();
  const s2 = await get();
  assert.deepEqual(s2, s1);
  assert.equal(await hits(), h1 + 1, 'the second answer came from the cache');
  // A member added from the command line (another process) shows at once.
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'zhibu-cache-')), 'one.csv');
  writeFileSync(file, `姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别\n缓存测试,男,1966-06-06,${idNumber('1966-06-06', true, 77)},农民,1990-01-01,1991-01-01,正式党员\n`);
  const r = srv.run(['import', '--data', srv.dataDir, '--org', String(village), '--file', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await get()).members, s1.members + 1);
});

test('stats: a cached answer goes gzip-compressed to a client that accepts it, and decodes to the same', async () => {
  const { request } = await import('node:http');
  const { gunzipSync } = await import('node:zlib');
  const county = who.countyAdmin.orgId;
  const raw = (encoding) =>
    new Promise((resolve, reject) => {
      const u = new URL(`${srv.base}/api/v1/orgs/${county}/stats`);
      const req = request(u, { headers: { Authorization: `Bearer ${tok.countyAdmin}`, ...(encoding ? { 'Accept-Encoding': encoding } : {}) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  await raw(null); // rendered and stored
  const plain = await raw(null);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  const gz = await raw('gzip, deflate, br');
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.length < plain.body.length / 2, `${gz.body.length} vs ${plain.body.length} bytes`);
  assert.deepEqual(gunzipSync(gz.body), plain.body);
  // A client that names another encoding only, or refuses gzip, gets the plain answer.
  for (const enc of ['br', 'gzip;q=0, br', 'gzip; q=0.000']) {
    const other = await raw(enc);
    assert.equal(other.headers['content-encoding'], undefined, enc);
    assert.deepEqual(other.body, plain.body);
  }
  assert.equal((await raw('gzip;q=0.5')).headers['content-encoding'], 'gzip');
});
