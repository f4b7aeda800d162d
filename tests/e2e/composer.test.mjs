// The message composer as older members use it: a half-written message survives a tab
// change and a reload (a draft tied to the account, gone at logout and never shown to
// another account); 标题 may be left empty (the server takes the first line); 结束留言 sits
// below 回复. Phone viewport, Beijing time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

let srv;
let browser;
before(async () => {
  srv = await startServer();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const drafts = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('zhibu.draft.')));

test('a draft survives a tab change and a reload, the subject is optional, 结束留言 is below 回复, logout clears it', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const member = byPhone('13800000006');
  const other = byPhone('13800000007');
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, member);
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    await page.goto('/#/thread-new');
    await page.getByLabel('反映问题').check();
    const text = '村里的自来水这几天很浑\n请支部帮忙问一下水厂';
    await page.getByLabel('内容').fill(text);
    // A tab is tapped, then the page comes back; then a reload.
    await page.locator('.tabs a').first().click();
    await page.waitForURL(/#\/home$/);
    await page.goto('/#/thread-new');
    assert.equal(await page.getByLabel('内容').inputValue(), text);
    await page.reload();
    assert.equal(await page.getByLabel('内容').inputValue(), text);
    assert.equal(await page.getByLabel('反映问题').isChecked(), true);
    // No subject: the first line is one.
    await page.getByRole('button', { name: '发送' }).click();
    await page.waitForURL(/#\/thread\/\d+$/);
    await page.getByRole('heading', { name: '村里的自来水这几天很浑' }).waitFor();
    assert.deepEqual(await drafts(page), [], 'sent: the draft is gone');
    // The reply keeps its draft too; 结束留言 is below 回复.
    await page.getByLabel('回复').fill('补充：东头几户最严重');
    await page.reload();
    assert.equal(await page.getByLabel('回复').inputValue(), '补充：东头几户最严重');
    const reply = await page.getByRole('button', { name: '回复', exact: true }).boundingBox();
    const close = await page.getByRole('button', { name: '结束留言' }).boundingBox();
    assert.ok(close.y > reply.y + reply.height - 1, '结束留言 below 回复');
    // A half-written message, then logout: nothing stays on the phone.
    await page.goto('/#/thread-new');
    await page.getByLabel('内容').fill('还没写完的');
    await page.waitForFunction(() => Object.keys(localStorage).filter((k) => k.startsWith('zhibu.draft.')).length === 2);
    await page.goto('/#/account');
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/#\/login$/);
    assert.deepEqual(await drafts(page), []);
    await loginUI(page, other);
    await page.getByRole('heading', { name: `您好，${other.name}` }).waitFor();
    await page.goto('/#/thread-new');
    assert.equal(await page.getByLabel('内容').inputValue(), '');
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
