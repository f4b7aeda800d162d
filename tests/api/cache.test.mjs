// cache.test.mjs - cached answers (rosters, statistics) given from memory
// without opening a transaction (src/core/http.c answer_from_memory): they
// are used, and they are never wrong: a revoked role, an ended session, a
// write through the API or by another process shows on the very next request.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertData, assertError, idNumber, startServer } from './helpers.mjs';

let srv, api, who;
before(async () => {
  srv = await startServer();
  ({ api, who } = srv);
});
after(async () => {
  await srv?.stop();
});

const metric = async (name) => Number(new RegExp(`${name} (\\d+)`).exec((await api('GET', '/metrics')).text)[1]);
const roster = (token, org) => api('GET', `/api/v1/members?orgId=${org}&limit=50`, { token });

test('a repeated roster page is answered from memory, and says the same', async () => {
  const s = await srv.login(who.secretaryA);
  const org = who.secretaryA.orgId;
  const first = assertData(await roster(s.token, org));
  const m0 = await metric('zhibu_cache_memory_answers_total');
  const again = [];
  for (let i = 0; i < 5; i++) again.push(assertData(await roster(s.token, org)));
  for (const a of again) assert.deepEqual(a, first);
  assert.ok((await metric('zhibu_cache_memory_answers_total')) >= m0 + 4, 'answers from memory');
});

test('an edit through the API shows on the next page at once', async () => {
  const s = await srv.login(who.secretaryA);
  const org = who.secretaryA.orgId;
  const page = assertData(await roster(s.token, org));
  await roster(s.token, org);
  const m = page.items[0];
  const res = await api('PATCH', `/api/v1/members/${m.id}`, { token: s.token, body: { name: '缓存改名' } });
  assertData(res);
  const next = assertData(await roster(s.token, org));
  assert.equal(next.items.find((x) => x.id === m.id).name, '缓存改名');
  assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: s.token, body: { name: m.name } }));
});

test('a member added by another process (zhibu import) shows on the next page at once', async () => {
  const s = await srv.login(who.secretaryA);
  const org = who.secretaryA.orgId;
  const before = assertData(await api('GET', `/api/v1/orgs/${org}/stats`, { token: s.token }));
  assertData(await api('GET', `/api/v1/orgs/${org}/stats`, { token: s.token }));
  const file = join(mkdtempSync(join(tmpdir(), 'zhibu-cache-')), 'one.csv');
  writeFileSync(file, `姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别\n另一进程,女,1970-03-03,${idNumber('1970-03-03', false, 31)},农民,1995-01-01,1996-01-01,正式党员\n`);
  const r = srv.run(['import', '--data', srv.dataDir, '--org', String(org), '--file', file]);
  assert.equal(r.status, 0, r.stderr);
  const afterImport = assertData(await api('GET', `/api/v1/orgs/${org}/stats`, { token: s.token }));
  assert.equal(afterImport.members, before.members + 1);
});

test('a revoked role and an ended session take effect on the next request', async () => {
  const org = who.secretaryA.orgId;
  const admin = await srv.login(who.townshipAdmin);
  const s = await srv.login(who.secretaryA);
  assertData(await roster(s.token, org));
  assertData(await roster(s.token, org)); // from memory now
  // Logout ends this session: the same token is refused at once.
  const s2 = await srv.login(who.secretaryA);
  assertData(await roster(s2.token, org));
  assertData(await roster(s2.token, org));
  assertData(await api('POST', '/api/v1/auth/logout', { token: s2.token }));
  assertError(await roster(s2.token, org), 401, 'auth.required');
  // The role revoked by the township admin: the roster is gone for the secretary.
  const grants = assertData(await api('GET', `/api/v1/roles?orgId=${org}&limit=200`, { token: admin.token }));
  const g = grants.items.find((x) => x.role === 'branch_secretary' && x.orgId === org);
  assert.ok(g, 'the secretary grant');
  assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: admin.token }));
  assertError(await roster(s.token, org), 404, 'org.not_found');
});

test('an answer in memory is given only to callers who may read it', async () => {
  const org = who.secretaryA.orgId;
  const a = await srv.login(who.townshipAdmin); // above village A (its secretary was revoked above)
  const b = await srv.login(who.secretaryB);
  assertData(await roster(b.token, who.secretaryB.orgId)); // B's own roster: B's session in memory
  assertData(await roster(b.token, who.secretaryB.orgId));
  assertData(await roster(a.token, org));
  assertData(await roster(a.token, org)); // A's roster in memory
  const missing = await roster(b.token, 99999999);
  for (let i = 0; i < 3; i++) {
    const res = await roster(b.token, org);
    assert.equal(res.status, 404);
    assert.equal(res.text, missing.text, 'exactly like a missing organisation');
  }
  const stats = await api('GET', `/api/v1/orgs/${org}/stats`, { token: b.token });
  assertError(stats, 404, 'org.not_found');
});

test("a home feed from memory is the caller's own, and a new notice shows on the next page", async () => {
  const m = await srv.login(who.member);
  const mig = await srv.login(who.migrant);
  const b = await srv.login(who.secretaryB);
  const feeds = async () => Promise.all([m, mig, b].map(async (s) => assertData(await api('GET', '/api/v1/feed?limit=20', { token: s.token }))));
  const first = await feeds();
  const m0 = await metric('zhibu_cache_memory_answers_total');
  const again = await feeds();
  assert.deepEqual(again, first, 'each caller gets their own feed back');
  assert.ok((await metric('zhibu_cache_memory_answers_total')) >= m0 + 3, 'from memory');
  const t = await srv.login(who.townshipAdmin);
  const n = assertData(await api('POST', '/api/v1/notices', { token: t.token, body: { orgId: who.townshipAdmin.orgId, title: '缓存通知', text: '马上看到' } }), 201);
  const [fm, , fb] = await feeds();
  assert.ok(fm.items.some((x) => x.refId === n.id || x.id === n.id), 'the member of the township sees it at once');
  assert.ok(!fb.items.some((x) => x.title === '缓存通知'), 'another township does not');
});

test('a query value cannot forge another cached answer (a "|" in q)', async () => {
  const s = await srv.login(who.countyAdmin); // the secretary's role was revoked above
  const org = who.secretaryA.orgId;
  // A family name that some members of the branch have.
  const all = assertData(await roster(s.token, org)).items;
  const name = all[0].name.slice(0, 1);
  const list = (q) => api('GET', `/api/v1/members?orgId=${org}&${q}&limit=50`, { token: s.token });
  // First a query whose q spells the key of another: nobody is called that.
  const forged = assertData(await list(`q=${encodeURIComponent(`${name}|status=normal`)}`));
  assert.equal(forged.items.length, 0);
  // Then the query it imitates: the real answer, not the cached empty one.
  const real = assertData(await list(`q=${encodeURIComponent(name)}&status=normal`));
  assert.ok(real.items.length > 0, 'members found by name and status');
  assert.ok(real.items.every((m) => m.name.includes(name)));
});
