// rooms.test.mjs - meetings' audio rooms (issue 16), against a real Janus
// started by the test: a pass for the members expected and whoever runs the
// meeting, nobody else; Janus admits a pass's token and refuses others; who
// is in the room is recorded from when to when, a member who drops and
// returns has two intervals, and closing counts a member in the room for
// half the meeting as attending remotely; Janus down or not set up answers
// room.unavailable and nothing else stops. Janus's event handler posts joins
// and leaves, recorded to the second; the look at the room mends a lost
// event; a post without the handler's secret is refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, freePort, startServer, tempDir } from './helpers.mjs';
import { joinRoom, joinVideo, startJanus } from './janus.mjs';

const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const basic = (user, pwd) => `Basic ${Buffer.from(`${user}:${pwd}`).toString('base64')}`;
const secretOf = (janus) => janus.config.find((l) => l.startsWith('janus_events_secret = ')).split(' = ')[1];
// An event as Janus's sample event handler posts it.
const abEvent = (event, room, id) => ({
  emitter: 'zhibu-rooms', type: 64, timestamp: Date.now() * 1000, session_id: 1, handle_id: 2,
  event: { plugin: 'janus.plugin.audiobridge', data: { event, room, id, display: 'x' } },
});
// Janus and zhibu with its events: zhibu on a port chosen first, given to both.
async function startWithEvents(opts = {}) {
  const port = await freePort();
  const janus = await startJanus(join(tempDir('zhibu-janus-'), 'janus'),
    { events: `http://127.0.0.1:${port}/api/v1/rooms/events`, ...opts });
  const srv = await startServer({ testHooks: true, config: janus.config, port });
  return { janus, srv };
}

