// activities.test.mjs - the activities menu (活动菜单): a branch offers
// activities, its members and hosted migrants sign up and withdraw, capacity
// holds exactly under concurrent sign-ups, a waiting list moves up, the
// organiser records who took part, cancellation, windows on the test clock,
// bad input, scope and idempotent replay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertData, assertError, listAll, sqlite, startServer } from './helpers.mjs';

const PW = 'activity-pass-1';
let srv, api, who, db;
let tS, tB, tM, tC, tHosted, tOutsider;
let villageA, villageB;
const members = []; // {id, token} members of village A with accounts
let hostedId, outsiderId;
const HOUR = 3600;

const one = (sql) => sqlite(db, sql).stdout.trim();
let serverNow = 0; // seconds
const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
async function clock(advance = 0) {
  const c = await srv.advanceClock(advance);
  serverNow = Math.floor(Date.parse(c.now) / 1000);
}

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  const taken = `SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND activated_at IS NOT NULL`;
  // Twelve members of village A with accounts (for the concurrent sign-ups).
  const ids = one(`SELECT id FROM members WHERE org_id = ${villageA} AND status = 'normal' AND id NOT IN (${taken}) ORDER BY id LIMIT 12`).split('\n').map(Number);
  let phone = 13910000100;
  for (const id of ids) {
    const a = { phone: String(phone++), password: PW };
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', '活动党员', '--password', PW, '--member', String(id)]);
    assert.equal(r.status, 0, r.stderr);
    members.push({ id, token: (await srv.login(a)).token });
  }
  // A member of village B who works in village A (hosted there), and one who is not.
  const [h, o] = one(`SELECT id FROM members WHERE org_id = ${villageB} AND status = 'normal' AND id NOT IN (${taken}) ORDER BY id LIMIT 2`).split('\n').map(Number);
  hostedId = h;
  outsiderId = o;
  sqlite(db, `UPDATE members SET migrant = 1, host_org_id = ${villageA} WHERE id = ${h}`);
  for (const [id, phone2] of [[h, '13910000200'], [o, '13910000201']]) {
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', phone2, '--name', '外出党员', '--password', PW, '--member', String(id)]);
    assert.equal(r.status, 0, r.stderr);
  }
  tHosted = (await srv.login({ phone: '13910000200', password: PW })).token;
  tOutsider = (await srv.login({ phone: '13910000201', password: PW })).token;
  await logins();
  await clock();
});

async function logins() {
  tS = (await srv.login(who.secretaryA)).token;
  tB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tC = (await srv.login(who.countyAdmin)).token;
}

after(async () => {
  await srv?.stop();
});

let seq = 0;
function body(extra = {}) {
  return {
    orgId: villageA,
    kind: 'volunteer',
    title: `清理河道 ${++seq}`,
    description: '带手套',
    place: '村口河边',
    startsAt: iso(serverNow + 3 * HOUR),
    endsAt: iso(serverNow + 5 * HOUR),
    signupDeadline: iso(serverNow + 2 * HOUR),
    capacity: 10,
    ...extra,
  };
}
const create = async (extra, token = tS) => assertData(await api('POST', '/api/v1/activities', { token, body: body(extra) }), 201);
const signup = (id, token) => api('POST', `/api/v1/activities/${id}/signup`, { token });
const withdraw = (id, token) => api('POST', `/api/v1/activities/${id}/withdraw`, { token });
const get = async (id, token = tS) => assertData(await api('GET', `/api/v1/activities/${id}`, { token }));

