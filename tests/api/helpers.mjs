// helpers.mjs - shared harness for the black-box HTTP API tests of zhibu.
//
// startServer() makes a temporary data directory, runs `zhibu demo` in it,
// appends the given lines to DIR/zhibu.conf, starts `zhibu serve` on a free
// loopback port (or opts.port: a server that others must know before it starts) and waits for /healthz. It returns:
//   { base, port, accounts, who, dataDir, proc, stop(), login(), api(), run() }
// stop() sends SIGTERM, waits for the exit, asserts exit code 0 (within 5 s)
// and removes the data directory (unless { keepData: true }).
//
// The binary is $ZHIBU_BIN, else build/zhibu of this checkout. No npm dependencies.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN =
  process.env.ZHIBU_BIN || resolve(dirname(fileURLToPath(import.meta.url)), '../../build/zhibu');

/**
 * Beijing time, the zone of every calendar rule (UTC+8 all year): a Date whose
 * UTC fields (getUTCFullYear, getUTCMonth, getUTCDate, toISOString) read as
 * the Beijing wall time of instant ms. Use it for "today", "this month" and
 * month arithmetic; never the UTC date of now.
 */
export const BEIJING_MS = 8 * 3600 * 1000;
export const beijing = (ms = Date.now()) => new Date(ms + BEIJING_MS);
/** Today in Beijing as "YYYY-MM-DD". */
export const beijingToday = (ms = Date.now()) => beijing(ms).toISOString().slice(0, 10);

