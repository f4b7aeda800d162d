// idempotency.test.mjs - Idempotency-Key on writes: a replay returns the
// stored response and stores nothing new; the same key with another payload
// gets 422.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, assertError, startServer } from './helpers.mjs';

let srv, api, tT, tC, townshipA;

before(async () => {
  srv = await startServer();
  api = srv.api;
  tT = (await srv.login(srv.who.townshipAdmin)).token;
  tC = (await srv.login(srv.who.countyAdmin)).token;
  townshipA = srv.who.townshipAdmin.orgId;
});

after(async () => {
  await srv?.stop();
});

const children = async () =>
  assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=200`, { token: tC })).items;
const body = { parentId: null, name: '幂等测试村党支部', level: 'branch' };
const post = (key, b, token = tT) =>
  api('POST', '/api/v1/orgs', { token, body: { ...b, parentId: townshipA }, headers: key ? { 'Idempotency-Key': key } : {} });

let first;

test('the same key and body twice: both 201 with identical bodies, one org created', async () => {
  const before = await children();
  const r1 = await post('k1', body);
  first = assertData(r1, 201);
  const r2 = await post('k1', body);
  assertData(r2, 201);
  assert.equal(r2.text, r1.text, 'the replay returns the stored response byte for byte');
  const r3 = await post('k1', body);
  assert.equal(r3.status, 201);
  assert.equal(r3.text, r1.text);
  const after = await children();
  assert.equal(after.length, before.length + 1, 'only one org created');
  assert.equal(after.filter((o) => o.name === body.name).length, 1);
});

test('the same key with another body: 422 request.idempotency_mismatch, nothing created', async () => {
  const before = await children();
  assertError(await post('k1', { ...body, name: '另一个名字党支部' }), 422, 'request.idempotency_mismatch');
  assertError(await post('k1', { ...body, level: 'general_branch' }), 422, 'request.idempotency_mismatch');
  assert.equal((await children()).length, before.length);
  // The original is still replayed afterwards.
  const r = await post('k1', body);
  assert.equal(r.status, 201);
  assert.equal(r.json.data.id, first.id);
});

test('the same key on another route is a mismatch too', async () => {
  const r = await api('PATCH', `/api/v1/orgs/${first.id}`, { token: tT, body: { name: '改名' }, headers: { 'Idempotency-Key': 'k1' } });
  assertError(r, 422, 'request.idempotency_mismatch');
  assert.equal(assertData(await api('GET', `/api/v1/orgs/${first.id}`, { token: tT })).name, body.name);
});

test('a different key: a second org', async () => {
  const before = await children();
  const r = assertData(await post('k2', body), 201);
  assert.notEqual(r.id, first.id);
  assert.equal((await children()).length, before.length + 1);
});

test('no key: every request creates', async () => {
  const before = await children();
  assertData(await post(null, body), 201);
  assertData(await post(null, body), 201);
  assert.equal((await children()).length, before.length + 2);
});

test('keys belong to the account: another account\'s same key is not a replay of the first', async () => {
  const before = await children();
  const r = await post('k1', body, tC);
  const d = assertData(r, 201);
  assert.notEqual(d.id, first.id, 'another account must not receive the first account\'s stored response');
  assert.equal((await children()).length, before.length + 1);
});

test('a failed request is not stored: the same key works once the request is valid', async () => {
  const before = await children();
  assertError(await post('k3', { ...body, level: 'county' }), 409, 'org.bad_parent');
  assert.equal((await children()).length, before.length);
  // A different payload under the same key after a failure: not a mismatch, the failure was not kept.
  const ok = await post('k3', body);
  assertData(ok, 201);
  assert.equal((await children()).length, before.length + 1);
});

test('a malformed key: 400 request.bad_idempotency_key, nothing created', async () => {
  const before = await children();
  assertError(await post('x'.repeat(129), body), 400, 'request.bad_idempotency_key');
  assertError(await post('with space', body), 400, 'request.bad_idempotency_key');
  assert.equal((await children()).length, before.length);
});

test('a replayed close does not fail on the second try', async () => {
  const org = assertData(await post('k-create-close', { ...body, name: '将关闭党支部' }), 201);
  const c1 = await api('POST', `/api/v1/orgs/${org.id}/close`, { token: tT, headers: { 'Idempotency-Key': 'k-close' } });
  assertData(c1, 200);
  const c2 = await api('POST', `/api/v1/orgs/${org.id}/close`, { token: tT, headers: { 'Idempotency-Key': 'k-close' } });
  assert.equal(c2.status, 200);
  assert.equal(c2.text, c1.text);
});

test('concurrent requests with one key: one org, every answer the same 201', async () => {
  const before = await children();
  const b = { ...body, name: '并发幂等党支部' };
  const rs = await Promise.all(Array.from({ length: 8 }, () => post('k-concurrent', b)));
  for (const r of rs) assert.equal(r.status, 201, r.text);
  for (const r of rs) assert.equal(r.text, rs[0].text);
  const after = await children();
  assert.equal(after.length, before.length + 1);
  assert.equal(after.filter((o) => o.name === b.name).length, 1);
});

test('a password change replayed with its key answers 200 again and changes nothing more', async () => {
  const m = srv.who.migrant;
  const s = await srv.login(m);
  const other = await srv.login(m);
  const headers = { 'Idempotency-Key': 'pw-1' };
  const change = { oldPassword: m.password, newPassword: 'new-secret-123' };
  const r1 = await api('POST', '/api/v1/me/password', { token: s.token, headers, body: change });
  assertData(r1, 200);
  assertError(await api('GET', '/api/v1/me', { token: other.token }), 401, 'auth.required');
  // A phone that lost the answer sends it again: the stored answer, not "wrong old password".
  const r2 = await api('POST', '/api/v1/me/password', { token: s.token, headers, body: change });
  assert.equal(r2.status, 200);
  assert.equal(r2.text, r1.text);
  // Another payload under the same key is refused; the new password still works.
  assertError(await api('POST', '/api/v1/me/password', {
    token: s.token, headers, body: { oldPassword: 'new-secret-123', newPassword: 'third-secret-1' },
  }), 422, 'request.idempotency_mismatch');
  assertData(await api('POST', '/api/v1/auth/login', { body: { phone: m.phone, password: 'new-secret-123' } }));
  assertError(await api('POST', '/api/v1/auth/login', { body: { phone: m.phone, password: m.password } }), 401, 'auth.bad_credentials');
});

test('a replay after a role the request was made with is revoked: 403, the stored answer is not sent', async () => {
  const who = srv.who;
  const villageA = who.secretaryA.orgId;
  const tS = (await srv.login(who.secretaryA)).token;
  const startsAt = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const meeting = assertData(await api('POST', '/api/v1/meetings', {
    token: tS, body: { orgId: villageA, type: 'branch_assembly', title: '重放测试', startsAt, place: '村委', attendees: 'branch' },
  }), 201);
  const g = assertData(await api('POST', '/api/v1/roles', { token: tT, body: { phone: who.member.phone, orgId: villageA, role: 'branch_committee' } }), 201);
  const tM = (await srv.login(who.member)).token;
  const capturedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const upload = () => api('POST', '/api/v1/sync', {
    token: tM, headers: { 'Idempotency-Key': 'replay-after-revoke' },
    body: { changes: [{ key: 'rr-1', capturedAt, kind: 'file', meetingId: meeting.id, fileKind: 'photo', ref: 'local://rr.jpg' }] },
  });
  const first = assertData(await upload());
  assert.equal(first.accepted, 1);
  const again = await upload();
  assert.equal(again.status, 200, 'replayed while the role is held');
  assert.deepEqual(assertData(again), first);
  assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: tT }));
  const after = await upload();
  assertError(after, 403, 'request.idempotency_revoked');
  assert.ok(!after.text.includes('rr-1'), 'nothing of the stored answer');
});
