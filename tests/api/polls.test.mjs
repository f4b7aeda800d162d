// polls.test.mjs - polls of a branch, a party group or chosen members:
// single and multiple choice, anonymous ballots that leave no link between
// voter and choice in the database file, one vote per member under
// concurrency, results hidden until closing, windows on the test clock, the
// democratic review of members, choosing among activities, export, turnout,
// bad input, scope and idempotent replay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertData, assertError, listAll, sqlite, startServer } from './helpers.mjs';

const PW = 'poll-pass-123';
let srv, api, who, db;
let tS, tB, tM, tC;
let villageA, villageB, groupA;
const members = []; // {id, token}: members of village A with accounts
const HOUR = 3600;
const one = (sql) => sqlite(db, sql).stdout.trim();
let serverNow = 0;
const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
async function clock(advance = 0) {
  const c = await srv.advanceClock(advance);
  serverNow = Math.floor(Date.parse(c.now) / 1000);
}
async function logins() {
  tS = (await srv.login(who.secretaryA)).token;
  tB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tC = (await srv.login(who.countyAdmin)).token;
  for (const m of members) m.token = (await srv.login(m.account)).token;
}

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  groupA = Number(one(`SELECT id FROM orgs WHERE parent_id = ${villageA} AND level = 'group' ORDER BY id LIMIT 1`));
  const ids = one(`SELECT id FROM members WHERE org_id = ${villageA} AND status = 'normal' AND id NOT IN (SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND activated_at IS NOT NULL) ORDER BY id LIMIT 6`).split('\n').map(Number);
  let phone = 13920000100;
  for (const id of ids) {
    const account = { phone: String(phone++), password: PW };
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', account.phone, '--name', '投票党员', '--password', PW, '--member', String(id)]);
    assert.equal(r.status, 0, r.stderr);
    members.push({ id, account });
  }
  await logins();
  await clock();
});

after(async () => {
  if (process.env.DEBUG_STDERR) console.error(srv?.stderr().slice(-4000));
  await srv?.stop();
});

let seq = 0;
const body = (extra = {}) => ({
  orgId: villageA,
  title: `议题 ${++seq}`,
  options: ['植树', '修路', '办夜校'],
  closesAt: iso(serverNow + HOUR),
  ...extra,
});
const create = async (extra, token = tS) => assertData(await api('POST', '/api/v1/polls', { token, body: body(extra) }), 201);
const vote = (id, choices, token, headers) => api('POST', `/api/v1/polls/${id}/vote`, { token, body: { choices }, headers });
const get = async (id, token = tS) => assertData(await api('GET', `/api/v1/polls/${id}`, { token }));
const close = async (id, token = tS) => assertData(await api('POST', `/api/v1/polls/${id}/close`, { token }));

test('polls: a single-choice poll of the branch: everybody on the roster may vote once, turnout and results', async () => {
  const p = await create();
  const roster = Number(one(`SELECT COUNT(*) FROM members WHERE org_id = ${villageA} AND deleted_at IS NULL AND status IN ('normal', 'retired', 'temporarily_out')`));
  assert.equal(p.turnout.eligible, roster);
  assert.equal(p.turnout.voted, 0);
  assert.equal(p.state, 'open');
  assert.equal(p.kind, 'choice');
  assert.equal(p.options.length, 3);
  assert.equal(p.resultsVisible, true);
  assert.equal(p.canClose, true);
  const m = await get(p.id, tM);
  assert.equal(m.eligible, true);
  assert.equal(m.canVote, true);
  assert.ok((await listAll(api, tM, '/api/v1/polls')).some((x) => x.id === p.id), 'the member finds the poll in their list');
  const [o1, o2] = p.options.map((o) => o.id);
  assertData(await vote(p.id, [o2], tM));
  assertData(await vote(p.id, [o2], members[0].token));
  assertData(await vote(p.id, [o1], members[1].token));
  assertError(await vote(p.id, [o1], tM), 409, 'poll.voted');
  assertError(await vote(p.id, [o1, o2], members[2].token), 400, 'poll.bad_choice', 'choices');
  const d = await get(p.id, tM);
  assert.equal(d.voted, true);
  assert.equal(d.canVote, false);
  assert.deepEqual(d.myChoices, [o2]);
  assert.deepEqual(d.options.map((o) => o.votes), [1, 2, 0]);
  assert.equal(d.turnout.voted, 3);
  assert.equal(d.turnout.percent, Math.floor(300 / roster));
  // Who chose what, for the organiser of a poll that is not anonymous.
  const s = await get(p.id);
  assert.deepEqual(s.ballots.find((b) => b.memberId === who.member.memberId).optionIds, [o2]);
  assert.equal((await get(p.id, tM)).ballots, undefined);
});

