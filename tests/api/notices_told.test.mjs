// notices_told.test.mjs - 当面传达: a secretary records that members without a
// phone or an account were told a notice in person; the read report counts them
// apart from "read in the app" and from "not reached", once even if they later
// read it in the app; undo by the same secretary within a day (test clock);
// scope, bad input, audit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db;
let tT, tS, tSB, tM, tC, adminId;
let township, villageA;

const one = (sql) => sqlite(db, sql).stdout.trim();
const publish = (token, body) => api('POST', '/api/v1/notices', { token, body });
const bareIds = (org, n) => one(`SELECT group_concat(id) FROM (SELECT m.id FROM members m WHERE m.org_id = ${org} AND m.deleted_at IS NULL AND m.status = 'normal' AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id AND a.activated_at IS NOT NULL) ORDER BY m.id LIMIT ${n})`).split(',').map(Number);
const report = async (id, org, token = tT) => assertData(await api('GET', `/api/v1/notices/${id}/report${org ? `?orgId=${org}` : ''}`, { token }));
const tell = (id, memberIds, token = tT) => api('POST', `/api/v1/notices/${id}/told`, { token, body: { memberIds } });
const untell = (id, member, token = tT) => api('DELETE', `/api/v1/notices/${id}/told/${member}`, { token });
const told = (id) => Number(one(`SELECT COUNT(*) FROM notice_told WHERE notice_id = ${id}`));
const parts = (o) => [o.read, o.told, o.notReached];

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  tT = (await srv.login(who.townshipAdmin)).token;
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tC = (await srv.login(who.countyAdmin)).token;
  adminId = assertData(await api('GET', '/api/v1/me', { token: tT })).id;
  township = who.townshipAdmin.orgId;
  villageA = who.secretaryA.orgId;
});

after(async () => {
  await srv?.stop();
});