test('activities: the secretary offers an activity and a member sees it in the menu, signs up, withdraws and signs up again', async () => {
  const a = await create({ kind: 'elderly_visit', title: '看望老党员' });
  assert.equal(a.kind, 'elderly_visit');
  assert.equal(a.orgId, villageA);
  assert.equal(a.state, 'open');
  assert.equal(a.capacity, 10);
  assert.equal(a.placesLeft, 10);
  assert.equal(a.canEdit, true);
  assert.deepEqual(a.signups, []);
  assert.equal(a.startsAt, body().startsAt.replace(/.*/, a.startsAt)); // ISO
  assert.match(a.startsAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const menu = await listAll(api, tM, '/api/v1/activities');
  const mine = menu.find((x) => x.id === a.id);
  assert.ok(mine, 'the member sees the branch menu without naming the branch');
  assert.equal(mine.canSignUp, true);
  assert.equal(mine.canEdit, false);
  assert.equal(mine.mine, null);
  assert.ok(!('signups' in mine));

  let d = assertData(await signup(a.id, tM));
  assert.equal(d.mine, 'signed_up');
  assert.equal(d.signedUp, 1);
  assert.equal(d.canWithdraw, true);
  assert.ok(!('signups' in d), 'a member does not see the list of names');
  assertError(await signup(a.id, tM), 409, 'activity.signed_up');
  d = assertData(await withdraw(a.id, tM));
  assert.equal(d.mine, 'withdrawn');
  assert.equal(d.signedUp, 0);
  assertError(await withdraw(a.id, tM), 409, 'activity.state');
  d = assertData(await signup(a.id, tM));
  assert.equal(d.mine, 'signed_up');
  const s = await get(a.id);
  assert.deepEqual(s.signups.map((x) => [x.memberId, x.state]), [[who.member.memberId, 'signed_up']]);
  // The branch's menu by organisation, for the secretary.
  const list = await listAll(api, tS, `/api/v1/activities?orgId=${villageA}`);
  assert.ok(list.some((x) => x.id === a.id));
});

test('activities: capacity holds exactly when twelve members sign up at once', async () => {
  const a = await create({ capacity: 5 });
  const res = await Promise.all(members.map((m) => signup(a.id, m.token)));
  const ok = res.filter((r) => r.status === 200);
  const full = res.filter((r) => r.status === 409);
  assert.equal(ok.length, 5, res.map((r) => r.status).join(','));
  assert.equal(full.length, 7);
  for (const r of full) assertError(r, 409, 'activity.full');
  assert.equal(one(`SELECT COUNT(*) FROM activity_signups WHERE activity_id = ${a.id} AND state = 'signed_up'`), '5');
  assert.equal(one(`SELECT signed_up FROM activities WHERE id = ${a.id}`), '5');
  const d = await get(a.id);
  assert.equal(d.placesLeft, 0);
  assert.equal(d.signedUp, 5);
});

test('activities: with a waiting list the first one waiting takes a freed place', async () => {
  const a = await create({ capacity: 1, waitlist: true });
  assert.equal(assertData(await signup(a.id, members[0].token)).mine, 'signed_up');
  assert.equal(assertData(await signup(a.id, members[1].token)).mine, 'waitlisted');
  assert.equal(assertData(await signup(a.id, members[2].token)).mine, 'waitlisted');
  let d = await get(a.id);
  assert.equal(d.waiting, 2);
  await withdraw(a.id, members[0].token);
  d = await get(a.id);
  assert.equal(d.signedUp, 1);
  assert.equal(d.waiting, 1);
  assert.equal(d.signups.find((x) => x.memberId === members[1].id).state, 'signed_up');
  // Concurrent sign-ups onto the waiting list never overfill the places.
  await Promise.all(members.slice(3).map((m) => signup(a.id, m.token)));
  assert.equal(one(`SELECT COUNT(*) FROM activity_signups WHERE activity_id = ${a.id} AND state = 'signed_up'`), '1');
  // Raising the capacity moves the waiting members in, first come first served.
  d = assertData(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tS, body: { capacity: 3 } }));
  assert.equal(d.signedUp, 3);
  assert.equal(d.signups.filter((x) => x.state === 'signed_up')[1].memberId, members[2].id);
  assertError(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tS, body: { capacity: 2 } }), 400, 'request.invalid', 'capacity');
  // null keeps what cannot be cleared, and clears what can.
  d = assertData(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tS, body: { title: null, kind: null, place: null, capacity: null } }));
  assert.equal(d.title, a.title);
  assert.equal(d.kind, a.kind);
  assert.equal(d.place, null);
  assert.equal(d.capacity, null);
  assert.equal(d.waiting, 0, 'no limit: everybody waiting is in');
});

test('activities: sign-ups in the same second wait in the order they came, not by member id', async () => {
  const a = await create({ capacity: 1, waitlist: true });
  const [first, later, earlier] = [members[0], members[5], members[4]]; // earlier.id < later.id
  assert.ok(earlier.id < later.id);
  assertData(await signup(a.id, first.token));
  assert.equal(assertData(await signup(a.id, later.token)).mine, 'waitlisted');
  assert.equal(assertData(await signup(a.id, earlier.token)).mine, 'waitlisted');
  // The clock's second is the same for both (as it is for any two taps in one second).
  sqlite(db, `UPDATE activity_signups SET signed_at = (SELECT MIN(signed_at) FROM activity_signups WHERE activity_id = ${a.id}) WHERE activity_id = ${a.id}`);
  let d = await get(a.id);
  assert.deepEqual(d.signups.filter((x) => x.state === 'waitlisted').map((x) => x.memberId), [later.id, earlier.id], 'listed in the order they came');
  await withdraw(a.id, first.token);
  d = await get(a.id);
  assert.equal(d.signups.find((x) => x.memberId === later.id).state, 'signed_up', 'the first to come takes the place');
  assert.equal(d.signups.find((x) => x.memberId === earlier.id).state, 'waitlisted');
});

