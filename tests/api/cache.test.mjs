// cache.test.mjs - cached answers (rosters, statistics, an organisation, the
// caller's own /me) given from memory without opening a transaction
// (src/core/http.c answer_from_memory): they are used, and they are never
// wrong: a revoked role, an ended session, a second factor enrolled or a
// recovery code used, a write through the API or by another process, a move
// of the test clock shows on the very next request.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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

// ---- GET /me and GET /orgs/{id} from memory ----

/** RFC 6238 code (6 digits, 30 s, SHA-1) of a base32 secret at unix time t. */
function totp(secret, t) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const key = [];
  for (const ch of secret.replace(/=+$/, '')) {
    value = (value << 5) | A.indexOf(ch.toUpperCase());
    bits += 5;
    if (bits >= 8) {
      key.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', Buffer.from(key)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

describe('GET /me and GET /orgs/{id} from memory', () => {
  let srv, api, who, skew = 0;
  const metric = async (name) => Number(new RegExp(`${name} (\\d+)`).exec((await api('GET', '/metrics')).text)[1]);
  const memoryAnswers = () => metric('zhibu_cache_memory_answers_total');
  const me = async (token) => assertData(await api('GET', '/api/v1/me', { token }));
  const org = async (token, id) => assertData(await api('GET', `/api/v1/orgs/${id}`, { token }));
  // The code of the server's clock, dt seconds on (a step not used yet).
  const code = (secret, dt = 0) => totp(secret, Date.now() / 1000 + skew + dt);
  // Twice: the second answer comes from memory, so the next one would too
  // unless the change retired it.
  const cachedMe = async (token) => {
    const first = await me(token);
    const m0 = await memoryAnswers();
    assert.deepEqual(await me(token), first);
    assert.equal(await memoryAnswers(), m0 + 1, '/me from memory');
    return first;
  };
  const cachedOrg = async (token, id) => {
    const first = await org(token, id);
    const m0 = await memoryAnswers();
    assert.deepEqual(await org(token, id), first);
    assert.equal(await memoryAnswers(), m0 + 1, `/orgs/${id} from memory`);
    return first;
  };

  before(async () => {
    // Admin roles need a second factor after a week (enrolBy, enrolRequired).
    srv = await startServer({ testHooks: true, config: ['admin_second_factor = required', 'admin_second_factor_grace_days = 7'] });
    ({ api, who } = srv);
    skew = (await srv.advanceClock(0)).skew;
  });
  after(async () => srv?.stop());

  test("each caller gets their own /me from memory, the same as rendered", async () => {
    const m = await srv.login(who.member);
    const g = await srv.login(who.migrant);
    const a = await cachedMe(m.token);
    const b = await cachedMe(g.token);
    assert.equal(a.id, m.user.id);
    assert.equal(b.id, g.user.id);
    assert.deepEqual(await me(m.token), a);
    assert.deepEqual(await me(g.token), b);
  });

  test('second-factor changes show on the next /me: enrolment started and confirmed, a recovery code used, new codes, turned off', async () => {
    const s = await srv.login(who.member);
    assert.deepEqual((await cachedMe(s.token)).secondFactor, {
      enabled: false, pending: false, required: false, enrolRequired: false, enrolBy: null, recoveryCodesLeft: 0,
    });
    const start = assertData(await api('POST', '/api/v1/me/totp', { token: s.token }));
    assert.equal((await me(s.token)).secondFactor.pending, true, 'enrolment started');
    await cachedMe(s.token);
    const conf = assertData(await api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: code(start.secret) } }));
    let sf = (await me(s.token)).secondFactor;
    assert.equal(sf.enabled, true, 'confirmed');
    assert.equal(sf.recoveryCodesLeft, 10);
    // A recovery code used to log in (another session): one fewer on this one's /me.
    await cachedMe(s.token);
    assertData(await api('POST', '/api/v1/auth/login', { body: { phone: who.member.phone, password: who.member.password, code: conf.recoveryCodes[0] } }));
    assert.equal((await me(s.token)).secondFactor.recoveryCodesLeft, 9, 'a recovery code used');
    // New codes after a current code from the app (the step after the one confirmed).
    await cachedMe(s.token);
    const renewed = assertData(await api('POST', '/api/v1/me/totp/recovery-codes', { token: s.token, body: { code: code(start.secret, 30) } }));
    assert.equal((await me(s.token)).secondFactor.recoveryCodesLeft, 10, 'new recovery codes');
    await cachedMe(s.token);
    assertData(await api('DELETE', '/api/v1/me/totp', { token: s.token, body: { password: who.member.password, code: renewed.recoveryCodes[0] } }));
    sf = (await me(s.token)).secondFactor;
    assert.equal(sf.enabled, false, 'turned off');
    assert.equal(sf.recoveryCodesLeft, 0);
    // On again, then off from the command line (another process; it changes
    // no record, only what the account's sessions may do).
    const again = assertData(await api('POST', '/api/v1/me/totp', { token: s.token }));
    assertData(await api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: code(again.secret) } }));
    assert.equal((await cachedMe(s.token)).secondFactor.enabled, true);
    const r = srv.run(['user', 'totp-reset', '--data', srv.dataDir, '--phone', who.member.phone]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await me(s.token)).secondFactor.enabled, false, 'reset from the command line');
  });

  test('a role granted and revoked shows on the next /me', async () => {
    const t = await srv.login(who.townshipAdmin);
    const s = await srv.login(who.member);
    const roles = (await cachedMe(s.token)).roles.map((r) => r.role);
    const g = assertData(await api('POST', '/api/v1/roles', { token: t.token, body: { phone: who.member.phone, orgId: who.member.orgId, role: 'branch_committee' } }), 201);
    const granted = await me(s.token);
    assert.deepEqual(granted.roles.map((r) => r.role), [...roles, 'branch_committee'], 'granted');
    assert.ok(granted.can['roster.read'], 'what the new role may do');
    await cachedMe(s.token);
    assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: t.token }));
    const revoked = await me(s.token);
    assert.deepEqual(revoked.roles.map((r) => r.role), roles, 'revoked');
    assert.equal(revoked.can['roster.read'], undefined);
  });

  test("a change of the member record and a rename of the member's branch show on the next /me and /orgs/{id}", async () => {
    const sec = await srv.login(who.secretaryA);
    const t = await srv.login(who.townshipAdmin);
    const s = await srv.login(who.member);
    const branch = who.member.orgId;
    const before = await cachedMe(s.token);
    const orgBefore = await cachedOrg(sec.token, branch);
    assertData(await api('PATCH', `/api/v1/members/${who.member.memberId}`, { token: sec.token, body: { name: '缓存新名' } }));
    assert.equal((await me(s.token)).member.name, '缓存新名', 'the member record');
    await cachedMe(s.token);
    await cachedOrg(sec.token, branch);
    assertData(await api('PATCH', `/api/v1/orgs/${branch}`, { token: t.token, body: { name: '缓存新村党支部' } }));
    const after = await me(s.token);
    assert.equal(after.member.orgName, '缓存新村党支部', "the member's branch");
    assert.equal(after.home.name, '缓存新村党支部');
    assert.equal(after.home.path.at(-1).name, '缓存新村党支部');
    const o = await org(sec.token, branch);
    assert.equal(o.name, '缓存新村党支部', 'the organisation');
    assert.equal(o.path.at(-1).name, '缓存新村党支部');
    // Back as they were: the answers are the first ones again.
    assertData(await api('PATCH', `/api/v1/orgs/${branch}`, { token: t.token, body: { name: orgBefore.name } }));
    assertData(await api('PATCH', `/api/v1/members/${who.member.memberId}`, { token: sec.token, body: { name: before.member.name } }));
    assert.deepEqual(await me(s.token), before);
    const back = await org(sec.token, branch);
    assert.deepEqual({ ...back, updatedAt: orgBefore.updatedAt }, orgBefore);
  });

  test('/orgs/{id} from memory: a new member, a new child and a move show at once; out of reach it answers like a missing one', async () => {
    const sec = await srv.login(who.secretaryA);
    const c = await srv.login(who.countyAdmin);
    const t = await srv.login(who.townshipAdmin);
    const b = await srv.login(who.secretaryB);
    const branch = who.secretaryA.orgId;
    const o0 = await cachedOrg(sec.token, branch);
    const birth = '1975-05-05';
    assertData(await api('POST', '/api/v1/members', {
      token: sec.token,
      body: {
        orgId: branch, name: '缓存新党员', gender: 'female', birthDate: birth, idNumber: idNumber(birth, false, 41),
        occupation: '农民', ethnicity: '汉族', education: '初中', joinedAt: '2010-07-01', fullAt: '2011-07-01', category: 'full',
      },
    }), 201);
    assert.equal((await org(sec.token, branch)).memberCount, o0.memberCount + 1, 'a new member');
    await cachedOrg(sec.token, branch);
    assertData(await api('POST', '/api/v1/orgs', { token: t.token, body: { parentId: branch, name: '缓存第九党小组', level: 'group' } }), 201);
    assert.equal((await org(sec.token, branch)).childCount, o0.childCount + 1, 'a new child');
    // Out of reach: exactly the answer for a missing organisation, also while
    // the answer is in memory.
    await cachedOrg(sec.token, branch);
    const missing = await api('GET', '/api/v1/orgs/99999999', { token: b.token });
    assertError(missing, 404, 'org.not_found');
    for (let i = 0; i < 3; i++) assert.equal((await api('GET', `/api/v1/orgs/${branch}`, { token: b.token })).text, missing.text);
    // A branch moved out of the township admin's subtree: gone for them at once.
    const otherTownship = (await org(c.token, who.secretaryB.orgId)).parentId;
    const x = assertData(await api('POST', '/api/v1/orgs', { token: c.token, body: { parentId: t.user.home.id, name: '缓存搬迁村党支部', level: 'branch' } }), 201);
    await cachedOrg(t.token, x.id);
    const moved = assertData(await api('POST', `/api/v1/orgs/${x.id}/move`, { token: c.token, body: { parentId: otherTownship } }));
    assert.equal(moved.parentId, otherTownship);
    assert.equal((await api('GET', `/api/v1/orgs/${x.id}`, { token: t.token })).text, missing.text, 'moved away');
    assert.equal((await org(c.token, x.id)).path.at(-2).id, otherTownship, 'its new path');
  });

  test('after the test clock moves, /me and /orgs/{id} answer for the new time', async () => {
    const t = await srv.login(who.townshipAdmin);
    const s = await srv.login(who.member);
    const sf = (await cachedMe(t.token)).secondFactor;
    assert.equal(sf.required, true);
    assert.equal(sf.enrolRequired, false, 'within the week of grace');
    const enrolBy = Date.parse(sf.enrolBy) / 1000;
    const o = await cachedOrg(s.token, who.member.orgId);
    const m = await cachedMe(s.token);
    // Past enrolBy: the admin must enrol now; the member's answers are unchanged.
    skew = (await srv.advanceClock(Math.ceil(enrolBy - (Date.now() / 1000 + skew)) + 60)).skew;
    const t2 = await srv.login(who.townshipAdmin); // an admin session lasts hours
    assert.equal((await me(t2.token)).secondFactor.enrolRequired, true, 'enrolment is due');
    assertError(await api('GET', `/api/v1/orgs/${who.member.orgId}`, { token: t2.token }), 403, 'auth.enrol_second_factor');
    assert.deepEqual(await org(s.token, who.member.orgId), o);
    assert.deepEqual(await me(s.token), m);
    assert.deepEqual(await cachedOrg(s.token, who.member.orgId), o);
  });
});