test('polls: multiple choice keeps to minChoices..maxChoices and unknown options are refused', async () => {
  const p = await create({ options: ['甲', '乙', '丙', '丁'], minChoices: 2, maxChoices: 3 });
  const ids = p.options.map((o) => o.id);
  assertError(await vote(p.id, [ids[0]], tM), 400, 'poll.bad_choice', 'choices');
  assertError(await vote(p.id, ids, tM), 400, 'poll.bad_choice', 'choices');
  assertError(await vote(p.id, [ids[0], 99999999], tM), 400, 'poll.bad_choice', 'choices');
  assertError(await vote(p.id, [ids[0], ids[0]], tM), 400, 'request.invalid', 'choices');
  assertError(await vote(p.id, [], tM), 400, 'request.invalid', 'choices');
  assert.equal((await get(p.id)).turnout.voted, 0, 'a refused ballot counts nothing');
  assertData(await vote(p.id, [ids[3], ids[1]], tM));
  assertData(await vote(p.id, [ids[2], ids[0], ids[1]], members[0].token));
  const d = await get(p.id);
  assert.deepEqual(d.options.map((o) => o.votes), [1, 2, 1, 1]);
  // Each voter's ballot once, its options in the poll's order.
  const ballots = d.ballots.filter((b) => [who.member.memberId, members[0].id].includes(b.memberId));
  assert.deepEqual(ballots.map((b) => b.optionIds), who.member.memberId < members[0].id
    ? [[ids[1], ids[3]], [ids[0], ids[1], ids[2]]] : [[ids[0], ids[1], ids[2]], [ids[1], ids[3]]]);
});

test('polls: concurrent double votes by one member count exactly once', async () => {
  const p = await create({ options: ['是', '否'], anonymous: true });
  const o = p.options[0].id;
  const res = await Promise.all(Array.from({ length: 10 }, () => vote(p.id, [o], members[3].token)));
  assert.equal(res.filter((r) => r.status === 200).length, 1, res.map((r) => r.status).join(','));
  for (const r of res.filter((x) => x.status !== 200)) assertError(r, 409, 'poll.voted');
  // And many members at once: every ballot counted once.
  await Promise.all(members.slice(0, 3).map((m) => vote(p.id, [o], m.token)));
  const d = await get(p.id);
  assert.equal(d.turnout.voted, 4);
  assert.equal(d.options[0].votes, 4);
  assert.equal(one(`SELECT SUM(voted) FROM poll_voters WHERE poll_id = ${p.id}`), '4');
});