test('activities: a migrant member hosted by the branch signs up; members elsewhere and other branches see nothing', async () => {
  const a = await create();
  const menu = await listAll(api, tHosted, '/api/v1/activities');
  assert.ok(menu.some((x) => x.id === a.id), 'the hosted migrant sees the host branch menu');
  assert.equal(assertData(await signup(a.id, tHosted)).mine, 'signed_up');

  const missing = await api('GET', '/api/v1/activities/99999999', { token: tOutsider });
  assertError(missing, 404, 'activity.not_found');
  for (const t of [tOutsider, tB]) {
    const r = await api('GET', `/api/v1/activities/${a.id}`, { token: t });
    assertError(r, 404, 'activity.not_found');
    assert.equal(r.text, missing.text, 'outside the subtree answers like a missing activity');
    assertError(await signup(a.id, t), 404, 'activity.not_found');
    assertError(await api('GET', `/api/v1/activities?orgId=${villageA}`, { token: t }), 404, 'org.not_found');
  }
  assert.ok(!(await listAll(api, tOutsider, '/api/v1/activities')).some((x) => x.id === a.id));
  // The county admin sees it but has no member record there: not eligible.
  assert.equal((await get(a.id, tC)).id, a.id);
  assertError(await signup(a.id, tC), 403, 'activity.not_eligible');
  // Members do not organise.
  assertError(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tM, body: { title: 'x' } }), 403, 'auth.forbidden');
  assertError(await api('POST', `/api/v1/activities/${a.id}/cancel`, { token: tM, body: { reason: 'x' } }), 403, 'auth.forbidden');
  const r = await api('POST', '/api/v1/activities', { token: tM, body: body() });
  assert.ok([403, 404].includes(r.status), r.text);
  assertError(await api('POST', '/api/v1/activities', { token: tB, body: body() }), 404, 'org.not_found');
});

test('activities: the deadline closes sign-up, the start ends withdrawal, then the organiser records who took part', async () => {
  const a = await create({ capacity: null });
  assert.equal(a.capacity, null);
  await signup(a.id, members[0].token);
  await signup(a.id, members[1].token);
  await signup(a.id, tM);
  assertError(await api('PUT', `/api/v1/activities/${a.id}/participation`, { token: tS, body: { memberIds: [] } }), 409, 'activity.state');
  await clock(2 * HOUR + 60); // past the deadline, before the start
  await logins();
  assert.equal((await get(a.id)).state, 'closed');
  assertError(await signup(a.id, members[2].token), 409, 'activity.closed');
  assert.equal(assertData(await withdraw(a.id, tM)).mine, 'withdrawn');
  await clock(HOUR); // started
  await logins();
  assert.equal((await get(a.id)).state, 'started');
  assertError(await withdraw(a.id, members[0].token), 409, 'activity.state');
  assertError(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tS, body: { title: '改' } }), 409, 'activity.state');
  // Who took part: one who signed up, one who came without signing up, the hosted migrant.
  assertError(await api('PUT', `/api/v1/activities/${a.id}/participation`, { token: tS, body: { memberIds: [members[0].id, outsiderId] } }), 400, 'request.invalid', 'memberIds');
  assertError(await api('PUT', `/api/v1/activities/${a.id}/participation`, { token: tS, body: { memberIds: [members[0].id, members[0].id] } }), 400, 'request.invalid', 'memberIds');
  const d = assertData(await api('PUT', `/api/v1/activities/${a.id}/participation`, { token: tS, body: { memberIds: [members[0].id, members[3].id, hostedId] } }));
  const by = Object.fromEntries(d.signups.map((x) => [x.memberId, x]));
  assert.equal(by[members[0].id].attended, true);
  assert.equal(by[members[0].id].state, 'signed_up');
  assert.equal(by[members[1].id].attended, false);
  assert.equal(by[members[3].id].state, 'walk_in');
  assert.equal(by[hostedId].attended, true);
  assert.ok(d.recordedAt);
  const m0 = await get(a.id, members[0].token);
  assert.equal(m0.attended, true);
  assert.equal(m0.mine, 'signed_up');
  assertError(await api('PUT', `/api/v1/activities/${a.id}/participation`, { token: tM, body: { memberIds: [] } }), 403, 'auth.forbidden');
  // Past activities, latest first.
  await clock(2 * HOUR + 60);
  await logins();
  const past = await listAll(api, tS, `/api/v1/activities?orgId=${villageA}&when=past`);
  assert.ok(past.some((x) => x.id === a.id && x.state === 'ended'));
  assert.ok(!(await listAll(api, tS, `/api/v1/activities?orgId=${villageA}`)).some((x) => x.id === a.id));
});

