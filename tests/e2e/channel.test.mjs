// Browser tests of the channel and the shared news: a member's unanswered message
// escalates to the township (the test clock moves, no sleep) and shows in the township's
// inbox; a reported false post gets a correction that shows to a member who had seen it.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

let srv;
let browser;
const who = {};
const SHOTS = process.env.ZHIBU_SHOTS; // a directory: screenshots of the main pages

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const acc = srv.accounts;
  who.member = acc.find((a) => a.role === 'member' && a.label === '普通党员');
  who.secA = acc.find((a) => a.role === 'branch_secretary');
  who.town = acc.filter((a) => a.role === 'org_admin').find((a) => a.orgName.includes('镇'));
  assert.ok(who.member && who.secA && who.town);
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(acct, fn) {
  const s = await phonePage(browser, srv.base);
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

const shot = async (page, name) => { if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true }); };

describe('channel', () => {
  test('an unanswered message escalates to the township after 48 hours', async () => {
    // the demo county's history has threads in the village already
    const sec = await apiAs(srv.base, who.secA);
    const earlier = (await sec.get(`/threads/stats?orgId=${who.secA.orgId}`)).body.data.threads;
    let threadUrl;
    await session(who.member, async (page) => {
      await page.getByRole('link', { name: /书记信箱/ }).click();
      await page.getByRole('link', { name: '给支部书记留言' }).click();
      await page.getByLabel('反映问题').check();
      await page.getByLabel('标题').fill('村口路灯坏了');
      await page.getByLabel('内容').fill('村口路灯坏了一个月，晚上走路不安全。');
      await page.getByRole('button', { name: '发送' }).click();
      await page.waitForURL(/#\/thread\/\d+$/);
      threadUrl = new URL(page.url()).hash;
      await page.locator('.tag', { hasText: '待答复' }).waitFor();
      await page.getByText(/应在 .* 前答复/).waitFor();
    });

    await srv.advanceClock(49 * 3600);

    await session(who.member, async (page) => {
      await page.goto('/' + threadUrl);
      await page.locator('.tag', { hasText: '已上报' }).waitFor();
      const esc = await page.locator('.escalated').innerText();
      assert.match(esc, new RegExp(`已上报 ${who.town.orgName}`));
      await shot(page, 'thread-escalated');
    });

    await session(who.town, async (page) => {
      await page.goto(`/#/inbox/${who.town.orgId}`);
      const row = page.locator('li', { hasText: '村口路灯坏了' });
      await row.waitFor();
      assert.match(await row.innerText(), /已上报/);
      // the response figures drill down to the village the message came from
      const kid = page.locator('section.card li', { hasText: who.secA.orgName });
      assert.match(await kid.innerText(), new RegExp(`${earlier + 1} 条留言`));
      await shot(page, 'inbox-township');
      // the township answers in the thread; the answer time is shown as late
      await row.getByRole('link').click();
      await page.getByLabel('回复').fill('已安排镇里电工明天去修。');
      await page.getByRole('button', { name: '回复', exact: true }).click();
      await page.locator('.tag', { hasText: '已答复' }).waitFor();
      assert.match(await page.locator('.answer-time').innerText(), /超时/);
    });
  });
});

describe('news and corrections', () => {
  test('a reported false post gets a correction that shows to a member who had seen it', async () => {
    const sec = await apiAs(srv.base, who.secA);
    const p = await sec.post('/posts', { orgId: who.secA.orgId, kind: 'news', title: '每人补贴五百元', text: '村里给每位党员发放补贴五百元，到村委会领取。' });
    assert.equal(p.status, 201);
    assert.equal(p.body.data.state, 'published');

    // the member sees it in the feed (recorded as seen) and reports it
    await session(who.member, async (page) => {
      await page.goto('/#/posts');
      await page.locator('.post', { hasText: '每人补贴五百元' }).waitFor();
      await shot(page, 'feed');
      await page.locator('.post', { hasText: '每人补贴五百元' }).getByRole('link').first().click();
      await page.getByRole('button', { name: '举报' }).click();
      await page.getByLabel('举报原因').fill('没听说有这项补贴');
      await page.getByRole('button', { name: '举报' }).click();
      await page.getByText('已举报，审核人员会处理').waitFor();
    });

    // the secretary finds it in the review queue and marks it false
    await session(who.secA, async (page) => {
      await page.goto(`/#/reviews/${who.secA.orgId}`);
      const item = page.locator('li.review-item', { hasText: '每人补贴五百元' });
      await item.waitFor();
      assert.match(await item.innerText(), /1 人举报/);
      await shot(page, 'review-queue');
      await item.getByRole('button', { name: '不实' }).click();
      await item.getByLabel(/说明/).fill('经核实，村里没有这项补贴，请勿轻信。');
      await item.getByRole('button', { name: '确定' }).click();
      await item.getByText('已处理').waitFor();
    });

    // the member gets the correction, and the post carries the mark
    await session(who.member, async (page) => {
      await page.goto('/#/posts');
      const box = page.locator('section.corrections');
      await box.waitFor();
      const txt = await box.innerText();
      assert.match(txt, /您看过的信息有更正/);
      assert.match(txt, /经核实，村里没有这项补贴/);
      const card = page.locator('li.post', { hasText: '每人补贴五百元' });
      assert.match(await card.innerText(), /经核实为不实信息/);
      await shot(page, 'feed-correction');
      await box.getByRole('button', { name: '知道了' }).click();
      await box.waitFor({ state: 'detached' });
    });
  });
});
