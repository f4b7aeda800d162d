// transfers.test.mjs - transfers of the organisational relationship (组织关系转接):
// the state machine, who may act at each step, the member moving atomically
// (one branch at every moment, counters and the whole record following), races
// and replays, and nobody outside the two sides seeing a transfer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCountersMatchRecount, assertData, assertError, beijingToday, listAll, run, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db;
let tok = {}; // name -> bearer token
let county, townshipA, villageA, villageA2, townshipB, villageB;
let otherCounty, otherTownship, otherBranch;
let villageMembers; // ids of plain members of village A (no account), normal status
let ids = {}; // member name -> id

const PW = 'transfer-test-1';
// Accounts made in setup (the CLI) and granted roles there or through the API.
const OTHER_ADMIN = { phone: '13900000301', name: '邻县组织部', password: PW };
const OTHER_SEC = { phone: '13900000302', name: '邻县村书记', password: PW };
const SEC_A2 = { phone: '13900000303', name: '第二村书记', password: PW };

const sql = (q) => {
  const r = sqlite(join(srv.dataDir, 'zhibu.db'), q);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};
const num = (q) => Number(sql(q));

function cli(args) {
  const r = run(args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const post = (token, path, body, headers) => api('POST', path, { token, body: body ?? {}, headers });
const get = (token, path) => api('GET', path, { token });

async function org(id, token = tok.countyAdmin) {
  return assertData(await get(token, `/api/v1/orgs/${id}`));
}
async function stats(id) {
  return assertData(await get(tok.countyAdmin, `/api/v1/orgs/${id}/stats`));
}
async function rosterIds(orgId) {
  return (await listAll(api, tok.countyAdmin, `/api/v1/members?orgId=${orgId}`)).map((m) => m.id);
}
async function start(token, body) {
  return post(token, '/api/v1/transfers', body);
}

before(async () => {
  srv = await startServer({
    setup: (dir) => {
      // A second county beside the demo county, with one township and one branch,
      // its admin and the branch's secretary.
      const c = cli(['org', 'create', '--data', dir, '--name', '邻县县委', '--level', 'county']);
      otherCounty = Number(/created county (\d+)/.exec(c)[1]);
      const t = cli(['org', 'create', '--data', dir, '--name', '邻县某镇党委', '--level', 'township', '--parent', String(otherCounty)]);
      otherTownship = Number(/created township (\d+)/.exec(t)[1]);
      const b = cli(['org', 'create', '--data', dir, '--name', '邻县某村党支部', '--level', 'branch', '--parent', String(otherTownship)]);
      otherBranch = Number(/created branch (\d+)/.exec(b)[1]);
      cli(['user', 'create', '--data', dir, '--phone', OTHER_ADMIN.phone, '--name', OTHER_ADMIN.name, '--password', PW, '--org', String(otherCounty), '--role', 'org_admin']);
      cli(['user', 'create', '--data', dir, '--phone', OTHER_SEC.phone, '--name', OTHER_SEC.name, '--password', PW, '--org', String(otherBranch), '--role', 'branch_secretary']);
      cli(['user', 'create', '--data', dir, '--phone', SEC_A2.phone, '--name', SEC_A2.name, '--password', PW]);
    },
  });
  api = srv.api;
  who = srv.who;
  for (const [k, a] of Object.entries(who)) tok[k] = (await srv.login(a)).token;
  tok.otherAdmin = (await srv.login(OTHER_ADMIN)).token;
  tok.otherSec = (await srv.login(OTHER_SEC)).token;
  county = who.countyAdmin.orgId;
  townshipA = who.townshipAdmin.orgId;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  townshipB = (await org(villageB)).parentId;
  const kids = assertData(await get(tok.countyAdmin, `/api/v1/orgs/${townshipA}/children?limit=200`)).items;
  villageA2 = kids.find((o) => o.id !== villageA && o.level === 'branch').id;
  // Secretary of a second village of township A: a third party to A -> B transfers.
  assertData(await post(tok.countyAdmin, '/api/v1/roles', { phone: SEC_A2.phone, orgId: villageA2, role: 'branch_secretary' }), 201);
  tok.secA2 = (await srv.login(SEC_A2)).token;
  const withAccount = new Set(srv.accounts.map((a) => a.memberId).filter(Boolean));
  const roster = await listAll(api, tok.secretaryA, `/api/v1/members?orgId=${villageA}`);
  // The demo leaves one transfer waiting; its member is not free to move.
  const open = assertData(await get(tok.countyAdmin, `/api/v1/transfers?orgId=${villageA}&state=pending_approval`)).items;
  const busy = new Set(open.map((t) => t.member.id));
  villageMembers = roster.filter((m) => !withAccount.has(m.id) && !busy.has(m.id) && m.status === 'normal').map((m) => m.id);
  assert.ok(villageMembers.length >= 8, 'enough plain members in village A');
  ids = {
    moved: villageMembers[0],
    rejected: villageMembers[1],
    cancelled: villageMembers[2],
    outside: villageMembers[3],
    bad: villageMembers[4],
    todo: villageMembers[5],
  };
});

after(async () => {
  await srv?.stop();
});

describe('a transfer within the county, step by step', () => {
  let tr, before_, dues0, recs0, hist0;
  const keys = Array.from({ length: 8 }, (_, i) => `accept-race-${i}`);
  let winner;

  test('the out-branch secretary starts it: 201 pending_approval, scope county, who and when recorded', async () => {
    const m = ids.moved;
    // The record that must follow the member: a dues payment and a training record.
    const now = Math.floor(Date.now() / 1000);
    sql(`INSERT INTO dues_payments (member_id, org_id, period_from, period_to, amount_fen, method, paid_on, created_at, updated_at, seq) VALUES (${m}, ${villageA}, '2025-01', '2025-03', 60, 'in_person', '2025-03-02', ${now}, ${now}, 1)`);
    sql(`INSERT INTO member_records (member_id, kind, title, start_date, created_at, updated_at, seq) VALUES (${m}, 'training', '冬训', '2025-01-10', ${now}, ${now}, 1)`);
    dues0 = num(`SELECT COUNT(*) FROM dues_payments WHERE member_id = ${m}`);
    recs0 = num(`SELECT COUNT(*) FROM member_records WHERE member_id = ${m}`);
    hist0 = num(`SELECT COUNT(*) FROM member_history WHERE member_id = ${m}`);
    before_ = {
      a: (await org(villageA)).memberCount, b: (await org(villageB)).memberCount,
      ta: (await org(townshipA)).memberCount, tb: (await org(townshipB)).memberCount,
      c: (await org(county)).memberCount,
      sa: (await stats(villageA)).members, sb: (await stats(villageB)).members,
    };
    tr = assertData(await start(tok.secretaryA, { memberId: m, toOrgId: villageB, reason: '婚嫁迁入邻镇' }), 201);
    assert.equal(tr.state, 'pending_approval');
    assert.equal(tr.scope, 'county');
    assert.equal(tr.member.id, m);
    assert.equal(typeof tr.member.name, 'string');
    assert.deepEqual(Object.keys(tr.member).sort(), ['id', 'name'], 'no personal data');
    assert.equal(tr.from.id, villageA);
    assert.equal(tr.to.id, villageB);
    assert.equal(tr.toName, null);
    assert.equal(tr.reason, '婚嫁迁入邻镇');
    assert.equal(tr.initiatedBy.name, who.secretaryA.name);
    assert.match(tr.initiatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(tr.approvedBy, null);
    assert.equal(tr.completedAt, null);
    assert.equal(typeof tr.waitingSeconds, 'number');
    assert.ok(tr.waitingSeconds >= 0);
    assert.equal(tr.canApprove, false, 'a secretary does not approve');
    assert.equal(tr.canAccept, false);
    assert.equal(tr.canCancel, true, 'the initiator may cancel');
  });

  test('while pending, the member is only in the old roster and no count moved', async () => {
    assert.ok((await rosterIds(villageA)).includes(ids.moved));
    assert.ok(!(await rosterIds(villageB)).includes(ids.moved));
    assert.equal((await org(villageA)).memberCount, before_.a);
    assert.equal((await org(villageB)).memberCount, before_.b);
  });

  test('a second open transfer for the same member: 409 transfer.open_exists, nothing stored', async () => {
    const n = num('SELECT COUNT(*) FROM transfers');
    assertError(await start(tok.secretaryA, { memberId: ids.moved, toOrgId: villageA2, reason: '再转' }), 409, 'transfer.open_exists');
    assert.equal(num('SELECT COUNT(*) FROM transfers'), n);
  });

  test('the secretary cannot approve (403); the in side cannot accept before approval (409 naming the state)', async () => {
    assertError(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/approve`), 403, 'auth.forbidden');
    const res = await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/accept`);
    assertError(res, 409, 'transfer.state');
    assert.match(res.json.error.message, /pending_approval/);
  });

  test('the township admin sees it in the to-do list with canApprove; the in side does not yet', async () => {
    const todo = assertData(await get(tok.townshipAdmin, `/api/v1/transfers?orgId=${townshipA}&todo=true`)).items;
    const t = todo.find((x) => x.id === tr.id);
    assert.ok(t, 'in the township admin\'s to-do list');
    assert.equal(t.canApprove, true);
    const bTodo = assertData(await get(tok.secretaryB, `/api/v1/transfers?orgId=${villageB}&todo=true`)).items;
    assert.ok(!bTodo.some((x) => x.id === tr.id));
    // But the in side sees it among all transfers into its branch.
    const bAll = assertData(await get(tok.secretaryB, `/api/v1/transfers?orgId=${villageB}`)).items;
    assert.ok(bAll.some((x) => x.id === tr.id));
  });

  test('the township admin approves: pending_acceptance, approvedBy/At; approving again is 409', async () => {
    const t = assertData(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`));
    assert.equal(t.state, 'pending_acceptance');
    assert.equal(t.approvedBy.name, who.townshipAdmin.name);
    assert.ok(t.approvedAt);
    assert.equal(t.canApprove, false);
    const again = await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`);
    assertError(again, 409, 'transfer.state');
    assert.match(again.json.error.message, /pending_acceptance/);
    // Still in the old roster only.
    assert.ok((await rosterIds(villageA)).includes(ids.moved));
    assert.ok(!(await rosterIds(villageB)).includes(ids.moved));
  });

  test('now it is in the in side\'s to-do list with canAccept', async () => {
    const todo = assertData(await get(tok.secretaryB, `/api/v1/transfers?orgId=${villageB}&todo=true`)).items;
    const t = todo.find((x) => x.id === tr.id);
    assert.ok(t);
    assert.equal(t.canAccept, true);
    assert.equal(t.canApprove, false);
    assert.equal(typeof t.waitingSeconds, 'number');
    const aTodo = assertData(await get(tok.townshipAdmin, `/api/v1/transfers?orgId=${townshipA}&todo=true`)).items;
    assert.ok(!aTodo.some((x) => x.id === tr.id), 'no longer on the approver\'s list');
  });

  test('8 accepts at once: exactly one 200, seven 409 transfer.state; the member moved once', async () => {
    const res = await Promise.all(keys.map((k) => post(tok.secretaryB, `/api/v1/transfers/${tr.id}/accept`, {}, { 'Idempotency-Key': k })));
    const ok = res.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, res.map((r) => r.status).join(','));
    for (const r of res) if (r.status !== 200) assertError(r, 409, 'transfer.state');
    winner = { key: keys[res.indexOf(ok[0])], text: ok[0].text };
    const t = ok[0].json.data;
    assert.equal(t.state, 'completed');
    assert.equal(t.decidedBy.name, who.secretaryB.name);
    assert.ok(t.completedAt);
    assert.equal(t.waitingSeconds, null);
    assert.equal(t.canAccept, false);
    assert.equal(t.canCancel, false);
    assert.equal(num(`SELECT COUNT(*) FROM member_history WHERE member_id = ${ids.moved} AND kind = 'transfer'`), 1);
  });

  test('the same accept replayed with its Idempotency-Key: the identical response, no second move', async () => {
    const r = await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/accept`, {}, { 'Idempotency-Key': winner.key });
    assert.equal(r.status, 200);
    assert.equal(r.text, winner.text);
    assert.equal(num(`SELECT COUNT(*) FROM member_history WHERE member_id = ${ids.moved} AND kind = 'transfer'`), 1);
    assert.equal(num(`SELECT COUNT(*) FROM member_history WHERE member_id = ${ids.moved}`), hist0 + 1);
  });

  test('one branch at every moment: in the new roster, not the old; counts moved by exactly one', async () => {
    const a = await rosterIds(villageA), b = await rosterIds(villageB);
    assert.ok(!a.includes(ids.moved), 'gone from the old roster');
    assert.equal(b.filter((x) => x === ids.moved).length, 1, 'once in the new roster');
    assert.equal((await org(villageA)).memberCount, before_.a - 1);
    assert.equal((await org(villageB)).memberCount, before_.b + 1);
    assert.equal((await org(townshipA)).memberCount, before_.ta - 1);
    assert.equal((await org(townshipB)).memberCount, before_.tb + 1);
    assert.equal((await org(county)).memberCount, before_.c, 'the county total is unchanged');
    assert.equal((await stats(villageA)).members, before_.sa - 1);
    assert.equal((await stats(villageB)).members, before_.sb + 1);
    // The stored counters agree with a recount of the members table.
    for (const o of [villageA, villageB, townshipA, townshipB, county]) {
      const stored = num(`SELECT members_total FROM orgs WHERE id = ${o}`);
      const real = num(`SELECT COUNT(*) FROM members m JOIN orgs x ON x.id = m.org_id WHERE x.path LIKE (SELECT path FROM orgs WHERE id = ${o}) || '%' AND m.deleted_at IS NULL AND m.status IN ('normal','retired','temporarily_out')`);
      assert.equal(stored, real, `members_total of org ${o}`);
    }
    const row = sql(`SELECT org_id || '|' || org_path || '|' || COALESCE(group_id, 0) FROM members WHERE id = ${ids.moved}`);
    const bPath = sql(`SELECT path FROM orgs WHERE id = ${villageB}`);
    assert.equal(row, `${villageB}|${bPath}|0`, 'org, path set; no party group yet');
    const month = beijingToday().slice(0, 7);
    assert.equal(num(`SELECT n FROM org_counts WHERE org_id = ${villageA} AND dim = 'transfer_out' AND key = '${month}'`), 1);
    assert.equal(num(`SELECT n FROM org_counts WHERE org_id = ${villageB} AND dim = 'transfer_in' AND key = '${month}'`), 1);
  });

  test('the whole record follows: history, dues and sub-records keep the member id', async () => {
    assert.equal(num(`SELECT COUNT(*) FROM dues_payments WHERE member_id = ${ids.moved}`), dues0);
    assert.equal(num(`SELECT COUNT(*) FROM member_records WHERE member_id = ${ids.moved}`), recs0);
    assert.equal(num(`SELECT COUNT(*) FROM member_history WHERE member_id = ${ids.moved}`), hist0 + 1);
    const h = sql(`SELECT org_id || '|' || actor_id || '|' || detail FROM member_history WHERE member_id = ${ids.moved} AND kind = 'transfer'`);
    const [orgId, , detail] = h.split('|');
    assert.equal(Number(orgId), villageB);
    assert.match(detail, /orgId/);
  });

  test('the new secretary reads the member; the old one gets 404 member.not_found', async () => {
    const m = assertData(await get(tok.secretaryB, `/api/v1/members/${ids.moved}`));
    assert.equal(m.orgId, villageB);
    assertError(await get(tok.secretaryA, `/api/v1/members/${ids.moved}`), 404, 'member.not_found');
  });

  test('both sides still see the completed transfer; a third branch\'s secretary gets the same 404 as a missing id', async () => {
    assertData(await get(tok.secretaryA, `/api/v1/transfers/${tr.id}`));
    assertData(await get(tok.secretaryB, `/api/v1/transfers/${tr.id}`));
    assertData(await get(tok.countyAdmin, `/api/v1/transfers/${tr.id}`));
    for (const t of [tok.secA2, tok.otherAdmin, tok.otherSec, tok.member, tok.auditor]) {
      const real = await get(t, `/api/v1/transfers/${tr.id}`);
      const missing = await get(t, '/api/v1/transfers/99999999');
      assertError(real, 404, 'transfer.not_found');
      assert.equal(real.text, missing.text);
      assertError(await post(t, `/api/v1/transfers/${tr.id}/cancel`), 404, 'transfer.not_found');
    }
    const a2 = assertData(await get(tok.secA2, `/api/v1/transfers?orgId=${villageA2}`)).items;
    assert.ok(!a2.some((x) => x.id === tr.id));
    assertError(await get(tok.secA2, `/api/v1/transfers?orgId=${villageA}`), 404, 'org.not_found');
    const other = assertData(await get(tok.otherAdmin, `/api/v1/transfers?orgId=${otherCounty}`)).items;
    assert.ok(!other.some((x) => x.id === tr.id));
  });

  test('every step is in the audit log', async () => {
    const actions = sql(`SELECT action FROM audit_log WHERE target = 'transfer:${tr.id}' AND result = 'ok' ORDER BY id`).split('\n');
    assert.deepEqual(actions, ['transfer.start', 'transfer.approve', 'transfer.accept']);
    const denied = num(`SELECT COUNT(*) FROM audit_log WHERE target = 'transfer:${tr.id}' AND result = 'denied'`);
    assert.ok(denied >= 1, 'the secretary\'s approve attempt is audited');
  });
});

describe('reject, return, cancel', () => {
  test('reject needs a reason (400, nothing changed); with one: rejected, decidedBy, decisionReason', async () => {
    const tr = assertData(await start(tok.secretaryA, { memberId: ids.rejected, toOrgId: villageB, reason: '外出' }), 201);
    assertError(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/reject`, {}), 400, 'request.invalid', 'reason');
    assertError(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/reject`, { reason: 'x'.repeat(201) }), 400, 'request.invalid', 'reason');
    assertError(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/reject`, { reason: '不行' }), 403, 'auth.forbidden');
    assert.equal(assertData(await get(tok.secretaryA, `/api/v1/transfers/${tr.id}`)).state, 'pending_approval');
    const t = assertData(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/reject`, { reason: '材料不全' }));
    assert.equal(t.state, 'rejected');
    assert.equal(t.decidedBy.name, who.townshipAdmin.name);
    assert.equal(t.decisionReason, '材料不全');
    assert.equal(t.waitingSeconds, null);
    assertError(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`), 409, 'transfer.state');
    assertError(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/cancel`), 409, 'transfer.state');
    assert.ok((await rosterIds(villageA)).includes(ids.rejected));
  });

  test('return: the in side sends it back with a reason; the member stays', async () => {
    const tr = assertData(await start(tok.secretaryA, { memberId: ids.rejected, toOrgId: villageB, reason: '再次申请' }), 201);
    assertError(await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/return`, { reason: '早了' }), 409, 'transfer.state');
    assertData(await post(tok.countyAdmin, `/api/v1/transfers/${tr.id}/approve`));
    assertError(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/accept`), 403, 'auth.forbidden');
    assertError(await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/return`, {}), 400, 'request.invalid', 'reason');
    const t = assertData(await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/return`, { reason: '查无此人' }));
    assert.equal(t.state, 'returned');
    assert.equal(t.decisionReason, '查无此人');
    assert.equal(t.approvedBy.name, who.countyAdmin.name);
    assert.equal(t.decidedBy.name, who.secretaryB.name);
    assertError(await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/accept`), 409, 'transfer.state');
    assert.ok((await rosterIds(villageA)).includes(ids.rejected));
    assert.ok(!(await rosterIds(villageB)).includes(ids.rejected));
  });

  test('cancel: the in side may not (403); the initiator may, once; later steps are 409', async () => {
    const tr = assertData(await start(tok.secretaryA, { memberId: ids.cancelled, toOrgId: villageB, reason: '搬家' }), 201);
    assertError(await post(tok.secretaryB, `/api/v1/transfers/${tr.id}/cancel`), 403, 'auth.forbidden');
    const t = assertData(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/cancel`));
    assert.equal(t.state, 'cancelled');
    assert.equal(t.decidedBy.name, who.secretaryA.name);
    assertError(await post(tok.secretaryA, `/api/v1/transfers/${tr.id}/cancel`), 409, 'transfer.state');
    assertError(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`), 409, 'transfer.state');
  });

  test('cancel while pending acceptance by the out-branch', async () => {
    const tr = assertData(await start(tok.secretaryA, { memberId: ids.cancelled, toOrgId: villageA2, reason: '搬家' }), 201);
    assertData(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`));
    const t = assertData(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/cancel`, { reason: '本人撤回' }));
    assert.equal(t.state, 'cancelled');
    assert.equal(t.decisionReason, '本人撤回');
  });
});

