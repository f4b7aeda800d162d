// static.test.mjs - the built web client served by zhibu: app shell for
// client routes, caching (ETag, immutable assets), gzip, security headers,
// nothing outside the client's files. Skipped when no web/dist was built,
// except under CI or scripts/test (ZHIBU_REQUIRE_WEB=1), where that fails.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

let srv, hasClient = false, indexHtml = '';

before(async () => {
  srv = await startServer();
  const r = await srv.api('GET', '/');
  hasClient = r.status === 200 && /text\/html/.test(r.headers.get('content-type') || '');
  indexHtml = r.text;
  if (process.env.ZHIBU_REQUIRE_WEB === '1')
    assert.ok(hasClient, 'the server does not serve the built web client (web/dist)');
});

after(async () => {
  await srv?.stop();
});

/** A raw request (no automatic decompression, no path normalisation). */
function raw(method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function securityHeaders(h, ctx) {
  assert.equal(h['x-content-type-options'], 'nosniff', ctx);
  assert.equal(h['x-frame-options'], 'DENY', ctx);
  assert.ok(h['content-security-policy'], `${ctx}: CSP`);
}

describe('web client', () => {
  test('GET / serves the app shell with a strict CSP', async (t) => {
    if (!hasClient) return t.skip('no built web client (web/dist)');
    const r = await raw('GET', '/');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    securityHeaders(r.headers, 'GET /');
    const csp = r.headers['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(r.headers.etag);
    assert.equal(r.headers['cache-control'], 'no-cache', 'the shell is revalidated');
  });

  test('a client-side route gets the app shell; a missing file gets 404', async (t) => {
    if (!hasClient) return t.skip('no built web client (web/dist)');
    const shell = await raw('GET', '/branch/3/members');
    assert.equal(shell.status, 200);
    assert.equal(shell.body.toString('utf8'), indexHtml);
    const missing = await raw('GET', '/assets/nope-123.js');
    assert.equal(missing.status, 404);
    securityHeaders(missing.headers, '404');
  });

  test('assets: immutable caching, ETag revalidation (304), gzip on request, HEAD without body', async (t) => {
    if (!hasClient) return t.skip('no built web client (web/dist)');
    const m = /(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/.exec(indexHtml);
    assert.ok(m, 'index.html references an asset');
    const asset = m[1];
    const plain = await raw('GET', asset);
    assert.equal(plain.status, 200);
    assert.match(plain.headers['cache-control'], /immutable/);
    assert.match(plain.headers['content-type'], asset.endsWith('.js') ? /javascript/ : /text\/css/);
    assert.equal(plain.headers['content-encoding'], undefined);
    securityHeaders(plain.headers, asset);
    const etag = plain.headers.etag;
    assert.ok(etag);

    const again = await raw('GET', asset, { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);

    const gz = await raw('GET', asset, { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.status, 200);
    if (gz.headers['content-encoding']) {
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.match(gz.headers.vary || '', /Accept-Encoding/i);
      const { gunzipSync } = await import('node:zlib');
      assert.deepEqual(gunzipSync(gz.body), plain.body);
    }

    const head = await raw('HEAD', asset);
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(Number(head.headers['content-length']), plain.body.length, 'HEAD announces the full length');
    assert.equal(head.headers.etag, etag);
  });

  test('writes to static paths: 405', async (t) => {
    if (!hasClient) return t.skip('no built web client (web/dist)');
    const r = await srv.api('POST', '/', { body: {} });
    assert.equal(r.status, 405);
    assert.equal(r.json?.error?.code, 'request.method_not_allowed');
  });

  test('nothing outside the client: no traversal to the data directory', async () => {
    for (const p of ['/../secret.key', '/%2e%2e/secret.key', '/..%2fsecret.key', '/zhibu.db', '/secret.key',
      '/demo-accounts.json', '/../../etc/passwd', '/assets/../../secret.key']) {
      const r = await raw('GET', p);
      const body = r.body.toString('utf8');
      assert.ok(r.status === 404 || r.status === 400 || (r.status === 200 && body === indexHtml),
        `${p}: ${r.status}`);
      assert.ok(!body.includes('SQLite format'), `${p} must not serve the database`);
      for (const a of srv.accounts) assert.ok(!body.includes(a.password), `${p} must not serve the accounts file`);
    }
  });
});
