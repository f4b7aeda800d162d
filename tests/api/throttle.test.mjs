// throttle.test.mjs - login throttling per account (login_max_failures = 5).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, assertError, startServer } from './helpers.mjs';

let srv;

before(async () => {
  srv = await startServer({ config: ['login_max_failures = 5'] });
});

after(async () => {
  await srv?.stop();
});

test('after 5 wrong passwords the 6th attempt, even with the right password, gets 429 auth.throttled', async () => {
  const victim = srv.who.member;
  for (let i = 1; i <= 5; i++) {
    const r = await srv.api('POST', '/api/v1/auth/login', { body: { phone: victim.phone, password: `wrong-${i}-xx` } });
    assertError(r, 401, 'auth.bad_credentials');
  }
  const sixth = await srv.api('POST', '/api/v1/auth/login', { body: { phone: victim.phone, password: victim.password } });
  assertError(sixth, 429, 'auth.throttled');
  assert.equal(sixth.headers.get('set-cookie'), null, 'no session for a throttled attempt');
  assertError(await srv.api('POST', '/api/v1/auth/login', { body: { phone: victim.phone, password: 'wrong-7-xx' } }),
    429, 'auth.throttled');
});

test('a different account is unaffected', async () => {
  const other = srv.who.migrant;
  const s = await srv.login(other);
  assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
});

test('an unknown phone is throttled after 5 failures too (same answer as a known one)', async () => {
  const phone = '13999990000';
  for (let i = 0; i < 5; i++)
    assertError(await srv.api('POST', '/api/v1/auth/login', { body: { phone, password: 'whatever-1' } }),
      401, 'auth.bad_credentials');
  const unknown = await srv.api('POST', '/api/v1/auth/login', { body: { phone, password: 'whatever-1' } });
  assertError(unknown, 429, 'auth.throttled');
  const known = await srv.api('POST', '/api/v1/auth/login', { body: { phone: srv.who.member.phone, password: 'x-x-x-x-x' } });
  assertError(known, 429, 'auth.throttled');
  assert.equal(unknown.text, known.text);
});

test('a successful login resets the failure count', async () => {
  const a = srv.who.secretaryB;
  for (let i = 0; i < 4; i++)
    assertError(await srv.api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: 'wrong-pass-1' } }),
      401, 'auth.bad_credentials');
  await srv.login(a);
  for (let i = 0; i < 4; i++)
    assertError(await srv.api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: 'wrong-pass-1' } }),
      401, 'auth.bad_credentials');
  await srv.login(a);
});
