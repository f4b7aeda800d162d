// proxy.test.mjs - behind a trusted TLS proxy (trust_proxy = true): cookies
// get Secure when the proxy says https, and the audit log records the
// client address the proxy saw.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, startServer } from './helpers.mjs';

let srv, api, who, tA;

before(async () => {
  srv = await startServer({ config: ['trust_proxy = true'] });
  api = srv.api;
  who = srv.who;
  tA = (await srv.login(who.auditor)).token;
});

after(async () => {
  await srv?.stop();
});

const loginWith = (account, headers) =>
  api('POST', '/api/v1/auth/login', { body: { phone: account.phone, password: account.password }, headers });

const secure = (c) => c.split(';').map((s) => s.trim().toLowerCase()).includes('secure');

test('X-Forwarded-Proto: https from the trusted proxy makes every cookie Secure (session, CSRF, trusted device)', async () => {
  const r = await loginWith(who.member, { 'X-Forwarded-Proto': 'https' });
  assertData(r);
  const cookies = r.headers.getSetCookie();
  assert.deepEqual(cookies.map((c) => c.split('=')[0]).sort(), ['zhibu_csrf', 'zhibu_device', 'zhibu_session'], cookies.join(' | '));
  for (const c of cookies) assert.ok(secure(c), `Secure: ${c}`);
  const plain = await loginWith(who.member, { 'X-Forwarded-Proto': 'http' });
  for (const c of plain.headers.getSetCookie()) assert.ok(!secure(c), `not Secure over http: ${c}`);
});

/** The ip of the newest successful login row of the account, read by the county auditor. */
async function loginIp(accountId) {
  const d = assertData(await api('GET', `/api/v1/audit?orgId=${who.countyAdmin.orgId}&limit=50`, { token: tA }));
  const row = d.items.find((r) => r.action === 'auth.login' && r.result === 'ok' && r.target === `account:${accountId}`);
  assert.ok(row, 'login row found');
  return row.ip;
}

test('a single X-Forwarded-For address is recorded as the client address', async () => {
  const r = await loginWith(who.secretaryA, { 'X-Forwarded-For': '203.0.113.7' });
  const id = assertData(r).user.id;
  assert.equal(await loginIp(id), '203.0.113.7');
});

test('X-Forwarded-For with a client-supplied entry: the address the proxy appended (rightmost) is recorded', async () => {
  // A proxy that appends ($proxy_add_x_forwarded_for) turns a client's forged
  // "X-Forwarded-For: 198.51.100.66" into "198.51.100.66, <real client>".
  // Only the rightmost entry comes from the trusted proxy; the leftmost is the
  // client's word and would let anyone put any address into the audit log.
  const r = await loginWith(who.secretaryB, { 'X-Forwarded-For': '198.51.100.66, 203.0.113.8' });
  const id = assertData(r).user.id;
  assert.equal(await loginIp(id), '203.0.113.8');
});