describe('bad input: clear errors, nothing stored', () => {
  let n0;
  before(() => {
    n0 = num('SELECT COUNT(*) FROM transfers');
  });
  after(() => {
    assert.equal(num('SELECT COUNT(*) FROM transfers'), n0, 'no transfer stored by a bad request');
  });

  test('missing or unknown target, both or neither of toOrgId/toName, reasons out of range', async () => {
    const m = ids.bad;
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: 99999999, reason: 'r' }), 404, 'org.not_found');
    assertError(await start(tok.secretaryA, { memberId: m, reason: 'r' }), 400, 'request.invalid', 'toOrgId');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageB, toName: '外省', reason: 'r' }), 400, 'request.invalid', 'toName');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageB }), 400, 'request.invalid', 'reason');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageB, reason: '' }), 400, 'request.invalid', 'reason');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageB, reason: '长'.repeat(201) }), 400, 'request.invalid', 'reason');
    assertError(await start(tok.secretaryA, { memberId: m, toName: 'x'.repeat(101), reason: 'r' }), 400, 'request.invalid', 'toName');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageB, reason: 'r', extra: 1 }), 400, 'request.unknown_field');
    assertError(await start(tok.secretaryA, { memberId: 99999999, toOrgId: villageB, reason: 'r' }), 404, 'member.not_found');
  });

  test('the target must be an open branch other than the member\'s own: 409 transfer.bad_target', async () => {
    const m = ids.bad;
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: townshipB, reason: 'r' }), 409, 'transfer.bad_target', 'toOrgId');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: villageA, reason: 'r' }), 409, 'transfer.bad_target', 'toOrgId');
    const closed = assertData(await post(tok.townshipAdmin, '/api/v1/orgs', { parentId: townshipA, name: '撤并村党支部', level: 'branch' }), 201);
    assertData(await post(tok.townshipAdmin, `/api/v1/orgs/${closed.id}/close`));
    n0 = num('SELECT COUNT(*) FROM transfers');
    assertError(await start(tok.secretaryA, { memberId: m, toOrgId: closed.id, reason: 'r' }), 409, 'transfer.bad_target', 'toOrgId');
  });

  test('a branch outside the caller\'s subtree cannot start transfers of its members: 404 member.not_found', async () => {
    assertError(await start(tok.secretaryB, { memberId: ids.bad, toOrgId: villageB, reason: 'r' }), 404, 'member.not_found');
    assertError(await start(tok.otherAdmin, { memberId: ids.bad, toOrgId: otherBranch, reason: 'r' }), 404, 'member.not_found');
    // A county auditor reads no roster: the same.
    assertError(await start(tok.auditor, { memberId: ids.bad, toOrgId: villageB, reason: 'r' }), 404, 'member.not_found');
  });

  test('list needs roster.read on orgId; malformed filters are 400', async () => {
    assertError(await get(tok.secretaryB, `/api/v1/transfers?orgId=${villageA}`), 404, 'org.not_found');
    assertError(await get(tok.secretaryA, `/api/v1/transfers?orgId=${villageA}&state=done`), 400, 'request.invalid', 'state');
    assertError(await get(tok.secretaryA, '/api/v1/transfers'), 400, 'request.invalid', 'orgId');
  });
});

