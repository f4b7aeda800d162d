// access_counters.test.mjs - GET /orgs/{id}/access from the counters kept on
// every write (org_counts dims 'access' and 'acted_day'): the figures agree with
// a full recomputation from the members, accounts and action tables after adds,
// an import, activations, a transfer, members leaving and actions of every
// kind; `zhibu org recount` leaves them as they are; and "active in the last
// 30/90 days" moves with the Beijing calendar across month and year ends; a day
// nobody's last action is on any more is dropped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { assertData, idNumber, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db, tS, tSB, tT, tC;

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  await signIn();
});

after(async () => {
  await srv?.stop();
});

/** Signs the staff in (again, after the clock moved past their sessions). */
async function signIn() {
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  tC = (await srv.login(who.countyAdmin)).token;
}

const DAY = 86400;
const villageA = () => who.secretaryA.orgId;

/** "YYYY-MM-DD" n days before the date d. */
function daysBefore(d, n) {
  const [y, m, dd] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, dd - n)).toISOString().slice(0, 10);
}

/** The access figures of org and its children recomputed from the tables, the
 * way the endpoint computed them per request before the counters: the last
 * action from notice marks, posts seen, messages, check-ins, in Beijing days. */
function recompute(org, today) {
  const from30 = daysBefore(today, 29), from90 = daysBefore(today, 89);
  const figures = (pathLike) => {
    const row = sqlite(db, `SELECT COUNT(*), COUNT(aid), COALESCE(SUM(act), 0),
        COALESCE(SUM(day >= '${from30}'), 0), COALESCE(SUM(day >= '${from90}'), 0),
        COALESCE(SUM(act AND day IS NULL), 0)
      FROM (SELECT a.id AS aid, a.activated_at IS NOT NULL AS act,
        CASE WHEN a.activated_at IS NOT NULL THEN date(NULLIF(max(
          COALESCE((SELECT MAX(COALESCE(k.ack_at, k.read_at)) FROM notice_marks k WHERE k.account_id = a.id), 0),
          COALESCE((SELECT MAX(ps.seen_at) FROM post_seen ps WHERE ps.account_id = a.id), 0),
          COALESCE((SELECT MAX(tm.created_at) FROM thread_messages tm WHERE tm.author_id = a.id), 0),
          COALESCE((SELECT MAX(ma.at) FROM meeting_attendance ma WHERE ma.member_id = m.id
                    AND ma.source IN ('checkin', 'remote')), 0)), 0) + 8 * 3600, 'unixepoch') END AS day
        FROM members m LEFT JOIN accounts a ON a.member_id = m.id AND a.disabled_at IS NULL
        WHERE m.org_path LIKE '${pathLike}' AND m.deleted_at IS NULL
          AND m.status IN ('normal', 'retired', 'temporarily_out'))`).stdout.trim().split('|').map(Number);
    const [members, accounts, activated, active30, active90, neverUsed] = row;
    return { members, accounts, activated, active30, active90, neverUsed };
  };
  const children = sqlite(db, `SELECT id || '|' || name || '|' || level FROM orgs WHERE parent_id = ${org}
    AND level <> 'group' AND deleted_at IS NULL ORDER BY path`).stdout.trim().split('\n').filter(Boolean)
    .map((l) => {
      const [id, name, level] = l.split('|');
      return { id: Number(id), name, level, ...figures(`%/${id}/%`) };
    });
  return { ...figures(`%/${org}/%`), children };
}

/** The endpoint's answer and the recomputation, for the county, the township and village A. */
async function agree(what) {
  const today = (await api('GET', '/test/clock')).json.today;
  for (const org of [who.countyAdmin.orgId, who.townshipAdmin.orgId, villageA()]) {
    const d = assertData(await api('GET', `/api/v1/orgs/${org}/access`, { token: tC }));
    assert.deepEqual(d, recompute(org, today), `${what}: organisation ${org} on ${today}`);
  }
}

const access = async (org = villageA()) => assertData(await api('GET', `/api/v1/orgs/${org}/access`, { token: tC }));

let seq = 0;
async function addMember(orgId, name, phone, token = tS) {
  const birth = `19${60 + (seq % 30)}-0${1 + (seq % 9)}-1${seq % 9}`;
  const body = {
    orgId, name, gender: 'female', birthDate: birth, idNumber: idNumber(birth, false, 60 + seq++),
    occupation: '农民', joinedAt: '2001-07-01', fullAt: '2002-07-01', category: 'full',
  };
  if (phone) body.phone = phone;
  return assertData(await api('POST', '/api/v1/members', { token, body }), 201).id;
}

