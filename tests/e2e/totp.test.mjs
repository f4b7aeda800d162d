// Browser test of two-step login (TOTP): a member turns it on from the Account page
// (QR code, manual key, first code, recovery codes shown once), logs out, and logs in
// again with phone, password and a code. Codes are computed here (HMAC-SHA1) at the
// server's clock, which the test clock moves a step at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

function base32(s) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s) {
    value = (value << 5) | A.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function totp(secret, t) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

let srv, browser, skew = 0;
const shots = process.env.ZHIBU_SHOTS || join(tmpdir(), 'zhibu-shots');
const code = (secret) => totp(secret, Date.now() / 1000 + skew);
const nextStep = async () => { skew = (await srv.advanceClock(60)).skew; };

before(async () => {
  mkdirSync(shots, { recursive: true });
  srv = await startServer({ testHooks: true });
  skew = (await srv.advanceClock(0)).skew;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('a member turns on two-step login on the Account page, logs out and logs in with a code', async () => {
  const member = srv.accounts.find((a) => a.role === 'member');
  const { context, page, problems } = await phonePage(browser, srv.base);
  try {
    await loginUI(page, member);
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    await page.goto('/#/account');
    // a member without an administrative role finds it under 更多设置
    await page.getByText('更多设置').click();
    const state = page.getByTestId('two-step-state');
    assert.equal(await state.innerText(), '未开启');
    await page.getByRole('link', { name: '开启两步验证' }).click();

    // The QR code (an SVG drawn by the server) and the key to type by hand.
    const qr = page.getByRole('img', { name: '两步验证二维码' });
    await qr.waitFor();
    assert.ok((await qr.boundingBox()).width >= 200, 'the QR code is large enough to scan');
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.screenshot({ path: join(shots, 'totp-enrol.png'), fullPage: true });

    // A wrong code first: an error, still not on.
    const right = code(secret);
    await page.locator('#tf-code').fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: '确认开启' }).click();
    await page.getByRole('alert').getByText('验证码不正确').waitFor();

    await page.locator('#tf-code').fill(code(secret));
    await page.getByRole('button', { name: '确认开启' }).click();
    const list = page.getByTestId('recovery-codes');
    await list.waitFor();
    const recovery = await list.locator('li').allInnerTexts();
    assert.equal(recovery.length, 10);
    await page.screenshot({ path: join(shots, 'totp-recovery.png'), fullPage: true });
    const done = page.getByRole('button', { name: '完成' });
    assert.equal(await done.isDisabled(), true, 'done only after "saved them"');
    await page.getByLabel('我已保存好这些恢复码').check();
    await done.click();
    await page.waitForURL(/#\/account$/);
    await page.getByTestId('two-step-state').getByText('已开启').waitFor();
    assert.match(await page.locator('section', { has: page.getByTestId('two-step-state') }).innerText(), /还剩 10 个恢复码/);
    await page.locator('section', { has: page.getByTestId('two-step-state') }).screenshot({ path: join(shots, 'totp-account.png') });

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/#\/login$/);

    // Phone and password alone: the code field appears.
    await loginUI(page, member);
    const codeField = page.getByLabel('验证码（或恢复码）');
    await codeField.waitFor();
    assert.match(await page.getByRole('alert').innerText(), /6位验证码/);
    await page.screenshot({ path: join(shots, 'totp-login.png') });
    await nextStep();
    await codeField.fill(code(secret));
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    assert.deepEqual(problems, [], 'no CSP violations or script errors');
  } finally {
    await context.close();
  }
});

test('under admin_second_factor = required an admin sees only the enrolment page until enrolled', async () => {
  const strict = await startServer({ testHooks: true, config: ['admin_second_factor = required', 'admin_second_factor_grace_days = 0'] });
  const { context, page, problems } = await phonePage(browser, strict.base);
  try {
    const strictSkew = (await strict.advanceClock(0)).skew;
    const admin = strict.accounts.find((a) => a.role === 'org_admin');
    await loginUI(page, admin);
    await page.getByText('按规定必须先开启两步验证').waitFor();
    assert.equal(await page.locator('nav.tabs').count(), 0, 'no tabs to other screens');
    // Another screen by address: still the enrolment page.
    await page.goto(`/#/org/${admin.orgId}`);
    await page.getByText('按规定必须先开启两步验证').waitFor();
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
    await page.locator('#tf-code').fill(totp(secret, Date.now() / 1000 + strictSkew));
    await page.getByRole('button', { name: '确认开启' }).click();
    await page.getByLabel('我已保存好这些恢复码').check();
    await page.getByRole('button', { name: '完成' }).click();
    await page.waitForURL(/#\/account$/);
    await page.getByTestId('two-step-state').getByText('已开启').waitFor();
    assert.equal(await page.locator('nav.tabs').count(), 1, 'the whole app again');
    assert.deepEqual(problems, [], 'no CSP violations or script errors');
  } finally {
    await context.close();
    await strict.stop();
  }
});