test('polls: an anonymous poll keeps who voted apart from what they chose, in the database file too', async () => {
  const p = await create({ anonymous: true, options: ['同意', '反对', '弃权'] });
  const [yes, no] = p.options.map((o) => o.id);
  const key = `vote-${Date.now()}`;
  assertData(await vote(p.id, [no], tM, { 'Idempotency-Key': key }));
  assertData(await vote(p.id, [yes], members[0].token));
  assertData(await vote(p.id, [yes], members[1].token));
  const m = await get(p.id, tM);
  assert.equal(m.voted, true);
  assert.equal(m.myChoices, null, 'not even the voter gets their choice back');
  assert.equal((await get(p.id)).ballots, undefined);

  // The schema: voters carry no time or sequence, options only counters.
  const cols = (t) => one(`SELECT name FROM pragma_table_info('${t}')`).split('\n');
  assert.deepEqual(cols('poll_voters'), ['poll_id', 'member_id', 'voted']);
  assert.ok(!cols('poll_options').some((c) => /_at$|seq|voter/.test(c)));
  // The rows: nothing in poll_choices, the voters in member order (not voting order).
  assert.equal(one(`SELECT COUNT(*) FROM poll_choices WHERE poll_id = ${p.id}`), '0');
  const voters = one(`SELECT member_id FROM poll_voters WHERE poll_id = ${p.id}`).split('\n').map(Number);
  assert.deepEqual(voters, [...voters].sort((a, b) => a - b));
  assert.equal(one(`SELECT group_concat(votes) FROM (SELECT votes FROM poll_options WHERE poll_id = ${p.id} ORDER BY idx)`), '2,1,0');
  // No table but poll_voters names the voter together with this poll (the audit log
  // aside, which records that they voted, checked below).
  const tables = one(`SELECT name FROM sqlite_master WHERE type = 'table'`).split('\n');
  for (const t of tables) {
    if (['poll_voters', 'audit_log', 'members', 'accounts', 'sessions', 'idempotency'].includes(t)) continue;
    const cs = cols(t);
    if (cs.includes('member_id') && cs.includes('poll_id'))
      assert.equal(one(`SELECT COUNT(*) FROM "${t}" WHERE poll_id = ${p.id} AND member_id = ${who.member.memberId}`), '0', t);
  }
  // The idempotency record of the vote: its answer holds no choice or tally, and the
  // key's fingerprint leaves the body out: another ballot under the same key replays the
  // stored answer instead of a mismatch, and changes nothing.
  // The stored answer is sealed at rest (no plain text in the table).
  assert.equal(one(`SELECT body FROM idempotency WHERE key = '${key}'`), '');
  assert.equal(one(`SELECT length(body_sealed) > 0 FROM idempotency WHERE key = '${key}'`), '1');
  const replay = await vote(p.id, [yes], tM, { 'Idempotency-Key': key });
  assert.equal(replay.status, 200);
  assert.deepEqual(JSON.parse(replay.text), { data: { pollId: p.id, voted: true } });
  assert.deepEqual((await get(p.id)).options.map((o) => o.votes), [2, 1, 0], 'the replay changed nothing');
  // The audit row says that the member voted, never what.
  const audit = one(`SELECT COALESCE(detail, '') FROM audit_log WHERE action = 'poll.vote' AND target = 'poll:${p.id}'`);
  assert.ok(!/同意|反对|弃权|\d{3,}/.test(audit), audit);
});

test('polls: results hidden until closing, for the secretary too; export after closing', async () => {
  const p = await create({ hideResults: true, anonymous: true });
  assert.equal(p.resultsVisible, false);
  assertData(await vote(p.id, [p.options[2].id], tM));
  for (const t of [tS, tM, tC]) {
    const d = await get(p.id, t);
    assert.deepEqual(d.options.map((o) => o.votes), [null, null, null]);
    assert.equal(d.turnout.voted, 1, 'turnout is shown live');
  }
  assertError(await api('GET', `/api/v1/polls/${p.id}/export?format=csv`, { token: tS }), 409, 'poll.results_hidden');
  assertError(await api('POST', `/api/v1/polls/${p.id}/close`, { token: tM }), 403, 'auth.forbidden');
  const c = await close(p.id);
  assert.equal(c.state, 'closed');
  assert.equal(c.resultsVisible, true);
  assert.deepEqual(c.options.map((o) => o.votes), [0, 0, 1]);
  assertError(await api('POST', `/api/v1/polls/${p.id}/close`, { token: tS }), 409, 'poll.not_open');
  assertError(await vote(p.id, [p.options[0].id], members[0].token), 409, 'poll.not_open');
  const csv = await api('GET', `/api/v1/polls/${p.id}/export?format=csv`, { token: tS });
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.headers.get('content-type'), /csv/);
  assert.match(csv.text, /办夜校,1,100%/);
  assert.match(csv.text, /投票率/);
  const xlsx = await api('GET', `/api/v1/polls/${p.id}/export`, { token: tS });
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.headers.get('content-type'), /spreadsheetml/);
  assertError(await api('GET', `/api/v1/polls/${p.id}/export`, { token: tM }), 403, 'auth.forbidden');
});

