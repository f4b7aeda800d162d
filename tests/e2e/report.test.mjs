// The read report as a secretary reads it: members without an account yet are counted apart
// from those who have not read ("2%" when 56 of 58 cannot see the notice was the complaint),
// the percentage is of those who can read it, and a sentence explains the figure; members
// told in person (当面传达) are recorded from the list and counted apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

// ZHIBU_DOC_SHOTS=docs/screens refreshes the screenshots of docs/SCREENS.md.
const SHOTS = process.env.ZHIBU_DOC_SHOTS || process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
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

test('no account yet apart from not read, the percentage of those who can read, explained', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const sec = byPhone('13800000004');
  const member = byPhone('13800000006');
  const apiS = await apiAs(srv.base, sec);
  const n = (await apiS.post('/notices', { orgId: sec.orgId, title: '关于冬季防火的通知', text: '请各户检查电线。' })).body.data;
  assert.ok(n && n.id);
  const apiM = await apiAs(srv.base, member);
  assert.equal((await apiM.post(`/notices/${n.id}/read`)).status, 200);
  const r = (await apiS.get(`/notices/${n.id}/report`)).body.data.org;
  assert.ok(r.noAccount > 0 && r.read >= 1);
  const can = r.total - r.noAccount;
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.goto(`/#/notice-report/${n.id}`);
    const total = page.locator('.report-total');
    await total.locator('.no-account', { hasText: `未开通账号 ${r.noAccount}` }).waitFor();
    assert.equal(await total.locator('.pct').innerText(), `${Math.round((100 * r.read) / can)}%`);
    const explain = await total.locator('.report-explain').innerText();
    assert.match(explain, new RegExp(`已读的 ${r.read} 人 ÷ 能在手机上看到通知的 ${can} 人`));
    assert.match(explain, new RegExp(`另有 ${r.noAccount} 人还没有开通账号.*当面传达`));
    const tmp = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
    mkdirSync(tmp, { recursive: true });
    await page.screenshot({ path: join(tmp, 'notice-report.png') });
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});

// 当面传达 on the phone: the secretary taps "已当面传达" beside a member who has no account,
// then records the rest of the list at once; the figure counts them apart from "read in the
// app" and from "not reached", the sentence explains it, and the one record is undone.
test('told in person: one tap, the whole list, undo; counted apart and explained', async () => {
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  const sec = byPhone('13800000004');
  const apiS = await apiAs(srv.base, sec);
  const n = (await apiS.post('/notices', { orgId: sec.orgId, title: '关于秋收防火的通知', text: '请转告没有手机的老党员。' })).body.data;
  const r0 = (await apiS.get(`/notices/${n.id}/report`)).body.data.org;
  assert.equal(r0.told, 0);
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    const { page } = s;
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.goto(`/#/notice-report/${n.id}`);
    const total = page.locator('.report-total');
    await total.locator('.not-reached', { hasText: `未传达 ${r0.total}` }).waitFor();
    // One tap beside the first member: the row says so where the finger is, the figure moves.
    const first = page.locator('.told-row').first();
    const firstId = Number(await first.getAttribute('data-member'));
    await first.getByRole('button', { name: '已当面传达' }).click();
    await first.locator('.told-at', { hasText: '当面传达' }).waitFor();
    await total.locator('.told', { hasText: '当面传达 1' }).waitFor();
    await total.locator('.not-reached', { hasText: `未传达 ${r0.total - 1}` }).waitFor();
    assert.equal(await total.locator('.pct').innerText(), '0%', 'told in person is not read in the app');
    assert.match(await total.locator('.report-explain').innerText(), /当面传达 1 人：.*不算“已读”/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'notice-report-told-list.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'notice-report-told.png') });
    // The rest of the list at once, after a second tap.
    const rest = await page.locator('.told-row .told-one').count();
    assert.ok(rest >= 1);
    await page.getByRole('button', { name: `这 ${rest} 人都已当面传达` }).click();
    await page.getByRole('button', { name: `确认登记这 ${rest} 人` }).click();
    await total.locator('.told', { hasText: `当面传达 ${rest + 1}` }).waitFor();
    assert.equal(await page.locator('.told-row .told-one').count(), 0);
    const r1 = (await apiS.get(`/notices/${n.id}/report`)).body.data.org;
    assert.deepEqual([r1.read, r1.told, r1.notReached], [0, rest + 1, r1.total - rest - 1]);
    // Undo the first record.
    await first.getByRole('button', { name: '撤销' }).click();
    await first.getByRole('button', { name: '已当面传达' }).waitFor();
    await total.locator('.told', { hasText: `当面传达 ${rest}` }).waitFor();
    const m = (await apiS.get(`/notices/${n.id}/members?filter=unreached&limit=200`)).body.data.items.map((x) => x.memberId);
    assert.ok(m.includes(firstId));
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
