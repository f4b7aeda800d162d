// totp.test.mjs - the TOTP second factor (docs/SECURITY.md #10): enrolment, the login
// code, replay, recovery codes, throttling, disabling, the admin_second_factor policy,
// and the secret sealed at rest. Codes are computed here with node's HMAC-SHA1 at the
// server's clock (the test clock moves it a step at a time).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, startServer } from './helpers.mjs';

/** RFC 4648 base32 (no padding) to bytes. */
function base32(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '')) {
    const i = A.indexOf(ch.toUpperCase());
    assert.ok(i >= 0, `base32 character ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 code of the 30 s step holding unix time t. */
function totp(secret, t, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 10 ** digits).padStart(digits, '0');
}

test('the code generator of this test matches RFC 6238 appendix B', () => {
  const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  assert.equal(totp(seed, 59, 8), '94287082');
  assert.equal(totp(seed, 1111111109, 8), '07081804');
  assert.equal(totp(seed, 2000000000, 8), '69279037');
});

/** A server with the test clock; helpers to know its "now" and move it a step. */
async function clockServer(config = []) {
  const srv = await startServer({ testHooks: true, config: ['login_max_failures = 5', ...config] });
  let skew = 0;
  srv.now = () => Date.now() / 1000 + skew;
  srv.code = (secret, dt = 0) => totp(secret, srv.now() + dt);
  // Past the current step and the one after it: a fresh code that was never used.
  srv.nextStep = async () => {
    skew = (await srv.advanceClock(60)).skew;
  };
  skew = (await srv.advanceClock(0)).skew;
  return srv;
}

const loginBody = (a, extra = {}) => ({ body: { phone: a.phone, password: a.password, ...extra } });

/** Logs in with a session and enrols + confirms TOTP; returns {session, secret, recovery}. */
async function enrol(srv, account) {
  const s = await srv.login(account);
  const start = assertData(await srv.api('POST', '/api/v1/me/totp', { token: s.token }));
  const conf = assertData(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: srv.code(start.secret) } }));
  return { session: s, secret: start.secret, recovery: conf.recoveryCodes };
}

describe('enrolment (a member opting in)', () => {
  let srv, s, start;
  before(async () => {
    srv = await clockServer();
    s = await srv.login(srv.who.member);
  });
  after(async () => srv?.stop());

  test('GET /me says the second factor is off and not required for a member', async () => {
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.deepEqual(me.secondFactor, { enabled: false, pending: false, required: false, enrolRequired: false, enrolBy: null, recoveryCodesLeft: 0 });
  });

  test('POST /me/totp returns a base32 secret, its otpauth:// URI and a QR code as SVG', async () => {
    start = assertData(await srv.api('POST', '/api/v1/me/totp', { token: s.token }));
    assert.match(start.secret, /^[A-Z2-7]{32}$/);
    assert.match(start.uri, /^otpauth:\/\/totp\/zhibu:/);
    assert.ok(start.uri.includes(`secret=${start.secret}`), start.uri);
    assert.match(start.uri, /algorithm=SHA1&digits=6&period=30/);
    assert.ok(!start.uri.includes(srv.who.member.phone), 'the full phone is not in the URI');
    assert.match(start.qrSvg, /^<svg [^>]*viewBox="0 0 \d+ \d+"/);
    assert.ok(start.qrSvg.endsWith('</svg>'));
    assert.equal(start.digits, 6);
    assert.equal(start.period, 30);
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.enabled, false);
    assert.equal(me.secondFactor.pending, true);
  });

  test('a pending enrolment does not change logging in', async () => {
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(srv.who.member)));
  });

  test('confirm: a wrong or malformed code is refused with a field error and nothing changes', async () => {
    const wrong = String((Number(srv.code(start.secret)) + 1) % 1000000).padStart(6, '0');
    assertError(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: wrong } }), 400, 'totp.bad_code', 'code');
    assertError(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: 'abcdef' } }), 400, 'totp.bad_code', 'code');
    assertError(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: {} }), 400, 'request.invalid', 'code');
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.enabled, false);
  });

  test('confirm with the right code turns it on and returns 10 distinct recovery codes', async () => {
    const d = assertData(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: srv.code(start.secret) } }));
    assert.equal(d.recoveryCodes.length, 10);
    assert.equal(new Set(d.recoveryCodes).size, 10);
    for (const c of d.recoveryCodes) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.deepEqual(me.secondFactor, { enabled: true, pending: false, required: false, enrolRequired: false, enrolBy: null, recoveryCodesLeft: 10 });
    // A second enrolment while on: refused (disable first).
    assertError(await srv.api('POST', '/api/v1/me/totp', { token: s.token }), 409, 'totp.active');
    assertError(await srv.api('POST', '/api/v1/me/totp/confirm', { token: s.token, body: { code: srv.code(start.secret) } }), 409, 'totp.active');
    // The secret and the recovery codes are never in plain text in the store.
    const bytes = ['zhibu.db', 'zhibu.db-wal'].map((f) => join(srv.dataDir, f)).filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1')).join('');
    assert.ok(bytes.length > 0);
    assert.ok(!bytes.includes(start.secret), 'the base32 secret is in the database file');
    assert.ok(!bytes.includes(base32(start.secret).toString('latin1')), 'the raw secret is in the database file');
    for (const c of d.recoveryCodes) assert.ok(!bytes.includes(c), `recovery code ${c} in the database file`);
  });

  test('the confirming code cannot log in again (same step)', async () => {
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(srv.who.member, { code: srv.code(start.secret) })), 401, 'auth.bad_code');
  });
});

describe('login with a second factor', () => {
  let srv, m, a;
  before(async () => {
    srv = await clockServer();
    a = srv.who.member;
    m = await enrol(srv, a);
    await srv.nextStep();
  });
  after(async () => srv?.stop());

  test('the right password without a code: 401 auth.code_required and no session', async () => {
    const r = await srv.api('POST', '/api/v1/auth/login', loginBody(a));
    assertError(r, 401, 'auth.code_required');
    assert.equal(r.headers.get('set-cookie'), null);
  });

  test('a wrong password with or without a code answers as before (no hint a code is on)', async () => {
    const plain = await srv.api('POST', '/api/v1/auth/login', { body: { phone: srv.who.migrant.phone, password: 'wrong-pass-1' } });
    const withTotp = await srv.api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: 'wrong-pass-1' } });
    const withCode = await srv.api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: 'wrong-pass-1', code: srv.code(m.secret) } });
    assertError(withTotp, 401, 'auth.bad_credentials');
    assert.equal(withTotp.text, plain.text);
    assert.equal(withCode.text, plain.text);
  });

  test('the right code logs in; the same code again is refused (replay), a later step works', async () => {
    const code = srv.code(m.secret);
    const d = assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code })));
    assert.equal(d.user.secondFactor.enabled, true);
    assertData(await srv.api('GET', '/api/v1/me', { token: d.token }));
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code })), 401, 'auth.bad_code');
    await srv.nextStep();
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: srv.code(m.secret) })));
  });

  test('the same code sent twice at once logs in exactly once', async () => {
    await srv.nextStep();
    const code = srv.code(m.secret);
    const rs = await Promise.all([0, 1, 2].map(() => srv.api('POST', '/api/v1/auth/login', loginBody(a, { code }))));
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, 401, 401], rs.map((r) => r.text).join('\n'));
    for (const r of rs.filter((x) => x.status === 401)) assertError(r, 401, 'auth.bad_code');
  });

  test('a code of the previous step is accepted (clock drift), two steps back is not', async () => {
    await srv.nextStep();
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: srv.code(m.secret, -60) })), 401, 'auth.bad_code');
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: srv.code(m.secret, -30) })));
  });

  test('a recovery code works once, typed in capitals with spaces too', async () => {
    const [first, second] = m.recovery;
    const d = assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: first })));
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: first })), 401, 'auth.bad_code');
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: second.toUpperCase().replace('-', ' ') })));
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: d.token }));
    assert.equal(me.secondFactor.recoveryCodesLeft, 8);
  });

  test('new recovery codes need a current code; the old ones stop working', async () => {
    await srv.nextStep();
    const s = assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: srv.code(m.secret) })));
    // The code just used for the login is used up; a recovery code is not enough here.
    assertError(await srv.api('POST', '/api/v1/me/totp/recovery-codes', { token: s.token, body: { code: srv.code(m.secret) } }), 400, 'totp.bad_code', 'code');
    assertError(await srv.api('POST', '/api/v1/me/totp/recovery-codes', { token: s.token, body: { code: m.recovery[5] } }), 400, 'totp.bad_code', 'code');
    await srv.nextStep();
    const d = assertData(await srv.api('POST', '/api/v1/me/totp/recovery-codes', { token: s.token, body: { code: srv.code(m.secret) } }));
    assert.equal(d.recoveryCodes.length, 10);
    assert.ok(!d.recoveryCodes.includes(m.recovery[5]));
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: m.recovery[6] })), 401, 'auth.bad_code');
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: d.recoveryCodes[0] })));
    m.recovery = d.recoveryCodes.slice(1);
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.recoveryCodesLeft, 9);
  });

  test('wrong codes are failed attempts in the same hourly window as wrong passwords', async () => {
    const b = srv.who.migrant;
    const e = await enrol(srv, b);
    await srv.nextStep();
    const right = srv.code(e.secret);
    const wrong = String((Number(right) + 1) % 1000000).padStart(6, '0');
    for (let i = 0; i < 2; i++)
      assertError(await srv.api('POST', '/api/v1/auth/login', { body: { phone: b.phone, password: 'wrong-pass-1' } }), 401, 'auth.bad_credentials');
    for (let i = 0; i < 3; i++)
      assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(b, { code: wrong })), 401, 'auth.bad_code');
    // 5 failures (login_max_failures = 5): now even the right password and code are throttled.
    const r = await srv.api('POST', '/api/v1/auth/login', loginBody(b, { code: right }));
    assertError(r, 429, 'auth.throttled');
    assert.equal(r.headers.get('set-cookie'), null);
    // ... and the enrolled session's code checks too.
    assertError(await srv.api('POST', '/api/v1/me/totp/recovery-codes', { token: e.session.token, body: { code: right } }), 429, 'auth.throttled');
    // An hour later the window has passed.
    await srv.advanceClock(3601);
    await srv.nextStep();
    assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(b, { code: srv.code(e.secret) })));
  });

  test('disable needs the password and a code; then the password alone logs in again', async () => {
    await srv.nextStep();
    const s = assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(a, { code: m.recovery[0] })));
    await srv.nextStep();
    const code = srv.code(m.secret);
    assertError(await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, body: { password: 'wrong-pass-1', code } }), 401, 'auth.bad_credentials');
    assertError(await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, body: { password: a.password, code: '000000' === code ? '111111' : '000000' } }), 400, 'totp.bad_code', 'code');
    assertError(await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, body: { password: a.password } }), 400, 'request.invalid', 'code');
    let me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.enabled, true, 'still on after refused attempts');
    // Idempotency-Key: the replay answers like the first time.
    const headers = { 'Idempotency-Key': 'totp-disable-1' };
    const first = await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, headers, body: { password: a.password, code } });
    assertData(first);
    const again = await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, headers, body: { password: a.password, code } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.text, first.text);
    me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.enabled, false);
    assert.equal(me.secondFactor.recoveryCodesLeft, 0);
    assertError(await srv.api('DELETE', '/api/v1/me/totp', { token: s.token, body: { password: a.password, code } }), 409, 'totp.off');
    assertError(await srv.api('POST', '/api/v1/me/totp/recovery-codes', { token: s.token, body: { code } }), 409, 'totp.off');
    await srv.login(a);
  });

  test('the changes are in the audit log (without secrets)', async () => {
    const auditor = await srv.login(srv.who.auditor);
    const d = assertData(await srv.api('GET', `/api/v1/audit?orgId=${srv.who.auditor.orgId}&limit=200`, { token: auditor.token }));
    const rows = d.items.filter((r) => r.action === 'account.totp');
    const details = rows.map((r) => r.detail);
    for (const want of ['enrolment started', 'second factor on', 'new recovery codes', 'second factor off'])
      assert.ok(details.some((x) => x?.startsWith(want)), `audit has "${want}": ${JSON.stringify(details)}`);
    assert.ok(rows.some((r) => r.result === 'failed'), 'failed code attempts are audited');
    assert.ok(d.items.some((r) => r.action === 'auth.login' && r.detail === 'with a recovery code'));
    assert.ok(!JSON.stringify(d).includes(m.secret));
  });

  test('zhibu user totp-reset turns it off for an account that lost its phone', async () => {
    const b = srv.who.migrant;
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(b)), 401, 'auth.code_required');
    const r = srv.run(['user', 'totp-reset', '--data', srv.dataDir, '--phone', b.phone]);
    assert.equal(r.status, 0, r.stderr);
    await srv.login(b);
    const again = srv.run(['user', 'totp-reset', '--data', srv.dataDir, '--phone', b.phone]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /no second factor/);
  });
});

describe('admin_second_factor = required', () => {
  let srv;
  before(async () => {
    srv = await clockServer(['admin_second_factor = required', 'admin_second_factor_grace_days = 0']);
  });
  after(async () => srv?.stop());

  test('an admin without TOTP gets a session that may only enrol', async () => {
    const admin = srv.who.countyAdmin;
    const s = await srv.login(admin);
    const { enrolBy, ...sf } = s.user.secondFactor;
    assert.deepEqual(sf, { enabled: false, pending: false, required: true, enrolRequired: true, recoveryCodesLeft: 0 });
    assert.ok(Date.parse(enrolBy) <= srv.now() * 1000, 'the grace (0 days here) is over');
    const org = `/api/v1/orgs/${admin.orgId}`;
    assertError(await srv.api('GET', org, { token: s.token }), 403, 'auth.enrol_second_factor');
    assertError(await srv.api('GET', `/api/v1/members?orgId=${admin.orgId}&limit=1`, { token: s.token }), 403, 'auth.enrol_second_factor');
    assertError(await srv.api('POST', '/api/v1/orgs', { token: s.token, body: { parentId: admin.orgId, name: '不该建', level: 'township' } }), 403, 'auth.enrol_second_factor');
    // The same with the cookie (and its CSRF token).
    assertError(await srv.api('GET', org, { cookie: s.cookie }), 403, 'auth.enrol_second_factor');
    const me = assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
    assert.equal(me.secondFactor.enrolRequired, true);
    // Enrol with the same session: the restriction ends at once.
    const start = assertData(await srv.api('POST', '/api/v1/me/totp', { cookie: s.cookie, csrf: s.csrf }));
    assertError(await srv.api('GET', org, { token: s.token }), 403, 'auth.enrol_second_factor');
    assertData(await srv.api('POST', '/api/v1/me/totp/confirm', { cookie: s.cookie, csrf: s.csrf, body: { code: srv.code(start.secret) } }));
    assertData(await srv.api('GET', org, { token: s.token }));
    // From now on login needs the code.
    assertError(await srv.api('POST', '/api/v1/auth/login', loginBody(admin)), 401, 'auth.code_required');
    await srv.nextStep();
    const s2 = assertData(await srv.api('POST', '/api/v1/auth/login', loginBody(admin, { code: srv.code(start.secret) })));
    assert.deepEqual(s2.user.secondFactor, { enabled: true, pending: false, required: true, enrolRequired: false, enrolBy: null, recoveryCodesLeft: 10 });
    assertData(await srv.api('GET', org, { token: s2.token }));
    // Turning it off puts the session back to enrolment only.
    await srv.nextStep();
    assertData(await srv.api('DELETE', '/api/v1/me/totp', { token: s2.token, body: { password: admin.password, code: srv.code(start.secret) } }));
    assertError(await srv.api('GET', org, { token: s2.token }), 403, 'auth.enrol_second_factor');
  });

  test('the auditor is restricted too; a branch secretary and a member are not', async () => {
    const aud = await srv.login(srv.who.auditor);
    assertError(await srv.api('GET', `/api/v1/audit?orgId=${srv.who.auditor.orgId}`, { token: aud.token }), 403, 'auth.enrol_second_factor');
    const sec = await srv.login(srv.who.secretaryA);
    assert.equal(sec.user.secondFactor.required, false);
    assertData(await srv.api('GET', `/api/v1/orgs/${srv.who.secretaryA.orgId}`, { token: sec.token }));
    const mem = await srv.login(srv.who.member);
    assertData(await srv.api('GET', '/api/v1/me/transfers', { token: mem.token }));
  });

  test('a restricted session may still change its password and log out', async () => {
    const t = await srv.login(srv.who.townshipAdmin);
    assertError(await srv.api('POST', '/api/v1/me/password', { token: t.token, body: { oldPassword: 'wrong-old-1', newPassword: 'another-pass-9' } }), 401, 'auth.bad_credentials');
    assertData(await srv.api('POST', '/api/v1/auth/logout', { token: t.token, body: {} }));
    assertError(await srv.api('GET', '/api/v1/me', { token: t.token }), 401, 'auth.required');
  });
});

describe('the default policy of a data directory not made by zhibu demo', () => {
  test('zhibu demo writes admin_second_factor = optional; without the line the default is required', async () => {
    const srv = await startServer();
    try {
      const conf = readFileSync(join(srv.dataDir, 'zhibu.conf'), 'utf8');
      assert.match(conf, /^admin_second_factor = optional$/m);
      const s = await srv.login(srv.who.countyAdmin);
      assert.equal(s.user.secondFactor.required, false);
      assertData(await srv.api('GET', `/api/v1/orgs/${srv.who.countyAdmin.orgId}`, { token: s.token }));
    } finally {
      await srv.stop();
    }
    // The same data set with the line removed: required, after the grace (7 days from the grant).
    const srv2 = await startServer({
      testHooks: true,
      setup: async (dir) => {
        const { writeFileSync } = await import('node:fs');
        const p = join(dir, 'zhibu.conf');
        writeFileSync(p, readFileSync(p, 'utf8').replace(/^admin_second_factor.*$/m, ''));
      },
    });
    try {
      const org = `/api/v1/orgs/${srv2.who.countyAdmin.orgId}`;
      const s = await srv2.login(srv2.who.countyAdmin);
      assert.equal(s.user.secondFactor.required, true);
      assert.equal(s.user.secondFactor.enrolRequired, false, 'within the grace');
      const days = (Date.parse(s.user.secondFactor.enrolBy) - Date.now()) / 86400000;
      assert.ok(days > 6.9 && days <= 7, `enrolBy in 7 days, got ${days}`);
      assertData(await srv2.api('GET', org, { token: s.token }));
      await srv2.advanceClock(7 * 86400 + 60);
      const late = await srv2.login(srv2.who.countyAdmin);
      assert.equal(late.user.secondFactor.enrolRequired, true);
      assertError(await srv2.api('GET', org, { token: late.token }), 403, 'auth.enrol_second_factor');
      // A secretary is never asked.
      const sec = await srv2.login(srv2.who.secretaryA);
      assertData(await srv2.api('GET', `/api/v1/orgs/${srv2.who.secretaryA.orgId}`, { token: sec.token }));
    } finally {
      await srv2.stop();
    }
  });
});
