// A migrant member's home: it says she is away and where her host branch is, shows what she
// can do from there (the host branch's activities, meetings online or by leave, dues) and
// keeps the village's road clean-up out of her way. Phone viewport, Beijing time.
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

test('home for a member working away: where, the host branch, what she can do from there', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const county = byPhone('13800000001');
  const secA = byPhone('13800000004');
  const migrant = byPhone('13800000007');
  const secB = srv.accounts.filter((a) => a.role === 'branch_secretary').find((a) => a.orgId !== secA.orgId);
  const api = await apiAs(srv.base, county);
  assert.equal((await api.send('PATCH', `/members/${migrant.memberId}`, { hostOrgId: secB.orgId })).status, 200);
  const host = (await api.get(`/orgs/${secB.orgId}`)).body.data;
  const iso = (h) => new Date(Date.now() + h * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const act = async (orgId, title) => {
    const r = await api.post('/activities', { orgId, kind: 'volunteer', title, place: '路口', startsAt: iso(30), endsAt: iso(32), signupDeadline: iso(26) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.data;
  };
  const road = await act(secA.orgId, '村道清扫');
  const near = await act(secB.orgId, '流入地社区志愿服务');

  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, migrant);
    await page.getByRole('heading', { name: `您好，${migrant.name}` }).waitFor();
    const away = page.locator('section.away');
    await away.getByRole('heading', { name: /在外地：/ }).waitFor();
    assert.match(await away.innerText(), new RegExp(`流入地支部：${host.name}`));
    const waiting = page.locator('section.waiting');
    await waiting.locator(`li[data-kind="activity"][data-id="${near.id}"]`).waitFor();
    assert.equal(await waiting.locator(`li[data-kind="activity"][data-id="${road.id}"]`).count(), 0, 'the road clean-up is not offered');
    mkdirSync(SHOTS, { recursive: true });
    await away.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'home-migrant.png') });
    // The activity list: the host branch's first, the village's folded away.
    await page.goto('/#/activities');
    await page.locator('.life .card a', { hasText: '流入地社区志愿服务' }).first().waitFor();
    const folded = page.locator('details.far-acts');
    await folded.waitFor();
    assert.equal(await folded.getAttribute('open'), null);
    assert.equal(await page.getByText('村道清扫').isVisible(), false);
    // Dues from the home card.
    await page.goto('/#/home');
    await away.locator('a[data-away="dues"]').click();
    await page.waitForURL(/#\/dues-member\/\d+$/);
    await page.locator('.error').count().then((n) => assert.equal(n, 0, 'the dues page opens'));
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
