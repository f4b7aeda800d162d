// Browser tests of organisational life: a secretary records a meeting with the network
// off and the record arrives exactly once although the first upload's answer is lost; a
// member checks in with the code on the secretary's screen inside the window and is
// refused outside it; leave after the cut-off is refused; the county view turns a branch
// red when its committee meeting is overdue (the test clock moves time).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';

let srv;
let browser;
const who = {};

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const acc = srv.accounts;
  const byPhone = (p) => acc.find((a) => a.phone === p);
  who.county = byPhone('13800000001');
  who.township = byPhone('13800000003');
  who.secA = byPhone('13800000004');
  who.member = byPhone('13800000006');
  who.migrant = byPhone('13800000007');
  assert.ok(who.county && who.township && who.secA && who.member && who.migrant, 'demo accounts');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const serverNow = async () => Math.floor(Date.parse((await (await fetch(srv.base + '/test/clock')).json()).now) / 1000);
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

async function schedule(api, extra = {}, inSec = 600) {
  const t = await serverNow();
  const r = await api.post('/meetings', {
    orgId: who.secA.orgId, type: 'committee', title: '支委会', startsAt: iso(t + inSec), place: '村委会议室', attendees: 'branch', agenda: '一、学习文件\n二、研究秋收', ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data;
}

const TALL = { viewport: { width: 360, height: 780 } };

// The secretary's page shows one moment of the meeting at a time: 会前, 会中, 会后.
const phase = (page, name) => page.getByRole('tab', { name, exact: true }).click();

async function session(acct, fn, extra = {}) {
  const s = await phonePage(browser, srv.base, extra);
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

describe('meetings in the browser', () => {
  test('offline capture: attendance, minutes and a sign-in sheet arrive once, even when the upload is repeated', async () => {
    const api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, {}, 60);
    await session(who.secA, async (page, s) => {
      await page.goto(`/#/meeting/${m.id}`);
      await page.getByRole('heading', { name: '到会情况' }).waitFor();
      await page.locator('.mtg-code').waitFor();
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'meeting-secretary.png') });

      await s.context.setOffline(true);
      await page.locator('.offline', { hasText: '离线' }).waitFor();
      const row = (memberId) => page.locator(`li.att[data-member="${memberId}"]`);
      await row(who.member.memberId).getByRole('button', { name: '已到会' }).click();
      await row(who.migrant.memberId).getByRole('button', { name: '缺席' }).click();
      await phase(page, '会后');
      await page.getByRole('textbox', { name: '会议记录', exact: true }).fill('一、传达学习了文件。\n二、研究了秋收互助安排。');
      await page.getByLabel('会议决议').fill('成立秋收互助小组');
      await page.getByRole('button', { name: '保存会议记录' }).click();
      await page.getByLabel('照片或文件（文件名或链接）').fill('IMG_0412.jpg');
      await page.getByRole('button', { name: '添加' }).click();
      await page.locator('.sync-queue', { hasText: '有 4 条记录待上传' }).waitFor();
      await phase(page, '会中');
      // Shown over the saved copy while offline.
      assert.equal(await row(who.migrant.memberId).getAttribute('data-status'), 'absent');

      // The first upload reaches the server but its answer is lost; the second is answered.
      let uploads = 0;
      await page.route('**/api/v1/sync', async (route) => {
        uploads++;
        const res = await route.fetch();
        if (uploads === 1) await route.abort('failed');
        else await route.fulfill({ response: res });
      });
      await s.context.setOffline(false);
      await page.waitForFunction(() => !document.querySelector('.sync-progress'));
      await page.locator('.sync-queue', { hasText: '有 4 条记录待上传' }).waitFor();
      assert.equal(uploads, 1, 'the upload went out when the network returned');
      await page.getByRole('button', { name: '立即上传' }).click();
      await page.waitForFunction(() => !document.querySelector('.sync-queue') && !document.querySelector('.sync-progress'));
      assert.equal(uploads, 2);
      assert.equal(await page.locator('.sync-rejected').count(), 0, 'nothing refused');
      await row(who.migrant.memberId).locator('.tag.warn', { hasText: '离线记录' }).waitFor();
    });
    const d = (await api.get(`/meetings/${m.id}`)).body.data;
    assert.equal(d.files.length, 1, 'the sign-in sheet arrived once');
    assert.equal(d.files[0].capturedOffline, true);
    assert.equal(d.minutes, '一、传达学习了文件。\n二、研究了秋收互助安排。');
    assert.equal(d.minutesCapturedOffline, true);
    const a = (id) => d.attendance.find((x) => x.memberId === id);
    assert.equal(a(who.member.memberId).status, 'present');
    assert.equal(a(who.migrant.memberId).status, 'absent');
    assert.equal(a(who.migrant.memberId).source, 'offline');
    assert.ok(a(who.migrant.memberId).capturedAt && a(who.migrant.memberId).receivedAt);
  });

  test('offline capture: a change the server refuses is shown with its reason', async () => {
    const api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, { title: '补开支委会' }, -60);
    await session(who.secA, async (page, s) => {
      await page.goto(`/#/meeting/${m.id}`);
      await page.getByRole('heading', { name: '到会情况' }).waitFor();
      await s.context.setOffline(true);
      await page.locator(`li.att[data-member="${who.member.memberId}"]`).getByRole('button', { name: '缺席' }).click();
      await page.locator('.sync-queue', { hasText: '有 1 条记录待上传' }).waitFor();
      // Meanwhile the meeting is closed from another phone: the record is locked.
      assert.equal((await api.send('PATCH', `/meetings/${m.id}`, { minutes: '另一部手机上写的记录' })).status, 200);
      assert.equal((await api.post(`/meetings/${m.id}/close`)).status, 200);
      await s.context.setOffline(false);
      await page.locator('.sync-rejected', { hasText: '会议已结束，记录已锁定' }).waitFor();
      await page.getByRole('button', { name: '知道了' }).click();
      await page.waitForFunction(() => !document.querySelector('.sync-rejected'));
    });
  });

  test('offline captures belong to their account: logging out sends and clears them, another account never uploads them', async () => {
    const api = await apiAs(srv.base, who.secA);
    const kept = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => /^zhibu\.(sync|mtg\.)/.test(k)).sort());
    const queued = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('zhibu.syncq') || '[]').length);
    const capture = async (page, s, m, mark) => {
      await page.goto(`/#/meeting/${m.id}`);
      await page.getByRole('heading', { name: '到会情况' }).waitFor();
      await s.context.setOffline(true);
      await page.locator(`li.att[data-member="${who.member.memberId}"]`).getByRole('button', { name: mark }).click();
      await page.locator('.sync-queue', { hasText: '有 1 条记录待上传' }).waitFor();
    };
    const status = async (m) => (await api.get(`/meetings/${m.id}`)).body.data.attendance.find((x) => x.memberId === who.member.memberId)?.status;

    // Logging out: what was captured is sent first, then nothing of it stays on the phone.
    const m1 = await schedule(api, { title: '登出前上传' }, 60);
    await session(who.secA, async (page, s) => {
      await capture(page, s, m1, '缺席');
      await page.route('**/api/v1/sync', (route) => route.abort('failed')); // the network returns, the upload does not get through
      await s.context.setOffline(false);
      await page.waitForFunction(() => !document.querySelector('.sync-progress'));
      assert.equal(await queued(page), 1);
      await page.unroute('**/api/v1/sync');
      await page.goto('/#/account');
      await page.getByRole('button', { name: '退出登录' }).click();
      await page.waitForURL(/#\/login$/);
      await page.waitForFunction(() => !Object.keys(localStorage).some((k) => /^zhibu\.(sync|mtg\.)/.test(k)));
      assert.deepEqual(await kept(page), []);
    });
    assert.equal(await status(m1), 'absent', 'sent before the logout');

    // A session that ends without logging out: the next account on the phone neither
    // uploads nor sees what the first one captured.
    const m2 = await schedule(api, { title: '换人登录' }, 60);
    const s = await phonePage(browser, srv.base);
    try {
      const { page } = s;
      await loginUI(page, who.secA);
      await page.getByRole('heading', { name: `您好，${who.secA.name}` }).waitFor();
      await capture(page, s, m2, '请假');
      // The session is ended elsewhere (its token revoked) while the phone is offline.
      const token = (await s.context.cookies()).find((c) => c.name === 'zhibu_session').value;
      assert.equal((await fetch(srv.base + '/api/v1/auth/logout', { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: '{}' })).status, 200);
      await s.context.setOffline(false);
      await page.waitForURL(/#\/login$/);
      assert.equal(await queued(page), 1, 'kept for its own account');
      await loginUI(page, who.township);
      await page.getByRole('heading', { name: `您好，${who.township.name}` }).waitFor();
      await page.waitForFunction(() => !localStorage.getItem('zhibu.syncq'));
      assert.deepEqual(await page.evaluate(() => [localStorage.getItem('zhibu.syncrej'), localStorage.getItem('zhibu.syncowner')]),
        [null, String(await page.evaluate(() => JSON.parse(localStorage.getItem('zhibu.me')).id))], 'what is kept now is the new account\'s');
      assert.deepEqual(s.problems, []);
    } finally {
      await s.context.close();
    }
    assert.notEqual(await status(m2), 'leave', 'never uploaded under another account');
  });

  test('scheduling from the branch calendar: the secretary\'s party lecture for two chosen members', async () => {
    await session(who.secA, async (page) => {
      await page.goto('/#/home');
      await page.getByRole('link', { name: /三会一课/ }).first().click();
      await page.waitForURL(new RegExp(`#/compliance/${who.secA.orgId}$`));
      await page.getByRole('link', { name: '安排会议' }).click();
      await page.getByLabel('会议类型').selectOption('party_lecture');
      await page.getByRole('checkbox', { name: '由支部书记讲授' }).check();
      await page.getByLabel('地点').fill('村文化礼堂');
      await page.getByLabel('议程').fill('一、书记讲党课\n二、交流');
      await page.getByLabel('参会人员').selectOption('members');
      await page.getByRole('checkbox', { name: who.member.name }).check();
      await page.getByRole('checkbox', { name: who.migrant.name }).check();
      await page.getByRole('button', { name: '确定安排' }).click();
      await page.waitForURL(/#\/meeting\/\d+$/);
      await page.getByText('应到 2 ·').waitFor();
      await page.getByRole('heading', { name: '党课' }).waitFor();
      await page.locator('.mtg-head .tag', { hasText: '书记讲党课' }).waitFor();
    });
  });

  test('check-in: the code works inside the window and is refused outside it', async () => {
    const api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, {}, 3600);
    const code = async () => (await (await apiAs(srv.base, who.secA)).get(`/meetings/${m.id}/code`)).body.data.code;
    await session(who.member, async (page) => {
      await page.goto('/#/meetings');
      await page.locator(`a[href="#/meeting/${m.id}"]`).click();
      await page.waitForURL(new RegExp(`#/meeting/${m.id}$`));
      await page.getByLabel('输入签到码').fill(await code());
      await page.getByRole('button', { name: '签到', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: '不在签到时间内' }).waitFor();
      await srv.advanceClock(3600 - 10 * 60); // ten minutes before the start
      await page.getByLabel('输入签到码').fill(await code());
      await page.getByRole('button', { name: '签到', exact: true }).click();
      await page.locator('.my-status[data-status="present"]', { hasText: '已到会' }).waitFor();
    });
  });

  test('leave: asked before the cut-off, refused after it', async () => {
    const api = await apiAs(srv.base, who.secA);
    const early = await schedule(api, { title: '党课', type: 'party_lecture' }, 7200);
    const late = await schedule(api, { title: '主题党日', type: 'theme_day' }, 30 * 60);
    await session(who.migrant, async (page) => {
      await page.goto(`/#/meeting/${early.id}`);
      await page.getByLabel('请假事由').fill('在深圳务工，无法回村');
      await page.getByRole('button', { name: '提交请假' }).click();
      await page.locator('.my-status', { hasText: '请假待批' }).waitFor();
      await srv.advanceClock(15 * 60); // 15 minutes before the second meeting
      await page.goto(`/#/meeting/${late.id}`);
      await page.getByLabel('请假事由').fill('在深圳务工，无法回村');
      await page.getByRole('button', { name: '提交请假' }).click();
      await page.getByRole('alert').filter({ hasText: '已过请假截止时间' }).waitFor();
    });
  });

  test('the county view turns a branch red when its committee meeting is overdue', async () => {
    let api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, { title: '十一月支委会' }, 60);
    await srv.advanceClock(120);
    api = await apiAs(srv.base, who.secA);
    assert.equal((await api.send('PATCH', `/meetings/${m.id}`, { minutes: '研究了冬季党员学习安排。' })).status, 200);
    assert.equal((await api.post(`/meetings/${m.id}/close`)).status, 200);
    const tally = (page) => page.locator(`li[data-org="${who.township.orgId}"] .mtg-tally`);
    let before;
    await session(who.county, async (page) => {
      await page.goto(`/#/compliance/${who.county.orgId}`);
      await tally(page).waitFor();
      before = { red: Number(await tally(page).getAttribute('data-red')), green: Number(await tally(page).getAttribute('data-green')) };
      assert.ok(before.green >= 1, 'the committee meeting held this month is green');
    });
    // Two months on, without another committee meeting: overdue.
    const now = new Date((await serverNow()) * 1000 + 8 * 3600 * 1000); // Beijing wall time
    const target = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 3) / 1000;
    await srv.advanceClock(target - (await serverNow()));
    await session(who.county, async (page) => {
      await page.goto(`/#/compliance/${who.county.orgId}`);
      await tally(page).waitFor();
      assert.equal(Number(await tally(page).getAttribute('data-red')), before.red + before.green);
      assert.equal(Number(await tally(page).getAttribute('data-green')), 0);
      // Drill down to the township: village A is red.
      await page.locator(`li[data-org="${who.township.orgId}"] a`).click();
      await page.waitForURL(new RegExp(`#/compliance/${who.township.orgId}$`));
      await page.locator(`li[data-org="${who.secA.orgId}"] .mtg-tally[data-red="1"]`).waitFor();
      await page.locator(`li[data-org="${who.secA.orgId}"] a`).click();
      await page.locator('li.mtg-type[data-type="committee"][data-status="red"]', { hasText: '已逾期' }).waitFor();
    });
    // The county admin requires committee meetings once a year instead: not overdue any more.
    await session(who.county, async (page) => {
      await page.goto(`/#/compliance/${who.county.orgId}`);
      await tally(page).waitFor();
      await page.locator('details.rules summary').click();
      await page.locator('select[data-rule="committee"]').selectOption('12');
      await page.locator('.rules .ok-text', { hasText: '已保存' }).waitFor();
      await page.locator(`li[data-org="${who.township.orgId}"] .mtg-tally[data-red="${before.red + before.green - 1}"]`).waitFor();
    });
  });

  test('closing asks once, naming who will be marked what; the host and the minute-taker are present', async () => {
    const api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, { title: '九月支委会' }, -60);
    assert.equal((await api.post(`/meetings/${m.id}/attendance`, { memberId: who.member.memberId, status: 'present' })).status, 200);
    assert.equal((await api.send('PATCH', `/meetings/${m.id}`, { minutes: '学习了文件，研究了秋收。' })).status, 200);
    const expected = (await api.get(`/meetings/${m.id}`)).body.data.attendance.filter((a) => a.status === 'expected');
    const absentees = expected.filter((a) => a.memberId !== who.secA.memberId);
    await session(who.secA, async (page) => {
      await page.goto(`/#/meeting/${m.id}`);
      await phase(page, '会后');
      await page.getByRole('heading', { name: '到会情况' }).waitFor();
      await page.getByRole('button', { name: '结束会议并归档' }).click();
      const ask = page.getByRole('alertdialog', { name: '结束会议前请核对' });
      await ask.waitFor();
      assert.match(await ask.locator('.close-present').innerText(), new RegExp(`记为到会 1 人.*${who.secA.name}`));
      const absent = await ask.locator('.close-absent').innerText();
      assert.match(absent, new RegExp(`记为缺席 ${absentees.length} 人`));
      for (const a of absentees) assert.ok(absent.includes(a.name), `${a.name} listed as absent`);
      assert.ok(!absent.includes(who.member.name), 'a member marked present is not listed');
      assert.ok(await ask.isVisible(), 'the question is on screen');
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'meeting-close-ask.png') });
      assert.equal((await api.get(`/meetings/${m.id}`)).body.data.state, 'scheduled', 'nothing closed before the answer');
      await ask.getByRole('button', { name: '确认结束' }).click();
      await page.getByText('会议已结束，记录已锁定').first().waitFor();
    }, TALL);
    const d = (await api.get(`/meetings/${m.id}`)).body.data;
    assert.equal(d.state, 'closed');
    assert.equal(d.attendance.find((a) => a.memberId === who.secA.memberId).status, 'present');
    for (const a of absentees) assert.equal(d.attendance.find((x) => x.memberId === a.memberId).status, 'absent');
  });

  test('offline capture: refused minutes are kept, explained in Chinese and copied into a new record', async () => {
    const api = await apiAs(srv.base, who.secA);
    const m = await schedule(api, { title: '十月支委会' }, -60);
    const typed = '一、传达了县委文件。\n二、商定了冬季防火值班。';
    await session(who.secA, async (page, s) => {
      // the phone's clock agrees with the server's (which other tests move forward)
      await page.clock.install({ time: new Date((await serverNow()) * 1000 + 1000) });
      await page.goto(`/#/meeting/${m.id}`);
      await page.getByRole('heading', { name: '到会情况' }).waitFor();
      await s.context.setOffline(true);
      await page.locator(`li.att[data-member="${who.member.memberId}"]`).getByRole('button', { name: '缺席' }).click();
      await phase(page, '会后');
      await page.locator('#mtg-minutes').fill(typed);
      await page.getByRole('button', { name: '保存会议记录' }).click();
      await page.locator('.sync-queue', { hasText: '有 2 条记录待上传' }).waitFor();
      // Meanwhile the meeting is closed from another phone.
      assert.equal((await api.send('PATCH', `/meetings/${m.id}`, { minutes: '另一部手机上写的记录' })).status, 200);
      assert.equal((await api.post(`/meetings/${m.id}/close`)).status, 200);
      await s.context.setOffline(false);
      const box = page.locator('.sync-rejected');
      await box.locator('li.refused[data-kind="minutes"]').waitFor();
      const text = await box.innerText();
      assert.doesNotMatch(text, /attendance|minutes|meeting is closed/, 'no English in the refusal');
      assert.match(text, new RegExp(`${who.member.name}记为“缺席”没有保存：会议已结束，记录已锁定`));
      assert.match(text, /离线填写的会议记录没有保存：会议已结束，记录已锁定/);
      const kept = box.locator('li.refused[data-kind="minutes"]');
      assert.match(await kept.locator('.refused-content').innerText(), /冬季防火值班/);
      assert.equal(await kept.getByRole('button', { name: '知道了' }).count(), 0, 'the minutes cannot be thrown away with one tap');
      // the page has reloaded the closed meeting: the text goes into a new correction
      await page.locator('#mtg-note').waitFor();
      await kept.getByRole('button', { name: '复制到新的更正说明' }).click();
      await page.waitForFunction((x) => document.querySelector('#mtg-note')?.value === x, typed);
      mkdirSync(SHOTS, { recursive: true });
      await box.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'meeting-refused-kept.png') });
      await page.getByRole('button', { name: '追加更正' }).click();
      await page.locator('.list li', { hasText: '冬季防火值班' }).first().waitFor();
      await kept.getByRole('button', { name: '已另存，删除这条' }).click();
      await box.locator('li.refused[data-kind="minutes"]').waitFor({ state: 'detached' });
      // a refusal without content is acknowledged with 知道了
      await box.getByRole('button', { name: '知道了' }).click();
      await page.waitForFunction(() => !document.querySelector('.sync-rejected'));
    }, TALL);
    const d = (await api.get(`/meetings/${m.id}`)).body.data;
    assert.equal(d.notes.length, 1);
    assert.equal(d.notes[0].body, typed);
  });
});