/** Activates member id of village A with a slip; returns the member's session. */
async function activated(id, password) {
  const [slip] = assertData(await api('POST', `/api/v1/orgs/${villageA()}/activation-codes`, {
    token: tS, body: { memberIds: [id] },
  })).items;
  return assertData(await api('POST', '/api/v1/auth/activate', { body: { code: slip.code, password } }));
}

/** Reads the first notice of the member's feed. */
async function readNotice(token) {
  const feed = assertData(await api('GET', '/api/v1/feed', { token }));
  const n = feed.items.find((i) => i.kind === 'notice');
  assert.ok(n, 'the demo feed has a notice');
  assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token }));
}

const members = {};

test('the figures agree with a full recomputation as they stand (the demo data: counted once, with its history)', async () => {
  await agree('demo data');
  const d = await access(who.countyAdmin.orgId);
  assert.ok(d.activated > 0 && d.active90 > 0, JSON.stringify(d).slice(0, 200));
});

test('adds, an import, activations, actions of every kind, a transfer, members leaving: still agreeing', async () => {
  const before = await access();
  members.reader = await addMember(villageA(), '计数读者', '13700009001');
  members.writer = await addMember(villageA(), '计数写信', '13700009002');
  members.idle = await addMember(villageA(), '计数未用', '13700009003');
  members.mover = await addMember(villageA(), '计数转出', '13700009004');
  members.leaver = await addMember(villageA(), '计数离开', '13700009005');
  const birth = '1967-07-07';
  const csv = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点\r\n' +
    `计数导入,男,${birth},${idNumber(birth, true, 88)},农民,1998-07-01,1999-07-01,正式党员,否,\r\n`;
  assertData(await api('POST', `/api/v1/imports?orgId=${villageA()}`, {
    token: tS, body: Buffer.from(csv), headers: { 'Content-Type': 'text/csv' },
  }), 201);
  const added = await access();
  assert.equal(added.members, before.members + 6);
  assert.equal(added.accounts, before.accounts + 6, 'an account each, not activated');
  assert.equal(added.activated, before.activated);
  await agree('after adds and an import');

  const reader = await activated(members.reader, 'reader-password-1');
  const writer = await activated(members.writer, 'writer-password-1');
  await activated(members.idle, 'idle-password-1');
  const mover = await activated(members.mover, 'mover-password-1');
  await activated(members.leaver, 'leaver-password-1');
  const act = await access();
  assert.equal(act.activated, added.activated + 5);
  assert.equal(act.neverUsed, added.neverUsed + 5, 'activated, nothing done yet');
  await agree('after activations');

  await readNotice(reader.token);
  await readNotice(reader.token); // the second read changes nothing
  assertData(await api('POST', '/api/v1/threads', {
    token: writer.token, body: { kind: 'question', subject: '计数', text: '一条留言' },
  }), 201);
  await readNotice(mover.token);
  const acted = await access();
  assert.equal(acted.active30, act.active30 + 3);
  assert.equal(acted.neverUsed, act.neverUsed - 3);
  await agree('after actions');

  // A transfer to village B: the figures move with the member, the county's stay.
  const countyBefore = await access(who.countyAdmin.orgId);
  const bBefore = await access(who.secretaryB.orgId);
  const tr = assertData(await api('POST', '/api/v1/transfers', {
    token: tS, body: { memberId: members.mover, toOrgId: who.secretaryB.orgId, reason: '计数' },
  }), 201);
  assertData(await api('POST', `/api/v1/transfers/${tr.id}/approve`, { token: tT }));
  assertData(await api('POST', `/api/v1/transfers/${tr.id}/accept`, { token: tSB }));
  const moved = await access();
  assert.equal(moved.members, acted.members - 1);
  assert.equal(moved.active30, acted.active30 - 1);
  const bAfter = await access(who.secretaryB.orgId);
  assert.equal(bAfter.active30, bBefore.active30 + 1);
  const countyAfter = await access(who.countyAdmin.orgId);
  assert.deepEqual({ ...countyAfter, children: undefined }, { ...countyBefore, children: undefined });
  await agree('after a transfer');

  // Leaving the roster, dying: counted no more, with their accounts.
  assertData(await api('POST', `/api/v1/members/${members.leaver}/status`, {
    token: tS, body: { status: 'left', date: '2026-01-01', reason: '计数' },
  }));
  assertData(await api('POST', `/api/v1/members/${members.reader}/status`, {
    token: tS, body: { status: 'deceased', date: '2026-01-02', reason: '计数' },
  }));
  const gone = await access();
  assert.equal(gone.members, moved.members - 2);
  assert.equal(gone.activated, moved.activated - 2);
  assert.equal(gone.active30, moved.active30 - 1);
  await agree('after members left');

  // A disabled account is not counted; enabled again, it is.
  const phone = '13700009003';
  assert.equal(srv.run(['user', 'disable', '--data', srv.dataDir, '--phone', phone]).status, 0);
  assert.equal((await access()).accounts, gone.accounts - 1);
  await agree('after a disabled account');
  assert.equal(srv.run(['user', 'enable', '--data', srv.dataDir, '--phone', phone]).status, 0);
  assert.deepEqual(await access(), gone);
});