test('polls: the voting window on the test clock: not before opening, not after closing', async () => {
  await clock();
  const p = await create({ opensAt: iso(serverNow + HOUR), closesAt: iso(serverNow + 2 * HOUR) });
  assert.equal(p.state, 'upcoming');
  assertError(await vote(p.id, [p.options[0].id], tM), 409, 'poll.not_open');
  await clock(HOUR + 1);
  await logins();
  assert.equal((await get(p.id, tM)).state, 'open');
  assertData(await vote(p.id, [p.options[0].id], tM));
  await clock(HOUR);
  await logins();
  assert.equal((await get(p.id)).state, 'closed');
  assertError(await vote(p.id, [p.options[0].id], members[0].token), 409, 'poll.not_open');
  assert.ok((await listAll(api, tS, `/api/v1/polls?orgId=${villageA}&state=closed`)).some((x) => x.id === p.id));
  assert.ok(!(await listAll(api, tS, `/api/v1/polls?orgId=${villageA}&state=open`)).some((x) => x.id === p.id));
  await clock();
});

test('polls: democratic review of members: one rating each, results per member', async () => {
  await clock();
  const [a, b] = [members[4].id, members[5].id];
  const p = await create({ kind: 'review', options: undefined, memberIds: [a, b], anonymous: true, title: '2026年度民主评议党员' });
  assert.equal(p.options.length, 8);
  assert.deepEqual(p.options.slice(0, 4).map((o) => o.rating), ['excellent', 'qualified', 'basically_qualified', 'unqualified']);
  assert.ok(p.options.every((o) => o.memberId === a || o.memberId === b));
  const ofA = p.options.filter((o) => o.memberId === a), ofB = p.options.filter((o) => o.memberId === b);
  assertError(await vote(p.id, [ofA[0].id, ofA[1].id], tM), 400, 'poll.bad_choice', 'choices');
  assertData(await vote(p.id, [ofA[0].id, ofB[1].id], tM));
  assertData(await vote(p.id, [ofA[0].id], members[0].token)); // abstains on b
  const c = await close(p.id);
  assert.equal(c.options.find((o) => o.id === ofA[0].id).votes, 2);
  assert.equal(c.options.find((o) => o.id === ofB[1].id).votes, 1);
  const csv = await api('GET', `/api/v1/polls/${p.id}/export?format=csv`, { token: tS });
  assert.match(csv.text, /优秀,2/);
  // A member outside the branch cannot be reviewed there.
  const other = Number(one(`SELECT id FROM members WHERE org_id = ${villageB} LIMIT 1`));
  assertError(await api('POST', '/api/v1/polls', { token: tS, body: body({ kind: 'review', options: undefined, memberIds: [other] }) }), 400, 'poll.options', 'memberIds');
});

test('polls: choosing among the branch activities', async () => {
  await clock();
  const mk = async (title) => assertData(await api('POST', '/api/v1/activities', {
    token: tS, body: { orgId: villageA, kind: 'study', title, startsAt: iso(serverNow + 48 * HOUR) },
  }), 201).id;
  const x = await mk('学习二十大精神'), y = await mk('参观红色基地');
  const p = await create({ kind: 'activities', options: undefined, activityIds: [x, y] });
  assert.deepEqual(p.options.map((o) => [o.activityId, o.label]), [[x, '学习二十大精神'], [y, '参观红色基地']]);
  assertData(await vote(p.id, [p.options[1].id], tM));
  const foreign = assertData(await api('POST', '/api/v1/activities', {
    token: tB, body: { orgId: villageB, kind: 'study', title: '别村', startsAt: iso(serverNow + 48 * HOUR) },
  }), 201).id;
  assertError(await api('POST', '/api/v1/polls', { token: tS, body: body({ kind: 'activities', options: undefined, activityIds: [x, foreign] }) }), 400, 'poll.options', 'activityIds');
});

test('polls: a party group poll and a poll of chosen members: only those on the list vote or see it', async () => {
  const g = await create({ orgId: groupA });
  const inGroup = Number(one(`SELECT COUNT(*) FROM members WHERE group_id = ${groupA} AND deleted_at IS NULL AND status IN ('normal', 'retired', 'temporarily_out')`));
  assert.equal(g.turnout.eligible, inGroup);
  const chosen = await create({ voterIds: [members[0].id, members[1].id] });
  assert.equal(chosen.chosenVoters, true);
  assert.equal(chosen.turnout.eligible, 2);
  assertData(await vote(chosen.id, [chosen.options[0].id], members[0].token));
  const missing = await api('GET', '/api/v1/polls/99999999', { token: members[2].token });
  const hidden = await api('GET', `/api/v1/polls/${chosen.id}`, { token: members[2].token });
  assertError(hidden, 404, 'poll.not_found');
  assert.equal(hidden.text, missing.text);
  // Seen but not on the list: the county admin, and a member in a branch poll... not eligible.
  assertError(await vote(g.id, [g.options[0].id], tC), 403, 'poll.not_eligible');
  assertError(await api('POST', '/api/v1/polls', { token: tS, body: body({ voterIds: [Number(one(`SELECT id FROM members WHERE org_id = ${villageB} LIMIT 1`))] }) }), 400, 'request.invalid', 'voterIds');
});

