// auth.test.mjs - login, logout, /me, cookies, CSRF, no enumeration,
// password change, disabled accounts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, run, startServer } from './helpers.mjs';

let srv, who, api;

before(async () => {
  srv = await startServer({
    setup: async (dir) => {
      // Accounts of its own for the tests that change or disable an account.
      for (const [phone, name] of [['13900000101', '测试改密'], ['13900000102', '测试停用']]) {
        const r = run(['user', 'create', '--data', dir, '--phone', phone, '--name', name,
          '--password', 'first-password-1']);
        assert.equal(r.status, 0, r.stderr);
      }
    },
  });
  who = srv.who;
  api = srv.api;
});

after(async () => {
  await srv?.stop();
});

function assertMeShape(me, account) {
  assert.equal(typeof me.id, 'number');
  assert.equal(typeof me.phone, 'string');
  assert.ok(me.phone.endsWith(account.phone.slice(-4)), `phone ${me.phone}`);
  assert.equal(me.name, account.name);
  assert.ok('member' in me, 'member key present');
  assert.ok(Array.isArray(me.roles), 'roles is an array');
  assert.ok(me.home && typeof me.home === 'object', 'home present');
  assert.equal(typeof me.home.id, 'number');
  assert.equal(typeof me.home.name, 'string');
  assert.equal(typeof me.home.level, 'string');
  assert.ok(Array.isArray(me.home.path), 'home.path is an array');
}

