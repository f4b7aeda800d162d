// clock.test.mjs - the clock matrix: `zhibu demo` and a smoke pass of the API on
// every day of one month and at the instants where calendars turn (the last and
// first minute of a month in Beijing and in UTC, 31 December 16:00-24:00 UTC,
// which is already 1 January in Beijing, 28 February, 29 February of a leap
// year, 1 March). The server runs under libfaketime (Debian `faketime`): its
// wall clock starts at the chosen instant and runs on; monotonic clocks are
// left alone.
//
// Every expectation is computed here, independently, in Beijing time (UTC+8):
// no record dated after today, arrears from the Beijing month, compliance
// periods aligned on Beijing months, overdue steps against the Beijing date.
// At three boundaries (year, quarter, leap-year month end) a deeper pass holds
// a meeting at 23:40 Beijing time, moves the server's test clock past midnight
// and checks what must change and what must not: compliance colours, arrears,
// a thread's response target (48 h) and escalation, session lifetimes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  assertData,
  freePort,
  namedAccounts,
  request,
  run,
  spawnServer,
  tempDir,
  terminate,
} from '../api/helpers.mjs';

const FAKETIME_LIBS = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
];
const LIB = FAKETIME_LIBS.find((p) => existsSync(p));

const HOUR = 3600;
const DAY = 86400;
const BJ = 8 * HOUR * 1000;

/** The Beijing wall time of an instant (ms) as an ISO-like string. */
const bjIso = (ms) => new Date(ms + BJ).toISOString();
const monthIndex = (ym) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
const monthStr = (i) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
/** date + n months, the day clamped to the month's length. */
function addMonths(date, n) {
  const i = monthIndex(date) + n;
  const y = Math.floor(i / 12), m = (i % 12) + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const d = Math.min(Number(date.slice(8, 10)), last);
  return `${monthStr(i)}-${String(d).padStart(2, '0')}`;
}
const level = (n) => (n >= 6 ? 'lapsed' : n >= 4 ? 'alert' : n >= 3 ? 'warning' : 'ok');

