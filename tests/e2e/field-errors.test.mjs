// Server field errors named on every form: the envelope's `field` is mapped to the input of
// the form just submitted and its message shown beside it (not only on the meeting form),
// in Chinese, and the page goes to it. Phone viewport, Beijing time.
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

// The Beijing wall time h hours from now as a datetime-local value.
const local = (h) => new Date(Date.now() + h * 3600e3 + 8 * 3600e3).toISOString().slice(0, 16);

async function session(acct, fn) {
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 } });
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page);
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
}

const byPhone = (p) => srv.accounts.find((a) => a.phone === p);

test('the activity form: a sign-up deadline after the start is named beside that field', async () => {
  const sec = byPhone('13800000004');
  await session(sec, async (page) => {
    await page.goto(`/#/activity-new/${sec.orgId}`);
    await page.locator('#a-title').fill('清理河道');
    await page.locator('#a-starts').fill(local(48));
    await page.locator('#a-deadline').fill(local(50));
    await page.getByRole('button', { name: '保存' }).click();
    const said = page.locator('#a-deadline + .field-error');
    await said.waitFor();
    assert.match(await said.innerText(), /报名截止时间.*填写有误：报名截止时间不能晚于开始时间/);
    assert.doesNotMatch(await said.innerText(), /[a-z]{4,}/, 'no English');
    assert.equal(await page.locator('#a-deadline').getAttribute('aria-invalid'), 'true');
    const box = await said.boundingBox();
    assert.ok(box.y > 0 && box.y < 780, 'on screen');
    // Changing the field takes the sentence away.
    await page.locator('#a-deadline').fill(local(47));
    await said.waitFor({ state: 'detached' });
  });
});

test('the admin screen: an unknown phone is named beside the phone field', async () => {
  const township = byPhone('13800000003');
  const secA = byPhone('13800000004');
  await session(township, async (page) => {
    await page.goto(`/#/admin/${secA.orgId}`);
    await page.getByRole('tab', { name: '按手机号' }).click();
    await page.locator('input[name=phone]').fill('13912345670');
    await page.getByRole('button', { name: '确定任命' }).click();
    const said = page.locator('input[name=phone] + .field-error');
    await said.waitFor();
    assert.match(await said.innerText(), /还没有账号/);
  });
});