describe('login, me, logout', () => {
  test('login returns token, csrfToken and the user (me shape) and sets the session cookie', async () => {
    const a = who.secretaryA;
    const res = await api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: a.password } });
    const data = assertData(res, 200);
    assert.equal(typeof data.token, 'string');
    assert.ok(data.token.length >= 22, 'token carries >= 128 bits');
    assert.equal(typeof data.csrfToken, 'string');
    assert.ok(data.csrfToken.length >= 16);
    assertMeShape(data.user, a);

    // The secretary is a member of their village, holds branch_secretary there,
    // and their home is the village with the path county > township > village.
    assert.equal(data.user.member?.id, a.memberId);
    assert.equal(data.user.member?.orgId, a.orgId);
    assert.deepEqual(data.user.roles.map((r) => [r.role, r.orgId]), [['branch_secretary', a.orgId]]);
    assert.equal(typeof data.user.roles[0].id, 'number');
    assert.equal(data.user.home.id, a.orgId);
    assert.equal(data.user.home.name, a.orgName);
    assert.equal(data.user.home.level, 'branch');
    assert.deepEqual(data.user.home.path.map((p) => p.id).at(0), who.countyAdmin.orgId);
    assert.equal(data.user.home.path.at(-1).id, a.orgId);
    assert.equal(data.user.home.path.length, 3);
    for (const p of data.user.home.path) {
      assert.equal(typeof p.name, 'string');
      assert.equal(typeof p.level, 'string');
    }

    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('zhibu_session='));
    assert.ok(session, `zhibu_session cookie set: ${cookies}`);
    assert.equal(session.split(';')[0], `zhibu_session=${data.token}`);
    const attrs = session.split(';').map((s) => s.trim().toLowerCase());
    assert.ok(attrs.includes('httponly'), session);
    assert.ok(attrs.includes('samesite=lax'), session);
    assert.ok(attrs.includes('path=/'), session);

    // GET /me with the bearer token and with the cookie: the same account as login said.
    const viaBearer = assertData(await api('GET', '/api/v1/me', { token: data.token }));
    assert.deepEqual(viaBearer, data.user);
    const viaCookie = assertData(await api('GET', '/api/v1/me', { cookie: `zhibu_session=${data.token}` }));
    assert.deepEqual(viaCookie, data.user);
  });

  test('without TLS in front the cookies are not Secure, and an untrusted X-Forwarded-Proto changes nothing', async () => {
    const r = await api('POST', '/api/v1/auth/login', {
      body: { phone: who.member.phone, password: who.member.password }, headers: { 'X-Forwarded-Proto': 'https' },
    });
    const cookies = r.headers.getSetCookie();
    // session, CSRF and (a device not seen before) the trusted-device cookie
    assert.deepEqual(cookies.map((c) => c.split('=')[0]).sort(), ['zhibu_csrf', 'zhibu_device', 'zhibu_session']);
    const csrf = cookies.find((c) => c.startsWith('zhibu_csrf='));
    assert.ok(csrf, 'the CSRF cookie is set');
    assert.ok(!/;\s*HttpOnly/i.test(csrf), 'the page can read the CSRF cookie');
    assert.equal(csrf.split(';')[0], `zhibu_csrf=${r.json.data.csrfToken}`);
    for (const c of cookies) assert.ok(!/;\s*Secure/i.test(c), `not Secure: ${c}`);
  });

  test('me of the county admin, a plain member and the migrant member', async () => {
    const admin = await srv.login(who.countyAdmin);
    assertMeShape(admin.user, who.countyAdmin);
    assert.equal(admin.user.member, null);
    assert.deepEqual(admin.user.roles.map((r) => [r.role, r.orgId]), [['org_admin', who.countyAdmin.orgId]]);
    assert.equal(admin.user.home.id, who.countyAdmin.orgId);
    assert.equal(admin.user.home.level, 'county');
    assert.deepEqual(admin.user.home.path.map((p) => p.id), [who.countyAdmin.orgId]);

    for (const m of [who.member, who.migrant]) {
      const s = await srv.login(m);
      assertMeShape(s.user, m);
      assert.equal(s.user.member?.id, m.memberId);
      assert.equal(s.user.home.id, m.orgId);
      assert.deepEqual(s.user.roles.map((r) => r.role), ['member']);
    }
  });

  test('logout ends the session: the same token gets 401 auth.required on the very next request', async () => {
    const s = await srv.login(who.townshipAdmin);
    assertData(await api('GET', '/api/v1/me', { token: s.token }));
    const out = await api('POST', '/api/v1/auth/logout', { token: s.token });
    assertData(out, 200);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('zhibu_session='));
    assert.ok(cleared, 'logout clears the session cookie');
    assert.match(cleared, /Max-Age=0/i);
    assertError(await api('GET', '/api/v1/me', { token: s.token }), 401, 'auth.required');
    assertError(await api('GET', '/api/v1/me', { cookie: `zhibu_session=${s.token}` }), 401, 'auth.required');
    assertError(await api('POST', '/api/v1/auth/logout', { token: s.token }), 401, 'auth.required');
  });

  test('every login yields a new token (rotation)', async () => {
    const s1 = await srv.login(who.auditor);
    const s2 = await srv.login(who.auditor);
    assert.notEqual(s1.token, s2.token);
    assert.notEqual(s1.csrf, s2.csrf);
    assertData(await api('GET', '/api/v1/me', { token: s2.token }));
  });

  test('no login, a garbage token, an unknown token: 401 auth.required', async () => {
    assertError(await api('GET', '/api/v1/me'), 401, 'auth.required');
    assertError(await api('GET', '/api/v1/me', { token: 'x' }), 401, 'auth.required');
    assertError(await api('GET', '/api/v1/me', { token: 'A'.repeat(43) }), 401, 'auth.required');
    assertError(await api('GET', '/api/v1/me', { cookie: 'zhibu_session=' + 'B'.repeat(43) }), 401, 'auth.required');
    assertError(await api('GET', `/api/v1/orgs/${who.countyAdmin.orgId}`), 401, 'auth.required');
  });
});

describe('no account enumeration', () => {
  test('unknown phone and wrong password answer identically, and both compute the hash', async () => {
    const known = who.secretaryB;
    // Warm up (first argon2 of a thread may allocate).
    await api('POST', '/api/v1/auth/login', { body: { phone: '13999999990', password: 'nope-nope' } });
    const unknown = await api('POST', '/api/v1/auth/login', { body: { phone: '13999999999', password: 'wrong-password' } });
    const wrong = await api('POST', '/api/v1/auth/login', { body: { phone: known.phone, password: 'wrong-password' } });
    assertError(unknown, 401, 'auth.bad_credentials');
    assertError(wrong, 401, 'auth.bad_credentials');
    assert.equal(unknown.text, wrong.text, 'byte-identical bodies');
    assert.deepEqual(unknown.json, wrong.json);
    assert.equal(unknown.headers.get('content-length'), wrong.headers.get('content-length'));
    assert.equal(unknown.headers.get('set-cookie'), null);
    assert.equal(wrong.headers.get('set-cookie'), null);
    // The unknown phone costs an argon2 hash too (>= 19 MiB, t >= 2 takes well over 10 ms).
    assert.ok(unknown.ms > 10, `unknown phone answered in ${unknown.ms.toFixed(1)} ms: hash not computed`);
    assert.ok(wrong.ms > 10, `wrong password answered in ${wrong.ms.toFixed(1)} ms`);
    // Roughly similar: medians of interleaved samples within a factor of 5
    // (generous: other test files may be hashing on the same cores).
    const tu = [unknown.ms], tw = [wrong.ms];
    for (let i = 0; i < 2; i++) {
      tu.push((await api('POST', '/api/v1/auth/login', { body: { phone: '13999999999', password: 'wrong-password' } })).ms);
      tw.push((await api('POST', '/api/v1/auth/login', { body: { phone: known.phone, password: 'wrong-password' } })).ms);
    }
    const median = (a) => [...a].sort((x, y) => x - y)[1];
    const [mu, mw] = [median(tu), median(tw)];
    assert.ok(Math.max(mu, mw) / Math.min(mu, mw) < 5, `timings differ: unknown ${tu.map((x) => x.toFixed(1))} ms, wrong ${tw.map((x) => x.toFixed(1))} ms`);
  });

  test('login input is validated like any body', async () => {
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: '123', password: 'x' } }), 400, 'request.invalid', 'phone');
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: who.member.phone } }), 400, 'request.invalid', 'password');
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: who.member.phone, password: 'x', remember: true } }), 400, 'request.unknown_field', 'remember');
    assertError(await api('POST', '/api/v1/auth/login', { body: '{"phone":' }), 400, 'request.bad_json');
  });
});

