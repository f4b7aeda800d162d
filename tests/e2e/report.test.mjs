// The read report as a secretary reads it: members without an account yet are counted apart
// from those who have not read ("2%" when 56 of 58 cannot see the notice was the complaint),
// the percentage is of those who can read it, and a sentence explains the figure.
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
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'notice-report.png') });
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