test('`zhibu org recount` rebuilds the same figures from the action tables', async () => {
  const county = who.countyAdmin.orgId;
  const before = [await access(county), await access(who.townshipAdmin.orgId), await access()];
  // Counters lost: the recount brings them back.
  sqlite(db, "DELETE FROM org_counts WHERE dim IN ('access', 'acted_day')");
  sqlite(db, 'UPDATE accounts SET last_action_at = NULL');
  const r = srv.run(['org', 'recount', '--data', srv.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual([await access(county), await access(who.townshipAdmin.orgId), await access()], before);
});

test('active in 30/90 days counts Beijing days, across a year end and the end of February', async () => {
  // To 2027-12-31 23:30 Beijing (15:30 UTC): a member acts in the year's last half hour.
  const now = (await api('GET', '/test/clock')).json.now;
  const at = (iso) => Date.parse(iso) / 1000;
  const nowSec = typeof now === 'number' ? now : Date.parse(now) / 1000;
  await srv.advanceClock(Math.round(at('2027-12-31T15:30:00Z') - nowSec));
  await signIn();
  const id = await addMember(villageA(), '计数跨年', '13700009010');
  const s = await activated(id, 'newyear-password-1');
  const base = await access();
  await readNotice(s.token);
  const step = async (iso, d30, d90, what) => {
    const c = (await api('GET', '/test/clock')).json;
    const cur = typeof c.now === 'number' ? c.now : Date.parse(c.now) / 1000;
    await srv.advanceClock(Math.round(at(iso) - cur));
    await signIn();
    const d = await access();
    assert.equal(d.active30 - base.active30, d30, `${what}: active30`);
    assert.equal(d.active90 - base.active90, d90, `${what}: active90`);
    await agree(what);
  };
  await step('2027-12-31T15:45:00Z', 1, 1, 'the same evening');
  await step('2027-12-31T16:30:00Z', 1, 1, 'new year, 00:30 Beijing');
  // The 30 days from 2027-12-31: up to 2028-01-29 Beijing, not 2028-01-30.
  await step('2028-01-29T15:59:00Z', 1, 1, '2028-01-29 23:59 Beijing');
  await step('2028-01-29T16:00:00Z', 0, 1, '2028-01-30 00:00 Beijing');
  // The 90 days, across February (29 days in 2028): up to 2028-03-29, not 2028-03-30.
  await step('2028-03-29T15:59:00Z', 0, 1, '2028-03-29 23:59 Beijing');
  await step('2028-03-29T16:00:00Z', 0, 0, '2028-03-30 00:00 Beijing');
  assert.equal((await access()).neverUsed, base.neverUsed - 1, 'acted once: never "never used" again');
  // Acting again moves the member's day on: the day nobody's last action is on any
  // more is dropped from every organisation on the path, not kept as a zero.
  const dayRows = (day) => sqlite(db, `SELECT count(*) FROM org_counts WHERE dim = 'acted_day' AND key = '${day}'`).stdout.trim();
  assert.notEqual(dayRows('2027-12-31'), '0');
  const n = assertData(await api('POST', '/api/v1/notices', { token: tS, body: { orgId: villageA(), title: '三月通知', text: '请阅读。' } }), 201);
  assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: (await srv.login({ phone: '13700009010', password: 'newyear-password-1' })).token }));
  assert.equal(dayRows('2027-12-31'), '0');
  assert.notEqual(dayRows('2028-03-30'), '0');
  assert.equal(sqlite(db, "SELECT count(*) FROM org_counts WHERE dim = 'acted_day' AND n = 0").stdout.trim(), '0', 'no day kept at zero');
  await agree('after the day moved on');
});