test('polls: out of scope answers like a missing poll', async () => {
  const p = await create();
  const missing = await api('GET', '/api/v1/polls/99999999', { token: tB });
  assertError(missing, 404, 'poll.not_found');
  const r = await api('GET', `/api/v1/polls/${p.id}`, { token: tB });
  assert.equal(r.status, 404);
  assert.equal(r.text, missing.text);
  assertError(await vote(p.id, [p.options[0].id], tB), 404, 'poll.not_found');
  assertError(await api('POST', `/api/v1/polls/${p.id}/close`, { token: tB }), 404, 'poll.not_found');
  assertError(await api('GET', `/api/v1/polls/${p.id}/export`, { token: tB }), 404, 'poll.not_found');
  assertError(await api('GET', `/api/v1/polls?orgId=${villageA}`, { token: tB }), 404, 'org.not_found');
  assertError(await api('POST', '/api/v1/polls', { token: tB, body: body() }), 404, 'org.not_found');
});

test('polls: bad input is refused with a clear error and nothing stored', async () => {
  await clock();
  const n = one('SELECT COUNT(*) FROM polls') + '/' + one('SELECT COUNT(*) FROM poll_options') + '/' + one('SELECT COUNT(*) FROM poll_voters');
  const bad = async (extra, status, code, field) =>
    assertError(await api('POST', '/api/v1/polls', { token: tS, body: body(extra) }), status, code, field);
  await bad({ options: undefined }, 400, 'poll.options', 'options');
  await bad({ options: [] }, 400, 'poll.options', 'options');
  await bad({ options: ['唯一'] }, 400, 'poll.options', 'options');
  await bad({ options: ['同', '同'] }, 400, 'poll.options', 'options');
  await bad({ options: ['a', ''] }, 400, 'request.invalid', 'options');
  await bad({ options: 'a,b' }, 400, 'request.invalid', 'options');
  await bad({ maxChoices: 4 }, 400, 'request.invalid', 'maxChoices');
  await bad({ minChoices: 3, maxChoices: 2 }, 400, 'request.invalid', 'minChoices');
  await bad({ closesAt: iso(serverNow - 60) }, 400, 'request.invalid', 'closesAt');
  await bad({ opensAt: iso(serverNow + 2 * HOUR) }, 400, 'request.invalid', 'closesAt');
  await bad({ closesAt: 'tomorrow' }, 400, 'request.invalid', 'closesAt');
  await bad({ kind: 'rank' }, 400, 'request.invalid', 'kind');
  await bad({ activityIds: [1, 2] }, 400, 'poll.options', 'activityIds');
  await bad({ orgId: who.secretaryA.orgId, title: undefined }, 400, 'request.invalid', 'title');
  const after = one('SELECT COUNT(*) FROM polls') + '/' + one('SELECT COUNT(*) FROM poll_options') + '/' + one('SELECT COUNT(*) FROM poll_voters');
  assert.equal(after, n);
  const t = (await srv.login(who.townshipAdmin)).token;
  assertError(await api('POST', '/api/v1/polls', { token: t, body: body({ orgId: who.townshipAdmin.orgId }) }), 400, 'request.invalid', 'orgId');
});

test('polls: a create replayed with the same Idempotency-Key makes one poll', async () => {
  const b = body();
  const h = { 'Idempotency-Key': `poll-${Date.now()}` };
  const a = assertData(await api('POST', '/api/v1/polls', { token: tS, body: b, headers: h }), 201);
  assert.equal(assertData(await api('POST', '/api/v1/polls', { token: tS, body: b, headers: h }), 201).id, a.id);
  assert.equal(one(`SELECT COUNT(*) FROM polls WHERE title = '${b.title}'`), '1');
  // A different poll under the same key is a mismatch (the body counts for creates).
  assertError(await api('POST', '/api/v1/polls', { token: tS, body: body(), headers: h }), 422, 'request.idempotency_mismatch');
});