/** A fresh temporary directory (removed by the caller). */
export function tempDir(prefix = 'zhibu-api-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the zhibu binary synchronously: {status, stdout, stderr, signal}. */
export function run(args, { env, input, timeout = 60000, cwd } = {}) {
  const r = spawnSync(BIN, args, {
    env: { ...process.env, ...(env || {}) },
    input,
    timeout,
    cwd,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the sqlite3 command-line shell on a database file; throws when it fails. */
export function sqlite(dbFile, sql) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', dbFile, sql], { encoding: 'utf8', timeout: 30000, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  // A statement that failed (a typo, a constraint, the database locked past the
  // timeout) fails the test here, not later as an empty answer.
  if (r.status !== 0) throw new Error(`sqlite3 ${dbFile} exited ${r.status ?? r.signal}: ${r.stderr.trim()}\n  in: ${sql.slice(0, 300)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Polls pred (sync or async) every 100 ms until it returns something truthy, which it
 * returns; throws "timed out waiting for WHAT" after ms. */
export async function until(pred, ms = 20000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `zhibu serve` with the given arguments and environment and waits
 * until base/healthz answers 200. Returns {proc, exited, stderr()} or throws
 * (with the server's stderr) if it exits or does not become healthy.
 */
export async function spawnServer(args, { env, base, cwd, timeoutMs = 15000 } = {}) {
  const proc = spawn(BIN, ['serve', ...args], {
    env: { ...process.env, ...(env || {}) },
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errText = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    errText += d;
    if (errText.length > 200000) errText = errText.slice(-100000);
  });
  let exit = null;
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) {
      const e = new Error(`zhibu serve exited early (${JSON.stringify(exit)}): ${errText.slice(-2000)}`);
      e.exit = exit;
      e.stderr = errText;
      throw e;
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`zhibu serve did not become healthy: ${errText.slice(-2000)}`);
    }
    await sleep(25);
  }
  return { proc, exited, stderr: () => errText, exitInfo: () => exit };
}

/** Sends SIGTERM and waits for the exit; returns {code, signal, ms}. */
export async function terminate(server, limitMs = 5000) {
  const t0 = Date.now();
  if (!server.exitInfo()) server.proc.kill('SIGTERM');
  let timer;
  const res = await Promise.race([
    server.exited,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), limitMs);
    }),
  ]);
  clearTimeout(timer);
  if (!res) {
    server.proc.kill('SIGKILL');
    await server.exited;
    return { code: null, signal: 'timeout', ms: Date.now() - t0 };
  }
  return { ...res, ms: Date.now() - t0 };
}

/** Picks the demo accounts by role as DESIGN.md and the brief describe them. */
export function namedAccounts(accounts) {
  const byRole = (r) => accounts.filter((a) => a.role === r);
  const auditor = byRole('auditor')[0];
  const admins = byRole('org_admin');
  const countyAdmin = admins.find((a) => a.orgId === auditor.orgId);
  const townshipAdmin = admins.find((a) => a !== countyAdmin);
  const [secretaryA, secretaryB] = byRole('branch_secretary');
  const [member, migrant] = byRole('member');
  return { countyAdmin, auditor, townshipAdmin, secretaryA, secretaryB, member, migrant };
}

/**
 * One HTTP request. opts: {token, cookie, csrf, body, headers}.
 * body: an object (sent as JSON), a string or Buffer (sent as is), or a
 * ReadableStream (sent chunked). Returns {status, headers, text, json}.
 */
export async function request(base, method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  let body;
  const init = { method, headers, redirect: 'manual' };
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) body = opts.body;
    else if (opts.body instanceof ReadableStream) {
      body = opts.body;
      init.duplex = 'half';
    } else body = JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
    init.body = body;
  }
  const t0 = performance.now();
  const r = await fetch(base + path, init);
  const text = await r.text();
  const ms = performance.now() - t0;
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, headers: r.headers, text, json, ms };
}

/** The server's resident memory in MiB (VmRSS of /proc/PID/status). */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

/**
 * One request through node:http (what most clients are, unlike fetch), on a
 * connection of its own. opts: {token, cookie, csrf, headers, body (string or
 * Buffer), localAddress (another loopback address, e.g. '127.0.0.2', to be
 * another client to per-address limits), timeoutMs (default 10000)}. A large
 * body without holding it: {bodySize, chunkSize}: bodySize bytes of 'x' are
 * announced and written chunk by chunk (honouring back-pressure) until they are
 * all sent or an answer arrives (stopOnAnswer, default true: then the rest is
 * not sent). Resolves to {status, headers, text, json, ms, sent, error}: error is
 * the client-side error (a reset, a timeout) when no complete answer came.
 */
export function httpRequest(port, method, path, opts = {}) {
  const { localAddress, timeoutMs = 10000, bodySize, chunkSize = 65536, stopOnAnswer = true, pauseAt, pauseMs = 0 } = opts;
  const headers = { Connection: 'close', ...(opts.headers || {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf;
  const body = opts.body === undefined ? null : Buffer.from(opts.body);
  if (body) headers['Content-Length'] = body.length;
  if (bodySize !== undefined) headers['Content-Length'] = bodySize;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const res = { status: 0, headers: {}, text: '', json: null, ms: 0, sent: 0, error: null };
    let done = false, answered = false;
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      res.ms = performance.now() - t0;
      if (error && !(res.status && res.complete)) res.error = error.code || error.message;
      try { res.json = res.text ? JSON.parse(res.text) : null; } catch { res.json = null; }
      req.destroy();
      resolve(res);
    };
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, localAddress, agent: false });
    const timer = setTimeout(() => finish(new Error('timeout')), timeoutMs);
    req.on('response', (r) => {
      answered = true;
      res.status = r.statusCode;
      res.headers = r.headers;
      r.setEncoding('utf8');
      r.on('data', (d) => { res.text += d; });
      r.on('end', () => { res.complete = true; finish(null); });
      r.on('error', finish);
    });
    req.on('error', finish);
    if (body) {
      res.sent = body.length;
      req.end(body);
    } else if (bodySize !== undefined) {
      const chunk = Buffer.alloc(chunkSize, 'x');
      let paused = false;
      const pump = () => {
        while (res.sent < bodySize && !done && !(answered && stopOnAnswer)) {
          // pauseAt: after that many bytes, wait pauseMs once (an upload held open).
          if (pauseAt !== undefined && !paused && res.sent >= pauseAt) {
            paused = true;
            setTimeout(pump, pauseMs);
            return;
          }
          const n = Math.min(chunkSize, bodySize - res.sent);
          res.sent += n;
          if (!req.write(n === chunkSize ? chunk : chunk.subarray(0, n))) {
            req.once('drain', pump);
            return;
          }
        }
        if (res.sent >= bodySize) req.end();
      };
      pump();
    } else {
      req.end();
    }
  });
}

/** Asserts an error envelope with the exact status, code and (optionally) field. */
export function assertError(res, status, code, field) {
  const ctx = `${res.status} ${res.text}`;
  assert.equal(res.status, status, `status: ${ctx}`);
  assert.ok(res.json && res.json.error, `error envelope expected: ${ctx}`);
  assert.equal(res.json.error.code, code, `error code: ${ctx}`);
  assert.equal(typeof res.json.error.message, 'string', `message: ${ctx}`);
  assert.ok(!('data' in res.json), `no data in an error: ${ctx}`);
  if (field !== undefined) assert.equal(res.json.error.field, field, `error field: ${ctx}`);
}

/** Asserts a success envelope with the exact status; returns data. */
export function assertData(res, status = 200) {
  const ctx = `${res.status} ${res.text}`;
  assert.equal(res.status, status, `status: ${ctx}`);
  assert.ok(res.json && 'data' in res.json, `data envelope expected: ${ctx}`);
  assert.ok(!('error' in res.json), `no error in a success: ${ctx}`);
  return res.json.data;
}

/**
 * Starts a demo server. opts:
 *   config: extra zhibu.conf lines ("key = value"), appended before serve starts
 *   setup(dataDir): called after demo and before serve (e.g. to run CLI commands)
 *   demo: false to start on an empty data directory (migrate only)
 */
export async function startServer(opts = {}) {
  const { config = [], setup, demo = true, env, testHooks = false, port: fixedPort } = opts;
  const dataDir = tempDir();
  let accounts = [];
  try {
    if (demo) {
      const d = run(['demo', '--data', dataDir]);
      assert.equal(d.status, 0, `zhibu demo failed: ${d.stderr}`);
      accounts = JSON.parse(readFileSync(join(dataDir, 'demo-accounts.json'), 'utf8'));
    }
    // Appended: `zhibu demo` wrote admin_second_factor = optional there (a later line wins).
    if (config.length) appendFileSync(join(dataDir, 'zhibu.conf'), config.join('\n') + '\n');
    if (setup) await setup(dataDir);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  let server, base, port;
  for (let attempt = 0; ; attempt++) {
    port = fixedPort || (await freePort());
    base = `http://127.0.0.1:${port}`;
    try {
      server = await spawnServer(['--data', dataDir, '--listen', `127.0.0.1:${port}`], {
        base,
        cwd: dataDir,
        env: { ...(env || {}), ...(testHooks ? { ZHIBU_TEST_HOOKS: '1' } : {}) },
      });
      break;
    } catch (e) {
      // The port may have been taken between freePort() and bind(): retry.
      if (!fixedPort && attempt < 3 && e.exit && /listen/.test(e.stderr || '')) continue;
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  const api = (method, path, o) => request(base, method, path, o);

  async function login(account, password = account.password) {
    const res = await api('POST', '/api/v1/auth/login', {
      body: { phone: account.phone, password },
    });
    const data = assertData(res, 200);
    const cookies = res.headers.getSetCookie();
    const pairs = cookies.map((c) => c.split(';')[0]);
    return {
      token: data.token,
      csrf: data.csrfToken,
      cookie: pairs.join('; '),
      setCookie: cookies,
      user: data.user,
      res,
    };
  }

  let stopped = false;
  async function stop({ keepData = false } = {}) {
    if (stopped) return;
    stopped = true;
    const r = await terminate(server, 5000);
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    assert.equal(r.signal === 'timeout' ? 'timeout' : r.code, 0,
      `zhibu serve should exit 0 within 5 s after SIGTERM, got ${JSON.stringify(r)}: ${server.stderr().slice(-2000)}`);
    return r;
  }

  return {
    base,
    port,
    dataDir,
    accounts,
    who: demo ? namedAccounts(accounts) : {},
    proc: server.proc,
    server,
    stderr: server.stderr,
    api,
    login,
    stop,
    run: (args, o) => run(args, o),
    // The test clock (startServer({testHooks: true})): moves the server's "now" by
    // seconds (deadlines, windows, escalations) instead of sleeping; returns
    // {skew, now, today}. Sessions older than their lifetime end when it moves.
    advanceClock: async (seconds) => assertClock(await api('POST', '/test/clock', { body: { advance: seconds } })),
    setClockSkew: async (seconds) => assertClock(await api('POST', '/test/clock', { body: { skew: seconds } })),
  };
}

function assertClock(res) {
  assert.equal(res.status, 200, `the test clock needs startServer({testHooks: true}): ${res.status} ${res.text}`);
  return res.json;
}

/** Counts the organisations of a subtree by walking /children (childCount guides it). */
export async function countByChildren(api, token, rootId) {
  let n = 1;
  const queue = [rootId];
  while (queue.length) {
    const id = queue.shift();
    let after = null;
    do {
      const q = `/api/v1/orgs/${id}/children?limit=200` + (after ? `&after=${encodeURIComponent(after)}` : '');
      const d = assertData(await api('GET', q, { token }));
      for (const o of d.items) {
        n++;
        if (o.childCount > 0) queue.push(o.id);
      }
      after = d.next;
    } while (after);
  }
  return n;
}

/** All items of a cursor-paged list (path without after/limit). */
export async function listAll(api, token, path, limit = 200) {
  const items = [];
  let after = null;
  const sep = path.includes('?') ? '&' : '?';
  for (let pages = 0; pages < 10000; pages++) {
    const q = `${path}${sep}limit=${limit}` + (after ? `&after=${encodeURIComponent(after)}` : '');
    const d = assertData(await api('GET', q, { token }));
    items.push(...d.items);
    after = d.next;
    if (!after) return items;
  }
  throw new Error('paging did not end');
}

/**
 * A valid citizen ID number (GB 11643) for a birth date 'YYYY-MM-DD' and
 * gender, region 110101; seq (0..499) varies the number.
 */
export function idNumber(birth, male = true, seq = 0) {
  const s = `110101${birth.replaceAll('-', '')}${String((seq % 500) * 2 + (male ? 1 : 0)).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * w[i];
  return s + '10X98765432'[sum % 11];
}

/**
 * The statistics counters kept on every write must equal a full recount
 * (`zhibu org recount`): compares GET /orgs/{id}/stats for each id before and
 * after. token must have roster.read on them.
 */
export async function assertCountersMatchRecount(srv, token, orgIds) {
  const get = async (id) => assertData(await srv.api('GET', `/api/v1/orgs/${id}/stats`, { token }));
  const before = [];
  for (const id of orgIds) before.push(await get(id));
  const r = srv.run(['org', 'recount', '--data', srv.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  const after = [];
  for (const id of orgIds) after.push(await get(id));
  assert.deepEqual(after, before, 'the counters drifted from a recount');
}