describe('audio rooms', () => {
  let janus, srv, api, who, tS, tM, tB, villageA;
  const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
  // Polls until pred(value) holds (the room is looked at every second).
  const until = async (get, pred, what) => {
    for (let i = 0; i < 80; i++) {
      const v = await get();
      if (pred(v)) return v;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  before(async () => {
    ({ janus, srv } = await startWithEvents({ reconcileS: 1 }));
    api = srv.api;
    who = srv.who;
    villageA = who.secretaryA.orgId;
    tS = (await srv.login(who.secretaryA)).token;
    tM = (await srv.login(who.member)).token;
    tB = (await srv.login(who.secretaryB)).token;
  });
  after(async () => {
    await srv?.stop();
    await janus?.stop();
  });

  const schedule = async (extra = {}) => {
    const t = await now();
    return assertData(await api('POST', '/api/v1/meetings', {
      token: tS,
      body: { orgId: villageA, type: 'branch_assembly', title: '党员大会（线上）', startsAt: iso(t + 600), durationMin: 30, attendees: 'branch', audioRoom: true, ...extra },
    }), 201);
  };

  test('a pass for whoever is expected; the same pass again; nobody else', async () => {
    const m = await schedule();
    assert.equal(m.audioRoom, true);
    const room = assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    assert.equal(room.open, true);
    assert.equal(room.available, true);
    const pass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    assert.equal(pass.room, m.id);
    assert.match(pass.token, /^[0-9a-f]{64}$/);
    assert.ok(Number.isSafeInteger(pass.participantId) && pass.participantId > 0);
    assert.equal(pass.janusUrl, janus.url);
    const again = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    assert.equal(again.token, pass.token);
    assert.equal(again.participantId, pass.participantId);
    // The secretary of another village: the meeting is not there for them.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tB }), 404, 'meeting.not_found');
    // A meeting without a room.
    const plain = await schedule({ audioRoom: false, place: '村委会议室' });
    assertError(await api('POST', `/api/v1/meetings/${plain.id}/room`, { token: tM }), 409, 'room.off');
    // A meeting without a place, link or room is still refused.
    const t = await now();
    assertError(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'committee', title: '无处', startsAt: iso(t + 600), attendees: 'branch' } }),
      400, 'request.invalid', 'place');
  });

  test('Janus admits a pass and refuses what is not one', async () => {
    const m = await schedule();
    const pass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const ok = await joinRoom(janus, pass);
    assert.equal(ok.joined, true, JSON.stringify(ok));
    // Without a token Janus refuses the session itself.
    const none = await joinRoom(janus, { ...pass, token: '' });
    assert.ok(none.error, 'no session without a token');
    // A made-up token: refused too.
    const forged = await joinRoom(janus, { ...pass, token: 'f'.repeat(64) });
    assert.ok(forged.error, 'no session with a forged token');
    // A pass for another meeting does not open this room.
    const other = await schedule();
    const otherPass = assertData(await api('POST', `/api/v1/meetings/${other.id}/room`, { token: tM }));
    const wrongRoom = await joinRoom(janus, { ...otherPass, room: m.id, participantId: otherPass.participantId + 2 });
    assert.equal(wrongRoom.joined, false, 'a token admitted to one room does not join another');
    await ok.leave();
  });

  test('the host mutes and gives the word; hands are raised in order', async () => {
    const m = await schedule();
    const sPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    const mPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const member = await joinRoom(janus, mPass);
    const host = await joinRoom(janus, sPass);
    assert.ok(member.joined && host.joined);
    // The member raises a hand; the host sees it in the queue.
    assertData(await api('POST', `/api/v1/meetings/${m.id}/room/hand`, { token: tM, body: { raised: true } }));
    assertData(await api('POST', `/api/v1/meetings/${m.id}/room/hand`, { token: tS, body: { raised: true } }));
    let room = assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    assert.deepEqual(room.hands.map((h) => h.memberId), [who.member.memberId, who.secretaryA.memberId]);
    // A member may not lower another's hand.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room/hand`, { token: tM, body: { raised: false, memberId: who.secretaryA.memberId } }), 400, 'request.invalid', 'memberId');
    // The host mutes the member, then gives the word (which lowers the hand).
    const muted = assertData(await api('POST', `/api/v1/meetings/${m.id}/room/mute`, { token: tS, body: { participantId: mPass.participantId, muted: true } }));
    assert.equal(muted.memberId, who.member.memberId);
    // Janus holds it: the room's list (as its phones are told) shows the member muted.
    assert.equal((await janus.participants(m.id)).find((p) => p.id === mPass.participantId).muted, true);
    assertData(await api('POST', `/api/v1/meetings/${m.id}/room/mute`, { token: tS, body: { participantId: mPass.participantId, muted: false } }));
    room = assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    assert.deepEqual(room.hands.map((h) => h.memberId), [who.secretaryA.memberId]);
    // Not a participant of this room, a member who is not the host: refused.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room/mute`, { token: tS, body: { participantId: 12345, muted: true } }), 404, 'room.no_pass', 'participantId');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room/mute`, { token: tM, body: { participantId: sPass.participantId, muted: true } }), 404, 'meeting.not_found');
    await member.leave();
    await host.leave();
  });

  test('who is in the room, from when to when; a drop and a return are two intervals; closing counts it', async () => {
    const m = await schedule();
    const sPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    const mPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const host = await joinRoom(janus, sPass);
    let member = await joinRoom(janus, mPass);
    assert.ok(host.joined && member.joined);
    const room = await until(() => api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM }).then((r) => r.json.data),
      (d) => d.inRoom.length === 2, 'both in the room');
    assert.deepEqual(room.inRoom.map((p) => p.memberId).sort(), [who.secretaryA.memberId, who.member.memberId].sort());
    // The member drops, and comes back.
    await member.leave();
    await until(() => api('GET', `/api/v1/meetings/${m.id}/room/intervals`, { token: tS }).then((r) => r.json.data),
      (d) => d.items.some((i) => i.memberId === who.member.memberId && i.leftAt), 'the drop recorded');
    member = await joinRoom(janus, mPass);
    assert.ok(member.joined);
    const iv = await until(() => api('GET', `/api/v1/meetings/${m.id}/room/intervals`, { token: tS }).then((r) => r.json.data),
      (d) => d.items.filter((i) => i.memberId === who.member.memberId).length === 2, 'the return recorded');
    const mine = iv.items.filter((i) => i.memberId === who.member.memberId);
    assert.ok(mine[0].leftAt && !mine[1].leftAt);
    assert.ok(Date.parse(mine[0].leftAt) <= Date.parse(mine[1].joinedAt));
    // A member may not read the intervals.
    assertError(await api('GET', `/api/v1/meetings/${m.id}/room/intervals`, { token: tM }), 404, 'meeting.not_found');
    // 20 of the 30 minutes in the room (the clock moves; the room is looked at again).
    await api('POST', '/test/clock', { body: { advance: 20 * 60 } });
    await until(() => api('GET', `/api/v1/meetings/${m.id}`, { token: tS }).then((r) => r.json.data),
      (d) => d.attendance.find((a) => a.memberId === who.member.memberId).roomSeconds >= 20 * 60 - 120, 'the time in the room');
    assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '线上党员大会，议题已讨论。' } }));
    const closed = assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }));
    const row = closed.attendance.find((a) => a.memberId === who.member.memberId);
    assert.equal(row.status, 'remote');
    assert.equal(row.source, 'room');
    // Others who never came are absent as before.
    assert.ok(closed.attendance.some((a) => a.status === 'absent'));
    await host.leave();
    await member.leave();
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }), 409, 'meeting.closed');
  });

  test('the host turns video on: the passes enter the VideoRoom too; off, it is gone', async () => {
    const m = await schedule();
    const early = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    assert.equal(early.video, false);
    assert.equal(assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM })).video, false);
    // Without video, the token does not open the VideoRoom.
    assert.equal((await joinVideo(janus, early)).joined, false);
    // Only who runs the meeting turns it on.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room/video`, { token: tM, body: { on: true } }), 404, 'meeting.not_found');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room/video`, { token: tB, body: { on: true } }), 404, 'meeting.not_found');
    assert.deepEqual(assertData(await api('POST', `/api/v1/meetings/${m.id}/room/video`, { token: tS, body: { on: true } })), { video: true });
    assert.equal(assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM })).video, true);
    // The pass given before: admitted to the video at once; a pass asked now says video.
    const cam = await joinVideo(janus, early);
    assert.ok(cam.joined, JSON.stringify(cam));
    const sPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    assert.equal(sPass.video, true);
    const hostCam = await joinVideo(janus, sPass);
    assert.ok(hostCam.joined);
    assert.deepEqual(hostCam.data.publishers, []); // no media sent yet: nobody published
    // Another meeting's pass, with video there too, does not open this meeting's video.
    const other = await schedule();
    assertData(await api('POST', `/api/v1/meetings/${other.id}/room/video`, { token: tS, body: { on: true } }));
    const otherPass = assertData(await api('POST', `/api/v1/meetings/${other.id}/room`, { token: tM }));
    assert.equal(otherPass.video, true);
    const otherCam = await joinVideo(janus, otherPass);
    assert.ok(otherCam.joined);
    await otherCam.leave();
    const wrong = await joinVideo(janus, { ...otherPass, room: m.id, participantId: otherPass.participantId + 2 });
    assert.equal(wrong.joined, false);
    assert.match(String(wrong.error), /unauthorized|token/i);
    await cam.leave();
    await hostCam.leave();
    // Off: the VideoRoom room is gone, the audio room stays.
    assert.deepEqual(assertData(await api('POST', `/api/v1/meetings/${m.id}/room/video`, { token: tS, body: { on: false } })), { video: false });
    assert.equal(assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM })).video, false);
    assert.equal((await joinVideo(janus, early)).joined, false);
    assert.ok((await joinRoom(janus, early)).joined);
    // A meeting without a room has no video either.
    const plain = await schedule({ audioRoom: false, place: '村委会议室' });
    assertError(await api('POST', `/api/v1/meetings/${plain.id}/room/video`, { token: tS, body: { on: true } }), 409, 'room.off');
  });

  test('a leave Janus never reported is mended by the look at the room', async () => {
    const m = await schedule();
    const mPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    // A join posted as the handler would, for a member who is not in Janus's room.
    const r = await api('POST', '/api/v1/rooms/events', {
      headers: { Authorization: basic('janus', secretOf(janus)) }, body: abEvent('joined', m.id, mPass.participantId),
    });
    assert.deepEqual(assertData(r), { events: 1, recorded: 1 });
    const iv = await until(() => api('GET', `/api/v1/meetings/${m.id}/room/intervals`, { token: tS }).then((x) => x.json.data),
      (d) => d.items.length === 1 && d.items[0].leftAt, 'the interval closed by the look at the room');
    assert.equal(iv.items[0].memberId, who.member.memberId);
  });

  test('a migrant at the branch hosting her: expected there, in its room, and seen at home as attended there', async () => {
    const migrant = who.migrant;
    const hostBranch = who.secretaryB.orgId;
    // Her home secretary records where she works now.
    assertData(await api('PATCH', `/api/v1/members/${migrant.memberId}`, { token: tS, body: { migrant: true, hostOrgId: hostBranch } }));
    const t = await now();
    // The host branch may expect her (chosen, or all the migrants it hosts) but nobody else's member.
    assertError(await api('POST', '/api/v1/meetings', { token: tB, body: { orgId: hostBranch, type: 'group_meeting', title: '流入党员学习会', startsAt: iso(t + 600), attendees: 'members', memberIds: [who.member.memberId], audioRoom: true } }),
      400, 'request.invalid', 'memberIds');
    const chosen = assertData(await api('POST', '/api/v1/meetings', { token: tB, body: { orgId: hostBranch, type: 'group_meeting', title: '流入党员学习会', startsAt: iso(t + 600), attendees: 'members', memberIds: [migrant.memberId], audioRoom: true } }), 201);
    assert.equal(chosen.counts.expected, 1);
    const all = assertData(await api('POST', '/api/v1/meetings', { token: tB, body: { orgId: hostBranch, type: 'branch_assembly', title: '党员大会', startsAt: iso(t + 900), attendees: 'branch', withHosted: true, audioRoom: true } }), 201);
    assert.ok(all.attendance.some((a) => a.memberId === migrant.memberId));
    // She sees it among her meetings and takes her place in its room.
    const tG = (await srv.login(migrant)).token;
    const mine = assertData(await api('GET', '/api/v1/me/meetings', { token: tG }));
    assert.ok(mine.items.some((x) => x.id === chosen.id));
    assertData(await api('POST', `/api/v1/meetings/${chosen.id}/room`, { token: tG }));
    // The host secretary marks her present; her home secretary sees where she attended.
    assertData(await api('POST', `/api/v1/meetings/${chosen.id}/attendance`, { token: tB, body: { memberId: migrant.memberId, status: 'remote' } }));
    const home = assertData(await api('GET', `/api/v1/members/${migrant.memberId}/meetings`, { token: tS }));
    const row = home.items.find((x) => x.meetingId === chosen.id);
    assert.equal(row.away, true);
    assert.equal(row.orgId, hostBranch);
    assert.equal(row.status, 'remote');
    assert.ok(row.orgName);
    // She sees her own list too; a member of the host branch does not see hers.
    assertData(await api('GET', `/api/v1/members/${migrant.memberId}/meetings`, { token: tG }));
    assertError(await api('GET', `/api/v1/members/${migrant.memberId}/meetings`, { token: tM }), 404, 'member.not_found');
  });

  test('an expired pass no longer opens the room: its token is taken back from Janus', async () => {
    const m = await schedule();
    const pass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const ok = await joinRoom(janus, pass);
    assert.equal(ok.joined, true);
    await ok.leave();
    // Past the planned end and the hour after it (10 + 30 + 60 minutes): the pass expired.
    await api('POST', '/test/clock', { body: { advance: 101 * 60 } });
    let again;
    for (let i = 0; i < 50; i++) {
      again = await joinRoom(janus, pass);
      if (!again.joined && again.error) break; // refused from the session on
      if (again.joined) await again.leave();
      await sleep(200);
    }
    assert.equal(again.joined, false, 'the expired token was removed from Janus');
    assert.ok(again.error, 'Janus refuses the session');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }), 409, 'room.not_open');
  });

  test('Janus down: the pass answers room.unavailable, the meeting goes on', async () => {
    const m = await schedule();
    await janus.stop();
    assertError(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }), 503, 'room.unavailable');
    assertData(await api('GET', `/api/v1/meetings/${m.id}`, { token: tM }));
    assertData(await api('GET', '/api/v1/me', { token: tM }));
  });
});

