// http.test.mjs - /healthz, /metrics, security headers on every API answer,
// HTTP keep-alive, and listening: connections spread over the HTTP threads,
// max_connections a total over them, one zhibu per port.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertData, assertError, run, startServer, tempDir } from './helpers.mjs';

let srv, api, token;

before(async () => {
  srv = await startServer();
  api = srv.api;
  token = (await srv.login(srv.who.secretaryA)).token;
});

after(async () => {
  await srv?.stop();
});

describe('health and metrics', () => {
  test('GET /healthz: 200 {"status":"ok"} without login', async () => {
    const r = await api('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });

  const counter = (text, route, status) => {
    const esc = route.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const m = new RegExp(`^zhibu_http_requests_total\\{route="${esc}",status="${status}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  async function metrics() {
    const r = await api('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    return r.text;
  }

  test('GET /metrics: Prometheus text with requests by route and status, latency, connections, db errors', async () => {
    assertData(await api('GET', '/api/v1/me', { token }));
    assertError(await api('GET', '/api/v1/me'), 401, 'auth.required');
    // The counters are updated when a request completes: allow a moment.
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await metrics();
      if (counter(text, 'GET /api/v1/me', 200) >= 1 && counter(text, 'GET /api/v1/me', 401) >= 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(counter(text, 'GET /api/v1/me', 200) >= 1, `requests_total for GET /api/v1/me 200:\n${text.slice(0, 3000)}`);
    assert.ok(counter(text, 'GET /api/v1/me', 401) >= 1, 'requests_total for GET /api/v1/me 401');
    assert.match(text, /^# TYPE zhibu_http_requests_total counter$/m);
    assert.match(text, /^zhibu_http_request_duration_seconds_bucket\{route="GET \/api\/v1\/me",le="[^"]+"\} \d+$/m);
    assert.match(text, /^zhibu_http_request_duration_seconds_bucket\{route="GET \/api\/v1\/me",le="\+Inf"\} \d+$/m);
    assert.match(text, /^# TYPE zhibu_http_request_duration_seconds histogram$/m);
    assert.match(text, /^zhibu_open_connections \d+$/m);
    assert.match(text, /^zhibu_db_errors_total \d+$/m);
  });

  test('the request counter grows with each request', async () => {
    const before = counter(await metrics(), 'GET /api/v1/me', 200);
    for (let i = 0; i < 3; i++) assertData(await api('GET', '/api/v1/me', { token }));
    let now = before;
    for (let i = 0; i < 50 && now < before + 3; i++) {
      now = counter(await metrics(), 'GET /api/v1/me', 200);
      if (now < before + 3) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(now, before + 3);
  });

  test('the raw path of an unknown URL is not a label (no cardinality blow-up)', async () => {
    const junk = `/api/v1/zz-${Date.now()}`;
    assertError(await api('GET', junk, { token }), 404, 'request.not_found');
    const text = await metrics();
    assert.ok(!text.includes(junk), 'unknown paths are not labels');
  });
});

describe('who may read /metrics', () => {
  test('without metrics_token: connections from this machine only, never one a proxy forwarded', async () => {
    assert.equal((await api('GET', '/metrics')).status, 200);
    for (const h of [{ 'X-Forwarded-For': '203.0.113.9' }, { Forwarded: 'for=203.0.113.9' }, { 'X-Real-IP': '203.0.113.9' }])
      assertError(await api('GET', '/metrics', { headers: h }), 403, 'metrics.forbidden');
  });

  test('with metrics_token: only "Authorization: Bearer TOKEN", from anywhere', async () => {
    const TOKEN = 'prometheus-scrape-0123456789';
    const s2 = await startServer({ config: [`metrics_token = ${TOKEN}`] });
    try {
      assertError(await s2.api('GET', '/metrics'), 403, 'metrics.forbidden');
      assertError(await s2.api('GET', '/metrics', { headers: { Authorization: 'Bearer prometheus-scrape-012345678X' } }), 403, 'metrics.forbidden');
      assertError(await s2.api('GET', '/metrics', { headers: { Authorization: 'Bearer short' } }), 403, 'metrics.forbidden');
      const ok = await s2.api('GET', '/metrics', { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Forwarded-For': '203.0.113.9' } });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^zhibu_open_connections \d+$/m);
    } finally {
      await s2.stop();
    }
  });

  test('a token too short to be a secret is refused at start-up', async () => {
    const dir = tempDir('zhibu-metrics-conf-');
    try {
      writeFileSync(join(dir, 'zhibu.conf'), 'metrics_token = 1234\n');
      const r = run(['migrate', '--data', dir]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /metrics_token/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security headers', () => {
  function checkHeaders(r, ctx) {
    const h = r.headers;
    assert.equal(h.get('x-content-type-options'), 'nosniff', `${ctx}: X-Content-Type-Options`);
    assert.equal(h.get('x-frame-options'), 'DENY', `${ctx}: X-Frame-Options`);
    assert.ok(h.get('content-security-policy'), `${ctx}: Content-Security-Policy`);
    assert.match(h.get('content-security-policy'), /frame-ancestors 'none'/, `${ctx}: CSP frame-ancestors`);
    assert.equal(h.get('cache-control'), 'no-store', `${ctx}: Cache-Control`);
    assert.match(h.get('x-request-id') || '', /^[0-9A-Za-z-]{8,}$/, `${ctx}: X-Request-Id`);
  }

  test('on successes and errors of the API', async () => {
    const cases = [
      ['GET /api/v1/me 200', await api('GET', '/api/v1/me', { token })],
      ['POST login 200', (await srv.login(srv.who.member)).res],
      ['POST login 401', await api('POST', '/api/v1/auth/login', { body: { phone: '13999999999', password: 'x' } })],
      ['GET /api/v1/me 401', await api('GET', '/api/v1/me')],
      ['GET unknown 404', await api('GET', '/api/v1/nope', { token })],
      ['GET hidden org 404', await api('GET', `/api/v1/orgs/${srv.who.countyAdmin.orgId}`, { token })],
      ['bad path 400', await api('GET', '/api/v1/orgs/abc', { token })],
      ['bad json 400', await api('POST', '/api/v1/orgs', { token, body: '{' })],
      ['405', await api('DELETE', '/api/v1/me', { token })],
      ['GET /healthz', await api('GET', '/healthz')],
      ['GET /metrics', await api('GET', '/metrics')],
    ];
    for (const [ctx, r] of cases) checkHeaders(r, ctx);
    for (const [ctx, r] of cases.filter(([c]) => !c.includes('metrics')))
      assert.match(r.headers.get('content-type'), /^application\/json; charset=utf-8$/, `${ctx}: Content-Type`);
  });

  test('each response has its own request id', async () => {
    const ids = new Set();
    for (let i = 0; i < 5; i++) ids.add((await api('GET', '/api/v1/me', { token })).headers.get('x-request-id'));
    assert.equal(ids.size, 5);
  });
});

describe('keep-alive', () => {
  function send(agent, method, path, { headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: srv.port, method, path, agent, headers }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { data += d; });
        res.on('end', () => resolve({ req, res, status: res.statusCode, headers: res.headers, body: data, localPort: req.socket?.localPort }));
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  test('two GET /api/v1/me over one connection: no Connection: close, the socket is reused', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const auth = { Authorization: `Bearer ${token}` };
      const r1 = await send(agent, 'GET', '/api/v1/me', { headers: auth });
      assert.equal(r1.status, 200);
      assert.notEqual((r1.headers.connection || '').toLowerCase(), 'close', 'the first answer keeps the connection');
      assert.equal(r1.req.reusedSocket, false);
      const r2 = await send(agent, 'GET', '/api/v1/me', { headers: auth });
      assert.equal(r2.status, 200);
      assert.equal(r2.req.reusedSocket, true, 'the second request reused the socket');
      assert.equal(r2.localPort, r1.localPort);
      assert.notEqual((r2.headers.connection || '').toLowerCase(), 'close');
    } finally {
      agent.destroy();
    }
  });

  test('a POST with a body, an error and a GET on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = srv.who.migrant;
      const body = JSON.stringify({ phone: a.phone, password: a.password });
      const r1 = await send(agent, 'POST', '/api/v1/auth/login', {
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, body,
      });
      assert.equal(r1.status, 200, r1.body);
      assert.notEqual((r1.headers.connection || '').toLowerCase(), 'close', 'a POST answer keeps the connection');
      const t = JSON.parse(r1.body).data.token;
      const r2 = await send(agent, 'GET', '/api/v1/nope', { headers: { Authorization: `Bearer ${t}` } });
      assert.equal(r2.status, 404);
      assert.equal(r2.req.reusedSocket, true);
      assert.notEqual((r2.headers.connection || '').toLowerCase(), 'close', 'an error answer keeps the connection');
      const r3 = await send(agent, 'GET', '/api/v1/me', { headers: { Authorization: `Bearer ${t}` } });
      assert.equal(r3.status, 200);
      assert.equal(r3.req.reusedSocket, true);
      assert.equal(r3.localPort, r1.localPort);
    } finally {
      agent.destroy();
    }
  });
});

describe('listening', () => {
  // A raw keep-alive connection that sent one GET /healthz and read its answer.
  async function connectAndAsk(port, waitMs = 5000) {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => {});
    let got = '';
    sock.setEncoding('utf8');
    const answered = new Promise((resolve) => {
      sock.on('data', (d) => {
        got += d;
        if (/\r\n\r\n[\s\S]*\}/.test(got)) resolve(true);
      });
      sock.on('close', () => resolve(false));
    });
    await new Promise((r) => sock.once('connect', r).once('close', r));
    sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const ok = await Promise.race([answered, new Promise((r) => setTimeout(() => r(false), waitMs))]);
    return { sock, ok, get text() { return got; }, answered };
  }
  const perThread = (text) =>
    [...text.matchAll(/^zhibu_http_thread_requests_total\{thread="(\d+)"\} (\d+)$/gm)].map((m) => Number(m[2]));

  test('connections spread over the HTTP threads (a daemon per thread); /metrics counts requests per thread', async () => {
    const s = await startServer({ demo: false, config: ['threads = 4'] });
    const socks = [];
    try {
      // Opened at once, as a benchmark's keep-alive client does.
      const all = await Promise.all(Array.from({ length: 64 }, () => connectAndAsk(s.port)));
      socks.push(...all.map((c) => c.sock));
      assert.ok(all.every((c) => c.ok), 'every connection answered');
      const counts = perThread((await s.api('GET', '/metrics')).text);
      assert.equal(counts.length, 4, 'one series per thread');
      assert.ok(counts.every((n) => n > 0), `every thread answered some: ${counts}`);
    } finally {
      for (const k of socks) k.destroy();
      await s.stop();
    }
  });

  test('max_connections holds over all threads together: past it a connection waits while idle ones make room', async () => {
    const s = await startServer({ demo: false, config: ['threads = 2', 'max_connections = 16'] });
    const socks = [];
    try {
      // 24 at once: each thread takes its share of the 16 (8); the others
      // wait in the kernel's queue while the answered ones, idle now, are cut
      // early for lack of room (conn.h), and then they are answered too.
      // Each is given 15 s: on a loaded machine the cuts and the answers take seconds; a
      // connection never answered would still fail.
      const all = await Promise.all(Array.from({ length: 24 }, () => connectAndAsk(s.port, 15000)));
      for (const c of all) socks.push(c.sock);
      // (libmicrohttpd may still accept and close one that arrives as its
      // thread reaches the limit.)
      const answered = all.filter((c) => c.ok).length;
      assert.ok(answered >= 16, `${answered} of 24 answered`);
      const open = Number(/^zhibu_open_connections (\d+)$/m.exec((await s.api('GET', '/metrics')).text)[1]);
      assert.ok(open <= 16, `${open} open`);
    } finally {
      for (const k of socks) k.destroy();
      await s.stop();
    }
  });

  test('a second zhibu does not start on a port that one serves', async () => {
    const r = run(['serve', '--data', srv.dataDir, '--listen', `127.0.0.1:${srv.port}`], { timeout: 15000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
    // ... nor on one whose name another zhibu holds while it binds (the race
    // of two starting at once): the name is an abstract socket.
    const port = await new Promise((resolve) => {
      const t = net.createServer().listen(0, '127.0.0.1', () => {
        const p = t.address().port;
        t.close(() => resolve(p));
      });
    });
    const holder = net.createServer();
    await new Promise((r) => holder.listen(`\0zhibu-listen [127.0.0.1]:${port}`, r));
    try {
      const r2 = run(['serve', '--data', srv.dataDir, '--listen', `127.0.0.1:${port}`], { timeout: 15000 });
      assert.notEqual(r2.status, 0);
      assert.match(r2.stderr, /another zhibu serves it/);
    } finally {
      holder.close();
    }
    // The first one still answers alone.
    assertData(await api('GET', '/api/v1/me', { token }));
  });
});
