// Shared by e2e.test.mjs and screenshots.mjs: starts a real zhibu server on a demo data
// set in a temporary directory, and Debian's Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const webDist = join(repo, 'web', 'dist');
export const zhibuBin = process.env.ZHIBU_BIN || join(repo, 'build', 'zhibu');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

export const PHONE = { width: 360, height: 640 };

export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs `zhibu demo` then `zhibu serve`; resolves once /healthz answers 200.
// {testHooks: true} starts it with ZHIBU_TEST_HOOKS=1: then advanceClock(seconds)
// moves the server's "now" (POST /test/clock) instead of sleeping. config: lines appended
// to the demo's zhibu.conf (a later line wins), e.g. ['admin_second_factor = required'].
// port: where to listen (a free one when left out), e.g. the one a Kannel harness
// (tests/api/kannel.mjs) was told to report to.
export async function startServer({ testHooks = false, config = [], port: fixedPort } = {}) {
  if (!existsSync(zhibuBin)) {
    throw new Error(`zhibu binary not found at ${zhibuBin}: build it (cmake -S . -B build -G Ninja && ninja -C build) or set ZHIBU_BIN`);
  }
  if (!existsSync(join(webDist, 'index.html'))) {
    throw new Error(`${webDist}/index.html missing: run (cd web && npm ci && npm run build)`);
  }
  const root = mkdtempSync(join(tmpdir(), 'zhibu-e2e-'));
  const data = join(root, 'data');
  let demo = spawnSync(zhibuBin, ['demo', '--data', data], { encoding: 'utf8', timeout: 120000 });
  if (demo.status !== 0 && !existsSync(data)) {
    // In case the command wants the directory to exist already.
    mkdirSync(data);
    demo = spawnSync(zhibuBin, ['demo', '--data', data], { encoding: 'utf8', timeout: 120000 });
  }
  if (demo.status !== 0) throw new Error(`zhibu demo failed (${demo.status}): ${demo.stderr}${demo.stdout}`);
  const accounts = JSON.parse(readFileSync(join(data, 'demo-accounts.json'), 'utf8'));
  if (config.length) appendFileSync(join(data, 'zhibu.conf'), config.join('\n') + '\n');

  const port = fixedPort || (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(zhibuBin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--web', webDist], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(testHooks ? { ZHIBU_TEST_HOOKS: '1' } : {}) },
  });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = code ?? sig; });

  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited !== null) throw new Error(`zhibu serve exited (${exited}):\n${log}`);
    try {
      const r = await fetch(base + '/healthz');
      if (r.status === 200) break;
    } catch (e) { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`zhibu serve not healthy in 30 s:\n${log}`); }
    await sleep(100);
  }

  const stop = async () => {
    if (exited === null) {
      proc.kill('SIGTERM');
      for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
      if (exited === null) proc.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  const advanceClock = async (seconds) => {
    const r = await fetch(base + '/test/clock', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advance: seconds }),
    });
    if (r.status !== 200) throw new Error(`the test clock needs startServer({testHooks: true}): ${r.status}`);
    return r.json();
  };
  return { base, data, accounts, stop, advanceClock, log: () => log };
}

// A logged-in API client for test setup (finding ids); assertions go through the UI.
export async function apiAs(base, acct) {
  const r = await fetch(base + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: acct.phone, password: acct.password }),
  });
  const j = await r.json();
  if (r.status !== 200) throw new Error(`API login as ${acct.phone}: ${r.status} ${JSON.stringify(j)}`);
  const cookie = (r.headers.getSetCookie ? r.headers.getSetCookie() : [])
    .map((c) => c.split(';')[0]).join('; ');
  const get = async (path) => {
    const res = await fetch(base + '/api/v1' + path, {
      headers: { Authorization: 'Bearer ' + j.data.token, ...(cookie ? { Cookie: cookie } : {}) },
    });
    const body = await res.json().catch(() => null);
    return { status: res.status, body };
  };
  const send = async (method, path, body) => {
    const res = await fetch(base + '/api/v1' + path, {
      method,
      headers: { Authorization: 'Bearer ' + j.data.token, 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const out = await res.json().catch(() => null);
    return { status: res.status, body: out };
  };
  const post = (path, body) => send('POST', path, body);
  return { me: j.data.user, get, post, send };
}

export function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh phone-sized context and page in Beijing's zone (extra.timezoneId for a phone
// abroad); collects console errors and CSP violations.
export async function phonePage(browser, base, extra = {}) {
  const context = await browser.newContext({
    viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, baseURL: base, locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai', ...extra,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    const txt = m.text();
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(txt)) problems.push(txt);
  });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  return { context, page, problems };
}

export async function loginUI(page, acct) {
  await page.goto('/#/login');
  await page.getByLabel('手机号').fill(acct.phone);
  await page.getByLabel('密码', { exact: true }).fill(acct.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** A citizen ID number: the first 17 digits and their GB 11643 check character. */
export function idNumber(first17) {
  const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += W[i] * Number(first17[i]);
  return first17 + '10X98765432'[s % 11];
}

/** The same number with a wrong check character. */
export const wrongCheck = (id) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