describe('leaving the system (scope outside)', () => {
  let tr, a0, c0;
  test('toName starts an outside transfer; approval completes it and the member is transferred_out', async () => {
    a0 = (await org(villageA)).memberCount;
    c0 = (await org(county)).memberCount;
    tr = assertData(await start(tok.secretaryA, { memberId: ids.outside, toName: '外省某县某村党支部', reason: '随子女迁居外省' }), 201);
    assert.equal(tr.scope, 'outside');
    assert.equal(tr.to, null);
    assert.equal(tr.toName, '外省某县某村党支部');
    const t = assertData(await post(tok.countyAdmin, `/api/v1/transfers/${tr.id}/approve`));
    assert.equal(t.state, 'completed');
    assert.equal(t.approvedBy.name, who.countyAdmin.name);
    assert.ok(t.completedAt);
    assert.equal(t.canAccept, false);
    const m = assertData(await get(tok.secretaryA, `/api/v1/members/${ids.outside}`));
    assert.equal(m.status, 'transferred_out');
    assert.equal((await org(villageA)).memberCount, a0 - 1);
    assert.equal((await org(county)).memberCount, c0 - 1);
    assertError(await post(tok.countyAdmin, `/api/v1/transfers/${tr.id}/accept`), 409, 'transfer.state');
  });

  test('a member no longer on a roster cannot be transferred: 409 member.not_on_roster', async () => {
    assertError(await start(tok.secretaryA, { memberId: ids.outside, toOrgId: villageB, reason: 'r' }), 409, 'member.not_on_roster');
  });
});

