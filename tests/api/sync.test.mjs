// sync.test.mjs - offline capture uploaded later: each change applied once however
// often the batch is repeated, captured and received times kept and shown, and every
// refusal with its reason (malformed, too old, missing or out-of-scope meeting, no role
// now or none at the capture, a locked record, a key reused for another change).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { assertData, assertError, sqlite, startServer } from './helpers.mjs';

const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

let srv, api, who, tS, tB, tM, tT, villageA, meeting;
const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
const sync = (changes, token = tS) => api('POST', '/api/v1/sync', { token, body: { changes } });

before(async () => {
  srv = await startServer({ testHooks: true, config: ['sync_max_offline_days = 2'] });
  api = srv.api;
  who = srv.who;
  villageA = who.secretaryA.orgId;
  tS = (await srv.login(who.secretaryA)).token;
  tB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  const t = await now();
  meeting = assertData(await api('POST', '/api/v1/meetings', {
    token: tS,
    body: { orgId: villageA, type: 'branch_assembly', title: '党员大会', startsAt: iso(t + 60), place: '村委', attendees: 'branch' },
  }), 201);
  await srv.advanceClock(600);
});
after(async () => {
  await srv?.stop();
});

test('a batch captured offline arrives once, however often it is uploaded', async () => {
  const t = await now();
  const cap = iso(t - 300);
  const changes = [
    { key: 'k-att-1', capturedAt: cap, kind: 'attendance', meetingId: meeting.id, memberId: who.member.memberId, status: 'present' },
    { key: 'k-att-2', capturedAt: cap, kind: 'attendance', meetingId: meeting.id, memberId: who.migrant.memberId, status: 'absent', paper: true },
    { key: 'k-file-1', capturedAt: cap, kind: 'file', meetingId: meeting.id, fileKind: 'signin_sheet', ref: 'local://sheet.jpg', name: '签到表' },
    { key: 'k-min-1', capturedAt: cap, kind: 'minutes', meetingId: meeting.id, minutes: '第一项：学习。\n第二项：表决。', resolutions: '通过' },
  ];
  const first = assertData(await sync(changes));
  assert.equal(first.accepted, 4);
  assert.equal(first.refused, 0);
  assert.deepEqual(first.results.map((r) => [r.key, r.status, r.replayed]), changes.map((c) => [c.key, 'accepted', false]));
  assert.equal(first.results[0].capturedAt, cap);
  // Repeated (a lost answer): nothing applied twice, the results say replayed.
  const again = assertData(await sync(changes));
  assert.equal(again.accepted, 4);
  assert.ok(again.results.every((r) => r.status === 'accepted' && r.replayed === true));
  const m = assertData(await api('GET', `/api/v1/meetings/${meeting.id}`, { token: tS }));
  assert.equal(m.files.length, 1);
  assert.equal(m.files[0].capturedOffline, true);
  const mem = m.attendance.find((a) => a.memberId === who.member.memberId);
  assert.equal(mem.status, 'present');
  assert.equal(mem.source, 'offline');
  assert.equal(mem.capturedOffline, true);
  assert.equal(mem.capturedAt, cap);
  assert.ok(mem.receivedAt >= cap);
  assert.equal(m.attendance.find((a) => a.memberId === who.migrant.memberId).source, 'paper');
  assert.equal(m.minutes, '第一项：学习。\n第二项：表决。');
  assert.equal(m.minutesCapturedOffline, true);
  assert.equal(m.minutesCapturedAt, cap);
  // The whole request may carry its own Idempotency-Key as well.
  const headers = { 'Idempotency-Key': 'batch-1' };
  const h1 = await api('POST', '/api/v1/sync', { token: tS, body: { changes: changes.slice(0, 1) }, headers });
  const h2 = await api('POST', '/api/v1/sync', { token: tS, body: { changes: changes.slice(0, 1) }, headers });
  assert.equal(h1.text, h2.text);
});

