// uploads.test.mjs - SECURITY.md check 15 for bodies: a request is authorised
// from its headers before its body is read (401/403/404 without reading an
// upload), an upload is spooled to an unlinked temporary file (mode 0600), not
// to memory, and the memory and disk that bodies hold at once are bounded
// (body_memory_mb, upload_spool_mb): 503 server.busy from the headers beyond.
// Every early answer reaches the client whole, not as a reset.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { assertError, httpRequest, idNumber, rssMb, startServer } from './helpers.mjs';

const MIB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, tS, tM, villageA;

before(async () => {
  srv = await startServer({ config: ['upload_spool_mb = 600'] });
  tS = (await srv.login(srv.who.secretaryA)).token;
  tM = (await srv.login(srv.who.member)).token;
  villageA = srv.who.secretaryA.orgId;
});

after(async () => {
  await srv?.stop();
});

const importPath = () => `/api/v1/imports?orgId=${villageA}`;

/** Waits until the server's RSS settles (the allocator gives memory back lazily). */
async function rssNow() {
  await sleep(200);
  return rssMb(srv.proc.pid);
}

describe('authorised from the headers', () => {
  test('40 anonymous 60 MiB uploads at once: each 401 before its body, the server does not grow', async () => {
    const rss0 = await rssNow();
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(srv.proc.pid)); }, 50);
    const all = await Promise.all(Array.from({ length: 40 }, () =>
      httpRequest(srv.port, 'POST', importPath(), { bodySize: 60 * MIB, headers: { 'Content-Type': 'text/csv' }, timeoutMs: 30000 })));
    clearInterval(sampler);
    console.log(`# 40 anonymous uploads: RSS ${rss0.toFixed(1)} -> peak ${peak.toFixed(1)} MiB`);
    for (const r of all) {
      assert.equal(r.error, null, `a whole answer, not ${r.error}`);
      assertError(r, 401, 'auth.required');
    }
    assert.ok(peak - rss0 < 32, `RSS grew by ${(peak - rss0).toFixed(1)} MiB`);
  });

  test('a member without roster.write, a secretary naming another branch: the 404 of a missing organisation', async () => {
    const r = await httpRequest(srv.port, 'POST', importPath(), { token: tM, bodySize: 60 * MIB, timeoutMs: 5000 });
    assert.equal(r.error, null);
    assertError(r, 404, 'org.not_found');
    // Out of the secretary's subtree: the same answer as for no organisation at all.
    const other = await httpRequest(srv.port, 'POST', `/api/v1/imports?orgId=${srv.who.secretaryB.orgId}`, { token: tS, bodySize: 60 * MIB });
    const missing = await httpRequest(srv.port, 'POST', '/api/v1/imports?orgId=999999', { token: tS, bodySize: 60 * MIB });
    assertError(other, 404, 'org.not_found');
    assert.equal(other.text, missing.text);
  });

  test('headers alone decide: a refusal comes while the body has not even started', async () => {
    // Content-Length announced, nothing sent: the answer must not wait for the body.
    for (const [opts, status, code] of [
      [{}, 401, 'auth.required'],
      [{ token: tM }, 404, 'org.not_found'],
    ]) {
      const r = await httpRequest(srv.port, 'POST', importPath(), { ...opts, headers: { 'Content-Length': String(50 * MIB) }, timeoutMs: 3000 });
      assert.equal(r.error, null, `answered without the body (${status})`);
      assertError(r, status, code);
    }
    // A cookie session without its CSRF token, on a JSON write: 403 before the body.
    const s = await srv.login(srv.who.secretaryA);
    const r = await httpRequest(srv.port, 'PATCH', `/api/v1/members/${srv.who.secretaryA.memberId}`, {
      cookie: s.cookie, headers: { 'Content-Type': 'application/json', 'Content-Length': '500000' }, timeoutMs: 3000,
    });
    assert.equal(r.error, null);
    assertError(r, 403, 'auth.csrf');
  });
});