test('activities: a cancelled activity shows as cancelled to those who signed up and takes no more sign-ups', async () => {
  await clock();
  const a = await create();
  await signup(a.id, tM);
  assertError(await api('POST', `/api/v1/activities/${a.id}/cancel`, { token: tS, body: {} }), 400, 'request.invalid', 'reason');
  const d = assertData(await api('POST', `/api/v1/activities/${a.id}/cancel`, { token: tS, body: { reason: '暴雨' } }));
  assert.equal(d.state, 'cancelled');
  const m = await get(a.id, tM);
  assert.equal(m.state, 'cancelled');
  assert.equal(m.cancelReason, '暴雨');
  assert.equal(m.mine, 'signed_up');
  assert.equal(m.canSignUp, false);
  assertError(await signup(a.id, members[0].token), 409, 'activity.closed');
  assertError(await api('POST', `/api/v1/activities/${a.id}/cancel`, { token: tS, body: { reason: '再' } }), 409, 'activity.state');
  assertError(await api('PATCH', `/api/v1/activities/${a.id}`, { token: tS, body: { title: '改' } }), 409, 'activity.state');
});

test('activities: bad input is refused with the field named and nothing stored', async () => {
  await clock();
  const before = one('SELECT COUNT(*) FROM activities');
  const bad = async (extra, code, field, status = 400) => {
    const r = await api('POST', '/api/v1/activities', { token: tS, body: body(extra) });
    assertError(r, status, code, field);
  };
  await bad({ title: '' }, 'request.invalid', 'title');
  await bad({ kind: 'ranking' }, 'request.invalid', 'kind');
  await bad({ startsAt: '2026-13-01T08:00:00Z' }, 'request.invalid', 'startsAt');
  await bad({ startsAt: '明天上午' }, 'request.invalid', 'startsAt');
  await bad({ startsAt: iso(serverNow - 60), signupDeadline: iso(serverNow - 120), endsAt: null }, 'request.invalid', 'startsAt');
  await bad({ endsAt: iso(serverNow + HOUR) }, 'request.invalid', 'endsAt');
  await bad({ signupDeadline: iso(serverNow + 4 * HOUR) }, 'request.invalid', 'signupDeadline');
  await bad({ capacity: 0 }, 'request.invalid', 'capacity');
  await bad({ orgId: who.townshipAdmin.orgId }, 'org.not_found', undefined, 404); // not in the secretary's subtree
  await bad({ score: 5 }, 'request.unknown_field', 'score');
  assertError(await api('POST', '/api/v1/activities', { token: srv.townToken ?? (await srv.login(who.townshipAdmin)).token, body: body({ orgId: who.townshipAdmin.orgId }) }), 400, 'request.invalid', 'orgId');
  assert.equal(one('SELECT COUNT(*) FROM activities'), before);
  // Accepted time forms: with milliseconds (a browser's toISOString) and without seconds.
  const a = await create({ startsAt: new Date((serverNow + 3 * HOUR) * 1000).toISOString(), signupDeadline: iso(serverNow + 2 * HOUR).slice(0, 16) + 'Z' });
  assert.equal(Date.parse(a.startsAt) / 1000, serverNow + 3 * HOUR);
});

test('activities: a create and a sign-up replayed with the same Idempotency-Key happen once', async () => {
  await clock();
  const b = body();
  const h = { 'Idempotency-Key': `act-${Date.now()}` };
  const r1 = await api('POST', '/api/v1/activities', { token: tS, body: b, headers: h });
  const r2 = await api('POST', '/api/v1/activities', { token: tS, body: b, headers: h });
  const a = assertData(r1, 201);
  assert.equal(assertData(r2, 201).id, a.id);
  assert.equal(one(`SELECT COUNT(*) FROM activities WHERE title = '${b.title}'`), '1');
  const k = { 'Idempotency-Key': `sign-${Date.now()}` };
  assertData(await api('POST', `/api/v1/activities/${a.id}/signup`, { token: tM, headers: k }));
  assertData(await api('POST', `/api/v1/activities/${a.id}/signup`, { token: tM, headers: k }));
  assert.equal((await get(a.id)).signedUp, 1);
});

test('activities: nothing ranks members: no score, no count per member anywhere in the answers', async () => {
  const list = await listAll(api, tS, `/api/v1/activities?orgId=${villageA}&when=all`);
  const keys = new Set(list.flatMap((x) => Object.keys(x)));
  for (const k of ['score', 'points', 'rank', 'ranking']) assert.ok(!keys.has(k), k);
});