test('refusals: each change judged on its own, with a reason the client can show', async () => {
  const t = await now();
  const cap = iso(t - 60);
  const base = { capturedAt: cap, kind: 'attendance', meetingId: meeting.id, memberId: who.member.memberId, status: 'present' };
  const res = assertData(await sync([
    { ...base, key: 'r-missing', meetingId: 99999999 },
    { ...base, key: 'r-bad-status', status: 'sleeping' },
    { ...base, key: 'r-no-member', memberId: who.secretaryB.memberId },
    { ...base, key: 'r-future', capturedAt: iso(t + 3600) },
    { ...base, key: 'r-bad-time', capturedAt: 'yesterday' },
    { ...base, key: 'r-unknown', colour: 'red' },
    { ...base, key: '' },
    { ...base, key: 'r-kind', kind: 'party' },
    { ...base, key: 'k-att-1', status: 'absent' }, // the key of another change
    { ...base, key: 'r-remote', status: 'remote' }, // no online link
    'not an object',
    { ...base, key: 'r-ok' },
  ]));
  const by = Object.fromEntries(res.results.filter((r) => r.key).map((r) => [r.key, r]));
  assert.equal(by['r-missing'].reason, 'meeting.not_found');
  assert.equal(by['r-bad-status'].reason, 'request.invalid');
  assert.equal(by['r-bad-status'].field, 'status');
  assert.equal(by['r-no-member'].reason, 'member.not_found');
  assert.equal(by['r-future'].field, 'capturedAt');
  assert.equal(by['r-bad-time'].field, 'capturedAt');
  assert.equal(by['r-unknown'].field, 'colour');
  assert.equal(by['r-kind'].field, 'kind');
  assert.equal(by['k-att-1'].reason, 'request.idempotency_mismatch');
  assert.equal(by['r-remote'].reason, 'request.invalid');
  assert.equal(res.results[6].field, 'key');
  assert.equal(res.results[10].reason, 'request.invalid');
  assert.equal(by['r-ok'].status, 'accepted');
  assert.equal(res.accepted, 1);
  assert.equal(res.refused, 11);
  for (const r of res.results.filter((x) => x.status === 'refused')) assert.equal(typeof r.message, 'string');

  // Outside the uploader's scope: exactly like a missing meeting.
  const other = assertData(await sync([{ ...base, key: 'b-1' }], tB));
  assert.equal(other.results[0].reason, 'meeting.not_found');
  assert.deepEqual({ ...other.results[0], key: null }, { ...assertData(await sync([{ ...base, key: 'b-2', meetingId: 99999999 }], tB)).results[0], key: null });
  // A member without a role over the branch.
  assert.equal(assertData(await sync([{ ...base, key: 'm-1' }], tM)).results[0].reason, 'meeting.not_found');
});

test('authority is needed now and at the capture time: a revoked role cannot write by backdating', async () => {
  const base = { kind: 'file', meetingId: meeting.id, fileKind: 'photo', ref: 'local://p.jpg' };
  const beforeGrant = iso((await now()) - 30);
  // The township admin makes the member a committee member, then revokes it.
  const g = assertData(await api('POST', '/api/v1/roles', { token: tT, body: { phone: who.member.phone, orgId: villageA, role: 'branch_committee' } }), 201);
  await srv.advanceClock(60);
  const during = iso((await now()) - 30);
  // While the role is held: captured while held is accepted; captured before the grant is not.
  let res = assertData(await sync([
    { ...base, key: 'rv-during-1', capturedAt: during },
    { ...base, key: 'rv-before-grant', capturedAt: beforeGrant },
  ], tM));
  assert.equal(res.results[0].status, 'accepted');
  assert.equal(res.results[1].reason, 'sync.no_role_then');
  assert.equal(res.results[1].field, 'capturedAt');
  await srv.advanceClock(60);
  assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: tT }));
  await srv.advanceClock(60);
  // After the revocation a change backdated to while the role was held is refused,
  // exactly as for a meeting that does not exist.
  res = assertData(await sync([
    { ...base, key: 'rv-during-2', capturedAt: during },
    { ...base, key: 'rv-missing', capturedAt: during, meetingId: 99999999 },
  ], tM));
  assert.equal(res.results[0].reason, 'meeting.not_found');
  assert.deepEqual({ ...res.results[0], key: null }, { ...res.results[1], key: null });
  const m = assertData(await api('GET', `/api/v1/meetings/${meeting.id}`, { token: tS }));
  assert.equal(m.files.filter((f) => f.ref === 'local://p.jpg').length, 1, 'only the change uploaded while the role was held');
});

