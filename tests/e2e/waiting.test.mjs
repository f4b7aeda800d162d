// The member's home: one list of what waits for them (等您处理), newest first; a new poll
// and an answer to their message appear at the top, each row opens the thing, and what
// was done leaves the list. Phone viewport, Beijing time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
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

test('home lists what waits for the member, newest first, and a done item leaves it', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const sec = byPhone('13800000004');
  const member = byPhone('13800000006');
  const apiS = await apiAs(srv.base, sec);
  const apiM = await apiAs(srv.base, member);
  const th = (await apiM.post('/threads', { kind: 'question', subject: '低保怎么申请', text: '家里老人的低保怎么申请？' })).body.data;
  assert.ok(th && th.id);
  assert.equal((await apiS.post(`/threads/${th.id}/replies`, { text: '带户口本到村委会登记。' })).status, 201);
  await new Promise((r) => setTimeout(r, 1100)); // a later second: the poll is the newest
  const closesAt = new Date(Date.now() + 3 * 864e5).toISOString();
  const poll = (await apiS.post('/polls', { orgId: sec.orgId, title: '冬季学习安排投票', options: ['晚上', '周末'], closesAt })).body.data;
  assert.ok(poll && poll.id);

  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, member);
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    const card = page.locator('section.waiting');
    await card.getByRole('heading', { name: /等您处理/ }).waitFor();
    const rows = card.locator('li[data-kind]');
    await rows.first().waitFor();
    assert.equal(await rows.nth(0).getAttribute('data-kind'), 'poll');
    assert.match(await rows.nth(0).innerText(), /请投票[^]*冬季学习安排投票/);
    assert.equal(await rows.nth(1).getAttribute('data-kind'), 'answer');
    assert.match(await rows.nth(1).innerText(), /支部回复了您的留言[^]*低保怎么申请/);
    const box = await card.boundingBox();
    assert.ok(box.y < 200, 'the list is the first thing on the home page');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'home-waiting.png') });

    // The row opens the thread; answering it takes it off the list.
    await rows.nth(1).locator('a').click();
    await page.waitForURL(new RegExp(`#/thread/${th.id}$`));
    assert.equal((await apiM.post(`/threads/${th.id}/replies`, { text: '知道了，谢谢' })).status, 201);
    await page.goto('/#/home');
    await card.locator('li[data-kind="poll"]').first().waitFor();
    assert.equal(await card.locator(`li[data-kind="answer"][data-id="${th.id}"]`).count(), 0);
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
