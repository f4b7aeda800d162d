// The secretary's meeting page around the three moments of a meeting, on a 360×780 phone
// in Beijing time: before (who is expected, leave requests decided where they are asked),
// during (the code large and a QR code a member's camera opens to check in, search, marks
// by exception with "其余标为出席"), after (minutes, close). Feedback appears beside the
// button tapped. Screenshots of each moment go to ZHIBU_DOC_SHOTS (docs/screens in the
// repository) or the usual shots folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_DOC_SHOTS || process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const TALL = { viewport: { width: 360, height: 780 } };

let srv;
let browser;
const who = {};

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  who.secA = byPhone('13800000004');
  who.member = byPhone('13800000006');
  who.migrant = byPhone('13800000007');
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const serverNow = async () => Date.parse((await (await fetch(srv.base + '/test/clock')).json()).now);

async function signedIn(acct) {
  const s = await phonePage(browser, srv.base, TALL);
  await s.page.clock.install({ time: new Date(await serverNow()) }); // the phone agrees with the server
  await loginUI(s.page, acct);
  await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
  return s;
}

// The vertical distance between the tapped button (or its box, taken before the tap)
// and the feedback it caused.
async function gap(button, said) {
  const a = button.y !== undefined ? button : await button.boundingBox();
  const b = await said.boundingBox();
  return Math.abs(b.y - (a.y + a.height));
}

