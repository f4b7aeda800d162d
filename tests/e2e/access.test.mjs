// Browser test of getting every member in (issue 14): a secretary prints activation
// slips for the branch, a member activates on a phone with the slip's link (the record
// has no phone: the page asks for one) and later signs in with an SMS code (read from
// what the phone received: Kannel with its fake message centre, tests/api/kannel.mjs);
// forgotten password by SMS code; the secretary re-issues a code; the access figures.
// Screenshots at 360x780.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, phonePage, loginUI, freePort, apiAs } from './harness.mjs';
import { startKannel } from '../api/kannel.mjs';

let srv, browser, kannel;
const shots = process.env.ZHIBU_SHOTS || join(tmpdir(), 'zhibu-shots');
const VIEW = { viewport: { width: 360, height: 780 } };
const db = () => join(srv.data, 'zhibu.db');
const one = (sql) => spawnSync('sqlite3', [db(), sql], { encoding: 'utf8' }).stdout.trim();
const shot = (page, name) => page.screenshot({ path: join(shots, `access-${name}.png`), fullPage: true });

before(async () => {
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  kannel = await startKannel({ zhibuPort: port });
  srv = await startServer({ testHooks: true, port, config: kannel.zhibuConfig() });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (kannel) await kannel.stop();
});

// The newest sign-in code the phone received, once more than `seen` codes reached it.
async function smsCode(phone, seen) {
  const codes = (msgs) => msgs.filter((m) => m.to.endsWith(phone) && /验证码\d{6}/.test(m.text));
  const got = codes(await kannel.waitFor((msgs) => codes(msgs).length > seen));
  return got.at(-1).text.match(/验证码(\d{6})/)[1];
}

test('slips for a branch, activation on a phone, sign-in by SMS code, a new password by SMS code', async () => {
  const sec = srv.accounts.find((a) => a.role === 'branch_secretary');
  const s = await phonePage(browser, srv.base, VIEW);
  let slip;
  try {
    await loginUI(s.page, sec);
    await s.page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await s.page.goto(`/#/roster/${sec.orgId}`);
    await s.page.locator('#print-slips').waitFor();
    await shot(s.page, 'roster');
    await s.page.locator('#print-slips').click();
    await s.page.locator('#slips-pending').waitFor();
    assert.match(await s.page.locator('#slips-pending').textContent(), /尚未激活：\d+人/);
    await s.page.locator('#make-slips').click();
    await s.page.locator('#slips .slip').first().waitFor();
    const n = await s.page.locator('#slips .slip').count();
    assert.ok(n > 10, `slips for the branch: ${n}`);
    // Each slip: a name, a QR code image, a 12-digit code.
    const first = s.page.locator('#slips .slip').first();
    slip = {
      name: (await first.locator('.slip-name').textContent()).trim(),
      code: (await first.locator('.slip-code').textContent()).trim(),
    };
    assert.match(slip.code, /^\d{4} \d{4} \d{4}$/);
    assert.ok((await first.locator('img.slip-qr').getAttribute('src')).startsWith('data:image/svg+xml'));
    await shot(s.page, 'slips');
    // The print stylesheet: A4, no buttons, slips only.
    await s.page.emulateMedia({ media: 'print' });
    assert.equal(await s.page.locator('#print').isVisible(), false);
    assert.equal(await s.page.locator('#slips .slip').first().isVisible(), true);
    await s.page.pdf?.({ path: join(shots, 'access-slips.pdf'), format: 'A4' }).catch(() => {});
    await s.page.emulateMedia({ media: 'screen' });
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }

  // The member opens the slip's link on their phone: the code is filled in.
  const phone = '13700009001';
  const m = await phonePage(browser, srv.base, VIEW);
  try {
    await m.page.goto(`/#/activate/${slip.code.replace(/ /g, '')}`);
    await m.page.locator('#act-code').waitFor();
    assert.equal(await m.page.locator('#act-code').inputValue(), slip.code);
    await shot(m.page, 'activate');
    await m.page.locator('#act-pw').fill('my-own-password-1');
    await m.page.getByRole('button', { name: '激活并登录' }).click();
    // The record has no phone: asked for the one to sign in with.
    await m.page.locator('#act-phone').waitFor();
    await m.page.locator('#act-phone').fill(phone);
    await shot(m.page, 'activate-phone');
    await m.page.getByRole('button', { name: '激活并登录' }).click();
    await m.page.getByRole('heading', { name: `您好，${slip.name}` }).waitFor();
    assert.deepEqual(m.problems, []);
  } finally {
    await m.context.close();
  }

  // Later, on another phone: 验证码登录 with the code the SMS carried.
  const l = await phonePage(browser, srv.base, VIEW);
  try {
    await l.page.goto('/#/login');
    await l.page.getByRole('tab', { name: '验证码登录' }).click();
    await l.page.getByLabel('手机号').fill(phone);
    await l.page.locator('#get-code').click();
    await l.page.getByText('验证码已发送').waitFor();
    await shot(l.page, 'login-sms');
    const code = await smsCode(phone, 0);
    await l.page.getByLabel('短信验证码').fill(code);
    await l.page.getByRole('button', { name: '登录', exact: true }).click();
    await l.page.getByRole('heading', { name: `您好，${slip.name}` }).waitFor();
    assert.deepEqual(l.problems, []);
  } finally {
    await l.context.close();
  }

  // Forgotten password: an SMS code sets a new one (a minute after the last code).
  await srv.advanceClock(61);
  const f = await phonePage(browser, srv.base, VIEW);
  try {
    await f.page.goto('/#/login');
    await f.page.getByRole('button', { name: '忘记密码' }).click();
    await f.page.getByLabel('手机号').fill(phone);
    await f.page.locator('#get-code').click();
    await f.page.getByText('验证码已发送').waitFor();
    const code = await smsCode(phone, 1);
    await f.page.getByLabel('短信验证码').fill(code);
    await f.page.getByLabel('新密码（至少8位）').fill('a-new-password-2');
    await shot(f.page, 'forgot');
    await f.page.getByRole('button', { name: '设置新密码' }).click();
    await f.page.getByText('密码已重设').waitFor();
    await f.page.getByRole('button', { name: '返回登录' }).click();
    await loginUI(f.page, { phone, password: 'a-new-password-2' });
    await f.page.getByRole('heading', { name: `您好，${slip.name}` }).waitFor();
  } finally {
    await f.context.close();
  }
});

