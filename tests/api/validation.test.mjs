// validation.test.mjs - malformed requests get exact 4xx errors and store
// nothing (server started with max_body = 4096).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, startServer } from './helpers.mjs';

const MAX_BODY = 4096;
let srv, api, tT, townshipA;

before(async () => {
  srv = await startServer({ config: [`max_body = ${MAX_BODY}`] });
  api = srv.api;
  tT = (await srv.login(srv.who.townshipAdmin)).token;
  townshipA = srv.who.townshipAdmin.orgId;
});

after(async () => {
  await srv?.stop();
});

/** Number of organisations below township A (children), read as the township admin. */
const childCount = async () => assertData(await api('GET', `/api/v1/orgs/${townshipA}`, { token: tT })).childCount;

/** Runs fn and asserts that township A's child count did not change. */
async function storesNothing(fn) {
  const before = await childCount();
  await fn();
  assert.equal(await childCount(), before, 'nothing was stored');
}

const postOrg = (body, opts = {}) => api('POST', '/api/v1/orgs', { token: tT, body, ...opts });
const valid = () => ({ parentId: townshipA, name: '校验测试党支部', level: 'branch' });

describe('bodies', () => {
  test('invalid JSON: 400 request.bad_json', () => storesNothing(async () => {
    assertError(await postOrg('{"parentId":'), 400, 'request.bad_json');
    assertError(await postOrg('{parentId: 2}'), 400, 'request.bad_json');
    assertError(await postOrg(''), 400, 'request.bad_json');
  }));

  test('a JSON array or scalar instead of an object: 400 request.bad_json', () => storesNothing(async () => {
    assertError(await postOrg(JSON.stringify([valid()])), 400, 'request.bad_json');
    assertError(await postOrg('[]'), 400, 'request.bad_json');
    assertError(await postOrg('"branch"'), 400, 'request.bad_json');
    assertError(await postOrg('42'), 400, 'request.bad_json');
    assertError(await postOrg('null'), 400, 'request.bad_json');
  }));

  test('duplicate keys and invalid UTF-8: 400 request.bad_json', () => storesNothing(async () => {
    assertError(await postOrg(`{"parentId":${townshipA},"name":"a","name":"b","level":"branch"}`), 400, 'request.bad_json');
    const bad = Buffer.concat([Buffer.from(`{"parentId":${townshipA},"name":"`), Buffer.from([0xff, 0xfe]), Buffer.from('","level":"branch"}')]);
    assertError(await postOrg(bad), 400, 'request.bad_json');
    // jansson refuses \u0000 in strings.
    assertError(await postOrg({ ...valid(), name: 'a\u0000b' }), 400, 'request.bad_json');
  }));

  test('an unknown field: 400 request.unknown_field naming the field', () => storesNothing(async () => {
    assertError(await postOrg({ ...valid(), color: 'red' }), 400, 'request.unknown_field', 'color');
    assertError(await postOrg({ ...valid(), parentID: 1 }), 400, 'request.unknown_field', 'parentID');
  }));

  test('a missing required field: 400 request.invalid naming the field', () => storesNothing(async () => {
    for (const f of ['parentId', 'name', 'level']) {
      const b = valid();
      delete b[f];
      assertError(await postOrg(b), 400, 'request.invalid', f);
      assertError(await postOrg({ ...valid(), [f]: null }), 400, 'request.invalid', f);
    }
    assertError(await postOrg({}), 400, 'request.invalid');
  }));

  test('a wrong type or value: 400 request.invalid naming the field', () => storesNothing(async () => {
    assertError(await postOrg({ ...valid(), parentId: String(townshipA) }), 400, 'request.invalid', 'parentId');
    assertError(await postOrg({ ...valid(), parentId: 1.5 }), 400, 'request.invalid', 'parentId');
    assertError(await postOrg({ ...valid(), parentId: -3 }), 400, 'request.invalid', 'parentId');
    assertError(await postOrg({ ...valid(), parentId: 0 }), 400, 'request.invalid', 'parentId');
    assertError(await postOrg({ ...valid(), name: 5 }), 400, 'request.invalid', 'name');
    assertError(await postOrg({ ...valid(), name: ['a'] }), 400, 'request.invalid', 'name');
    assertError(await postOrg({ ...valid(), name: '' }), 400, 'request.invalid', 'name');
    assertError(await postOrg({ ...valid(), name: '长'.repeat(61) }), 400, 'request.invalid', 'name');
    assertError(await postOrg({ ...valid(), name: 'a\u0001b' }), 400, 'request.invalid', 'name');
    assertError(await postOrg({ ...valid(), level: 'village' }), 400, 'request.invalid', 'level');
    assertError(await postOrg({ ...valid(), level: true }), 400, 'request.invalid', 'level');
  }));

  test('a body over max_body: 413 request.too_large (declared length and chunked)', () => storesNothing(async () => {
    const big = JSON.stringify({ ...valid(), name: 'x' }).replace('}', ' '.repeat(5000) + '}');
    assert.ok(big.length > 5000);
    assertError(await postOrg(big), 413, 'request.too_large');
    const chunks = [big.slice(0, 2000), big.slice(2000, 4000), big.slice(4000)];
    const stream = new ReadableStream({
      start(c) {
        for (const ch of chunks) c.enqueue(new TextEncoder().encode(ch));
        c.close();
      },
    });
    assertError(await postOrg(stream), 413, 'request.too_large');
  }));

  test('a body of exactly max_body bytes is accepted, one byte more is not', async () => {
    const base = JSON.stringify({ ...valid(), name: '边界党支部' });
    const pad = (n) => base.replace('}', ' '.repeat(n - Buffer.byteLength(base)) + '}');
    const before = await childCount();
    assertError(await postOrg(pad(MAX_BODY + 1)), 413, 'request.too_large');
    assert.equal(await childCount(), before);
    assertData(await postOrg(pad(MAX_BODY)), 201);
    assert.equal(await childCount(), before + 1);
  });

  test('the server keeps answering after an oversized body', async () => {
    assertData(await api('GET', '/api/v1/me', { token: tT }));
  });
});