test('a capture time older than sync_max_offline_days is refused before anything is looked up; each refusal is audited', async () => {
  const t = await now();
  const base = { kind: 'file', fileKind: 'photo', ref: 'local://old.jpg' };
  const rows = () => Number(sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT COUNT(*) FROM audit_log WHERE action = 'sync.refused'").stdout.trim());
  const before = rows();
  const res = assertData(await sync([
    { ...base, key: 'old-1', meetingId: meeting.id, capturedAt: iso(t - 3 * 86400) },
    { ...base, key: 'old-2', meetingId: 99999999, capturedAt: iso(t - 3 * 86400) },
  ]));
  assert.deepEqual(res.results.map((r) => [r.reason, r.field]), [['request.invalid', 'capturedAt'], ['request.invalid', 'capturedAt']]);
  assert.match(res.results[0].message, /2 days/);
  assert.equal(rows(), before + 2);
  const last = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT target, result, detail FROM audit_log WHERE action = 'sync.refused' ORDER BY id DESC LIMIT 1").stdout.trim();
  assert.equal(last, 'meeting:99999999|denied|change 2 (keyed): request.invalid');
});

test('close captured offline locks the record; later notes are appended, edits refused', async () => {
  const t = await now();
  const cap = iso(t - 10);
  const res = assertData(await sync([
    { key: 'c-close', capturedAt: cap, kind: 'close', meetingId: meeting.id },
    { key: 'c-late', capturedAt: cap, kind: 'attendance', meetingId: meeting.id, memberId: who.migrant.memberId, status: 'present' },
    { key: 'c-min', capturedAt: cap, kind: 'minutes', meetingId: meeting.id, minutes: '改写' },
    { key: 'c-note', capturedAt: cap, kind: 'note', meetingId: meeting.id, text: '更正：到会人数以签到表为准。' },
  ]));
  assert.deepEqual(res.results.map((r) => r.status), ['accepted', 'refused', 'refused', 'accepted']);
  assert.equal(res.results[1].reason, 'meeting.closed');
  assert.equal(res.results[2].reason, 'meeting.closed');
  const m = assertData(await api('GET', `/api/v1/meetings/${meeting.id}`, { token: tS }));
  assert.equal(m.state, 'closed');
  assert.equal(m.closedAt, cap);
  assert.equal(m.notes.length, 1);
  assert.equal(m.notes[0].capturedOffline, true);
  // The compliance calendar counts it.
  const cal = assertData(await api('GET', `/api/v1/orgs/${villageA}/compliance`, { token: tS }));
  assert.equal(cal.types.find((x) => x.type === 'branch_assembly').status, 'green');
});

test('refusals: the rules of each kind, the first field at fault named', async () => {
  const cap = iso((await now()) - 60);
  const c = { capturedAt: cap, meetingId: meeting.id };
  const res = assertData(await sync([
    { ...c, key: 'kr-close-status', kind: 'close', status: 'present' },
    { ...c, key: 'kr-no-member', kind: 'attendance', status: 'present' },
    { ...c, key: 'kr-no-ref', kind: 'file', fileKind: 'photo' },
    { ...c, key: 'kr-empty-minutes', kind: 'minutes' },
    { ...c, key: 'kr-paper', kind: 'attendance', memberId: who.member.memberId, status: 'present', paper: 'yes' },
    { ...c, key: 'kr-null-text', kind: 'note', text: null },
    { ...c, key: 'two words', kind: 'note', text: '补记' },
    { key: 'kr-no-meeting', capturedAt: cap, kind: 'close' },
    { ...c, key: 'kr-time-and-kind', kind: 'party', capturedAt: 'today' },
  ]));
  assert.deepEqual(res.results.map((r) => [r.key, r.status, r.reason, r.field]), [
    ['kr-close-status', 'refused', 'request.invalid', 'status'],
    ['kr-no-member', 'refused', 'request.invalid', 'memberId'],
    ['kr-no-ref', 'refused', 'request.invalid', 'ref'],
    ['kr-empty-minutes', 'refused', 'request.invalid', 'minutes'],
    ['kr-paper', 'refused', 'request.invalid', 'paper'],
    ['kr-null-text', 'refused', 'request.invalid', 'text'],
    [null, 'refused', 'request.invalid', 'key'],
    ['kr-no-meeting', 'refused', 'request.invalid', 'meetingId'],
    ['kr-time-and-kind', 'refused', 'request.invalid', 'kind'],
  ]);
  assert.equal(res.refused, 9);
});

test('bad batches are refused whole, as any body the route does not declare', async () => {
  assertError(await api('POST', '/api/v1/sync', { token: tS, body: '{"changes": ' }), 400, 'request.bad_json');
  assertError(await api('POST', '/api/v1/sync', { token: tS, body: { changes: {} } }), 400, 'request.invalid', 'changes');
  assertError(await api('POST', '/api/v1/sync', { token: tS, body: {} }), 400, 'request.invalid', 'changes');
  assertError(await api('POST', '/api/v1/sync', { token: tS, body: { changes: [], extra: 1 } }), 400, 'request.unknown_field', 'extra');
  assertError(await api('POST', '/api/v1/sync', { token: tS, body: [] }), 400, 'request.bad_json');
  const many = Array.from({ length: 201 }, (_, i) => ({ key: `x${i}` }));
  assertError(await sync(many), 400, 'request.invalid', 'changes');
  assertError(await api('POST', '/api/v1/sync', { body: { changes: [] } }), 401, 'auth.required');
  const empty = assertData(await sync([]));
  assert.deepEqual(empty, { results: [], accepted: 0, refused: 0 });
});
