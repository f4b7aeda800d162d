// Browser tests of files and media (issue 17): a secretary uploads through the notice
// composer (a reload in the middle of an upload: the same file picked again resumes
// from the server's offset), publishes; a member of the branch opens the notice, sees the
// sizes first, plays the 240p version (video.readyState, currentTime advancing) and the
// audio-only version, and pages through a PDF's page images. Test media are made here by
// ffmpeg (lavfi testsrc + sine); screenshots at 360 x 780 go to /tmp/zhibu-files-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

const TALL = { width: 360, height: 780 };
let srv, browser, work;
const who = {};

before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  who.member = acc.find((a) => a.role === 'member');
  who.secretary = acc.find((a) => a.role === 'branch_secretary' && String(a.orgId) === String(who.member.orgId));
  assert.ok(who.member && who.secretary);
  work = mkdtempSync(join(tmpdir(), 'zhibu-e2e-files-'));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=6',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    join(work, '党课录像.mp4')]);
  // A PDF of 3 pages padded past 3 MiB, so that its upload takes several 1 MiB chunks.
  const objs = ['<</Type/Catalog/Pages 2 0 R>>', '<</Type/Pages/Kids[3 0 R 4 0 R 5 0 R]/Count 3>>',
    ...[1, 2, 3].map(() => '<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 400]>>')];
  let pdf = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(pdf.length); pdf += `${i + 1} 0 obj${o}endobj\n`; });
  const x = pdf.length;
  pdf += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer<</Size ${objs.length + 1}/Root 1 0 R>>\nstartxref\n${x}\n%%EOF\n`;
  const pad = Buffer.alloc(3.5 * 1024 * 1024);
  for (let i = 0; i < pad.length; i++) pad[i] = (i * 7919) & 0xff;
  writeFileSync(join(work, '学习材料.pdf'), Buffer.concat([Buffer.from(pdf), Buffer.from('%'), pad, Buffer.from('\n')]));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('upload resumes after a reload; the member sees sizes first, plays the 240p video and the audio, reads PDF pages', async () => {
  const s = await phonePage(browser, srv.base, { viewport: TALL });
  const m = await phonePage(browser, srv.base, { viewport: TALL });
  try {
    await loginUI(s.page, who.secretary);
    await s.page.getByRole('heading', { name: '通知公告' }).waitFor();
    const compose = '/#/notice-new/' + who.secretary.orgId;
    await s.page.goto(compose);
    const input = s.page.getByLabel('选择文件（PDF、Office 文档、图片、音频、视频）');

    // The PDF: its third chunk never gets an answer; the page is reloaded meanwhile.
    let patches = 0;
    await s.page.route('**/api/v1/uploads/*', async (route) => {
      if (route.request().method() === 'PATCH' && ++patches === 3) return; // hangs: a dead link
      await route.continue();
    });
    await input.setInputFiles(join(work, '学习材料.pdf'));
    await s.page.getByText(/正在上传 学习材料\.pdf：(2[0-9]|[3-9][0-9])%/).waitFor({ timeout: 20000 });
    await s.page.unroute('**/api/v1/uploads/*');
    await s.page.reload();
    await s.page.goto(compose);
    await s.page.getByLabel('选择文件（PDF、Office 文档、图片、音频、视频）').setInputFiles(join(work, '学习材料.pdf'));
    await s.page.getByText(/已从 \d+% 处继续上传/).waitFor({ timeout: 20000 });
    await s.page.getByText('已上传：学习材料.pdf').waitFor({ timeout: 30000 });
    await s.page.getByLabel('选择文件（PDF、Office 文档、图片、音频、视频）').setInputFiles(join(work, '党课录像.mp4'));
    await s.page.getByText('已上传：党课录像.mp4').waitFor({ timeout: 30000 });
    await s.page.screenshot({ path: '/tmp/zhibu-files-composer.png' });
    await s.page.getByLabel('标题').fill('请观看党课录像并学习材料');
    await s.page.getByLabel('正文').fill('全体党员：\n请在本周内观看党课录像。');
    await s.page.getByRole('button', { name: '发布', exact: true }).click();
    await s.page.getByText('请在本周内观看党课录像', { exact: false }).waitFor();
    const noticeUrl = s.page.url();

    // The member: the media queue makes the versions; the page shows sizes before playing.
    await loginUI(m.page, who.member);
    await m.page.getByRole('heading', { name: '通知公告' }).waitFor();
    const play = m.page.getByRole('button', { name: /播放视频（240p，[\d.]+ (KB|MB)）/ });
    await m.page.goto(noticeUrl.replace(/^.*#/, '/#'));
    for (let i = 0; i < 60; i++) {
      if (i) await m.page.reload(); // a new hash alone would not fetch the notice again
      await m.page.getByText('请在本周内观看党课录像', { exact: false }).waitFor();
      if (await play.count() && await m.page.getByRole('button', { name: /看页面（3 页/ }).count()) break;
      await m.page.waitForTimeout(1000);
    }
    await m.page.getByRole('button', { name: /只听声音（[\d.]+ KB）/ }).waitFor();
    await m.page.screenshot({ path: '/tmp/zhibu-files-notice.png' });
    await play.click();
    const video = m.page.locator('video.media');
    await video.waitFor();
    const t0 = await video.evaluate(async (v) => {
      for (let i = 0; i < 100 && v.readyState < 3; i++) await new Promise((r) => setTimeout(r, 100));
      return { readyState: v.readyState, t: v.currentTime, h: v.videoHeight, err: v.error && v.error.code };
    });
    assert.equal(t0.err, null, 'the 240p version decodes');
    assert.ok(t0.readyState >= 3, `readyState ${t0.readyState}`);
    assert.equal(t0.h, 240);
    await m.page.waitForTimeout(1500);
    const t1 = await video.evaluate((v) => v.currentTime);
    assert.ok(t1 > t0.t + 0.5, `currentTime advances: ${t0.t} -> ${t1}`);
    await m.page.screenshot({ path: '/tmp/zhibu-files-video.png' });

    // The PDF's pages as images, zoomable.
    await m.page.getByRole('button', { name: /看页面（3 页/ }).click();
    const pages = m.page.locator('.pages-scroll img');
    await pages.first().waitFor();
    assert.equal(await pages.count(), 3);
    await m.page.waitForFunction(() => [...document.querySelectorAll('.pages-scroll img')].slice(0, 1).every((i) => i.complete && i.naturalWidth > 0));
    await m.page.getByRole('button', { name: '放大' }).click();
    assert.match(await pages.first().getAttribute('style'), /width: 150%/);
    await m.page.screenshot({ path: '/tmp/zhibu-files-pages.png' });
    assert.deepEqual(s.problems.concat(m.problems), []);
  } finally {
    await s.context.close();
    await m.context.close();
  }
});

test('audio only: the member\'s setting offers the audio version and it plays', async () => {
  const m = await phonePage(browser, srv.base, { viewport: TALL });
  try {
    await loginUI(m.page, who.member);
    await m.page.getByRole('heading', { name: '通知公告' }).waitFor();
    await m.page.goto('/#/account');
    await m.page.getByLabel('只听声音（不看视频）').check();
    await m.page.getByText('已保存').waitFor();
    await m.page.screenshot({ path: '/tmp/zhibu-files-settings.png' });
    await m.page.goto('/#/home');
    await m.page.locator('.feed-item', { hasText: '请观看党课录像并学习材料' }).click();
    await m.page.getByRole('button', { name: /只听声音/ }).waitFor();
    assert.equal(await m.page.getByRole('button', { name: /播放视频/ }).count(), 0);
    await m.page.getByRole('button', { name: /只听声音/ }).click();
    const audio = m.page.locator('audio.media');
    const a = await audio.evaluate(async (el) => {
      for (let i = 0; i < 100 && el.readyState < 3; i++) await new Promise((r) => setTimeout(r, 100));
      const t = el.currentTime;
      await new Promise((r) => setTimeout(r, 1200));
      return { readyState: el.readyState, t0: t, t1: el.currentTime, err: el.error && el.error.code };
    });
    assert.equal(a.err, null);
    assert.ok(a.t1 > a.t0, `currentTime advances: ${a.t0} -> ${a.t1}`);
  } finally {
    await m.context.close();
  }
});