test('without Janus set up there are no passes, and the page says so', async () => {
  const srv = await startServer();
  try {
    const tS = (await srv.login(srv.who.secretaryA)).token;
    const t = Math.floor(Date.now() / 1000);
    const m = assertData(await srv.api('POST', '/api/v1/meetings', {
      token: tS,
      body: { orgId: srv.who.secretaryA.orgId, type: 'committee', title: '支委会', startsAt: iso(t + 600), attendees: 'branch', audioRoom: true },
    }), 201);
    const room = assertData(await srv.api('GET', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    assert.equal(room.available, false);
    assertError(await srv.api('POST', `/api/v1/meetings/${m.id}/room`, { token: tS }), 503, 'room.unavailable');
  } finally {
    await srv.stop();
  }
});

describe("Janus's events: joins and leaves to the second", () => {
  let janus, srv, api, who, tS, tM, villageA;
  const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
  const intervals = async (id) => assertData(await api('GET', `/api/v1/meetings/${id}/room/intervals`, { token: tS })).items;
  const until = async (get, pred, what) => {
    for (let i = 0; i < 60; i++) {
      const v = await get();
      if (pred(v)) return v;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  before(async () => {
    // The look at the room comes once at the start and then not for ten minutes:
    // whatever is recorded here came from the events.
    ({ janus, srv } = await startWithEvents({ pollS: 600, reconcileS: 600 }));
    api = srv.api;
    who = srv.who;
    villageA = who.secretaryA.orgId;
    tS = (await srv.login(who.secretaryA)).token;
    tM = (await srv.login(who.member)).token;
  });
  after(async () => {
    await srv?.stop();
    await janus?.stop();
  });

  const schedule = async () => {
    const t = await now();
    return assertData(await api('POST', '/api/v1/meetings', {
      token: tS,
      body: { orgId: villageA, type: 'branch_assembly', title: '党员大会（线上）', startsAt: iso(t + 600), durationMin: 30, attendees: 'branch', audioRoom: true },
    }), 201);
  };

  test('a join, a leave and a return are recorded within two seconds of when they happened', async () => {
    const m = await schedule();
    const sPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tS }));
    const mPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const host = await joinRoom(janus, sPass);
    const t0 = await now();
    let member = await joinRoom(janus, mPass);
    assert.ok(host.joined && member.joined);
    let iv = await until(() => intervals(m.id), (d) => d.length === 2, 'both joins');
    for (const i of iv) assert.ok(Math.abs(Date.parse(i.joinedAt) / 1000 - t0) <= 2, `joined at ${i.joinedAt}, ${iso(t0)}`);
    await sleep(2000);
    await member.leave();
    const t1 = await now();
    iv = await until(() => intervals(m.id), (d) => d.some((i) => i.leftAt), 'the leave');
    const left = iv.find((i) => i.memberId === who.member.memberId);
    assert.ok(Math.abs(Date.parse(left.leftAt) / 1000 - t1) <= 2, `left at ${left.leftAt}, ${iso(t1)}`);
    assert.ok(Date.parse(left.leftAt) - Date.parse(left.joinedAt) >= 1000);
    await sleep(1000);
    member = await joinRoom(janus, mPass);
    const t2 = await now();
    assert.ok(member.joined);
    iv = await until(() => intervals(m.id), (d) => d.length === 3, 'the return');
    const back = iv.filter((i) => i.memberId === who.member.memberId);
    assert.equal(back.length, 2);
    assert.equal(back[1].leftAt, null);
    assert.ok(Math.abs(Date.parse(back[1].joinedAt) / 1000 - t2) <= 2);
    // The room as the page shows it: both in it.
    const room = assertData(await api('GET', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    assert.equal(room.inRoom.length, 2);
    await member.leave();
    await host.leave();
    await until(() => intervals(m.id), (d) => d.every((i) => i.leftAt), 'everyone left');
  });

  test('a post without the handler\'s secret is refused; events of rooms zhibu does not know are ignored', async () => {
    const m = await schedule();
    const mPass = assertData(await api('POST', `/api/v1/meetings/${m.id}/room`, { token: tM }));
    const joined = abEvent('joined', m.id, mPass.participantId);
    const post = (headers, body = joined) => api('POST', '/api/v1/rooms/events', { headers, body });
    assertError(await post({}), 404, 'request.not_found');
    assertError(await post({ Authorization: basic('janus', 'wrong-secret-wrong-secret') }), 404, 'request.not_found');
    assertError(await post({ Authorization: basic('janus', secretOf(janus) + 'x') }), 404, 'request.not_found');
    assertError(await post({ Authorization: basic('admin', secretOf(janus)) }), 404, 'request.not_found');
    assertError(await post({ Authorization: `Bearer ${tS}` }), 404, 'request.not_found');
    assert.deepEqual(await intervals(m.id), []);
    const auth = { Authorization: basic('janus', secretOf(janus)) };
    // Another room of Janus's, a participant without a pass, other events: nothing recorded.
    assert.deepEqual(assertData(await post(auth, abEvent('joined', 987654321, mPass.participantId))), { events: 1, recorded: 0 });
    assert.deepEqual(assertData(await post(auth, abEvent('joined', m.id, 12345))), { events: 1, recorded: 0 });
    assert.deepEqual(assertData(await post(auth, { type: 64, event: { plugin: 'janus.plugin.audiobridge', data: { event: 'created', room: m.id } } })), { events: 0, recorded: 0 });
    assert.deepEqual(assertData(await post(auth, { type: 1, event: { name: 'created' }, session_id: 5 })), { events: 0, recorded: 0 });
    assert.deepEqual(await intervals(m.id), []);
    assertError(await post(auth, 'not json'), 400, 'request.bad_json');
    assertError(await post(auth, '[1, 2]'), 400, 'request.bad_json');
    // A body over 16 KiB is refused before it is read.
    assertError(await post(auth, JSON.stringify([joined, { pad: 'x'.repeat(17000) }])), 413, 'request.too_large');
    // Grouped events (an array) are taken as well, in order.
    assert.deepEqual(assertData(await post(auth, [joined, abEvent('left', m.id, mPass.participantId)])), { events: 2, recorded: 2 });
    const iv = await intervals(m.id);
    assert.equal(iv.length, 1);
    assert.ok(iv[0].leftAt);
  });
});