describe('a member starts their own transfer, across counties', () => {
  let tr, other0, a0;
  test('the migrant starts one for themself: 201 cross_county; for another member: 404', async () => {
    const s = await srv.login(who.migrant);
    tok.migrant = s.token;
    assertError(await start(tok.migrant, { memberId: ids.bad, toOrgId: otherBranch, reason: '进城务工' }), 404, 'member.not_found');
    other0 = (await org(otherBranch, tok.otherAdmin)).memberCount;
    a0 = (await org(villageA)).memberCount;
    tr = assertData(await start(tok.migrant, { memberId: who.migrant.memberId, toOrgId: otherBranch, reason: '在邻县务工定居' }), 201);
    assert.equal(tr.scope, 'cross_county');
    assert.equal(tr.initiatedBy.name, who.migrant.name);
    assert.equal(tr.canCancel, true);
    assert.equal(tr.canApprove, false);
    const mine = assertData(await get(tok.migrant, '/api/v1/me/transfers')).items;
    assert.deepEqual(mine.map((x) => x.id), [tr.id]);
    assertData(await get(tok.migrant, `/api/v1/transfers/${tr.id}`));
    assertError(await post(tok.migrant, `/api/v1/transfers/${tr.id}/approve`), 403, 'auth.forbidden');
    // An account without a member record has an empty list.
    assert.deepEqual(assertData(await get(tok.countyAdmin, '/api/v1/me/transfers')).items, []);
  });

  test('the receiving county sees it; its branch secretary cannot accept across counties, its admin can', async () => {
    assertData(await post(tok.townshipAdmin, `/api/v1/transfers/${tr.id}/approve`));
    const todo = assertData(await get(tok.otherAdmin, `/api/v1/transfers?orgId=${otherCounty}&todo=true`)).items;
    assert.ok(todo.some((x) => x.id === tr.id && x.canAccept));
    const secView = assertData(await get(tok.otherSec, `/api/v1/transfers/${tr.id}`));
    assert.equal(secView.canAccept, false);
    assertError(await post(tok.otherSec, `/api/v1/transfers/${tr.id}/accept`), 403, 'auth.forbidden');
    // The sending county's admin cannot accept on the receiving side's behalf.
    assertError(await post(tok.countyAdmin, `/api/v1/transfers/${tr.id}/accept`), 403, 'auth.forbidden');
    const t = assertData(await post(tok.otherAdmin, `/api/v1/transfers/${tr.id}/accept`));
    assert.equal(t.state, 'completed');
    assert.equal(t.decidedBy.name, OTHER_ADMIN.name);
    assert.equal((await org(otherBranch, tok.otherAdmin)).memberCount, other0 + 1);
    assert.equal((await org(villageA)).memberCount, a0 - 1);
    assert.ok((await listAll(api, tok.otherSec, `/api/v1/members?orgId=${otherBranch}`)).some((m) => m.id === who.migrant.memberId));
    assert.ok(!(await rosterIds(villageA)).includes(who.migrant.memberId));
    // The member still reads their own transfer and record.
    assert.equal(assertData(await get(tok.migrant, `/api/v1/transfers/${tr.id}`)).state, 'completed');
    assert.equal(assertData(await get(tok.migrant, `/api/v1/members/${who.migrant.memberId}`)).orgId, otherBranch);
  });
});