describe('paths, methods, queries, login', () => {
  test('a malformed id in the path: 400 request.bad_path', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999', '1e3', ' 1'])
      assertError(await api('GET', `/api/v1/orgs/${encodeURIComponent(id)}`, { token: tT }), 400, 'request.bad_path');
    assertError(await api('GET', '/api/v1/orgs/abc/children', { token: tT }), 400, 'request.bad_path');
    await storesNothing(async () => {
      assertError(await api('PATCH', '/api/v1/orgs/abc', { token: tT, body: { name: 'x' } }), 400, 'request.bad_path');
    });
  });

  test('an unknown path: 404 request.not_found', async () => {
    for (const p of ['/api/v1/nope', '/api/v1/orgs/1/nope', '/api/v2/me', '/api/v1/me/', '/api/v1'])
      assertError(await api('GET', p, { token: tT }), 404, 'request.not_found');
  });

  test('a wrong method: 405 request.method_not_allowed', async () => {
    const r = await api('DELETE', '/api/v1/me', { token: tT });
    assertError(r, 405, 'request.method_not_allowed');
    assert.ok(r.headers.get('allow'), 'Allow header');
    assertError(await api('PUT', `/api/v1/orgs/${townshipA}`, { token: tT, body: { name: 'x' } }), 405, 'request.method_not_allowed');
    assertError(await api('GET', '/api/v1/auth/login'), 405, 'request.method_not_allowed');
    assertError(await api('DELETE', '/api/v1/orgs', { token: tT }), 405, 'request.method_not_allowed');
    assertError(await api('GET', '/api/v1/orgs', { token: tT }), 405, 'request.method_not_allowed');
  });

  test('the Allow header of a 405 lists the methods the resource supports (RFC 9110 15.5.6)', async () => {
    const me = await api('DELETE', '/api/v1/me', { token: tT });
    assert.equal(me.status, 405);
    const allowMe = (me.headers.get('allow') || '').split(',').map((m) => m.trim());
    assert.ok(allowMe.includes('GET'), `Allow for /api/v1/me: ${allowMe}`);
    assert.ok(!allowMe.includes('DELETE'), `Allow for /api/v1/me must not offer the method just refused: ${allowMe}`);
    const login = await api('GET', '/api/v1/auth/login');
    const allowLogin = (login.headers.get('allow') || '').split(',').map((m) => m.trim());
    assert.deepEqual(allowLogin, ['POST'], `Allow for /api/v1/auth/login: ${allowLogin}`);
  });

  test('query parameters are validated: 400 request.invalid naming the parameter', async () => {
    assertError(await api('GET', '/api/v1/members', { token: tT }), 400, 'request.invalid', 'orgId');
    assertError(await api('GET', '/api/v1/members?orgId=abc', { token: tT }), 400, 'request.invalid', 'orgId');
    assertError(await api('GET', '/api/v1/members?orgId=-5', { token: tT }), 400, 'request.invalid', 'orgId');
    assertError(await api('GET', `/api/v1/members?orgId=${townshipA}&limit=1000`, { token: tT }), 400, 'request.invalid', 'limit');
    assertError(await api('GET', `/api/v1/members?orgId=${townshipA}&q=${'长'.repeat(21)}`, { token: tT }), 400, 'request.invalid', 'q');
  });

  test('no login: 401 auth.required, nothing stored', async () => {
    assertError(await api('GET', '/api/v1/me'), 401, 'auth.required');
    assertError(await api('GET', `/api/v1/orgs/${townshipA}`), 401, 'auth.required');
    assertError(await api('GET', `/api/v1/members?orgId=${townshipA}`), 401, 'auth.required');
    assertError(await api('POST', '/api/v1/auth/logout'), 401, 'auth.required');
    await storesNothing(async () => {
      assertError(await postOrg(valid(), { token: undefined }), 401, 'auth.required');
    });
  });
});

test('a NUL inside a query value is refused, never read up to the NUL', async () => {
  // orgId=<township>%00zzz was read as the township; after=%00... ignored the cursor.
  assertError(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=2%00zzz`, { token: tT }), 400, 'request.invalid', 'limit');
  assertError(await api('GET', `/api/v1/roles?orgId=${townshipA}%00zzz`, { token: tT }), 400, 'request.invalid', 'orgId');
  assertError(await api('GET', `/api/v1/orgs/${townshipA}/children?after=%00abc`, { token: tT }), 400, 'request.invalid', 'after');
  // The same values without the NUL are fine.
  assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=2`, { token: tT }));
  assertData(await api('GET', `/api/v1/roles?orgId=${townshipA}`, { token: tT }));
});
