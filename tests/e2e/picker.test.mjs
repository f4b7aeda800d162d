// One name picker everywhere a member is chosen: a leader writing to one member finds her
// by name (no internal number to type), as the notice composer, the poll form and the
// meeting form do. Phone viewport, Beijing time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

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

test('the same picker: find by name, choose, send; no number field anywhere a member is chosen', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const sec = byPhone('13800000004');
  const member = byPhone('13800000006');
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.goto(`/#/thread-send/${sec.orgId}`);
    await page.getByLabel('发给').selectOption('member').catch(async () => page.locator('#ts-to').selectOption('member'));
    const picker = page.locator('[data-picker=send]');
    await picker.getByLabel('按姓名查找').fill(member.name);
    await picker.getByRole('radio', { name: new RegExp(member.name) }).check();
    await picker.getByText(`已选：${member.name}`).waitFor();
    assert.equal(await page.locator('input[type=number]').count(), 0, 'no number to type');
    await page.getByLabel('内容').fill('明天上午来村委会领学习材料');
    await page.getByRole('button', { name: '发送' }).click();
    await page.getByText(/已发给 1/).or(page.locator('.ok-text')).first().waitFor();
    // The same picker on the other screens that choose members.
    for (const [path, pick] of [[`/notice-new/${sec.orgId}`, async () => page.getByRole('radio', { name: '指定党员' }).click()],
      [`/poll-new/${sec.orgId}`, async () => page.getByLabel('民主评议党员').check()],
      [`/meeting-new/${sec.orgId}`, async () => page.getByLabel('参会人员').selectOption('members')]]) {
      await page.goto('/#' + path);
      await pick();
      await page.locator('fieldset.member-picker').first().waitFor();
      assert.equal(await page.locator('fieldset.member-picker input[type=search]').count(), 1, path);
    }
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
  const api = await apiAs(srv.base, member);
  const mine = (await api.get('/me/threads')).body.data.items;
  assert.ok(mine.some((x) => x.subject === '明天上午来村委会领学习材料' && x.direction === 'to_member'));
});