describe('lists', () => {
  test('filters by state and member, newest first, paged with next', async () => {
    const all = await listAll(api, tok.countyAdmin, `/api/v1/transfers?orgId=${county}`, 2);
    assert.ok(all.length >= 6);
    const idsInOrder = all.map((x) => x.id);
    assert.deepEqual(idsInOrder, [...idsInOrder].sort((a, b) => b - a), 'newest first');
    assert.equal(new Set(idsInOrder).size, idsInOrder.length, 'no item twice across pages');
    const rejected = assertData(await get(tok.countyAdmin, `/api/v1/transfers?orgId=${county}&state=rejected`)).items;
    assert.ok(rejected.length >= 1 && rejected.every((x) => x.state === 'rejected'));
    const one = assertData(await get(tok.countyAdmin, `/api/v1/transfers?orgId=${county}&memberId=${ids.rejected}`)).items;
    assert.equal(one.length, 2);
    assert.ok(one.every((x) => x.member.id === ids.rejected));
  });

  test('todo paging: only actionable items, pages of one', async () => {
    // Two pending approvals in township A.
    const t1 = assertData(await start(tok.secretaryA, { memberId: ids.todo, toOrgId: villageB, reason: 'a' }), 201);
    const t2 = assertData(await start(tok.secretaryA, { memberId: ids.bad, toOrgId: villageA2, reason: 'b' }), 201);
    const todo = await listAll(api, tok.townshipAdmin, `/api/v1/transfers?orgId=${townshipA}&todo=true`, 1);
    // Newest first: the two just started, then what was waiting already (the demo's).
    assert.deepEqual(todo.map((x) => x.id).slice(0, 2), [t2.id, t1.id]);
    assert.ok(todo.every((x) => x.canApprove));
    // The secretary can act on none of them (starting is not a to-do).
    assert.deepEqual(assertData(await get(tok.secretaryA, `/api/v1/transfers?orgId=${villageA}&todo=true`)).items, []);
  });
});

test('transfers: the statistics counters equal a full recount afterwards', async () => {
  await assertCountersMatchRecount(srv, tok.countyAdmin, [county, townshipA, villageA, townshipB, villageB]);
  await assertCountersMatchRecount(srv, tok.otherAdmin, [otherCounty, otherBranch]);
});
