// shutdown.test.mjs - SIGTERM stops the server gracefully: exit 0 within
// 5 s, idle keep-alive connections do not hold it up, a request in flight
// is finished.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { assertData, startServer } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('SIGTERM on an idle server: exit 0 within 5 s', async () => {
  const srv = await startServer();
  assertData(await srv.api('GET', '/api/v1/me', { token: (await srv.login(srv.who.member)).token }));
  const t0 = Date.now();
  const r = await srv.stop(); // asserts exit 0 within 5 s
  assert.equal(r.code, 0);
  assert.ok(Date.now() - t0 < 5000);
});

test('SIGTERM with an idle keep-alive connection open: exit 0 within 5 s', async () => {
  const srv = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: srv.port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    const r = await srv.stop();
    assert.equal(r.code, 0);
  } finally {
    agent.destroy();
  }
});

test('SIGTERM while a request is in flight: the request is answered, then exit 0 within 5 s', async () => {
  const srv = await startServer();
  const a = srv.who.secretaryA;
  const body = JSON.stringify({ phone: a.phone, password: a.password });
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r, j) => sock.once('connect', r).once('error', j));
  let response = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => { response += d; });
  const closed = new Promise((r) => sock.once('close', r));
  sock.on('error', () => {});
  // Headers and half of the body now; the rest after SIGTERM.
  sock.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await sleep(200);
  const t0 = Date.now();
  srv.proc.kill('SIGTERM');
  await sleep(300);
  sock.write(body.slice(10));
  const deadline = Date.now() + 5000;
  while (!/\r\n\r\n[\s\S]*"token"/.test(response) && Date.now() < deadline) await sleep(20);
  assert.match(response, /^HTTP\/1\.1 200 /, `the request in flight was answered: ${response.slice(0, 300)}`);
  assert.match(response, /"token"/);
  const e = await Promise.race([srv.server.exited, sleep(Math.max(0, 5000 - (Date.now() - t0)))]);
  assert.deepEqual(e, { code: 0, signal: null }, `exit 0 within 5 s of SIGTERM (after ${Date.now() - t0} ms)`);
  await srv.stop();
  await Promise.race([closed, sleep(1000)]);
  sock.destroy();
});

test('SIGINT stops it gracefully too', async () => {
  const srv = await startServer();
  srv.proc.kill('SIGINT');
  const e = await Promise.race([srv.server.exited, sleep(5000)]);
  assert.deepEqual(e, { code: 0, signal: null }, 'exit 0 within 5 s of SIGINT');
  await srv.stop();
});

test('SIGTERM with a live-update stream open: the stream ends, exit 0 within 5 s', async () => {
  const srv = await startServer();
  const token = (await srv.login(srv.who.member)).token;
  let ended = false;
  let got = '';
  const req = http.get({ host: '127.0.0.1', port: srv.port, path: '/api/v1/events', headers: { Authorization: `Bearer ${token}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d) => { got += d; });
    res.on('end', () => { ended = true; });
    res.on('error', () => { ended = true; });
  });
  req.on('error', () => { ended = true; });
  const t0 = Date.now();
  while (!got.includes(': open') && Date.now() - t0 < 3000) await sleep(20);
  assert.ok(got.includes(': open'), 'the stream is open (and suspended, waiting for events)');
  await sleep(300);
  const r = await srv.stop(); // asserts exit 0 within 5 s
  assert.equal(r.code, 0);
  await sleep(100);
  assert.ok(ended, 'the server ended the stream');
  req.destroy();
});

test('the access log: batched, a line out within a second, and every line written at a clean stop', async () => {
  const srv = await startServer();
  const token = (await srv.login(srv.who.member)).token;
  const rid = async () => (await srv.api('GET', '/api/v1/me', { token })).headers.get('x-request-id');
  const accessLine = (id) => srv.stderr().split('\n').some((l) => l.includes('"msg":"access"') && l.includes(`"rid":"${id}"`));
  const first = await rid();
  const t0 = Date.now();
  while (!accessLine(first) && Date.now() - t0 < 1000) await sleep(20);
  assert.ok(accessLine(first), 'the line of an idle server is written within a second');
  const ids = [];
  for (let i = 0; i < 200; i++) ids.push(await rid());
  await srv.stop({ keepData: false });
  const missing = ids.filter((id) => !accessLine(id));
  assert.deepEqual(missing, [], 'every request has its access line after SIGTERM');
});