describe('told in person: the report counts it apart', () => {
  let n, bare;

  test('a new notice: nobody told, everyone not reached; read + told + notReached = total', async () => {
    n = assertData(await publish(tT, { orgId: township, title: '关于秋收防火的通知', text: '请各村转告' }), 201);
    const r = await report(n.id);
    assert.deepEqual(parts(r.org), [0, 0, r.org.total]);
    for (const i of r.items) assert.equal(i.read + i.told + i.notReached, i.total, `org ${i.id}`);
    bare = bareIds(villageA, 3);
    assert.equal(bare.length, 3);
  });

  test('the report for a party group counts its members without an account by the group, not the tree', async () => {
    const group = Number(one(`SELECT id FROM orgs WHERE parent_id = ${villageA} AND level = 'group' AND deleted_at IS NULL ORDER BY id LIMIT 1`));
    const r = await report(n.id, group);
    const want = Number(one(`SELECT COUNT(*) FROM members m WHERE m.group_id = ${group} AND m.deleted_at IS NULL AND m.status IN ('normal', 'retired', 'temporarily_out') AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id AND a.activated_at IS NOT NULL AND a.disabled_at IS NULL)`));
    assert.ok(r.org.total > 0 && want > 0 && want < r.org.total, `${want} of ${r.org.total}`);
    assert.equal(r.org.noAccount, want);
  });

  test('the township admin records three members of village A: told 3 there and in the township, not as read', async () => {
    const before = await report(n.id);
    const d = assertData(await tell(n.id, bare));
    assert.deepEqual(d.items.map((i) => i.memberId), bare);
    for (const i of d.items) {
      assert.ok(Date.parse(i.toldAt) > 0);
      assert.equal(i.toldBy.id, adminId);
      assert.ok(i.toldBy.name);
      assert.equal(i.canUndoTold, true);
    }
    const r = await report(n.id);
    assert.deepEqual(parts(r.org), [0, 3, before.org.total - 3]);
    const a = r.items.find((i) => i.id === villageA);
    assert.deepEqual(parts(a), [0, 3, a.total - 3]);
    for (const i of r.items.filter((x) => x.id !== villageA)) assert.equal(i.told, 0, `org ${i.id}`);
    // "No account yet" is unchanged: it says who cannot read in the app, told or not.
    assert.equal(r.org.noAccount, before.org.noAccount);
    assert.equal(one(`SELECT COUNT(*) FROM notice_marks WHERE notice_id = ${n.id}`), '0', 'no read marker is written');
    const audit = one(`SELECT result || ' ' || target || ' ' || detail FROM audit_log WHERE action = 'notice.told' ORDER BY id DESC LIMIT 1`);
    assert.equal(audit, `ok notice:${n.id} 3 of 3 members newly recorded as told in person`);
  });

  test('recording again keeps the first record: the same time, one row per member', async () => {
    const first = one(`SELECT told_at FROM notice_told WHERE notice_id = ${n.id} AND member_id = ${bare[0]}`);
    const d = assertData(await tell(n.id, [bare[0]]));
    assert.equal(d.items.length, 1);
    assert.equal(one(`SELECT told_at FROM notice_told WHERE notice_id = ${n.id} AND member_id = ${bare[0]}`), first);
    assert.equal(told(n.id), 3);
    assert.equal((await report(n.id)).org.told, 3);
  });

  test('a member told in person who then reads in the app counts once, as read in the app', async () => {
    assertData(await tell(n.id, [who.member.memberId]));
    let a = (await report(n.id)).items.find((i) => i.id === villageA);
    assert.deepEqual(parts(a), [0, 4, a.total - 4]);
    assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: tM }));
    a = (await report(n.id)).items.find((i) => i.id === villageA);
    assert.deepEqual(parts(a), [1, 3, a.total - 4]);
    // The drill-down into the village says the same.
    assert.deepEqual(parts((await report(n.id, villageA)).org), [1, 3, a.total - 4]);
  });

  test('the member list shows who told whom and when; filter=unreached leaves out the read and the told', async () => {
    const all = assertData(await api('GET', `/api/v1/notices/${n.id}/members?orgId=${villageA}&limit=200`, { token: tT }));
    const row = all.items.find((i) => i.memberId === bare[1]);
    assert.equal(row.toldBy.id, adminId);
    assert.ok(row.toldAt);
    assert.equal(row.canUndoTold, true);
    assert.equal(row.canSignIn, false);
    const plain = all.items.find((i) => !bare.includes(i.memberId) && i.memberId !== who.member.memberId);
    assert.deepEqual([plain.toldAt, plain.toldBy, plain.canUndoTold], [null, null, false]);
    const un = assertData(await api('GET', `/api/v1/notices/${n.id}/members?orgId=${villageA}&filter=unreached&limit=200`, { token: tT }));
    const ids = un.items.map((i) => i.memberId);
    for (const m of [...bare, who.member.memberId]) assert.ok(!ids.includes(m), `member ${m} is reached`);
    const a = (await report(n.id)).items.find((i) => i.id === villageA);
    assert.equal(un.items.length, a.notReached);
    // Another manager (the county admin) sees the record but may not undo it.
    const c = assertData(await api('GET', `/api/v1/notices/${n.id}/members?orgId=${villageA}&limit=200`, { token: tC }));
    assert.equal(c.items.find((i) => i.memberId === bare[1]).canUndoTold, false);
  });

  test('export: the time told in person in its own column', async () => {
    const res = await api('GET', `/api/v1/notices/${n.id}/report/export?orgId=${villageA}&format=csv`, { token: tT });
    assert.equal(res.status, 200, res.text);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.equal(lines[0], '组织,姓名,账号,已读,阅读时间,已确认,确认时间,当面传达时间');
    assert.equal(lines.filter((l) => /,\d{4}-\d\d-\d\dT[^,]+Z$/.test(l)).length, 4);
  });

  test('undo by who recorded it: the member is not reached again; audited', async () => {
    const d = assertData(await untell(n.id, bare[2]));
    assert.deepEqual(d, { memberId: bare[2], told: false });
    assert.equal((await report(n.id)).items.find((i) => i.id === villageA).told, 2);
    assert.equal(one(`SELECT result || ' ' || detail FROM audit_log WHERE action = 'notice.untold' ORDER BY id DESC LIMIT 1`), `ok member ${bare[2]}`);
    // Not told (any more): the same answer, nothing changes, nothing audited.
    const audits = one(`SELECT COUNT(*) FROM audit_log WHERE action = 'notice.untold'`);
    assert.deepEqual(assertData(await untell(n.id, bare[2])), { memberId: bare[2], told: false });
    assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'notice.untold'`), audits);
  });

  test('undo by another manager: 403 notice.told_undo, the record stays, the refusal is audited', async () => {
    assertError(await untell(n.id, bare[1], tC), 403, 'notice.told_undo');
    assert.equal(told(n.id), 3);
    assert.equal(one(`SELECT result FROM audit_log WHERE action = 'notice.untold' ORDER BY id DESC LIMIT 1`), 'denied');
  });
});

describe('bad input and scope', () => {
  let n, own;

  before(async () => {
    n = assertData(await publish(tT, { orgId: township, title: '通知（范围）', text: '范围' }), 201);
    own = assertData(await publish(tS, { orgId: villageA, title: '村里个别通知', text: '到村委会', memberIds: bareIds(villageA, 2) }), 201);
  });

  test('a member the notice does not reach (not chosen): 404 member.not_found on memberIds, nothing stored', async () => {
    const [in1, in2] = bareIds(villageA, 2);
    const outsider = bareIds(villageA, 3)[2];
    assertError(await tell(own.id, [in1, outsider], tS), 404, 'member.not_found', 'memberIds');
    assert.equal(told(own.id), 0, 'not even the member it reaches');
    assertData(await tell(own.id, [in1, in2], tS));
    const r = await report(own.id, null, tS);
    assert.deepEqual([r.org.total, r.org.told, r.org.notReached], [2, 2, 0]);
  });

  test('a member that does not exist, or of another township: 404 member.not_found', async () => {
    assertError(await tell(n.id, [99999999]), 404, 'member.not_found', 'memberIds');
    const far = Number(one(`SELECT m.id FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.deleted_at IS NULL AND m.status = 'normal' AND m.org_path NOT LIKE (SELECT path FROM orgs WHERE id = ${township}) || '%' LIMIT 1`));
    assertError(await tell(n.id, [far]), 404, 'member.not_found', 'memberIds');
    assertError(await untell(n.id, far), 404, 'member.not_found');
    assert.equal(told(n.id), 0);
  });

  test('an empty list, a bad id, an unknown field: 400 request.invalid / unknown_field', async () => {
    assertError(await tell(n.id, []), 400, 'request.invalid', 'memberIds');
    assertError(await tell(n.id, ['x']), 400, 'request.invalid', 'memberIds');
    assertError(await api('POST', `/api/v1/notices/${n.id}/told`, { token: tT, body: { memberIds: [1], at: 'now' } }), 400, 'request.unknown_field');
  });

  test('out of scope: a secretary on a township notice, another village on a village notice, a member: like a missing notice', async () => {
    const [m] = bareIds(villageA, 1);
    assertError(await tell(n.id, [m], tS), 404, 'notice.not_found');
    assertError(await tell(own.id, [m], tSB), 404, 'notice.not_found');
    assertError(await untell(own.id, m, tSB), 404, 'notice.not_found');
    assertError(await tell(own.id, [m], tM), 404, 'notice.not_found');
    assertError(await tell(99999999, [m]), 404, 'notice.not_found');
  });

  test('a retracted notice takes no more records: 409 notice.state', async () => {
    const x = assertData(await publish(tT, { orgId: township, title: '将撤回', text: '撤回' }), 201);
    assertData(await api('POST', `/api/v1/notices/${x.id}/retract`, { token: tT, body: { reason: '发错了' } }));
    assertError(await tell(x.id, bareIds(villageA, 1)), 409, 'notice.state');
  });
});

describe('undo window (test clock)', () => {
  test('a day after, not even who recorded it may undo: 403 notice.told_undo', async () => {
    const x = assertData(await publish(tT, { orgId: township, title: '窗口', text: '窗口' }), 201);
    const [m] = bareIds(villageA, 1);
    assertData(await tell(x.id, [m]));
    await srv.advanceClock(24 * 3600 - 60);
    tT = (await srv.login(who.townshipAdmin)).token; // sessions end after a day idle
    let row = assertData(await api('GET', `/api/v1/notices/${x.id}/members?orgId=${villageA}&limit=200`, { token: tT })).items.find((i) => i.memberId === m);
    assert.equal(row.canUndoTold, true, 'within the day');
    await srv.advanceClock(120);
    tT = (await srv.login(who.townshipAdmin)).token;
    row = assertData(await api('GET', `/api/v1/notices/${x.id}/members?orgId=${villageA}&limit=200`, { token: tT })).items.find((i) => i.memberId === m);
    assert.equal(row.canUndoTold, false);
    assertError(await untell(x.id, m), 403, 'notice.told_undo');
    assert.equal(told(x.id), 1);
  });
});
