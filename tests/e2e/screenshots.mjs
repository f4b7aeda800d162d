// Saves phone-sized (360×640) screenshots of the main screens against a real server:
//   node screenshots.mjs [OUTDIR]     (default /tmp/zhibu-shots)
// Same server setup as the tests (ZHIBU_BIN, web/dist).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

const out = process.argv[2] || '/tmp/zhibu-shots';
mkdirSync(out, { recursive: true });

const srv = await startServer();
const browser = await launch();
const saved = [];
async function shot(page, name, opts = {}) {
  const file = join(out, name + '.png');
  await page.screenshot({ path: file, ...opts });
  saved.push(file);
}
const byRole = (r) => srv.accounts.find((a) => a.role === r);

try {
  const sec = byRole('branch_secretary');
  const member = byRole('member');
  const admins = srv.accounts.filter((a) => a.role === 'org_admin');

  // Login, empty and with an error.
  let s = await phonePage(browser, srv.base);
  await s.page.goto('/#/login');
  await s.page.locator('#phone').waitFor();
  await shot(s.page, '1-login');
  await loginUI(s.page, { phone: sec.phone, password: 'wrong-password' });
  await s.page.getByText('手机号或密码不正确').waitFor();
  await shot(s.page, '1b-login-error');
  await s.context.close();

  // Secretary: home and roster.
  s = await phonePage(browser, srv.base);
  await loginUI(s.page, sec);
  await s.page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
  await shot(s.page, '2-home-secretary');
  await s.page.goto(`/#/roster/${sec.orgId}`);
  await s.page.locator('li.member').first().waitFor();
  await shot(s.page, '4-roster');
  await s.page.evaluate(() => document.documentElement.classList.add('large'));
  await shot(s.page, '4b-roster-large');
  await s.context.close();

  // Township (or any) admin: the organisation tree.
  s = await phonePage(browser, srv.base);
  const admin = admins[admins.length - 1] || sec;
  await loginUI(s.page, admin);
  await s.page.getByRole('heading', { name: `您好，${admin.name}` }).waitFor();
  await shot(s.page, '2b-home-admin');
  await s.page.goto(`/#/org/${admin.orgId}`);
  await s.page.locator('a.bigrow').first().waitFor();
  await shot(s.page, '3-org');
  await s.page.getByRole('heading', { name: '党员结构' }).waitFor();
  await shot(s.page, '3c-org-stats', { fullPage: true });
  await s.page.locator('a.bigrow').first().click();
  await s.page.locator('.stats').waitFor();
  await shot(s.page, '3b-org-child');
  await s.context.close();

  // Member: home and account, normal and large text.
  s = await phonePage(browser, srv.base);
  await loginUI(s.page, member);
  await s.page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
  await shot(s.page, '2c-home-member');
  await s.page.goto('/#/account');
  await s.page.getByRole('button', { name: '退出登录' }).waitFor();
  await shot(s.page, '5-account');
  await shot(s.page, '5b-account-full', { fullPage: true });
  await s.page.getByRole('switch').click();
  await shot(s.page, '5c-account-large');
  await s.page.goto('/#/home');
  await shot(s.page, '2d-home-member-large');
  await s.context.close();

  // Desktop width, for the record.
  s = await phonePage(browser, srv.base, { viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 });
  await loginUI(s.page, sec);
  await s.page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
  await shot(s.page, '6-desktop-home');
  await s.context.close();
} finally {
  await browser.close();
  await srv.stop();
}
console.log(saved.join('\n'));