describe('CSRF protection for cookie-authenticated writes', () => {
  test('cookie POST without X-CSRF-Token: 403 auth.csrf; wrong token: 403; right token: 200', async () => {
    const s = await srv.login(who.member);
    // The session survives the rejected attempts.
    assertError(await api('POST', '/api/v1/auth/logout', { cookie: s.cookie }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/auth/logout', { cookie: s.cookie, csrf: 'x'.repeat(s.csrf.length) }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/auth/logout', { cookie: s.cookie, csrf: s.csrf + 'x' }), 403, 'auth.csrf');
    assertData(await api('GET', '/api/v1/me', { cookie: s.cookie }), 200); // reads need no token
    assertData(await api('POST', '/api/v1/auth/logout', { cookie: s.cookie, csrf: s.csrf }), 200);
    assertError(await api('GET', '/api/v1/me', { cookie: s.cookie }), 401, 'auth.required');
  });

  test('another session\'s CSRF token does not work', async () => {
    const s1 = await srv.login(who.member);
    const s2 = await srv.login(who.member);
    assertError(await api('POST', '/api/v1/auth/logout', { cookie: s1.cookie, csrf: s2.csrf }), 403, 'auth.csrf');
    assertData(await api('POST', '/api/v1/auth/logout', { cookie: s1.cookie, csrf: s1.csrf }), 200);
    assertData(await api('POST', '/api/v1/auth/logout', { token: s2.token }), 200);
  });

  test('every cookie-authenticated write needs the token (POST, PATCH, DELETE); nothing is changed without it', async () => {
    const s = await srv.login(who.countyAdmin);
    const township = who.townshipAdmin.orgId;
    const before = assertData(await api('GET', `/api/v1/orgs/${township}`, { cookie: s.cookie })).childCount;
    assertError(await api('POST', '/api/v1/orgs', { cookie: s.cookie, body: { parentId: township, name: 'CSRF党支部', level: 'branch' } }),
      403, 'auth.csrf');
    assertError(await api('PATCH', `/api/v1/orgs/${township}`, { cookie: s.cookie, body: { name: 'CSRF' } }), 403, 'auth.csrf');
    assertError(await api('DELETE', '/api/v1/roles/1', { cookie: s.cookie }), 403, 'auth.csrf');
    const after = assertData(await api('GET', `/api/v1/orgs/${township}`, { cookie: s.cookie }));
    assert.equal(after.childCount, before);
    assert.notEqual(after.name, 'CSRF');
    const created = assertData(await api('POST', '/api/v1/orgs', {
      cookie: s.cookie, csrf: s.csrf, body: { parentId: township, name: 'CSRF党支部', level: 'branch' },
    }), 201);
    assert.equal(created.parentId, township);
  });

  test('writes a browser marks as cross-site are refused, login included (login CSRF)', async () => {
    const m = who.member;
    const body = { phone: m.phone, password: m.password };
    const host = new URL(srv.base).host;
    assertError(await api('POST', '/api/v1/auth/login', { body, headers: { Origin: 'http://evil.example' } }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/auth/login', { body, headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/auth/login', { body, headers: { 'Sec-Fetch-Site': 'same-site' } }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/auth/login', { body, headers: { Origin: 'null' } }), 403, 'auth.csrf');
    // Even a bearer token does not make a cross-site write acceptable from a browser.
    const s = await srv.login(m);
    assertError(await api('POST', '/api/v1/auth/logout', { token: s.token, headers: { Origin: 'http://evil.example' } }), 403, 'auth.csrf');
    assertData(await api('GET', '/api/v1/me', { token: s.token }), 200);
    // The page itself (same origin) logs in; reads are not affected.
    assertData(await api('POST', '/api/v1/auth/login', {
      body, headers: { Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin' },
    }), 200);
    assertData(await api('GET', '/api/v1/me', { token: s.token, headers: { 'Sec-Fetch-Site': 'cross-site' } }), 200);
  });

  test('a bearer-authenticated POST needs no CSRF token', async () => {
    const s = await srv.login(who.member);
    assertData(await api('POST', '/api/v1/auth/logout', { token: s.token }), 200);
    assertError(await api('GET', '/api/v1/me', { token: s.token }), 401, 'auth.required');
  });
});

describe('password change', () => {
  const acct = { phone: '13900000101', name: '测试改密', password: 'first-password-1' };

  test('wrong old password: 401 auth.bad_credentials; short new password: 400 request.invalid newPassword', async () => {
    const s = await srv.login(acct);
    assertError(await api('POST', '/api/v1/me/password', {
      token: s.token, body: { oldPassword: 'not-the-password', newPassword: 'second-password-2' },
    }), 401, 'auth.bad_credentials');
    assertError(await api('POST', '/api/v1/me/password', {
      token: s.token, body: { oldPassword: acct.password, newPassword: 'short' },
    }), 400, 'request.invalid', 'newPassword');
    assertError(await api('POST', '/api/v1/me/password', {
      token: s.token, body: { oldPassword: acct.password },
    }), 400, 'request.invalid', 'newPassword');
    // Nothing changed: the session and the old password still work.
    assertData(await api('GET', '/api/v1/me', { token: s.token }));
    await srv.login(acct);
  });

  test('a cookie session must send the CSRF token to change the password', async () => {
    const s = await srv.login(acct);
    assertError(await api('POST', '/api/v1/me/password', {
      cookie: s.cookie, body: { oldPassword: acct.password, newPassword: 'second-password-2' },
    }), 403, 'auth.csrf');
    await srv.login(acct); // unchanged
  });

  test('success: old password fails, new works, other sessions revoked, this one kept', async () => {
    const other1 = await srv.login(acct);
    const other2 = await srv.login(acct);
    const current = await srv.login(acct);
    const newPassword = 'second-password-2';
    assertData(await api('POST', '/api/v1/me/password', {
      cookie: current.cookie, csrf: current.csrf, body: { oldPassword: acct.password, newPassword },
    }), 200);
    assertError(await api('GET', '/api/v1/me', { token: other1.token }), 401, 'auth.required');
    assertError(await api('GET', '/api/v1/me', { cookie: other2.cookie }), 401, 'auth.required');
    const me = assertData(await api('GET', '/api/v1/me', { token: current.token }));
    assert.equal(me.name, acct.name);
    assertData(await api('GET', '/api/v1/me', { cookie: current.cookie }));
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: acct.phone, password: acct.password } }),
      401, 'auth.bad_credentials');
    const fresh = await srv.login(acct, newPassword);
    assertData(await api('GET', '/api/v1/me', { token: fresh.token }));
  });
});

describe('disabled account', () => {
  test('zhibu user disable: the session is rejected on the next request and login fails like a wrong password', async () => {
    const acct = { phone: '13900000102', name: '测试停用', password: 'first-password-1' };
    const s = await srv.login(acct);
    assertData(await api('GET', '/api/v1/me', { token: s.token }));
    const r = srv.run(['user', 'disable', '--data', srv.dataDir, '--phone', acct.phone]);
    assert.equal(r.status, 0, r.stderr);
    assertError(await api('GET', '/api/v1/me', { token: s.token }), 401, 'auth.required');
    const denied = await api('POST', '/api/v1/auth/login', { body: { phone: acct.phone, password: acct.password } });
    const unknown = await api('POST', '/api/v1/auth/login', { body: { phone: '13999999998', password: acct.password } });
    assertError(denied, 401, 'auth.bad_credentials');
    assert.equal(denied.text, unknown.text);
  });
});