test('the secretary re-issues a code for a member who lost their phone; the figures show who got in', async () => {
  const sec = srv.accounts.find((a) => a.role === 'branch_secretary');
  const member = srv.accounts.find((a) => a.role === 'member' && a.orgId === sec.orgId);
  const s = await phonePage(browser, srv.base, VIEW);
  try {
    await loginUI(s.page, sec);
    await s.page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await s.page.goto(`/#/member/${member.memberId}`);
    await s.page.locator('#reissue').click();
    // The member uses the account: the secretary confirms the lost phone.
    await s.page.locator('#reissue-confirm').waitFor();
    await shot(s.page, 'reissue-confirm');
    await s.page.locator('#reissue-confirm').click();
    await s.page.getByText('新激活码已生成').waitFor();
    await s.page.locator('.reissue .slip-code').waitFor();
    await shot(s.page, 'reissue');
    assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'access.code_reissue'`), '1');

    await s.page.goto(`/#/stats/${sec.orgId}`);
    await s.page.locator('#access').waitFor();
    const activated = Number(await s.page.locator('#access .acc-activated dd').textContent());
    assert.ok(activated >= 2, `activated ${activated}`);
    await s.page.locator('#access').scrollIntoViewIfNeeded();
    await shot(s.page, 'stats');
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});

test('a member chooses one SMS a day (the digest) on the Account page', async () => {
  // Not the member whose code was re-issued above (signed out, to activate again).
  const sec = srv.accounts.find((a) => a.role === 'branch_secretary');
  const reissued = srv.accounts.find((a) => a.role === 'member' && a.orgId === sec.orgId);
  const member = srv.accounts.find((a) => a.role === 'member' && a !== reissued);
  const m = await phonePage(browser, srv.base, VIEW);
  try {
    await loginUI(m.page, member);
    await m.page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    await m.page.goto('/#/account');
    const box = m.page.locator('[data-testid="sms-choice"] input[name="sms-digest"]');
    await m.page.getByText('每天只收一条汇总短信').waitFor();
    assert.equal(await box.isChecked(), false);
    await m.page.getByText('每天只收一条汇总短信').click();
    assert.equal(await box.isChecked(), true);
    await m.page.locator('[data-testid="sms-choice"] button[type="submit"]').click();
    await m.page.locator('[data-testid="sms-choice"]').getByText('已保存').waitFor();
    await shot(m.page, 'sms-digest');
    const api = await apiAs(srv.base, member);
    assert.equal((await api.get('/me/sms')).body.data.digest, true);
    assert.deepEqual(m.problems, []);
  } finally {
    await m.context.close();
  }
});
