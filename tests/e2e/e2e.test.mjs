// Browser tests of the web client against the real server: `node --test` in tests/e2e.
// Needs the server built (build/zhibu, or ZHIBU_BIN), the client built (web/dist) and
// Debian's Chromium (/usr/bin/chromium).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const DENIED = '无权查看或不存在';
let srv;
let browser;
const info = {}; // ids found through the API for the checks below

before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  const secs = acc.filter((a) => a.role === 'branch_secretary');
  const admins = acc.filter((a) => a.role === 'org_admin');
  const members = acc.filter((a) => a.role === 'member');
  assert.ok(secs.length >= 2, 'demo has two branch secretaries');
  assert.ok(admins.length >= 2, 'demo has a county and a township org_admin');
  assert.ok(members.length >= 1, 'demo has members');
  assert.notEqual(String(secs[0].orgId), String(secs[1].orgId), 'the secretaries are in different villages');
  info.secA = secs[0];
  info.secB = secs[1];
  info.member = members[0];
  // Tell the county admin from the township admin by the level of their org.
  for (const a of admins) {
    const api = await apiAs(srv.base, a);
    const org = await api.get('/orgs/' + a.orgId);
    assert.equal(org.status, 200, `org_admin ${a.phone} can read their org`);
    a.level = org.body.data.level;
    a.api = api;
  }
  info.township = admins.find((a) => a.level === 'township');
  info.county = admins.find((a) => a.level !== 'township' && a !== info.township);
  assert.ok(info.township, 'demo has a township org_admin');
  assert.ok(info.county, 'demo has a county org_admin');
  const villages = await info.township.api.get(`/orgs/${info.township.orgId}/children?limit=200`);
  assert.equal(villages.status, 200);
  info.villages = villages.body.data.items;
  const towns = await info.county.api.get(`/orgs/${info.county.orgId}/children?limit=200`);
  assert.equal(towns.status, 200);
  info.otherTownship = towns.body.data.items.find((o) => String(o.id) !== String(info.township.orgId));
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

const hello = (name) => `您好，${name}`;

