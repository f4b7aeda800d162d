// Browser tests of 组织生活 on a phone-sized page: a member signs up for an activity from
// the menu and votes in a poll (results hidden until closing); after the poll closes (test
// clock) the secretary sees the results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI, repo } from './harness.mjs';

let srv;
let browser;
const info = {};
const HOUR = 3600;
const shots = process.env.ZHIBU_SHOTS || join(repo, 'build', 'shots');

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const acc = srv.accounts;
  info.sec = acc.find((a) => a.role === 'branch_secretary');
  info.member = acc.find((a) => a.role === 'member' && String(a.orgId) === String(info.sec.orgId));
  const api = await apiAs(srv.base, info.sec);
  const now = Date.parse((await srv.advanceClock(0)).now) / 1000;
  const iso = (s) => new Date(s * 1000).toISOString();
  const a = await api.post('/activities', {
    orgId: info.sec.orgId, kind: 'elderly_visit', title: '重阳节看望老党员', place: '村委会门口集合',
    startsAt: iso(now + 3 * HOUR), signupDeadline: iso(now + 2 * HOUR), capacity: 8,
  });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  info.activity = a.body.data;
  const p = await api.post('/polls', {
    orgId: info.sec.orgId, title: '下月主题党日活动选哪个', options: ['植树', '修路', '办夜校'],
    anonymous: true, hideResults: true, closesAt: iso(now + HOUR),
  });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  info.poll = p.body.data;
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(fn) {
  const s = await phonePage(browser, srv.base);
  try {
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

test('a member signs up for an activity and votes in a poll from a phone; the secretary sees the results after closing', async () => {
  await session(async (page) => {
    await loginUI(page, info.member);
    await page.getByRole('heading', { name: `您好，${info.member.name}` }).waitFor();

    // The activities menu from the home page.
    await page.locator('a[data-life=activities]').click();
    await page.waitForURL(/#\/activities$/);
    await page.getByText('选择适合您的活动报名，不强制参加').waitFor();
    await page.locator(`a[data-activity="${info.activity.id}"]`).click();
    await page.getByRole('heading', { name: '重阳节看望老党员' }).waitFor();
    await page.getByText('剩余名额 8 / 8').waitFor();
    const signup = page.getByRole('button', { name: '我要报名' });
    const box = await signup.boundingBox();
    assert.ok(box.height >= 56 && box.width >= 280, `a big target: ${JSON.stringify(box)}`);
    await signup.click();
    await page.getByText('剩余名额 7 / 8').waitFor();
    await page.locator('.tag.life-mine', { hasText: '已报名' }).waitFor();
    await page.getByRole('button', { name: '取消报名' }).waitFor();
    assert.equal(await page.getByRole('button', { name: '我要报名' }).count(), 0);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'activity-member.png'), fullPage: true });

    // The poll: single choice, big radio targets, results hidden until closing.
    await page.goto('/#/home');
    await page.locator('a[data-life=polls]').click();
    await page.locator(`a[data-poll="${info.poll.id}"]`).click();
    await page.getByRole('heading', { name: '下月主题党日活动选哪个' }).waitFor();
    await page.getByText('单选：请选择一项').waitFor();
    const submit = page.getByRole('button', { name: '提交投票' });
    assert.equal(await submit.isDisabled(), true, 'nothing chosen yet');
    const opt = page.locator('label.life-option', { hasText: '修路' });
    assert.ok((await opt.boundingBox()).height >= 56);
    await opt.click();
    await page.locator('label.life-option', { hasText: '办夜校' }).click();
    assert.equal(await page.locator('label.life-option.on').count(), 1, 'single choice keeps one');
    await opt.click();
    await page.screenshot({ path: join(shots, 'poll-vote.png'), fullPage: true });
    await submit.click();
    await page.getByText('您已投票，谢谢！').waitFor();
    assert.equal(await page.getByRole('heading', { name: '结果' }).count(), 0, 'results hidden until closing');
    assert.equal(await page.getByRole('button', { name: '提交投票' }).count(), 0);
  });

  await srv.advanceClock(HOUR + 60);

  await session(async (page) => {
    await loginUI(page, info.sec);
    await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
    await page.locator('a[data-life=org-polls]').first().click();
    await page.locator(`a[data-poll="${info.poll.id}"]`).click();
    await page.getByRole('heading', { name: '结果' }).waitFor();
    await page.locator('.tag.life-closed, .tag', { hasText: '已结束' }).first().waitFor();
    const row = page.locator('.life-bars li', { hasText: '修路' });
    assert.match(await row.innerText(), /1 票/);
    assert.match(await page.locator('.life-bars li', { hasText: '植树' }).innerText(), /0 票/);
    await page.getByText(/已投 1 \/ 应投 \d+ 人/).waitFor();
    await page.getByRole('link', { name: '导出结果（Excel）' }).waitFor();
    await page.screenshot({ path: join(shots, 'poll-results.png'), fullPage: true });

    // The secretary's view of the activity: who signed up.
    await page.goto(`/#/activity/${info.activity.id}`);
    await page.getByRole('heading', { name: '报名名单' }).waitFor();
    await page.locator('.role', { hasText: info.member.name }).waitFor();
  });
});

test('the secretary offers an activity with the editor and starts a review of members with the poll creator', async () => {
  const now = Date.parse((await srv.advanceClock(0)).now);
  await session(async (page) => {
    await loginUI(page, info.sec);
    await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
    // The form takes Beijing wall time (web/src/time.js), whatever the browser's zone.
    const local = async (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 16);

    await page.locator('a[data-life=org-activities]').first().click();
    await page.getByRole('link', { name: '发布活动' }).click();
    await page.getByLabel('学习交流').check();
    await page.getByLabel('活动名称', { exact: true }).fill('学习新修订的党章');
    await page.getByLabel('地点', { exact: true }).fill('村党员活动室');
    await page.getByLabel('开始时间', { exact: true }).fill(await local(now + 26 * 3600e3));
    await page.getByLabel('人数上限（可不填）').fill('20');
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByRole('heading', { name: '学习新修订的党章' }).waitFor();
    await page.getByText('剩余名额 20 / 20').waitFor();
    await page.getByRole('heading', { name: '报名名单' }).waitFor();

    await page.goto(`/#/poll-new/${info.sec.orgId}`);
    await page.getByLabel('民主评议党员').check();
    await page.getByLabel('活动名称', { exact: true }).fill('年度民主评议党员');
    const picker = page.locator('[data-picker=review]');
    await picker.locator('input[type=checkbox]').first().waitFor();
    await picker.locator('input[type=checkbox]').nth(0).check();
    await picker.locator('input[type=checkbox]').nth(1).check();
    await picker.getByText('已选 2 人').waitFor();
    await page.getByLabel('截止时间').fill(await local(now + 48 * 3600e3));
    await page.getByRole('button', { name: '发起投票' }).click();
    await page.getByRole('heading', { name: '年度民主评议党员' }).waitFor();
    await page.getByText('请为每位党员选择一个等次（可以不选）').waitFor();
    assert.equal(await page.locator('fieldset.life-review').count(), 2);
    assert.equal(await page.locator('fieldset.life-review').first().locator('label.life-option').count(), 4);
  });
});
