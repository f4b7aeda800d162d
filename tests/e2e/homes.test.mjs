// Browser tests of what each role's home and account page offer on a phone (360×780,
// Beijing time): the auditor's way to the audit log, no empty 组织生活 card for admins and
// auditors, 大字模式 toggled by its words, 两步验证 only where it is needed, and the meeting
// link as the main button for a member away from a meeting with an online way in.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const TALL = { viewport: { width: 360, height: 780 } };

let srv;
let browser;
const who = {};

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const acc = srv.accounts;
  who.county = acc.find((a) => a.role === 'org_admin');
  who.auditor = acc.find((a) => a.role === 'auditor');
  who.secA = acc.find((a) => a.role === 'branch_secretary');
  who.member = acc.find((a) => a.role === 'member' && String(a.orgId) === String(who.secA.orgId));
  assert.ok(who.county && who.auditor && who.secA && who.member, 'demo accounts');
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(acct, fn) {
  const s = await phonePage(browser, srv.base, TALL);
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

describe('homes and the account page', () => {
  test('the auditor reaches the audit log from home and pages through it in Chinese', async () => {
    // more rows than one page: each login is audited
    for (let i = 0; i < 32; i++) await apiAs(srv.base, who.auditor);
    await session(who.auditor, async (page) => {
      assert.equal(await page.getByRole('heading', { name: '组织生活' }).count(), 0, 'no empty 组织生活 card');
      await page.screenshot({ path: join(SHOTS, 'home-auditor.png') });
      await page.locator(`a[data-audit="${who.auditor.orgId}"]`).click();
      await page.getByRole('heading', { name: '审计日志' }).waitFor();
      const rows = page.locator('li.audit-row');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 30, 'one page of 30');
      const first = await rows.first().innerText();
      assert.match(first, /登录/);
      assert.match(first, /成功/);
      assert.match(first, /操作人/);
      assert.match(first, /北京时间|\d{1,2}:\d{2}/);
      assert.doesNotMatch(first, /auth\.login/, 'the action in words');
      await page.screenshot({ path: join(SHOTS, 'audit-log.png') });
      await page.getByRole('button', { name: '加载更多' }).click();
      await page.waitForFunction(() => document.querySelectorAll('li.audit-row').length > 30);
      // nothing wider than the phone
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 360, `page width ${wide}`);
    });
  });

  test('an admin home shows no empty 组织生活 card', async () => {
    await session(who.county, async (page) => {
      await page.locator('.actions').first().waitFor();
      assert.equal(await page.getByRole('heading', { name: '组织生活' }).count(), 0);
      await page.screenshot({ path: join(SHOTS, 'home-county.png') });
    });
  });

  test('tapping the words 大字模式 turns large text on and off', async () => {
    await session(who.member, async (page) => {
      await page.goto('/#/account');
      const sw = page.getByRole('switch', { name: '大字模式' });
      await sw.waitFor();
      assert.equal(await sw.getAttribute('aria-checked'), 'false');
      await page.locator('#lt-label').click();
      assert.equal(await sw.getAttribute('aria-checked'), 'true');
      assert.ok(await page.evaluate(() => document.documentElement.classList.contains('large')));
      await page.screenshot({ path: join(SHOTS, 'account-member-large.png') });
      await page.locator('#lt-label').click();
      assert.equal(await sw.getAttribute('aria-checked'), 'false');
      // the switch itself still works, once per tap
      await sw.click();
      assert.equal(await sw.getAttribute('aria-checked'), 'true');
    });
  });

  test('两步验证 is offered up front to administrative roles, under 更多设置 to a member', async () => {
    await session(who.member, async (page) => {
      await page.goto('/#/account');
      await page.getByRole('heading', { name: '修改密码' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: '两步验证' }).isVisible(), false, 'not up front for a member');
      await page.screenshot({ path: join(SHOTS, 'account-member.png') });
      await page.getByText('更多设置').click();
      await page.getByRole('link', { name: '开启两步验证' }).waitFor();
    });
    for (const admin of [who.county, who.secA]) {
      await session(admin, async (page) => {
        await page.goto('/#/account');
        await page.getByRole('heading', { name: '两步验证' }).waitFor({ state: 'visible' });
        assert.equal(await page.getByText('更多设置').count(), 0);
      });
    }
  });

  test('a meeting tomorrow with an online link: 打开会议链接 is the main button', async () => {
    const api = await apiAs(srv.base, who.secA);
    const now = Math.floor(Date.parse((await (await fetch(srv.base + '/test/clock')).json()).now) / 1000);
    const startsAt = new Date((now + 86400) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await api.post('/meetings', { orgId: who.secA.orgId, type: 'party_lecture', title: '线上党课', startsAt, onlineLink: 'https://meet.example.cn/abc', attendees: 'branch' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await session(who.member, async (page) => {
      await page.goto(`/#/meeting/${r.body.data.id}`);
      const link = page.getByRole('link', { name: '打开会议链接' });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), 'https://meet.example.cn/abc');
      assert.match(await link.getAttribute('class'), /\bbtn\b.*\bprimary\b/);
      const box = await link.boundingBox();
      assert.ok(box.height >= 44, 'a real button');
      assert.ok(box.y + box.height <= 780, 'on the first screen');
      assert.equal(await page.locator('.btn.primary').count(), 1, 'the only main button');
      assert.match(await page.getByRole('button', { name: '签到', exact: true }).getAttribute('class'), /secondary/);
      await page.screenshot({ path: join(SHOTS, 'meeting-tomorrow-online.png') });
    });
  });
});