describe('zhibu web client', () => {
  test('the page is served with a strict CSP and the installable bits', async () => {
    const r = await fetch(srv.base + '/');
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, /script-src 'self'/, 'CSP header on /');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    for (const p of ['/sw.js', '/manifest.webmanifest', '/icon-192.png', '/icon-512.png']) {
      const x = await fetch(srv.base + p);
      assert.equal(x.status, 200, p);
    }
    const m = await (await fetch(srv.base + '/manifest.webmanifest')).json();
    assert.equal(m.short_name, '支部');
  });

  test('wrong password shows the Chinese error', async () => {
    await session(async (page) => {
      await loginUI(page, { phone: info.member.phone, password: 'not-the-password' });
      await page.getByText('手机号或密码不正确').waitFor();
      assert.match(page.url(), /#\/login$/);
    });
  });

  test('every demo account logs in and sees its own home page', async () => {
    for (const a of srv.accounts) {
      await session(async (page) => {
        await loginUI(page, a);
        await page.getByRole('heading', { name: hello(a.name) }).waitFor();
        assert.match(page.url(), /#\/home$/);
        const main = page.locator('main');
        // The organisation the account's role is on is named on the home page.
        await main.getByText(a.orgName).first().waitFor();
        const roleZh = { member: '党员', branch_secretary: '支部书记', branch_committee: '支部委员', org_admin: '组织管理员', auditor: '审计员' }[a.role];
        if (roleZh) await main.locator('.role strong', { hasText: roleZh }).first().waitFor();
        if (a.role === 'member' || a.role === 'branch_secretary') {
          // Their branch is the 我的支部 card.
          const card = main.locator('section', { hasText: '我的支部' });
          await card.getByText(a.orgName).first().waitFor();
        }
        if (a.role === 'branch_secretary') await main.getByRole('link', { name: /花名册/ }).waitFor();
        if (a.role === 'org_admin' || a.role === 'auditor') await main.getByRole('link', { name: /组织架构/ }).waitFor();
      });
    }
  });

  test('a branch secretary opens the roster and sees the members', async () => {
    const api = await apiAs(srv.base, info.secA);
    const first = await api.get(`/members?orgId=${info.secA.orgId}&limit=50`);
    assert.equal(first.status, 200);
    const items = first.body.data.items;
    assert.ok(items.length > 0, 'the branch has members');
    await session(async (page) => {
      await loginUI(page, info.secA);
      await page.getByRole('link', { name: /花名册/ }).first().click();
      await page.waitForURL(new RegExp(`#/roster/${info.secA.orgId}$`));
      await page.locator('li.member').first().waitFor();
      await page.locator('li.member', { hasText: items[0].name }).first().waitFor();
      const shown = await page.locator('li.member').count();
      assert.ok(shown >= Math.min(items.length, 1));
      await page.getByText(/正式党员|预备党员/).first().waitFor();
      if (items.some((m) => m.migrant)) await page.locator('.tag.migrant', { hasText: '流动党员' }).first().waitFor();
      // Search by name narrows the list.
      const target = items[items.length - 1].name;
      await page.locator('#q').fill(target);
      await page.getByRole('button', { name: '查找' }).click();
      await page.waitForFunction((n) => {
        const names = [...document.querySelectorAll('li.member .mname')].map((e) => e.textContent);
        return names.length > 0 && names.every((x) => x.includes(n));
      }, target);
      if (first.body.data.next) {
        await page.locator('#q').fill('');
        await page.getByRole('button', { name: '查找' }).click();
        await page.getByRole('button', { name: '加载更多' }).click();
        await page.waitForFunction((n) => document.querySelectorAll('li.member').length > n, items.length);
      }
    });
  });

  test("a secretary cannot see another village's roster or page", async () => {
    await session(async (page) => {
      await loginUI(page, info.secA);
      await page.getByRole('heading', { name: hello(info.secA.name) }).waitFor();
      await page.goto(`/#/roster/${info.secB.orgId}`);
      await page.getByText(DENIED).waitFor();
      assert.equal(await page.locator('li.member').count(), 0);
      await page.goto(`/#/org/${info.secB.orgId}`);
      await page.getByText(DENIED).waitFor();
      assert.equal(await page.getByText(info.secB.orgName).count(), 0);
    });
  });

  test('the township admin sees its villages and not the other township', async () => {
    const t = info.township;
    await session(async (page) => {
      await loginUI(page, t);
      await page.getByRole('heading', { name: hello(t.name) }).waitFor();
      await page.locator('nav.tabs').getByRole('link', { name: '组织' }).click();
      await page.waitForURL(new RegExp(`#/org/${t.orgId}$`));
      await page.getByRole('heading', { name: t.orgName }).waitFor();
      // The township's live figures: as many members as the API counts.
      const stats = await t.api.get(`/orgs/${t.orgId}/stats`);
      assert.equal(stats.status, 200);
      const card = page.locator('section', { has: page.getByRole('heading', { name: '党员结构' }) });
      await card.getByText(`流动党员 ${stats.body.data.migrant} 名`).waitFor();
      await card.getByText('60 岁以上').waitFor();
      assert.ok(info.villages.length > 0, 'the township has villages');
      for (const v of info.villages.slice(0, 20)) {
        await page.locator('a.bigrow', { hasText: v.name }).first().waitFor();
      }
      // Drill down into the first village and on to its roster.
      const v = info.villages.find((x) => x.level === 'branch') || info.villages[0];
      await page.locator('a.bigrow', { hasText: v.name }).first().click();
      await page.waitForURL(new RegExp(`#/org/${v.id}$`));
      await page.getByRole('heading', { name: v.name }).waitFor();
      if (v.level === 'branch') {
        await page.getByRole('link', { name: '查看花名册' }).click();
        await page.waitForURL(new RegExp(`#/roster/${v.id}$`));
        if (v.memberCount > 0) await page.locator('li.member').first().waitFor();
      }
      if (info.otherTownship) {
        await page.goto(`/#/org/${info.otherTownship.id}`);
        await page.getByText(DENIED).waitFor();
      } else {
        assert.fail('the county has only one township: cannot check the other township is hidden');
      }
    });
  });

  test('a member sees their branch', async () => {
    const m = info.member;
    await session(async (page) => {
      await loginUI(page, m);
      const card = page.locator('section', { hasText: '我的支部' });
      await card.getByText(m.orgName).first().waitFor();
      await card.locator('a.bigrow').click();
      await page.waitForURL(new RegExp(`#/org/${m.orgId}$`));
      await page.getByRole('heading', { name: m.orgName }).waitFor();
      // Members see their branch, not the figures about its members.
      assert.equal(await page.getByRole('heading', { name: '党员结构' }).count(), 0);
    });
  });

  test('large text and English persist; logout returns to the login page', async () => {
    await session(async (page) => {
      await loginUI(page, info.member);
      await page.getByRole('heading', { name: hello(info.member.name) }).waitFor();
      await page.locator('nav.tabs').getByRole('link', { name: '我的' }).click();
      await page.getByRole('switch').click();
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains('large')), true);
      const size = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
      assert.ok(size >= 22, 'large mode font size');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains('large')), true);
      await page.getByRole('button', { name: '中文' }).click();
      await page.getByRole('switch').click();
      await page.getByRole('button', { name: '退出登录' }).click();
      await page.waitForURL(/#\/login$/);
      await page.locator('#phone').waitFor();
      // The session is gone on the server too.
      await page.goto('/#/home');
      await page.waitForURL(/#\/login$/);
      await page.locator('#password').waitFor();
    });
  });

  test('a member changes their password', async () => {
    const m = srv.accounts.filter((a) => a.role === 'member').at(-1);
    const fresh = 'new-pass-' + Date.now();
    await session(async (page) => {
      await loginUI(page, m);
      await page.getByRole('heading', { name: hello(m.name) }).waitFor();
      await page.locator('nav.tabs').getByRole('link', { name: '我的' }).click();
      const save = page.getByRole('button', { name: '保存' });
      await page.getByLabel('原密码').fill('wrong-old-password');
      await page.getByLabel(/^新密码/).fill(fresh);
      await page.getByLabel('再次输入新密码').fill(fresh);
      await save.click();
      await page.getByText('原密码不正确').waitFor();
      await page.getByLabel('原密码').fill(m.password);
      await page.getByLabel(/^新密码/).fill('short');
      await page.getByLabel('再次输入新密码').fill('short');
      await save.click();
      await page.getByText('新密码至少 8 位').waitFor();
      await page.getByLabel(/^新密码/).fill(fresh);
      await page.getByLabel('再次输入新密码').fill(fresh + 'x');
      await save.click();
      await page.getByText('两次输入的新密码不一致').waitFor();
      await page.getByLabel('再次输入新密码').fill(fresh);
      await save.click();
      await page.getByText('密码已修改').waitFor();
    });
    m.password = fresh;
    await session(async (page) => {
      await loginUI(page, m);
      await page.getByRole('heading', { name: hello(m.name) }).waitFor();
    });
  });

  test('the shell loads offline from the service worker and says so', async () => {
    await session(async (page, s) => {
      await loginUI(page, info.member);
      await page.getByRole('heading', { name: hello(info.member.name) }).waitFor();
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
          await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
        }
      });
      await s.context.setOffline(true);
      await page.reload();
      await page.locator('.offline', { hasText: '离线' }).waitFor();
      await page.getByRole('heading', { name: hello(info.member.name) }).waitFor();
      await s.context.setOffline(false);
    });
  });
});
