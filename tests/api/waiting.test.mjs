// GET /me/waiting: one list of what waits for this member, newest first — an answer to
// their message, a correction of a post they saw, an open poll they have not voted in,
// an activity of their (or their host) branch not answered, a notice to read or
// acknowledge, a meeting they are expected at — each gone once the member has acted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, startServer } from './helpers.mjs';

const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const HOUR = 3600;

describe('waiting', () => {
  let srv, api, who, tS, tM, tG, tC, villageA;
  const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
  const waiting = async (token = tM) => assertData(await api('GET', '/api/v1/me/waiting', { token }));
  const has = (w, kind, id) => w.items.some((x) => x.kind === kind && x.id === id);

  before(async () => {
    srv = await startServer({ testHooks: true });
    api = srv.api;
    who = srv.who;
    villageA = who.secretaryA.orgId;
    tS = (await srv.login(who.secretaryA)).token;
    tM = (await srv.login(who.member)).token;
    tG = (await srv.login(who.migrant)).token;
    tC = (await srv.login(who.countyAdmin)).token;
  });
  after(async () => {
    await srv?.stop();
  });

  test('each kind appears, newest first, and goes away once the member acts', async () => {
    const t = await now();
    // A message answered by the secretary.
    const th = assertData(await api('POST', '/api/v1/threads', { token: tM, body: { kind: 'question', subject: '党费怎么交', text: '外出期间党费怎么交？' } }), 201);
    assert.ok(!has(await waiting(), 'answer', th.id), 'nothing waits while the branch has to answer');
    await srv.advanceClock(60);
    assertData(await api('POST', `/api/v1/threads/${th.id}/replies`, { token: tS, body: { text: '可以在流入地支部交。' } }), 201);
    // A poll, an activity, a notice to acknowledge, a meeting.
    await srv.advanceClock(60);
    const poll = assertData(await api('POST', '/api/v1/polls', { token: tS, body: { orgId: villageA, title: '明年办什么', options: ['植树', '修路'], closesAt: iso(t + 5 * HOUR) } }), 201);
    await srv.advanceClock(60);
    const act = assertData(await api('POST', '/api/v1/activities', { token: tS, body: {
      orgId: villageA, kind: 'volunteer', title: '清理河道', place: '村口河边', startsAt: iso(t + 3 * HOUR), endsAt: iso(t + 4 * HOUR), signupDeadline: iso(t + 2 * HOUR), capacity: 10,
    } }), 201);
    await srv.advanceClock(60);
    const notice = assertData(await api('POST', '/api/v1/notices', { token: tS, body: { orgId: villageA, title: '请确认收到', text: '周六开会', ackRequired: true } }), 201);
    await srv.advanceClock(60);
    const mtg = assertData(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'committee', title: '支委会', startsAt: iso(t + 2 * HOUR), place: '村委会', attendees: 'branch' } }), 201);

    const w = await waiting();
    const mine = w.items.filter((x) => [['answer', th.id], ['poll', poll.id], ['activity', act.id], ['notice', notice.id], ['meeting', mtg.id]]
      .some(([k, id]) => x.kind === k && x.id === id));
    assert.deepEqual(mine.map((x) => x.kind), ['meeting', 'notice', 'activity', 'poll', 'answer'], 'newest first');
    const by = (k) => mine.find((x) => x.kind === k);
    assert.equal(by('answer').title, '党费怎么交');
    assert.equal(by('answer').what, 'answer');
    assert.equal(by('notice').what, 'ack');
    assert.equal(by('poll').until, iso(t + 5 * HOUR));
    assert.equal(by('activity').until, iso(t + 2 * HOUR));
    assert.equal(by('meeting').until, iso(t + 2 * HOUR));
    for (let i = 1; i < w.items.length; i++) assert.ok(w.items[i - 1].at >= w.items[i].at, 'sorted by time, newest first');
    assert.ok(w.total >= w.items.length);

    // Acting removes each one.
    assertData(await api('POST', `/api/v1/threads/${th.id}/replies`, { token: tM, body: { text: '谢谢' } }), 201);
    const o = assertData(await api('GET', `/api/v1/polls/${poll.id}`, { token: tM })).options[0].id;
    assertData(await api('POST', `/api/v1/polls/${poll.id}/vote`, { token: tM, body: { choices: [o] } }));
    assertData(await api('POST', `/api/v1/activities/${act.id}/signup`, { token: tM }));
    assertData(await api('POST', `/api/v1/notices/${notice.id}/read`, { token: tM }));
    let after = await waiting();
    assert.ok(has(after, 'notice', notice.id), 'read but not acknowledged: still waits');
    assertData(await api('POST', `/api/v1/notices/${notice.id}/ack`, { token: tM }));
    assertData(await api('POST', `/api/v1/meetings/${mtg.id}/leave`, { token: tM, body: { reason: '外出务工' } }));
    after = await waiting();
    for (const [k, id] of [['answer', th.id], ['poll', poll.id], ['activity', act.id], ['notice', notice.id], ['meeting', mtg.id]]) {
      assert.ok(!has(after, k, id), `${k} ${id} no longer waits`);
    }
  });

  test('unread corrections of posts the member saw are in the list', async () => {
    const cs = assertData(await api('GET', '/api/v1/me/corrections', { token: tM }));
    const unread = (cs.items || []).filter((c) => !c.readAt && !c.read);
    const w = await waiting();
    const corr = w.items.filter((x) => x.kind === 'correction');
    assert.equal(corr.length, unread.length);
    for (const c of corr) assert.ok(['false', 'clarification'].includes(c.what));
  });

  test('a member working away: /me says where and the host branch; the list has the host branch\'s activities, not the village\'s, and meetings say how to take part', async () => {
    const villageB = who.secretaryB.orgId;
    assertData(await api('PATCH', `/api/v1/members/${who.migrant.memberId}`, { token: tC, body: { hostOrgId: villageB } }));
    const me = assertData(await api('GET', '/api/v1/me', { token: tG }));
    assert.equal(me.member.migrant, true);
    assert.ok(me.member.migrantPlace);
    assert.equal(me.member.host.id, villageB);
    assert.ok(me.member.host.name);
    assert.equal(assertData(await api('GET', '/api/v1/me', { token: tM })).member.host, null);
    const t = await now();
    const act = (orgId, title) => api('POST', '/api/v1/activities', { token: tC, body: {
      orgId, kind: 'volunteer', title, place: '路口', startsAt: iso(t + 3 * HOUR), endsAt: iso(t + 4 * HOUR), signupDeadline: iso(t + 2 * HOUR),
    } });
    const home = assertData(await act(villageA, '村道清扫'), 201);
    const host = assertData(await act(villageB, '流入地社区志愿服务'), 201);
    const inPerson = assertData(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'theme_day', title: '主题党日', startsAt: iso(t + 5 * HOUR), place: '村委会', attendees: 'branch' } }), 201);
    const online = assertData(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'party_lecture', title: '线上党课', startsAt: iso(t + 6 * HOUR), onlineLink: 'https://meet.example.cn/k', attendees: 'branch' } }), 201);
    const g = await waiting(tG);
    assert.ok(has(g, 'activity', host.id), 'the host branch\'s activity');
    assert.ok(!has(g, 'activity', home.id), 'not the village\'s, 1,500 km away');
    assert.equal(g.items.find((x) => x.kind === 'meeting' && x.id === inPerson.id).what, 'leave');
    assert.equal(g.items.find((x) => x.kind === 'meeting' && x.id === online.id).what, 'online');
    // A member at home sees the village's activity, and the meeting without its leave hint.
    const m = await waiting();
    assert.ok(has(m, 'activity', home.id) && !has(m, 'activity', host.id));
    assert.equal(m.items.find((x) => x.kind === 'meeting' && x.id === inPerson.id).what, null);
  });

  test('an account without a member record gets its notices only; every list is the caller\'s own', async () => {
    const w = await waiting(tC);
    assert.ok(w.items.every((x) => ['notice', 'correction'].includes(x.kind)), JSON.stringify(w.items.map((x) => x.kind)));
    // The other member does not see the first member's thread.
    const g = await waiting(tG);
    assert.ok(!g.items.some((x) => x.kind === 'answer' && x.title === '党费怎么交'));
    assert.equal((await api('GET', '/api/v1/me/waiting')).status, 401);
  });
});
