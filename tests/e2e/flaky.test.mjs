// A 200 MB video through a flaky link (issue 17): a node TCP proxy in front of the
// server drops the connection every 3-6 MB of upload; tus-js-client (a real tus
// client) uploads through it in 2 MiB chunks, resuming from the server's offset
// after each drop; the stored file is the same bytes (SHA-256 of a download); the
// media queue makes its versions, and Chromium plays the 240p version (readyState,
// videoHeight 240, currentTime advancing) and the audio-only one.
//
// The video is real and transcodes: ffmpeg's testsrc2 with noise, lossless H.264
// (qp 0) at 640x360, so that 21 s of it weigh about 200 MB (~9.8 MB/s) while the
// transcode to 240p stays short (about as long as the video on this machine). The
// whole test takes about a minute here, most of it the upload's fsyncs and the
// transcode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { startServer, launch } from './harness.mjs';

let srv, browser, work, proxy;

/** A TCP proxy to port that cuts whichever connection carries the upload past the next
 * drop point (every 3, 4, 5, 6, 3, ... MB of request bytes in all). */
function flakyProxy(port) {
  const steps = [3, 4, 5, 6].map((m) => m * 1000 * 1000);
  const state = { sent: 0, next: steps[0], drops: 0 };
  const conns = new Set();
  const server = net.createServer((c) => {
    const u = net.connect(port, '127.0.0.1');
    conns.add(c);
    const cut = () => { c.destroy(); u.destroy(); conns.delete(c); };
    c.on('data', (d) => {
      state.sent += d.length;
      if (state.sent >= state.next) {
        state.drops++;
        state.next += steps[state.drops % steps.length];
        cut();
        return;
      }
      if (!u.write(d)) { c.pause(); u.once('drain', () => c.resume()); }
    });
    u.pipe(c);
    c.on('error', cut);
    u.on('error', cut);
    c.on('close', cut);
    u.on('close', () => c.end());
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    base: `http://127.0.0.1:${server.address().port}`,
    state,
    close: () => { for (const c of conns) c.destroy(); server.close(); },
  })));
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  work = mkdtempSync(join(tmpdir(), 'zhibu-e2e-flaky-'));
  proxy = await flakyProxy(Number(new URL(srv.base).port));
});

after(async () => {
  proxy?.close();
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a 200 MB video through a link that drops every few MB: complete, identical, its 240p and audio versions play', async () => {
  const t0 = Date.now();
  const path = join(work, '党课录像.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=21', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=21',
    '-vf', 'noise=alls=40:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-shortest', path]);
  const bytes = readFileSync(path);
  assert.ok(bytes.length >= 200 * 1000 * 1000, `the video weighs ${bytes.length} bytes`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const tMade = Date.now();

  const member = srv.accounts.find((a) => a.role === 'member');
  const login = await fetch(srv.base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: member.phone, password: member.password }),
  });
  const { token } = (await login.json()).data;

  // The upload, through the proxy.
  let fileId = null, errors = 0;
  await new Promise((resolve, reject) => {
    const upload = new tus.Upload(bytes, {
      endpoint: proxy.base + '/api/v1/tus/uploads',
      chunkSize: 2 * 1024 * 1024,
      retryDelays: [0, 100, 200, 400, 800, 1000, 1000, 1000],
      metadata: { filename: '党课录像.mp4', orgId: String(member.orgId) },
      headers: { Authorization: `Bearer ${token}` },
      onShouldRetry: () => { errors++; return true; },
      onAfterResponse: (req, res) => { fileId = res.getHeader('Zhibu-File-Id') || fileId; },
      onSuccess: resolve,
      onError: reject,
    });
    upload.start();
  });
  const tUp = Date.now();
  assert.ok(fileId, 'the last chunk names the file');
  assert.ok(proxy.state.drops >= 30, `the link dropped ${proxy.state.drops} times`);
  assert.ok(errors >= proxy.state.drops - 1, `${errors} retries for ${proxy.state.drops} drops`);

  const auth = { Authorization: `Bearer ${token}` };
  let f = (await (await fetch(srv.base + `/api/v1/files/${fileId}`, { headers: auth })).json()).data;
  assert.equal(f.sha256, sha);
  assert.equal(f.size, bytes.length);
  assert.equal(f.kind, 'video');
  // What the server sends back is the same bytes.
  const down = createHash('sha256');
  const res = await fetch(srv.base + `/api/v1/files/${fileId}/content?download=true`, { headers: auth });
  for await (const part of res.body) down.update(part);
  assert.equal(down.digest('hex'), sha);

  // The media queue's versions.
  for (let i = 0; i < 1800 && f.processing !== 'done' && f.processing !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    f = (await (await fetch(srv.base + `/api/v1/files/${fileId}`, { headers: auth })).json()).data;
  }
  assert.equal(f.processing, 'done');
  assert.deepEqual(f.variants.map((v) => v.name).sort(), ['audio', 'poster', 'video-240']);
  const tMedia = Date.now();

  // Chromium plays them (signed in by cookie on the app's origin).
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, baseURL: srv.base });
  const page = await context.newPage();
  try {
    await page.goto('/');
    await page.evaluate(async (m) => {
      const r = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: m.phone, password: m.password }) });
      if (r.status !== 200) throw new Error(`login ${r.status}`);
    }, member);
    const play = (tag, variant) => page.evaluate(async ({ tag, src }) => {
      const el = document.createElement(tag);
      el.muted = true;
      el.src = src;
      document.body.appendChild(el);
      await el.play();
      for (let i = 0; i < 100 && el.readyState < 3; i++) await new Promise((r) => setTimeout(r, 100));
      const t0 = el.currentTime;
      await new Promise((r) => setTimeout(r, 1500));
      const out = { readyState: el.readyState, t0, t1: el.currentTime, h: el.videoHeight, err: el.error && el.error.code };
      el.pause();
      el.remove();
      return out;
    }, { tag, src: `/api/v1/files/${fileId}/content?variant=${variant}` });
    const v = await play('video', 'video-240');
    assert.equal(v.err, null, 'the 240p version decodes');
    assert.ok(v.readyState >= 3, `video readyState ${v.readyState}`);
    assert.equal(v.h, 240);
    assert.ok(v.t1 > v.t0 + 0.5, `video currentTime advances: ${v.t0} -> ${v.t1}`);
    const a = await play('audio', 'audio');
    assert.equal(a.err, null, 'the audio version decodes');
    assert.ok(a.readyState >= 3, `audio readyState ${a.readyState}`);
    assert.ok(a.t1 > a.t0 + 0.5, `audio currentTime advances: ${a.t0} -> ${a.t1}`);
  } finally {
    await context.close();
  }
  const secs = (a, b) => ((b - a) / 1000).toFixed(1);
  console.log(`flaky link: ${(bytes.length / 1e6).toFixed(0)} MB, ${proxy.state.drops} drops; made in ${secs(t0, tMade)} s, ` +
    `uploaded in ${secs(tMade, tUp)} s, versions in ${secs(tUp, tMedia)} s, played in ${secs(tMedia, Date.now())} s`);
});