test('the secretary runs a meeting before, during and after, from one phone screen', async () => {
  const api = await apiAs(srv.base, who.secA);
  const t0 = await serverNow();
  const m = (await api.post('/meetings', {
    orgId: who.secA.orgId, type: 'branch_assembly', title: '十二月党员大会', startsAt: new Date(t0 + 45 * 60000).toISOString(),
    place: '村委会议室', attendees: 'branch', agenda: '一、学习文件\n二、评议党员',
  })).body.data;
  const migrant = await apiAs(srv.base, who.migrant);
  assert.equal((await migrant.post(`/meetings/${m.id}/leave`, { reason: '在深圳务工，无法回村' })).status, 200);

  const sec = await signedIn(who.secA);
  const page = sec.page;
  try {
    // Before: the leave request is on top, decided where it is asked; everyone expected below.
    await page.goto(`/#/meeting/${m.id}`);
    await page.getByRole('tab', { name: '会前', selected: true }).waitFor();
    await page.getByRole('heading', { name: '请假申请（1 条待批）' }).waitFor();
    assert.equal(await page.locator('.mtg-code').count(), 0, 'no code before the check-in opens');
    const expected = m.attendance.length;
    await page.getByRole('heading', { name: `应到人员（${expected}）` }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'meeting-before.png') });
    const approve = page.locator(`li.att[data-member="${who.migrant.memberId}"]`).getByRole('button', { name: '批准', exact: true });
    const where = await approve.boundingBox();
    await approve.click();
    const said = page.locator(`.said[data-at="row:${who.migrant.memberId}"]`, { hasText: '请假已批准' });
    await said.waitFor();
    assert.ok(await gap(where, said) < 80, 'the answer appears under the finger');

    // During: 25 minutes on, check-in is open; the page opens on the room's moment.
    await srv.advanceClock(25 * 60);
    await page.clock.setSystemTime(new Date(await serverNow()));
    await page.reload();
    await page.getByRole('tab', { name: '会中', selected: true }).waitFor();
    const code = page.locator('.mtg-code');
    await code.waitFor();
    const size = await code.evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    assert.ok(size >= 48, `the code is large (${size}px)`);
    const qr = page.locator('img.mtg-qr');
    await qr.waitFor();
    const url = await qr.getAttribute('data-url');
    const shown = await code.getAttribute('data-code');
    assert.equal(url, `${srv.base}/#/checkin/${m.id}/${shown}`);
    const box = await qr.boundingBox();
    await page.screenshot({ path: join(SHOTS, 'meeting-during.png') });
    assert.ok(box.width >= 180 && box.y + box.height <= 780, `the QR code is large and on the first screen: ${JSON.stringify(box)}`);
    await page.screenshot({ path: join(SHOTS, 'meeting-during.png') });

    // A member's camera opens the link: checked in, said in large type.
    const mem = await signedIn(who.member);
    try {
      await mem.page.goto(url);
      await mem.page.locator('.big-ok', { hasText: '签到成功' }).waitFor();
      assert.deepEqual(mem.problems, []);
    } finally {
      await mem.context.close();
    }
    const row = (id) => page.locator(`li.att[data-member="${id}"]`);
    await page.reload();
    await row(who.member.memberId).and(page.locator('[data-status="present"]')).waitFor();

    // Search: one name, one row; a mark by exception, said beside the row.
    const others = (await api.get(`/meetings/${m.id}`)).body.data.attendance
      .filter((a) => a.status === 'expected' && a.memberId !== who.secA.memberId);
    const odd = others[0];
    await page.getByLabel('查找党员（输入姓名）').fill(odd.name);
    await page.locator('li.att').first().waitFor();
    assert.ok((await page.locator('li.att').allInnerTexts()).every((x) => x.includes(odd.name)));
    const absent = row(odd.memberId).getByRole('button', { name: '缺席' });
    await absent.click();
    const rowSaid = page.locator(`.said[data-at="row:${odd.memberId}"]`);
    await rowSaid.filter({ hasText: `${odd.name}：缺席，已保存` }).waitFor();
    assert.ok(await gap(absent, rowSaid) < 80);
    await page.getByLabel('查找党员（输入姓名）').fill('');

    // 其余标为出席: asked once, with the names; then everyone else is present.
    const rest = (await api.get(`/meetings/${m.id}`)).body.data.attendance.filter((a) => a.status === 'expected' && a.leaveState !== 'approved');
    await page.getByRole('button', { name: `其余 ${rest.length} 人标为出席` }).click();
    const ask = page.getByRole('alertdialog');
    await ask.getByText(`把其余 ${rest.length} 人标为“已到会”？`).waitFor();
    await ask.getByRole('button', { name: '确认标为出席' }).click();
    await page.locator('.said[data-at="bulk"]', { hasText: `已将 ${rest.length} 人标为已到会` }).waitFor();
    const d = (await api.get(`/meetings/${m.id}`)).body.data;
    const st = (id) => d.attendance.find((a) => a.memberId === id).status;
    assert.equal(st(odd.memberId), 'absent', 'the exception stays');
    assert.equal(st(who.migrant.memberId), 'leave', 'leave stays');
    assert.equal(st(who.member.memberId), 'present');
    assert.equal(d.attendance.filter((a) => a.status === 'expected').length, 0);

    // After (the meeting under way for ten minutes): minutes saved with the word under
    // the button, then closed.
    await srv.advanceClock(30 * 60);
    await page.clock.setSystemTime(new Date(await serverNow()));
    await page.getByRole('tab', { name: '会后' }).click();
    await page.locator('#mtg-minutes').fill('一、学习了文件。\n二、评议了党员。');
    const save = page.getByRole('button', { name: '保存会议记录' });
    await save.click();
    const saved = page.locator('.said[data-at="minutes"]', { hasText: '会议记录已保存' });
    await saved.waitFor();
    assert.ok(await gap(save, saved) < 80);
    await page.getByRole('button', { name: '结束会议并归档' }).click();
    await page.getByRole('alertdialog', { name: '结束会议前请核对' }).getByRole('button', { name: '确认结束' }).click();
    await page.getByText('会议已结束，记录已锁定').first().waitFor();
    assert.equal(await page.getByRole('tab').count(), 0, 'a closed meeting has only its record');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'meeting-after.png') });
    assert.deepEqual(sec.problems, []);
  } finally {
    await sec.context.close();
  }
  assert.equal((await api.get(`/meetings/${m.id}`)).body.data.state, 'closed');
});

test('a check-in link with a wrong or old code says why and leads to the meeting page', async () => {
  const api = await apiAs(srv.base, who.secA);
  const t0 = await serverNow();
  const m = (await api.post('/meetings', {
    orgId: who.secA.orgId, type: 'committee', title: '支委会', startsAt: new Date(t0 + 60000).toISOString(), place: '村委会', attendees: 'branch',
  })).body.data;
  const code = (await api.get(`/meetings/${m.id}/code`)).body.data.code;
  const s = await signedIn(who.member);
  try {
    await s.page.goto(`/#/checkin/${m.id}/${code === '000000' ? '000001' : '000000'}`);
    await s.page.getByRole('alert').filter({ hasText: '签到码不正确或已过期' }).waitFor();
    await s.page.getByRole('link', { name: '查看会议' }).click();
    await s.page.waitForURL(new RegExp(`#/meeting/${m.id}$`));
    await s.page.getByLabel('输入签到码').waitFor();
  } finally {
    await s.context.close();
  }
});