/** Environment that runs a zhibu process with its wall clock starting at iso. */
function fakeEnv(iso, extra = {}) {
  const at = iso.replace('T', ' ').replace(/Z$/, '');
  // Under ASan (scripts/test --sanitize) libfaketime is preloaded before the sanitizer's
  // runtime; leaks are checked by the rest of the suite, and the leak check at exit is
  // slow with the preloaded clock, so it is off for these processes.
  const asan = [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0', 'detect_leaks=0'].filter(Boolean).join(':');
  return {
    LD_PRELOAD: LIB,
    FAKETIME: `@${at}`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    TZ: 'UTC',
    ASAN_OPTIONS: asan,
    ...extra,
  };
}

/** Runs fn(ctx) against a fresh demo made and served at instant iso. */
async function atInstant(iso, { hooks = false } = {}, fn) {
  const dir = tempDir('zhibu-clock-');
  let server;
  try {
    const env = fakeEnv(iso);
    const demo = run(['demo', '--data', dir], { env });
    assert.equal(demo.status, 0, `zhibu demo at ${iso}: ${demo.stderr.slice(-1500)}`);
    const accounts = JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8'));
    // A start is tried three times: under ASan with libfaketime preloaded a process has
    // (rarely, on a loaded machine) hung before its first log line; the instant is named.
    let port, base;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      base = `http://127.0.0.1:${port}`;
      try {
        server = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], {
          base,
          cwd: dir,
          env: fakeEnv(iso, hooks ? { ZHIBU_TEST_HOOKS: '1' } : {}),
          timeoutMs: 30000,
        });
        break;
      } catch (e) {
        if (attempt === 3 || e.exit) throw new Error(`zhibu serve at ${iso}, attempt ${attempt}: ${e.message}`);
        console.error(`# zhibu serve at ${iso} did not become healthy (attempt ${attempt}): started again`);
      }
    }
    const api = async (method, path, o) => {
      const res = await request(base, method, path, o);
      assert.ok(res.status < 500, `${method} ${path} at ${iso}: ${res.status} ${res.text}`);
      return res;
    };
    const get = async (path, token) => assertData(await api('GET', path, { token }));
    const login = async (acc) =>
      assertData(await api('POST', '/api/v1/auth/login', { body: { phone: acc.phone, password: acc.password } }))
        .token;
    await fn({ iso, api, get, login, who: namedAccounts(accounts) });
  } finally {
    if (server) {
      const r = await terminate(server, 15000);
      assert.equal(r.code, 0, `zhibu serve at ${iso} should exit 0: ${JSON.stringify(r)} ${server.stderr().slice(-1500)}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every page of a cursor list. */
async function all(get, path, token) {
  const items = [];
  let after = null;
  do {
    const d = await get(`${path}&limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`, token);
    items.push(...d.items);
    after = d.next;
  } while (after);
  return items;
}

/**
 * The smoke pass at one instant: member and secretary pages, statistics, dues
 * arrears, the compliance calendar, meetings, the development pipeline.
 * nowMs: the server's "now" (fake start + test clock skew), to the minute.
 */
async function smoke({ iso, get, login, who }, nowMs) {
  const today = bjIso(nowMs).slice(0, 10);
  const month = monthIndex(today);
  const ctx = `at ${iso} (Beijing ${bjIso(nowMs).slice(0, 16)})`;
  const sec = await login(who.secretaryA);
  const mem = await login(who.member);
  const county = await login(who.countyAdmin);
  const branch = who.secretaryA.orgId;

  const me = await get('/api/v1/me', sec);
  assert.ok(me.roles.some((r) => r.orgId === branch), ctx);

  // The roster: nobody joined or was born after today; everybody joined at 18+.
  const roster = await all(get, `/api/v1/members?orgId=${branch}`, sec);
  assert.ok(roster.length >= 30, `${roster.length} members ${ctx}`);
  const joined = new Map();
  for (const m of roster) {
    assert.ok(m.joinedAt <= today, `${m.name} joined ${m.joinedAt} after ${today} ${ctx}`);
    assert.ok(m.birthDate <= today, `${m.name} born ${m.birthDate} ${ctx}`);
    assert.ok(m.age >= 18, `${m.name} is ${m.age} ${ctx}`);
    joined.set(m.id, m.joinedAt);
  }

  // A member's own record: full membership after joining, not in the future.
  const rec = await get(`/api/v1/members/${who.member.memberId}`, mem);
  assert.ok(rec.joinedAt <= today && (!rec.fullAt || (rec.fullAt > rec.joinedAt && rec.fullAt <= today)), `${JSON.stringify(rec)} ${ctx}`);
  const mine = await get(`/api/v1/dues/members/${who.member.memberId}`, mem);
  assert.ok(mine.monthsUnpaid >= 0, ctx);

  // Statistics of the branch and the county.
  const bs = await get(`/api/v1/orgs/${branch}/stats`, sec);
  assert.equal(bs.members, roster.length, `branch statistics ${ctx}`);
  await get(`/api/v1/orgs/${who.countyAdmin.orgId}/stats`, county);

  // Dues arrears: completed months up to last month in Beijing.
  const dues = await all(get, `/api/v1/dues?orgId=${branch}`, sec);
  assert.equal(dues.length, roster.length, ctx);
  for (const d of dues) {
    const first = d.paidThrough ? monthIndex(d.paidThrough) + 1 : monthIndex(joined.get(d.memberId));
    const want = Math.max(0, month - first);
    assert.equal(d.monthsUnpaid, want, `arrears of ${d.name} (paid through ${d.paidThrough}, joined ${joined.get(d.memberId)}) ${ctx}`);
    assert.equal(d.level, level(want), ctx);
    if (d.paidThrough) assert.ok(monthIndex(d.paidThrough) >= monthIndex(joined.get(d.memberId)) - 1, ctx);
  }
  const summary = await get(`/api/v1/dues/summary?orgId=${who.countyAdmin.orgId}`, county);
  assert.ok(summary.members > 0, ctx);

  // The compliance calendar: this month and periods are Beijing's.
  const cal = await get(`/api/v1/orgs/${branch}/compliance`, sec);
  assert.equal(cal.month, monthStr(month), `compliance month ${ctx}`);
  for (const t of cal.types) {
    if (t.periodMonths > 0) {
      const start = month - (month % t.periodMonths);
      assert.equal(t.periodStart, monthStr(start), `${t.type} period ${ctx}`);
      assert.equal(t.periodEnd, monthStr(start + t.periodMonths - 1), `${t.type} period ${ctx}`);
    }
  }
  const roll = await get(`/api/v1/orgs/${who.countyAdmin.orgId}/compliance`, county);
  assert.equal(roll.month, monthStr(month), ctx);

  // Meetings lists.
  await get(`/api/v1/orgs/${branch}/meetings?limit=20`, sec);
  await get('/api/v1/me/meetings', mem);
  await get('/api/v1/feed?limit=20', mem);

  // The development pipeline: steps dated up to today, overdue against the Beijing date.
  const applicants = await all(get, `/api/v1/applicants?orgId=${branch}`, sec);
  assert.ok(applicants.length >= 4, ctx);
  for (const a of applicants) {
    for (const k of ['appliedAt', 'talkedAt', 'activistAt', 'targetAt'])
      assert.ok(!a[k] || a[k] <= today, `${a.name} ${k} ${a[k]} ${ctx}`);
    assert.equal(a.overdue, Boolean(a.dueDate && a.dueDate < today), `${a.name} due ${a.dueDate} ${ctx}`);
    if (a.stage === 'applicant' && !a.talkedAt) assert.equal(a.dueDate, addMonths(a.appliedAt, 1), ctx);
  }
  return { sec, mem, county, branch, today, month, dues };
}

/** The server's clock as {nowMs, skew}. */
async function serverClock(api) {
  const r = await api('GET', '/test/clock');
  assert.equal(r.status, 200, r.text);
  return { nowMs: Date.parse(r.json.now), skew: r.json.skew, today: r.json.today };
}

/**
 * The deeper pass at 23:40 Beijing time on the last day of a month: a meeting
 * held tonight is this month's; twenty-one minutes later (past midnight) the
 * month, arrears and compliance periods have moved, a thread's 48-hour target
 * and the sessions have not.
 */
async function boundary(ctx0, quarterEnd) {
  const { api, get, login, who, iso } = ctx0;
  const before = await serverClock(api);
  const s0 = await smoke(ctx0, before.nowMs);
  const { sec, mem, county, branch } = s0;

  // A committee meeting (monthly) and, at a quarter's end, a branch assembly
  // (quarterly), started ten minutes ago and closed with minutes.
  const startsAt = new Date(before.nowMs - 10 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const types = quarterEnd ? ['committee', 'branch_assembly'] : ['committee'];
  for (const type of types) {
    const m = assertData(await api('POST', '/api/v1/meetings', {
      token: sec,
      body: { orgId: branch, type, title: `月末会议 ${type}`, startsAt, place: '村委会议室', attendees: 'branch' },
    }), 201);
    assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: sec, body: { minutes: '会议记录：研究本月工作。' } }));
    assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: sec }));
  }
  const calBefore = await get(`/api/v1/orgs/${branch}/compliance`, sec);
  for (const type of types) {
    const t = calBefore.types.find((x) => x.type === type);
    assert.equal(t.status, 'green', `${type} held tonight ${iso}`);
    assert.equal(t.lastHeld, s0.today, `${type} held on the Beijing day ${iso}`);
  }

  // A member's message to the branch, 48 hours to answer.
  const th = assertData(await api('POST', '/api/v1/threads', {
    token: mem,
    body: { kind: 'question', subject: '年底分红', text: '请问村里年底分红什么时候发？' },
  }), 201);
  assert.equal(th.targetHours, 48);
  assert.equal(Date.parse(th.dueAt) - Date.parse(th.createdAt), 48 * HOUR * 1000, iso);

  // Twenty-one minutes later it is the next month in Beijing (still the same UTC day).
  await api('POST', '/test/clock', { body: { advance: 21 * 60 } });
  const after = await serverClock(api);
  assert.notEqual(after.today, before.today, `the Beijing date turned ${iso}`);
  assert.equal(after.today, bjIso(after.nowMs).slice(0, 10));
  assert.equal(new Date(after.nowMs).toISOString().slice(0, 10), new Date(before.nowMs).toISOString().slice(0, 10), 'same UTC day');

  // Sessions outlive midnight; the smoke pass holds in the new month.
  assert.equal((await api('GET', '/api/v1/me', { token: sec })).status, 200, 'secretary session after midnight');
  assert.equal((await api('GET', '/api/v1/me', { token: mem })).status, 200, 'member session after midnight');
  assert.equal((await api('GET', '/api/v1/me', { token: county })).status, 200, 'admin session after midnight');
  const s1 = await smoke(ctx0, after.nowMs);
  assert.equal(s1.month, s0.month + 1);
  // Last month moved by one: everyone who owed from a month before it owes one more.
  const prev = new Map(s0.dues.map((d) => [d.memberId, d]));
  let grew = 0;
  for (const d of s1.dues) {
    const p = prev.get(d.memberId);
    if (p.paidThrough === d.paidThrough && d.monthsUnpaid === p.monthsUnpaid + 1) grew++;
  }
  assert.ok(grew > s1.dues.length / 2, `arrears grew for ${grew} of ${s1.dues.length} ${iso}`);
  const calAfter = await get(`/api/v1/orgs/${branch}/compliance`, sec);
  for (const type of types) {
    const t = calAfter.types.find((x) => x.type === type);
    assert.equal(t.status, 'amber', `${type} held last period is due again ${iso}`);
    assert.equal(t.heldInPeriod, 0, `${type} not yet held this period ${iso}`);
  }
  if (!quarterEnd) {
    const t = calAfter.types.find((x) => x.type === 'branch_assembly');
    assert.equal(t.periodStart, monthStr(s1.month - (s1.month % 3)));
  }

  // The thread: not escalated 1 minute before its target, escalated 1 minute after.
  const elapsed = after.nowMs - Date.parse(th.createdAt);
  await api('POST', '/test/clock', { body: { advance: Math.round((48 * HOUR * 1000 - elapsed) / 1000) - 60 } });
  let t1 = assertData(await api('GET', `/api/v1/threads/${th.id}`, { token: mem }));
  assert.equal(t1.status, 'open', `before the target ${iso}`);
  await api('POST', '/test/clock', { body: { advance: 120 } });
  t1 = assertData(await api('GET', `/api/v1/threads/${th.id}`, { token: mem }));
  assert.equal(t1.status, 'escalated', `after the target ${iso}`);
  assert.equal(t1.escalatedAt, th.dueAt);

  // Sessions: a member stays logged in while the app is used; an admin's
  // session ends after admin_session_hours (12) from login.
  assert.equal((await api('GET', '/api/v1/me', { token: mem })).status, 200, 'member session two days on');
  assert.equal((await api('GET', '/api/v1/me', { token: county })).status, 401, 'admin session ends after 12 h');
  const again = await login(who.countyAdmin);
  assert.equal((await api('GET', '/api/v1/me', { token: again })).status, 200);
}

// Every day of January 2027 at 01:30 in Beijing (17:30 UTC the day before), and
// the instants where calendars turn.
const days = [];
for (let d = 0; d < 31; d++) days.push(new Date(Date.UTC(2026, 11, 31, 17, 30) + d * DAY * 1000).toISOString().replace('.000', ''));
const edges = [
  '2027-01-31T15:59:00Z', // the last minute of January in Beijing
  '2027-01-31T16:00:00Z', // the first minute of February in Beijing
  '2027-02-28T23:59:00Z', // the last minute of February in UTC (1 March 07:59 in Beijing)
  '2027-03-01T00:00:00Z', // the first minute of March in UTC
  '2026-12-31T16:00:00Z', // 31 December 16:00-24:00 UTC: 1 January in Beijing
  '2026-12-31T19:30:00Z',
  '2026-12-31T23:59:00Z',
  '2027-02-28T04:00:00Z', // 28 February
  '2028-02-29T04:00:00Z', // 29 February of a leap year
  '2028-03-01T04:00:00Z', // 1 March after it
  '2027-03-01T04:00:00Z', // 1 March of a common year
];

/** Runs tasks two at a time (the suite's machines have two cores). */
async function pool(items, n, fn) {
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  if (errors.length) throw errors[0];
}

test('libfaketime is installed (scripts/setup --test)', () => {
  assert.ok(LIB, `none of ${FAKETIME_LIBS.join(', ')}`);
});

test('demo and a smoke pass of the API on every day of a month and at calendar edges', { skip: !LIB }, async () => {
  await pool([...days, ...edges], 2, (iso) =>
    atInstant(iso, {}, (ctx) => smoke(ctx, Date.parse(iso))));
});

test('at 23:40 Beijing on 31 December, 31 March and 29 February: what midnight changes', { skip: !LIB }, async () => {
  await pool(
    [
      ['2026-12-31T15:40:00Z', true],
      ['2027-03-31T15:40:00Z', true],
      ['2028-02-29T15:40:00Z', false],
    ],
    2,
    ([iso, quarterEnd]) => atInstant(iso, { hooks: true }, (ctx) => boundary(ctx, quarterEnd)),
  );
});
