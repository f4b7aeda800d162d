// Voice messages in 书记信箱 on a phone (360×780): a member records with the microphone
// (Chromium's fake device: a beep), sees the seconds run, stops, sends without typing; the
// branch secretary opens the thread, sees the recording's length and size before playing,
// and plays it (the audio element has data and its time advances). Screenshots of both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, chromiumPath, phonePage, loginUI } from './harness.mjs';

// ZHIBU_DOC_SHOTS=docs/screens refreshes the screenshots of docs/SCREENS.md.
const SHOTS = process.env.ZHIBU_DOC_SHOTS || process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const VIEW = { viewport: { width: 360, height: 780 } };
let srv;
let browser;

before(async () => {
  srv = await startServer();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required'],
  });
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('a member records and sends a voice message; the secretary sees its length and size and plays it', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const sec = byPhone('13800000004');
  const member = byPhone('13800000006');
  mkdirSync(SHOTS, { recursive: true });

  const m = await phonePage(browser, srv.base, VIEW);
  let threadUrl;
  try {
    const { page } = m;
    await loginUI(page, member);
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    await page.goto('/#/thread-new');
    await page.getByRole('button', { name: '录语音（最长 1 分钟）' }).click();
    // The seconds run while it records.
    await page.locator('.voice-live', { hasText: '正在录音 0:02 / 1:00' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'voice-recording.png') });
    await page.waitForTimeout(1200);
    await page.getByRole('button', { name: '停止录音' }).click();
    await page.locator('.voice-ready', { hasText: /语音 0:0[34]，已准备好/ }).waitFor();
    // Sent without a word typed.
    await page.getByRole('button', { name: '发送', exact: true }).click();
    await page.waitForURL(/#\/thread\/\d+$/);
    threadUrl = new URL(page.url()).hash;
    await page.locator('.voice-msg .voice-label', { hasText: /语音 0:0[34] · \d+(\.\d)? KB/ }).waitFor();
    assert.deepEqual(m.problems, []);
  } finally {
    await m.context.close();
  }

  const s = await phonePage(browser, srv.base, VIEW);
  try {
    const { page } = s;
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.goto('/' + threadUrl);
    const label = page.locator('.voice-msg .voice-label');
    await label.waitFor();
    assert.match(await label.innerText(), /^语音 0:0[34] · \d+(\.\d)? KB$/);
    // Nothing was downloaded before playing.
    const audio = page.locator('.voice-msg audio');
    assert.equal(await audio.evaluate((a) => a.readyState), 0);
    await page.screenshot({ path: join(SHOTS, 'voice-thread.png') });
    await audio.evaluate((a) => a.play());
    await page.waitForFunction(() => {
      const a = document.querySelector('.voice-msg audio');
      return a && a.readyState >= 2 && a.currentTime > 0.3;
    }, null, { timeout: 15000 });
    assert.equal(await audio.evaluate((a) => a.error), null);
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
