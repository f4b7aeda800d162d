// Browser tests of announcements: a township admin publishes through the composer and
// the notice arrives live (no reload) on a member's open home page in another browser
// context; the member acknowledges and the admin's report per village changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

let srv;
let browser;
const who = {};

before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  who.member = acc.find((a) => a.role === 'member');
  who.secretary = acc.find((a) => a.role === 'branch_secretary' && String(a.orgId) === String(who.member.orgId));
  const admins = acc.filter((a) => a.role === 'org_admin');
  // The township admin: the org_admin whose organisation is not the auditor's (the county).
  const auditor = acc.find((a) => a.role === 'auditor');
  who.township = admins.find((a) => String(a.orgId) !== String(auditor.orgId));
  assert.ok(who.member && who.township && who.secretary);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('publish to a township: it arrives live on a member\'s open page; acknowledging changes the report', async () => {
  const m = await phonePage(browser, srv.base);
  const a = await phonePage(browser, srv.base);
  try {
    // The member sits on the home page.
    await loginUI(m.page, who.member);
    await m.page.getByRole('heading', { name: '通知公告' }).waitFor();

    // The township admin writes an announcement that asks for acknowledgement.
    await loginUI(a.page, who.township);
    await a.page.getByRole('link', { name: '发布通知' }).click();
    await a.page.getByLabel('标题').fill('关于召开全镇党员大会的通知');
    await a.page.getByLabel('正文').fill('全镇党员：\n本周六上午九点在镇政府礼堂召开党员大会。');
    await a.page.getByLabel('重要程度').selectOption('important');
    await a.page.getByLabel('需要确认收到').check();
    const t0 = Date.now();
    await a.page.getByRole('button', { name: '发布', exact: true }).click();
    await a.page.getByText('本周六上午九点', { exact: false }).waitFor();

    // Live: the member's page shows it without a reload, unread, with a badge on the tab.
    const item = m.page.locator('.feed-item', { hasText: '关于召开全镇党员大会的通知' });
    await item.waitFor({ timeout: 5000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 5000, `arrived after ${ms} ms`);
    await item.getByText('未读').first().waitFor();
    await m.page.locator('.tab-badge').waitFor();
    await item.getByText('重要').waitFor();
    await m.page.screenshot({ path: '/tmp/zhibu-notices-feed.png' });

    // The report before: nobody in the member's village has acknowledged.
    await a.page.getByRole('link', { name: '阅读确认情况' }).click();
    const village = a.page.locator(`.report-items [data-org="${who.member.orgId}"]`);
    await village.waitFor();
    assert.match(await village.innerText(), /已确认 0/);

    // The member acknowledges from the feed.
    await item.getByRole('button', { name: '确认收到' }).click();
    await item.getByText('已确认').waitFor();

    // The report after: one acknowledgement in that village.
    await a.page.getByRole('button', { name: '刷新' }).click();
    await a.page.waitForFunction((sel) => /已确认 1/.test(document.querySelector(sel)?.innerText || ''),
      `.report-items [data-org="${who.member.orgId}"]`, { timeout: 5000 });
    await a.page.screenshot({ path: '/tmp/zhibu-notices-report.png' });

    // Drill down to the village: the member is no longer among those who have not acknowledged.
    await village.click();
    await a.page.locator('.pending li').first().waitFor();
    const names = await a.page.locator('.pending li strong').allInnerTexts();
    assert.ok(!names.includes(who.member.name), 'the member is not listed as pending');

    // Opening the notice marks it read and shows it in full.
    await m.page.locator('.feed-link', { hasText: '关于召开全镇党员大会的通知' }).click();
    await m.page.getByText('本周六上午九点', { exact: false }).waitFor();
    await m.page.getByText('已确认收到', { exact: false }).waitFor();

    assert.deepEqual(m.problems, [], 'no CSP violations or script errors (member)');
    assert.deepEqual(a.problems, [], 'no CSP violations or script errors (admin)');
  } finally {
    await m.context.close();
    await a.context.close();
  }
});

test('a correction reaches the member\'s open page marked, and the original shows corrected', async () => {
  const m = await phonePage(browser, srv.base);
  const s = await phonePage(browser, srv.base);
  try {
    await loginUI(m.page, who.member);
    await m.page.getByRole('heading', { name: '通知公告' }).waitFor();
    await loginUI(s.page, who.secretary);
    await s.page.getByRole('link', { name: '发布通知' }).click();
    await s.page.getByLabel('标题').fill('支部学习安排');
    await s.page.getByLabel('正文').fill('周一晚上学习');
    await s.page.getByRole('button', { name: '发布', exact: true }).click();
    await s.page.getByText('周一晚上学习').waitFor();
    await m.page.locator('.feed-item', { hasText: '支部学习安排' }).waitFor({ timeout: 5000 });

    await s.page.getByRole('button', { name: '修改' }).click();
    await s.page.locator('#ne-text').fill('周二晚上学习');
    await s.page.locator('#ne-note').fill('时间改为周二');
    await s.page.getByRole('button', { name: '保存' }).click();
    await s.page.getByText('此通知已更正').waitFor();

    const corr = m.page.locator('.feed-item', { hasText: '更正：支部学习安排' });
    await corr.waitFor({ timeout: 5000 });
    await corr.getByText('未读').first().waitFor();
    await m.page.locator('.feed-item', { hasText: '支部学习安排' }).filter({ hasText: '已更正' }).first().waitFor();
    assert.deepEqual(m.problems, []);
    assert.deepEqual(s.problems, []);
  } finally {
    await m.context.close();
    await s.context.close();
  }
});
