// clock.test.mjs - the test clock (ZHIBU_TEST_HOOKS=1): tests of deadlines and
// escalations move the server's "now" instead of sleeping; a server started
// without the hook has no such endpoint.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, startServer } from './helpers.mjs';

let srv, plain;
before(async () => {
  [srv, plain] = await Promise.all([startServer({ testHooks: true }), startServer()]);
});
after(async () => {
  await Promise.all([srv?.stop(), plain?.stop()]);
});

const DAY = 86400;

test('moving the clock moves today and what depends on it (dues arrears)', async () => {
  const t0 = await srv.setClockSkew(0);
  const s = await srv.login(srv.who.secretaryA);
  const members = assertData(await srv.api('GET', `/api/v1/members?orgId=${s.user.roles[0].orgId}&limit=1`, { token: s.token }));
  const id = members.items[0].id;
  const d0 = assertData(await srv.api('GET', `/api/v1/dues/members/${id}`, { token: s.token }));

  const t1 = await srv.advanceClock(62 * DAY);
  assert.equal(t1.skew, 62 * DAY);
  assert.equal(Date.parse(t1.today) - Date.parse(t0.today), 62 * DAY * 1000);
  const s2 = await srv.login(srv.who.secretaryA); // the admin session may have ended
  const d1 = assertData(await srv.api('GET', `/api/v1/dues/members/${id}`, { token: s2.token }));
  assert.ok(d1.monthsUnpaid >= d0.monthsUnpaid + 2, `arrears ${d0.monthsUnpaid} -> ${d1.monthsUnpaid}`);

  const back = await srv.setClockSkew(0);
  assert.equal(back.today, t0.today);
});

test('a bad clock request is refused and changes nothing', async () => {
  const before = await srv.setClockSkew(0);
  const res = await srv.api('POST', '/test/clock', { body: { advance: 'soon' } });
  assert.equal(res.status, 400);
  assert.equal(res.json.error.code, 'request.invalid');
  const now = await srv.api('GET', '/test/clock');
  assert.equal(now.json.skew, 0);
  assert.equal(now.json.today, before.today);
});

test('without ZHIBU_TEST_HOOKS=1 there is no clock to move', async () => {
  const res = await plain.api('POST', '/test/clock', { body: { advance: 3600 } });
  assert.notEqual(res.status, 200);
  const get = await plain.api('GET', '/test/clock');
  assert.equal(get.json, null, 'the app shell, not a clock');
});
