// Every screen that shows a time or a date shows Beijing's (web/src/time.js). The server's
// clock is moved to 18:20 UTC (02:20 the next day in Beijing), so what is created now has a
// UTC date that is not its Beijing date: a screen that printed the UTC date would fail.
// Each expectation is computed here, independently, with Intl in Asia/Shanghai, from the
// value the API returned. The browser's clock is set to the server's.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
let srv;
let browser;
const who = {};

// ---- expectations, computed without the client's code ----
const parts = (ms, zone = 'Asia/Shanghai') => {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', {
    timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(ms)) p[x.type] = x.value;
  return { y: +p.year, m: +p.month, d: +p.day, hm: `${String(+p.hour % 24).padStart(2, '0')}:${p.minute}` };
};
const dayNo = (p) => Date.UTC(p.y, p.m - 1, p.d) / 864e5;
const weekday = (ms) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', weekday: 'short' }).format(ms);
const dateText = (p, nowYear) => (p.y !== nowYear ? `${p.y}年` : '') + `${p.m}月${p.d}日`;
/** "今天 02:20", "12月9日 周三 07:00", "2025年…" for an ISO instant, seen at nowMs in Beijing. */
function bjTime(iso, nowMs, { wd = false } = {}) {
  const ms = Date.parse(iso);
  const p = parts(ms);
  const n = parts(nowMs);
  const word = { '-1': '昨天', 0: '今天', 1: '明天' }[dayNo(p) - dayNo(n)];
  return `${word || dateText(p, n.y) + (wd ? ' ' + weekday(ms) : '')} ${p.hm}`;
}
/** A plain "YYYY-MM-DD" day (or an instant's Beijing day) as "12月6日" / "1965年3月4日". */
function bjDate(v, nowMs) {
  const p = /^\d{4}-\d{2}-\d{2}$/.test(v) ? { y: +v.slice(0, 4), m: +v.slice(5, 7), d: +v.slice(8, 10) } : parts(Date.parse(v));
  return dateText(p, parts(nowMs).y);
}
const bjMonth = (ym, nowMs) => (+ym.slice(0, 4) !== parts(nowMs).y ? `${+ym.slice(0, 4)}年` : '') + `${+ym.slice(5, 7)}月`;
function left(iso, nowMs) {
  const ms = Date.parse(iso) - nowMs;
  const a = Math.abs(ms);
  const [n, u] = a >= 48 * 3600e3 ? [Math.floor(a / 864e5), '天'] : a >= 3600e3 ? [Math.floor(a / 3600e3), '小时'] : [Math.max(1, Math.floor(a / 60e3)), '分钟'];
  return `${ms >= 0 ? '还剩' : '已超时'} ${n} ${u}`;
}
const utcDay = (iso) => new Date(Date.parse(iso)).toISOString().slice(0, 10);
const bjDay = (iso) => { const p = parts(Date.parse(iso)); return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`; };
/** The instant's UTC day is not its Beijing day: a UTC rendering would show the wrong day. */
const differs = (iso) => assert.notEqual(utcDay(iso), bjDay(iso), `${iso}: pick an instant whose UTC and Beijing days differ`);
const isoOf = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const bjToday = (ms) => bjDay(isoOf(ms));

const serverNow = async () => Date.parse((await (await fetch(srv.base + '/test/clock')).json()).now);

before(async () => {
  srv = await startServer({ testHooks: true });
  browser = await launch();
  const acc = srv.accounts;
  who.sec = acc.find((a) => a.phone === '13800000004');
  who.member = acc.find((a) => a.phone === '13800000006');
  who.migrant = acc.find((a) => a.phone === '13800000007');
  assert.ok(who.sec && who.member && who.migrant, 'demo accounts');
  // Move the server to the next 18:20 UTC (at least a minute ahead): 02:20 in Beijing.
  const s = await serverNow();
  let t0 = Date.UTC(new Date(s).getUTCFullYear(), new Date(s).getUTCMonth(), new Date(s).getUTCDate(), 18, 20);
  if (t0 < s + 60e3) t0 += 864e5;
  await srv.advanceClock(Math.round((t0 - s) / 1000));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// A phone in Beijing's zone (or `zone`), its clock at the server's now; fn(page, nowMs).
async function session(acct, fn, zone = 'Asia/Shanghai') {
  const now = await serverNow();
  const s = await phonePage(browser, srv.base, { timezoneId: zone, viewport: { width: 360, height: 780 } });
  try {
    await s.context.clock.setFixedTime(now);
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page, now, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}
const text = async (loc) => (await loc.first().innerText()).trim();
const shot = async (page, name) => { mkdirSync(SHOTS, { recursive: true }); await page.screenshot({ path: join(SHOTS, name + '.png') }); };

describe('Beijing time on every screen', () => {
  test('feed, notice, notice list: published and acknowledged times, the deadline day', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const deadline = bjToday(await serverNow() + 3 * 864e5);
    const r = await sec.post('/notices', { orgId: who.sec.orgId, title: '冬季防火通知', text: '请各户检查炉灶。', ackRequired: true, ackDeadline: deadline });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const n = r.body.data;
    differs(n.publishedAt);
    await session(who.member, async (page, now) => {
      const item = page.locator(`.feed-item[data-id="${n.id}"]`);
      assert.equal(await text(item.locator('.ftime')), bjTime(n.publishedAt, now));
      await shot(page, 'time-feed');
      await page.goto(`/#/notice/${n.id}`);
      await page.getByRole('heading', { name: '冬季防火通知' }).waitFor();
      assert.equal(await text(page.locator('.fmeta .ftime')), bjTime(n.publishedAt, now));
      await page.getByText(`请在 ${bjDate(deadline, now)} 前确认`).waitFor();
      await page.getByRole('button', { name: '确认收到' }).click();
      await page.locator('p.ok-text', { hasText: /已确认收到 · / }).waitFor();
      const mine = await (await apiAs(srv.base, who.member)).get(`/notices/${n.id}`);
      assert.equal(await text(page.locator('p.ok-text', { hasText: /已确认收到 · / })), `已确认收到 · ${bjTime(mine.body.data.ackedAt, now)}`);
    });
    await session(who.sec, async (page, now) => {
      await page.goto(`/#/notices/${who.sec.orgId}`);
      const row = page.locator('a.feed-item', { hasText: '冬季防火通知' });
      assert.equal(await text(row.locator('.ftime')), bjTime(n.publishedAt, now));
    });
  });

  test('channel: message times, the reply deadline with the time left; abroad, the local time beside', async () => {
    const mem = await apiAs(srv.base, who.member);
    const r = await mem.post('/threads', { kind: 'problem', subject: '水渠漏水', text: '三组的水渠漏水，请安排修理。' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const x = r.body.data;
    differs(x.items[0].createdAt);
    await session(who.member, async (page, now) => {
      await page.goto(`/#/thread/${x.id}`);
      await page.getByRole('heading', { name: '水渠漏水' }).waitFor();
      assert.equal(await text(page.locator('.msg .mtime')), bjTime(x.items[0].createdAt, now));
      assert.equal(await text(page.locator('p.due')), `应在 ${bjTime(x.dueAt, now)} 前答复（${left(x.dueAt, now)}）`);
      await shot(page, 'time-thread');
      await page.goto('/#/threads');
      await page.locator('a.bigrow', { hasText: '水渠漏水' }).waitFor();
      assert.match(await text(page.locator('a.bigrow', { hasText: '水渠漏水' })), new RegExp(bjTime(x.lastMessageAt, now)));
    });
    // A member working in New York: Beijing time first, then the local time.
    await session(who.member, async (page, now) => {
      await page.goto(`/#/thread/${x.id}`);
      await page.getByRole('heading', { name: '水渠漏水' }).waitFor();
      const ms = Date.parse(x.items[0].createdAt);
      const ny = parts(ms, 'America/New_York');
      const local = (bjDay(x.items[0].createdAt) !== `${ny.y}-${String(ny.m).padStart(2, '0')}-${String(ny.d).padStart(2, '0')}` ? dateText(ny, parts(now).y) + ' ' : '') + ny.hm;
      assert.equal(await text(page.locator('.msg .mtime')), `${bjTime(x.items[0].createdAt, now)}（当地 ${local}）`);
      await shot(page, 'time-thread-abroad');
    }, 'America/New_York');
  });

  test('posts, a post, search results', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const r = await sec.post('/posts', { orgId: who.sec.orgId, kind: 'news', title: '新修水泥路通车', text: '村东头的水泥路修好了，今天通车。' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = r.body.data;
    differs(p.createdAt);
    await session(who.member, async (page, now) => {
      await page.goto('/#/posts');
      const card = page.locator('.post', { hasText: '新修水泥路通车' });
      assert.equal(await text(card.locator('.ptime')), bjTime(p.createdAt, now));
      await page.goto(`/#/post/${p.id}`);
      await page.getByRole('heading', { name: '新修水泥路通车' }).or(page.locator('.post-title', { hasText: '新修水泥路通车' })).first().waitFor();
      assert.equal(await text(page.locator('.ptime')), bjTime(p.createdAt, now));
      await page.goto('/#/search');
      await page.getByRole('searchbox').fill('水泥路');
      await page.getByRole('button', { name: '搜索' }).click();
      const hit = page.locator('li', { hasText: '新修水泥路通车' }).locator('.stime');
      assert.equal(await text(hit), bjTime(p.createdAt, now));
    });
  });

  test('transfers: the steps and the member\'s own list', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const r = await sec.post('/transfers', { memberId: who.migrant.memberId, toName: '广东省东莞市长安镇党委', reason: '外出务工，转往务工地' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const x = r.body.data;
    differs(x.initiatedAt);
    await session(who.sec, async (page, now) => {
      await page.goto(`/#/transfer/${x.id}`);
      await page.locator('ol.steps li').first().waitFor();
      assert.equal(await text(page.locator('ol.steps li p.muted')), `${x.initiatedBy.name} · ${bjTime(x.initiatedAt, now)}`);
    });
    await session(who.migrant, async (page, now) => {
      await page.goto('/#/my');
      const row = page.locator('a.bigrow', { hasText: '东莞' });
      await row.waitFor();
      assert.match(await text(row.locator('span.muted')), new RegExp(` ${bjDate(x.initiatedAt, now)}$`));
    });
  });

  test('meetings: calendar, list, the member\'s list, the page; a Beijing time typed in the form', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const now0 = await serverNow();
    // 23:00 UTC two days on: 07:00 the day after in Beijing.
    const d = new Date(now0 + 2 * 864e5);
    const startsAt = isoOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 23, 0));
    differs(startsAt);
    const r = await sec.post('/meetings', { orgId: who.sec.orgId, type: 'committee', title: '冬季支委会', startsAt, place: '村委会', attendees: 'branch' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const m = r.body.data;
    assert.equal(m.startsAt, startsAt);
    const cal = (await sec.get(`/orgs/${who.sec.orgId}/compliance`)).body.data;
    await session(who.sec, async (page, now) => {
      await page.goto(`/#/compliance/${who.sec.orgId}`);
      const row = page.locator('a.bigrow', { hasText: '冬季支委会' });
      await row.waitFor();
      assert.match(await text(row), new RegExp(` · ${bjTime(startsAt, now, { wd: true })} · `));
      const committee = cal.types.find((x) => x.type === 'committee');
      const line = await text(page.locator('li.mtg-type[data-type=committee] .small-line'));
      assert.ok(line.includes(`本期 ${bjMonth(committee.periodStart, now)} 至 ${bjMonth(committee.periodEnd, now)}`), line);
      if (committee.lastHeld) assert.ok(line.includes(`上次：${bjDate(committee.lastHeld, now)}`), line);
      if (committee.nextAt) assert.ok(line.includes(`下次：${bjTime(committee.nextAt, now, { wd: true })}`), line);
      await page.goto(`/#/meeting/${m.id}`);
      assert.equal(await text(page.locator('.mtg-when')), bjTime(startsAt, now, { wd: true }));

      // The form: the secretary types 07:30 on a Beijing day; the server gets 23:30 UTC the day before.
      const day = bjToday(now + 4 * 864e5);
      await page.goto(`/#/meeting-new/${who.sec.orgId}`);
      await page.getByLabel('会议名称').fill('年终组织生活会');
      await page.getByLabel('日期').fill(day);
      await page.getByLabel('开始时间').fill('07:30');
      await page.getByLabel('地点').fill('村委会');
      await page.getByRole('button', { name: '确定安排' }).click();
      await page.getByRole('heading', { name: '年终组织生活会' }).or(page.locator('.field-error, .error')).first().waitFor();
      if (await page.locator('.field-error, .error').count()) assert.fail('the form was refused: ' + await text(page.locator('.field-error, .error')));
      const id = page.url().match(/meeting\/(\d+)$/)[1];
      const got = (await sec.get(`/meetings/${id}`)).body.data;
      const [y, mo, dd] = day.split('-').map(Number);
      assert.equal(got.startsAt, isoOf(Date.UTC(y, mo - 1, dd, 7, 30) - 8 * 3600e3));
      assert.equal(await text(page.locator('.mtg-when')), bjTime(got.startsAt, now, { wd: true }));
      assert.ok((await text(page.locator('.mtg-when'))).endsWith(' 07:30'));
    });
    await session(who.member, async (page, now) => {
      await page.goto('/#/meetings');
      const row = page.locator('a.bigrow', { hasText: '冬季支委会' });
      assert.match(await text(row), new RegExp(` · ${bjTime(startsAt, now, { wd: true })} · `));
    });
  });

  test('activities and polls; the edit form shows the Beijing wall time in any zone', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const now0 = await serverNow();
    const d = new Date(now0 + 3 * 864e5);
    const startsAt = isoOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 17, 0)); // 01:00 the next day in Beijing
    const endsAt = isoOf(Date.parse(startsAt) + 2 * 3600e3);
    differs(startsAt);
    const r = await sec.post('/activities', { orgId: who.sec.orgId, kind: 'volunteer', title: '清扫村道', startsAt, endsAt, place: '村口' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const a = r.body.data;
    const closesAt = isoOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 20, 45));
    differs(closesAt);
    const pr = await sec.post('/polls', { orgId: who.sec.orgId, title: '明年修哪条路', options: ['东路', '西路'], closesAt });
    assert.equal(pr.status, 201, JSON.stringify(pr.body));
    const p = pr.body.data;
    await session(who.member, async (page, now) => {
      await page.goto(`/#/activity/${a.id}`);
      await page.getByRole('heading', { name: '清扫村道' }).waitFor();
      const dd = page.locator('dt', { hasText: '时间' }).locator('xpath=following-sibling::dd[1]');
      assert.equal(await text(dd), `${bjTime(startsAt, now, { wd: true })} – ${parts(Date.parse(endsAt)).hm}`);
      await shot(page, 'time-activity');
      await page.goto(`/#/poll/${p.id}`);
      await page.getByRole('heading', { name: '明年修哪条路' }).waitFor();
      assert.equal(await text(page.locator('.poll-times')),
        `开始 ${bjTime(p.opensAt, now, { wd: true })} · 截止 ${bjTime(closesAt, now, { wd: true })}（${left(closesAt, now)}）`);
      await shot(page, 'time-poll');
    });
    for (const zone of ['Asia/Shanghai', 'America/New_York']) {
      await session(who.sec, async (page) => {
        await page.goto(`/#/activity-edit/${a.id}`);
        const wall = parts(Date.parse(startsAt));
        const label = zone === 'Asia/Shanghai' ? '开始时间' : '开始时间（北京时间）';
        const input = page.getByLabel(label, { exact: true });
        await input.waitFor();
        assert.equal(await input.inputValue(), `${bjDay(startsAt)}T${wall.hm}`, zone);
        await page.getByRole('button', { name: '保存' }).click();
        await page.getByRole('heading', { name: '清扫村道' }).waitFor();
        const back = (await sec.get(`/activities/${a.id}`)).body.data;
        assert.equal(back.startsAt, startsAt, `saved unchanged from ${zone}`);
        assert.equal(back.endsAt, endsAt, `saved unchanged from ${zone}`);
      }, zone);
    }
  });

  test('member record, history, dues ledger, corrections', async () => {
    const mem = await apiAs(srv.base, who.member);
    const sec = await apiAs(srv.base, who.sec);
    const c = await mem.post(`/members/${who.member.memberId}/corrections`, { occupation: '养殖户', note: '改行养牛了' });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    differs(c.body.data.createdAt);
    const rec = (await sec.get(`/members/${who.member.memberId}`)).body.data;
    const hist = (await sec.get(`/members/${who.member.memberId}/history`)).body.data.items;
    const dues = (await sec.get(`/dues/members/${who.member.memberId}`)).body.data;
    await session(who.sec, async (page, now) => {
      await page.goto(`/#/member/${who.member.memberId}`);
      const kv = (label) => page.locator('dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');
      await kv('入党日期').waitFor();
      assert.equal(await text(kv('入党日期')), bjDate(rec.joinedAt, now));
      assert.ok((await text(kv('出生日期'))).startsWith(bjDate(rec.birthDate, now)));
      if (hist.length) assert.equal(await text(page.locator('.hist .htime')), bjTime(hist[0].at, now));

      await page.goto(`/#/corrections/${who.sec.orgId}`);
      const item = page.locator('li.corr-item', { hasText: '养殖户' });
      assert.equal(await text(item.locator('.ctime')), `${bjTime(c.body.data.createdAt, now)} 提交`);

      await page.goto(`/#/dues-member/${who.member.memberId}`);
      await page.locator('#d-pay').waitFor();
      if (dues.payments.length) {
        const p0 = dues.payments[0];
        const head = p0.fromMonth === p0.toMonth ? bjMonth(p0.fromMonth, now) : `${bjMonth(p0.fromMonth, now)} – ${bjMonth(p0.toMonth, now)}`;
        const li = page.locator('ul.hist li.subrec').first();
        assert.ok((await text(li)).startsWith(head + ' · '), await text(li));
        assert.ok((await text(li.locator('p.muted'))).startsWith(bjDate(p0.paidOn, now)));
      }
    });
    await session(who.member, async (page, now) => {
      await page.goto('/#/my');
      await page.locator('ul.corr li', { hasText: '养殖户' }).or(page.locator('ul.corr li').first()).first().waitFor();
      assert.equal(await text(page.locator('ul.corr .ctime')), `${bjTime(c.body.data.createdAt, now)} 提交`);
    });
  });

  test('development pipeline: applied, due, steps', async () => {
    const sec = await apiAs(srv.base, who.sec);
    const today = bjToday(await serverNow());
    const r = await sec.post('/applicants', { orgId: who.sec.orgId, name: '赵小禾', gender: 'female', birthDate: '2000-05-04', occupation: '农民', appliedAt: today });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const a = r.body.data;
    await session(who.sec, async (page, now) => {
      await page.goto(`/#/applicant/${a.id}`);
      await page.getByRole('heading', { name: '赵小禾' }).waitFor();
      assert.equal(await text(page.locator('.steps .sdate')), bjDate(a.steps[0].date, now));
      assert.equal(await text(page.locator('.steps .stime')), bjTime(a.steps[0].at, now));
      differs(a.steps[0].at);
      if (a.dueDate) await page.getByText(new RegExp(`${bjDate(a.dueDate, now)} 前应办|应于 ${bjDate(a.dueDate, now)} 前办理`)).first().waitFor();
      await page.getByText(new RegExp(bjDate('2000-05-04', now))).first().waitFor();
      await page.goto(`/#/pipeline/${who.sec.orgId}/applicant`);
      const li = page.locator('li.member', { hasText: '赵小禾' });
      await li.waitFor();
      assert.match(await text(li), new RegExp(`${bjDate(a.appliedAt, now)} 递交申请`));
    });
  });
});