describe('spooled, not held', () => {
  test('an upload goes to an unlinked temporary file of mode 0600 under the data directory', async () => {
    const before = new Set(readdirSync(srv.dataDir));
    // Half a body, then a pause: the file exists while the upload is open.
    const pending = httpRequest(srv.port, 'POST', importPath(), { token: tS, bodySize: 8 * MIB, chunkSize: 1 * MIB, timeoutMs: 15000, pauseAt: 4 * MIB, pauseMs: 2500 });
    let spool = null;
    for (let i = 0; i < 100 && !spool; i++) {
      await sleep(20);
      for (const fd of readdirSync(`/proc/${srv.proc.pid}/fd`)) {
        let target;
        try { target = readlinkSync(`/proc/${srv.proc.pid}/fd/${fd}`); } catch { continue; }
        if (target.startsWith(srv.dataDir) && target.endsWith('(deleted)') && !/zhibu\.db/.test(target))
          spool = { fd, target, mode: statSync(`/proc/${srv.proc.pid}/fd/${fd}`).mode & 0o777 };
      }
    }
    const r = await pending;
    assert.ok(spool, 'an open, deleted temporary file under the data directory');
    assert.equal(spool.mode, 0o600, `mode ${spool.mode.toString(8)} of ${spool.target}`);
    assert.deepEqual(readdirSync(srv.dataDir).filter((f) => !before.has(f) && !/^zhibu\.db/.test(f)), [], 'no file left behind');
    assertError(r, 422, 'import.invalid'); // a file of x's is not a roster
  });

  test('8 authorised 60 MiB uploads at once: memory stays flat', async () => {
    const rss0 = await rssNow();
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, rssMb(srv.proc.pid)); }, 50);
    const all = await Promise.all(Array.from({ length: 8 }, () =>
      httpRequest(srv.port, 'POST', importPath(), { token: tS, bodySize: 60 * MIB, timeoutMs: 60000 })));
    clearInterval(sampler);
    for (const r of all) assertError(r, 422, 'import.invalid');
    console.log(`# 8 spooled uploads: RSS ${rss0.toFixed(1)} -> peak ${peak.toFixed(1)} MiB`);
    assert.ok(peak - rss0 < 48, `RSS grew by ${(peak - rss0).toFixed(1)} MiB`);
  });

  test('upload_spool_mb bounds the uploads in progress: beyond it 503 server.busy from the headers', async () => {
    // 600 MiB here: ten 60 MiB uploads fit, the eleventh announced at the same time does not.
    await sleep(300); // the uploads of the test before have ended on the server's side too
    const all = await Promise.all(Array.from({ length: 11 }, () =>
      httpRequest(srv.port, 'POST', importPath(), { token: tS, headers: { 'Content-Length': String(60 * MIB) }, timeoutMs: 2000 })));
    const busy = all.filter((r) => r.status === 503);
    assert.equal(busy.length, 1, all.map((r) => `${r.status} ${r.error}`).join(', '));
    assertError(busy[0], 503, 'server.busy');
    assert.ok(busy[0].ms < 1500, 'answered at once, not after the others gave up');
    assert.equal(all.filter((r) => r.error === 'timeout').length, 10, 'the others wait for their bodies');
    // The room comes back when they end.
    await sleep(300);
    const ok = await httpRequest(srv.port, 'POST', importPath(), { token: tS, body: 'x\n' });
    assertError(ok, 422, 'import.invalid');
  });
});

describe('an upload with an Idempotency-Key', () => {
  test('the key covers the spooled file: a replay gets the stored answer, another file 422', async () => {
    const head = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点';
    const csv = (seq) => `${head}\n幂等${seq},男,1970-01-02,${idNumber('1970-01-02', true, 300 + seq)},农民,1998-07-01,1999-07-01,正式党员,否,\n`;
    const path = `${importPath()}&dryRun=true`;
    const send = (body) => httpRequest(srv.port, 'POST', path, { token: tS, body, headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': 'upload-key-1' } });
    const first = await send(csv(1));
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.data.rows, 1);
    const again = await send(csv(1));
    assert.equal(again.status, 200);
    assert.equal(again.text, first.text);
    assertError(await send(csv(2)), 422, 'request.idempotency_mismatch');
  });
});

describe('body memory', () => {
  test('body_memory_mb bounds the JSON bodies held at once: 503 server.busy from the headers beyond', async () => {
    const s2 = await startServer({ config: ['body_memory_mb = 1'] });
    try {
      const t = (await s2.login(s2.who.secretaryA)).token;
      const path = `/api/v1/members/${s2.who.secretaryA.memberId}`;
      // Two bodies of 700 KB announced at once, neither sent: one fits in the 1 MiB.
      const both = await Promise.all([0, 1].map(() => httpRequest(s2.port, 'PATCH', path, {
        token: t, headers: { 'Content-Type': 'application/json', 'Content-Length': '700000' }, timeoutMs: 1500,
      })));
      const busy = both.filter((r) => r.status === 503);
      assert.equal(busy.length, 1, both.map((r) => `${r.status} ${r.error}`).join(', '));
      assertError(busy[0], 503, 'server.busy');
      assert.ok(busy[0].ms < 1000);
      await sleep(300);
      // Given back: an ordinary edit works again.
      const ok = await httpRequest(s2.port, 'PATCH', path, { token: t, body: JSON.stringify({ nativePlace: '河北' }), headers: { 'Content-Type': 'application/json' } });
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await s2.stop();
    }
  });

  test('where no login is needed (the login itself) a body is at most 16 KiB', async () => {
    const r = await httpRequest(srv.port, 'POST', '/api/v1/auth/login', { bodySize: 17 * 1024, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.error, null);
    assertError(r, 413, 'request.too_large');
  });
});
