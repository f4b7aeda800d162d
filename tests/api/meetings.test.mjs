// meetings.test.mjs - organisational life: scheduling, the windows and cut-offs of
// check-in and leave (moved with the test clock), the rotating code, remote versus in
// person, the record locked after close with appended notes, asynchronous confirmation,
// the rules per organisation, and the compliance colours with their roll-up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, beijing, startServer } from './helpers.mjs';

const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

describe('meetings', () => {
  let srv, api, who, tS, tB, tM, tG, tT, villageA, villageB;
  const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);

  before(async () => {
    srv = await startServer({ testHooks: true });
    api = srv.api;
    who = srv.who;
    villageA = who.secretaryA.orgId;
    villageB = who.secretaryB.orgId;
    tS = (await srv.login(who.secretaryA)).token;
    tB = (await srv.login(who.secretaryB)).token;
    tM = (await srv.login(who.member)).token;
    tG = (await srv.login(who.migrant)).token;
    tT = (await srv.login(who.townshipAdmin)).token;
  });
  after(async () => {
    await srv?.stop();
  });

  // A meeting of village A starting in `inSec` seconds (server time).
  const schedule = async (extra = {}, inSec = 3600, token = tS) => {
    const t = await now();
    return api('POST', '/api/v1/meetings', {
      token,
      body: { orgId: villageA, type: 'committee', title: '支委会', startsAt: iso(t + inSec), place: '村委会议室', attendees: 'branch', agenda: '一、学习\n二、议事', ...extra },
    });
  };

  test('scheduling: the branch is expected; members see it in their list', async () => {
    const m = assertData(await schedule(), 201);
    assert.equal(m.state, 'scheduled');
    assert.equal(m.canRun, true);
    assert.ok(m.counts.expected >= 3, 'the branch roster is expected');
    assert.equal(m.attendance.length, m.counts.expected);
    assert.ok(m.attendance.some((a) => a.memberId === who.member.memberId && a.status === 'expected'));
    const mine = assertData(await api('GET', '/api/v1/me/meetings', { token: tM }));
    assert.ok(mine.items.some((x) => x.id === m.id && x.myStatus === 'expected'));
    // A member sees the meeting and only their own attendance row.
    const seen = assertData(await api('GET', `/api/v1/meetings/${m.id}`, { token: tM }));
    assert.equal(seen.canRun, false);
    assert.deepEqual(seen.attendance.map((a) => a.memberId), [who.member.memberId]);
    assert.equal(seen.agenda, '一、学习\n二、议事');
    // The branch list.
    const list = assertData(await api('GET', `/api/v1/orgs/${villageA}/meetings`, { token: tS }));
    assert.equal(list.items[0].id, m.id);
  });

  test('scheduling: a party group, chosen members, and bad input stores nothing', async () => {
    const chosen = assertData(await schedule({ attendees: 'members', memberIds: [who.member.memberId, who.migrant.memberId] }), 201);
    assert.equal(chosen.counts.expected, 2);
    const branchSize = assertData(await schedule(), 201).counts.expected;
    const groups = assertData(await api('GET', `/api/v1/orgs/${villageA}/children?limit=50`, { token: tS })).items.filter((o) => o.level === 'group');
    const sizes = [];
    for (const g of groups) sizes.push(assertData(await schedule({ attendees: 'group', groupId: g.id }), 201).counts.expected);
    assert.ok(sizes.every((n) => n < branchSize), 'a group meeting expects the group only');
    assert.ok(sizes.reduce((a, b) => a + b, 0) <= branchSize);
    assertError(await schedule({ attendees: 'group' }), 400, 'request.invalid', 'groupId');
    const before = assertData(await api('GET', `/api/v1/orgs/${villageA}/meetings?limit=200`, { token: tS })).items.length;
    assertError(await schedule({ place: undefined }), 400, 'request.invalid', 'place');
    assertError(await schedule({ startsAt: '2026-13-01T00:00:00Z' }), 400, 'request.invalid', 'startsAt');
    assertError(await schedule({ onlineLink: 'zoom-meeting' }), 400, 'request.invalid', 'onlineLink');
    assertError(await schedule({ attendees: 'group', groupId: villageB }), 400, 'request.invalid', 'groupId');
    assertError(await schedule({ attendees: 'members', memberIds: [who.member.memberId, who.secretaryB.memberId] }), 400, 'request.invalid', 'memberIds');
    assertError(await schedule({ attendees: 'members', memberIds: '1,2' }), 400, 'request.invalid', 'memberIds');
    assertError(await schedule({ attendees: 'members', memberIds: [1, 1] }), 400, 'request.invalid', 'memberIds');
    // Inputs the dispatcher types: an instant, an http(s) link, a title not blank.
    assertError(await schedule({ startsAt: '2026-13-01T02:00:00Z' }), 400, 'request.invalid', 'startsAt');
    assertError(await schedule({ onlineLink: 'javascript:alert(1)' }), 400, 'request.invalid', 'onlineLink');
    assertError(await schedule({ title: '\u3000 \u3000' }), 400, 'request.invalid', 'title');
    assertError(await schedule({ type: 'picnic' }), 400, 'request.invalid', 'type');
    assertError(await schedule({ orgId: who.townshipAdmin.orgId }, 3600, tT), 400, 'request.invalid', 'orgId');
    const afterList = assertData(await api('GET', `/api/v1/orgs/${villageA}/meetings?limit=200`, { token: tS })).items.length;
    assert.equal(afterList, before, 'refused requests store nothing');
    // Spaces around a title (the ideographic one too) are trimmed.
    const trimmed = assertData(await schedule({ title: '\u3000支委会 ' }), 201);
    assert.equal(trimmed.title, '支委会');
  });

  test('scope: another branch secretary gets exactly the missing answer', async () => {
    const m = assertData(await schedule(), 201);
    assertError(await schedule({}, 3600, tB), 404, 'org.not_found');
    const other = await api('GET', `/api/v1/meetings/${m.id}`, { token: tB });
    const missing = await api('GET', '/api/v1/meetings/99999999', { token: tB });
    assertError(other, 404, 'meeting.not_found');
    assert.deepEqual(other.json.error, missing.json.error);
    assertError(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tB }), 404, 'meeting.not_found');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tB, body: { code: '000000' } }), 404, 'meeting.not_found');
    // A member cannot read the code or run the meeting.
    assertError(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tM }), 404, 'meeting.not_found');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tM }), 404, 'meeting.not_found');
    // The township admin above may run it, but is not expected: 403 on the member's own steps.
    assertData(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tT }));
    assertError(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tT, body: { code: '000000' } }), 403, 'meeting.not_expected');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/leave`, { token: tT, body: { reason: '有事' } }), 403, 'meeting.not_expected');
  });

  test('scheduling is idempotent with an Idempotency-Key', async () => {
    const t = await now();
    const body = { orgId: villageA, type: 'party_lecture', title: '党课', startsAt: iso(t + 7200), place: '礼堂', attendees: 'branch' };
    const headers = { 'Idempotency-Key': `mtg-${t}` };
    const a = assertData(await api('POST', '/api/v1/meetings', { token: tS, body, headers }), 201);
    const b = assertData(await api('POST', '/api/v1/meetings', { token: tS, body, headers }), 201);
    assert.equal(a.id, b.id);
  });

  test('check-in: only inside the window, only with the current or previous code', async () => {
    const m = assertData(await schedule({}, 3600), 201);
    const code = async () => assertData(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tS })).code;
    const checkin = (body, token = tM) => api('POST', `/api/v1/meetings/${m.id}/checkin`, { token, body });
    // 60 minutes before: outside the ±20 minute window.
    assertError(await checkin({ code: await code() }), 409, 'meeting.window');
    await srv.advanceClock(3600 - 19 * 60); // 19 minutes before
    const c1 = await code();
    assert.match(c1, /^\d{6}$/);
    assertError(await checkin({ code: c1 === '000000' ? '000001' : '000000' }), 409, 'meeting.code', 'code');
    assertError(await checkin({}), 409, 'meeting.code', 'code');
    // Rotation: a new code each 30 s; the previous one still works, the one before not.
    await srv.advanceClock(30);
    const c2 = await code();
    await srv.advanceClock(30);
    const c3 = await code();
    assert.ok(c1 !== c2 || c2 !== c3, 'the code rotates');
    assertError(await checkin({ code: c1 }), 409, 'meeting.code');
    const row = assertData(await checkin({ code: c2 }));
    assert.equal(row.status, 'present');
    assert.equal(row.source, 'checkin');
    assert.equal(row.memberId, who.member.memberId);
    // Checking in again answers the same row.
    assert.equal(assertData(await checkin({ code: c3 })).status, 'present');
    // Remote: this meeting has no online link.
    assertError(await checkin({ remote: true }, tG), 400, 'request.invalid', 'remote');
    // 18 minutes before now; 21 minutes after the start is past the window.
    await srv.advanceClock(18 * 60 + 20 * 60 + 60);
    assertError(await checkin({ code: await code() }, tG), 409, 'meeting.window');
  });

  test('the code screen: with the client\'s origin, a check-in link and its QR code that rotate with the code', async () => {
    const m = assertData(await schedule({}, 60), 201);
    const get = (q) => api('GET', `/api/v1/meetings/${m.id}/code${q}`, { token: tS });
    const plain = assertData(await get(''));
    assert.equal(plain.checkinUrl, undefined);
    assert.equal(plain.svg, undefined);
    const a = assertData(await get('?origin=' + encodeURIComponent('https://zhibu.example.cn:8443')));
    assert.equal(a.checkinUrl, `https://zhibu.example.cn:8443/#/checkin/${m.id}/${a.code}`);
    assert.match(a.svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>$/);
    // The link checks in the member it is opened by: the code in it is the code.
    const row = assertData(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tM, body: { code: a.checkinUrl.split('/').pop() } }));
    assert.equal(row.status, 'present');
    await srv.advanceClock(30);
    const b = assertData(await get('?origin=' + encodeURIComponent('https://zhibu.example.cn:8443')));
    if (b.code !== a.code) assert.notEqual(b.svg, a.svg, 'the QR code rotates with the code');
    // Only an origin: no path, query, fragment or credentials to smuggle into the link.
    for (const bad of ['javascript:alert(1)', 'https://x.cn/path', 'https://x.cn/#/a', 'https://u@x.cn', 'ftp://x.cn', 'https://']) {
      assertError(await get('?origin=' + encodeURIComponent(bad)), 400, 'request.invalid', 'origin');
    }
  });

  test('check-in: guessing codes is throttled', async () => {
    const m = assertData(await schedule({}, 60), 201);
    const code = async () => assertData(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tS })).code;
    const checkin = (c) => api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tG, body: { code: c } });
    const wrong = async () => { const c = await code(); return c === '111111' ? '222222' : '111111'; };
    for (let i = 0; i < 5; i++) assertError(await checkin(await wrong()), 409, 'meeting.code');
    assertError(await checkin(await code()), 429, 'meeting.code_throttled');
    // Another member is not held back.
    assert.equal(assertData(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tM, body: { code: await code() } })).status, 'present');
    // Ten minutes on (nine after the start, still inside the window) the member may try again.
    await srv.advanceClock(600);
    assert.equal(assertData(await checkin(await code())).status, 'present');
  });

  test('check-in: remote attendance for a meeting with an online link is marked as such', async () => {
    const m = assertData(await schedule({ place: undefined, onlineLink: 'https://meeting.example.cn/j/123' }, 600), 201);
    const row = assertData(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tG, body: { remote: true } }));
    assert.equal(row.status, 'remote');
    assert.equal(row.source, 'remote');
    // In person at the same meeting still needs the code.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/checkin`, { token: tM, body: { code: 'abcdef' } }), 409, 'meeting.code');
  });

  test('leave: asked until the cut-off, decided by the secretary', async () => {
    const m = assertData(await schedule({}, 3600), 201);
    const leave = (token = tM, reason = '外出务工，无法参加') => api('POST', `/api/v1/meetings/${m.id}/leave`, { token, body: { reason } });
    assertError(await api('POST', `/api/v1/meetings/${m.id}/leave`, { token: tM, body: {} }), 400, 'request.invalid', 'reason');
    const row = assertData(await leave());
    assert.equal(row.leaveState, 'pending');
    assert.equal(row.status, 'expected');
    assertError(await leave(), 409, 'meeting.state');
    // Decided by the secretary; a member cannot decide.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/leave-decision`, { token: tM, body: { memberId: who.member.memberId, approve: true } }), 404, 'meeting.not_found');
    const d = assertData(await api('POST', `/api/v1/meetings/${m.id}/leave-decision`, { token: tS, body: { memberId: who.member.memberId, approve: true } }));
    const a = d.attendance.find((x) => x.memberId === who.member.memberId);
    assert.equal(a.status, 'leave');
    assert.equal(a.leaveState, 'approved');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/leave-decision`, { token: tS, body: { memberId: who.member.memberId, approve: false } }), 409, 'meeting.state');
    // Refused: the member stays expected.
    assertData(await leave(tG));
    const r = assertData(await api('POST', `/api/v1/meetings/${m.id}/leave-decision`, { token: tS, body: { memberId: who.migrant.memberId, approve: false } }));
    assert.equal(r.attendance.find((x) => x.memberId === who.migrant.memberId).status, 'expected');
    // 19 minutes before the start: past the 20 minute cut-off.
    await srv.advanceClock(3600 - 19 * 60);
    assertError(await leave(tG), 409, 'meeting.leave_cutoff');
  });

  test('close: minutes required, absentees marked, record locked, notes appended, confirmation', async () => {
    const m = assertData(await schedule({}, 60), 201);
    await srv.advanceClock(120);
    // The secretary marks the member present from a paper sheet.
    const sheet = assertData(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'signin_sheet', ref: 'photo://sheet-1.jpg', name: '签到表' } }), 201);
    assert.equal(sheet.files[0].kind, 'signin_sheet');
    const marked = assertData(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.member.memberId, status: 'present', paper: true } }));
    assert.equal(marked.attendance.find((x) => x.memberId === who.member.memberId).source, 'paper');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.secretaryB.memberId, status: 'present' } }), 404, 'member.not_found');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.member.memberId, status: 'remote' } }), 400, 'request.invalid', 'status');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }), 409, 'meeting.no_minutes');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/notes`, { token: tS, body: { text: '补充' } }), 409, 'meeting.open');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/confirm`, { token: tG }), 409, 'meeting.open');
    const minuted = assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '会议学习了文件并讨论了秋收安排。', resolutions: '一致通过' } }));
    // the secretary who hosts it and took the minutes is not marked absent by closing
    assert.deepEqual(minuted.closeMarksPresent, [who.secretaryA.memberId]);
    const closed = assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }));
    assert.equal(closed.state, 'closed');
    assert.ok(closed.closedAt);
    assert.equal(closed.closeMarksPresent, undefined);
    assert.equal(closed.attendance.find((x) => x.memberId === who.migrant.memberId).status, 'absent');
    const host = closed.attendance.find((x) => x.memberId === who.secretaryA.memberId);
    assert.equal(host.status, 'present');
    assert.equal(host.source, 'close');
    assert.equal(closed.counts.present, 2);
    // Locked.
    assertError(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '改写' } }), 409, 'meeting.closed');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.migrant.memberId, status: 'present' } }), 409, 'meeting.closed');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'photo', ref: 'x' } }), 409, 'meeting.closed');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }), 409, 'meeting.closed');
    assertError(await api('GET', `/api/v1/meetings/${m.id}/code`, { token: tS }), 409, 'meeting.closed');
    // Corrections are appended with who and when.
    const noted = assertData(await api('POST', `/api/v1/meetings/${m.id}/notes`, { token: tS, body: { text: '更正：会议地点为村小学。' } }), 201);
    assert.equal(noted.notes.length, 1);
    assert.equal(noted.notes[0].authorName, who.secretaryA.name);
    assert.ok(noted.notes[0].createdAt);
    assert.equal(noted.minutes, '会议学习了文件并讨论了秋收安排。');
    // Asynchronous participation: the absent member confirms; the present one cannot.
    const mine = assertData(await api('GET', '/api/v1/me/meetings', { token: tG }));
    assert.equal(mine.items.find((x) => x.id === m.id).needsConfirm, true);
    const conf = assertData(await api('POST', `/api/v1/meetings/${m.id}/confirm`, { token: tG }));
    assert.ok(conf.minutesReadAt);
    assertError(await api('POST', `/api/v1/meetings/${m.id}/confirm`, { token: tM }), 409, 'meeting.state');
    const after = assertData(await api('GET', `/api/v1/meetings/${m.id}`, { token: tS }));
    assert.equal(after.counts.confirmed, 1);
  });

  test('close: the minute-taker is present by default when someone else closes', async () => {
    const m = assertData(await schedule({}, 60), 201);
    await srv.advanceClock(120);
    assertData(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.member.memberId, status: 'absent' } }));
    assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '学习了文件。' } }));
    // The township closes it: its admin is not on the branch roster; the secretary took the minutes.
    const seen = assertData(await api('GET', `/api/v1/meetings/${m.id}`, { token: tT }));
    assert.deepEqual(seen.closeMarksPresent, [who.secretaryA.memberId]);
    const closed = assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tT }));
    const row = (id) => closed.attendance.find((x) => x.memberId === id);
    assert.equal(row(who.secretaryA.memberId).status, 'present');
    assert.equal(row(who.member.memberId).status, 'absent', 'a mark the secretary made stays');
    assert.equal(row(who.migrant.memberId).status, 'absent');
  });

  test('editing: bad input refused field by field, nothing changed', async () => {
    const m = assertData(await schedule(), 201);
    const patch = (body) => api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body });
    assertError(await patch({ onlineLink: 'ftp://x.example' }), 400, 'request.invalid', 'onlineLink');
    assertError(await patch({ place: null }), 400, 'request.invalid', 'place');
    assertError(await patch({ startsAt: 'next tuesday at ten' }), 400, 'request.invalid', 'startsAt');
    assertError(await patch({ durationMin: 5 }), 400, 'request.invalid', 'durationMin');
    assertError(await patch({ title: 'x\ny' }), 400, 'request.invalid', 'title');
    assertError(await patch({ colour: 'red' }), 400, 'request.unknown_field', 'colour');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/attendance`, { token: tS, body: { memberId: who.member.memberId, status: 'asleep' } }), 400, 'request.invalid', 'status');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'video', ref: 'x' } }), 400, 'request.invalid', 'kind');
    const same = assertData(await api('GET', `/api/v1/meetings/${m.id}`, { token: tS }));
    assert.equal(same.place, '村委会议室');
    assert.equal(same.title, '支委会');
    assert.equal(same.files.length, 0);
    // Multi-line text is kept as written.
    const ok = assertData(await patch({ onlineLink: 'https://meet.example.cn/1', place: null, agenda: '一\n二\t三' }));
    assert.equal(ok.place, null);
    assert.equal(ok.agenda, '一\n二\t三');
  });

  test('the party lecture the secretary gives counts for the yearly requirement', async () => {
    const cal = async () => assertData(await api('GET', `/api/v1/orgs/${villageA}/compliance`, { token: tS })).types;
    const item = (types, t) => types.find((x) => x.type === t);
    const before = await cal();
    assert.equal(item(before, 'secretary_lecture').periodMonths, 12);
    assertError(await schedule({ bySecretary: true }), 400, 'request.invalid', 'bySecretary');
    // A lecture by someone else counts as a party lecture only.
    const other = assertData(await schedule({ type: 'party_lecture', title: '党员讲党课' }, 60), 201);
    const mine = assertData(await schedule({ type: 'party_lecture', title: '书记讲党课' }, 60), 201);
    assert.equal(mine.bySecretary, false);
    assert.equal(assertData(await api('PATCH', `/api/v1/meetings/${mine.id}`, { token: tS, body: { bySecretary: true } })).bySecretary, true);
    assert.equal(item(await cal(), 'secretary_lecture').nextId, mine.id);
    await srv.advanceClock(120);
    for (const m of [other, mine]) {
      assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '讲授了党的基本理论。' } }));
      assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }));
    }
    const after = await cal();
    assert.equal(item(after, 'party_lecture').heldInPeriod, item(before, 'party_lecture').heldInPeriod + 2);
    assert.equal(item(after, 'secretary_lecture').heldInPeriod, 1);
    assert.equal(item(after, 'secretary_lecture').status, 'green');
    assert.equal(item(after, 'party_lecture').status, 'green');
  });

  test('rules: set by an admin for the subtree, validated, cleared', async () => {
    const township = who.townshipAdmin.orgId;
    const rules = async (org) => assertData(await api('GET', `/api/v1/orgs/${org}/meeting-rules`, { token: tS }));
    const committee = (r) => r.types.find((x) => x.type === 'committee');
    assert.equal(committee(await rules(villageA)).periodMonths, 1);
    const set = (body, token = tT, org = township) => api('POST', `/api/v1/orgs/${org}/meeting-rules`, { token, body });
    assertError(await set({ key: 'committee', value: 5 }), 400, 'request.invalid', 'value');
    assertError(await set({ key: 'committee' }), 400, 'request.invalid', 'value');
    assertError(await set({ key: 'nonsense', value: 1 }), 400, 'request.invalid', 'key');
    assertError(await set({ key: 'committee', value: 3 }, tS, villageA), 404, 'org.not_found');
    assertData(await set({ key: 'committee', value: 3 }));
    assertData(await set({ key: 'leaveCutoffMin', value: 60 }));
    const r = await rules(villageA);
    assert.equal(committee(r).periodMonths, 3);
    assert.equal(committee(r).setAt, township);
    assert.equal(r.leaveCutoffMin, 60);
    // The branch's own setting wins over the township's.
    assertData(await set({ key: 'committee', value: 1 }, tT, villageA));
    assert.equal(committee(await rules(villageA)).periodMonths, 1);
    assertData(await set({ key: 'committee', value: null }, tT, villageA));
    assertData(await set({ key: 'committee', value: null }));
    assertData(await set({ key: 'leaveCutoffMin', value: null }));
    assert.equal(committee(await rules(villageA)).setAt, null);
  });
});

describe('meetings: a branch that moves takes its record along', () => {
  let srv, api, who;
  before(async () => {
    srv = await startServer({ testHooks: true });
    api = srv.api;
    who = srv.who;
  });
  after(async () => {
    await srv?.stop();
  });

  test('the roll-up counts the branch under its new township, and closing later still counts', async () => {
    const tS = (await srv.login(who.secretaryA)).token;
    const tC = (await srv.login(who.countyAdmin)).token;
    const villageA = who.secretaryA.orgId, townA = who.townshipAdmin.orgId, county = who.countyAdmin.orgId;
    const townB = assertData(await api('GET', `/api/v1/orgs/${who.secretaryB.orgId}`, { token: tC })).path.at(-2).id;
    const t = Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
    // The first meeting in an earlier month (amber now), the second this month (green).
    const hold = async (ago) => {
      const m = assertData(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'committee', title: '支委会', startsAt: iso(t - ago), place: '村委', attendees: 'branch' } }), 201);
      assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '纪要' } }));
      return m;
    };
    const d = beijing(t * 1000);
    const m1 = await hold(t - Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 15) / 1000);
    assertData(await api('POST', `/api/v1/meetings/${m1.id}/close`, { token: tS }));
    const colours = async (org) => {
      const c = assertData(await api('GET', `/api/v1/orgs/${county}/compliance`, { token: tC }));
      const x = c.children.find((y) => y.id === org).types.find((y) => y.type === 'committee');
      return [x.green, x.amber];
    };
    assert.deepEqual(await colours(townA), [0, 1]);
    assert.deepEqual(await colours(townB), [0, 0]);
    const m2 = await hold(600); // scheduled before the move, closed after it
    assertData(await api('POST', `/api/v1/orgs/${villageA}/move`, { token: tC, body: { parentId: townB } }));
    assert.deepEqual(await colours(townA), [0, 0]);
    assert.deepEqual(await colours(townB), [0, 1]);
    assertData(await api('POST', `/api/v1/meetings/${m2.id}/close`, { token: tS }));
    assert.deepEqual(await colours(townA), [0, 0], 'nothing left on the old township');
    assert.deepEqual(await colours(townB), [1, 0]);
    const c = assertData(await api('GET', `/api/v1/orgs/${county}/compliance`, { token: tC }));
    const all = c.types.find((x) => x.type === 'committee');
    assert.equal(all.green, 1);
    assert.equal(all.green + all.amber + all.red, c.branches);
  });
});

describe('meetings: compliance colours and the roll-up', () => {
  let srv, api, who, tS, tC, tT, villageA;
  const login = async () => {
    tS = (await srv.login(who.secretaryA)).token;
    tC = (await srv.login(who.countyAdmin)).token;
    tT = (await srv.login(who.townshipAdmin)).token;
  };
  before(async () => {
    srv = await startServer({ testHooks: true });
    api = srv.api;
    who = srv.who;
    villageA = who.secretaryA.orgId;
    await login();
  });
  after(async () => {
    await srv?.stop();
  });

  const calendar = async (org, token = tS) => assertData(await api('GET', `/api/v1/orgs/${org}/compliance`, { token }));
  const typeOf = (c, t) => c.types.find((x) => x.type === t);
  const childOf = (c, id) => c.children.find((x) => x.id === id);

  test('a held committee meeting is green, amber in the next month, red once a month passed', async () => {
    const county = who.countyAdmin.orgId, township = who.townshipAdmin.orgId;
    const c0 = await calendar(villageA);
    assert.equal(c0.branch, true);
    assert.equal(typeOf(c0, 'committee').status, 'red', 'never held');
    assert.equal(typeOf(c0, 'committee').periodMonths, 1);
    const top0 = await calendar(county, tC);
    assert.equal(top0.branch, false);
    const reds0 = typeOf(childOf(top0, township), 'committee').red;
    assert.equal(reds0, childOf(top0, township).branches);

    const t = Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
    const m = assertData(await api('POST', '/api/v1/meetings', { token: tS, body: { orgId: villageA, type: 'committee', title: '支委会', startsAt: iso(t + 60), place: '村委', attendees: 'branch' } }), 201);
    await srv.advanceClock(120);
    assertData(await api('PATCH', `/api/v1/meetings/${m.id}`, { token: tS, body: { minutes: '纪要' } }));
    assertData(await api('POST', `/api/v1/meetings/${m.id}/close`, { token: tS }));
    const c1 = await calendar(villageA);
    assert.equal(typeOf(c1, 'committee').status, 'green');
    assert.equal(typeOf(c1, 'committee').heldInPeriod, 1);
    assert.equal(typeOf(c1, 'branch_assembly').status, 'red');
    const top1 = await calendar(county, tC);
    assert.equal(typeOf(childOf(top1, township), 'committee').green, 1);
    assert.equal(typeOf(childOf(top1, township), 'committee').red, reds0 - 1);
    assert.equal(typeOf(top1, 'committee').green, 1);
    const tw = await calendar(township, tT);
    assert.equal(typeOf(childOf(tw, villageA), 'committee').green, 1);
    // A township rule of 3 months turns nothing red (held this quarter); the roll-up follows it.
    assertData(await api('POST', `/api/v1/orgs/${township}/meeting-rules`, { token: tT, body: { key: 'committee', value: 3 } }));
    // Next month: amber (due); the month after: red (overdue) under the monthly rule.
    const today = beijing(t * 1000);
    const nextMonth = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 2) / 1000;
    assertData(await api('POST', `/api/v1/orgs/${township}/meeting-rules`, { token: tT, body: { key: 'committee', value: null } }));
    await srv.advanceClock(nextMonth - t);
    await login();
    assert.equal(typeOf(await calendar(villageA), 'committee').status, 'amber');
    assert.equal(typeOf(childOf(await calendar(county, tC), township), 'committee').amber, 1);
    const monthAfter = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 2, 2) / 1000;
    await srv.advanceClock(monthAfter - nextMonth);
    await login();
    assert.equal(typeOf(await calendar(villageA), 'committee').status, 'red');
    const top2 = await calendar(county, tC);
    assert.equal(typeOf(childOf(top2, township), 'committee').red, childOf(top2, township).branches);
    // Under a quarterly rule set by the township the same branch is amber or green, never red.
    assertData(await api('POST', `/api/v1/orgs/${township}/meeting-rules`, { token: tT, body: { key: 'committee', value: 12 } }));
    assert.equal(typeOf(await calendar(villageA), 'committee').status === 'red', false);
    const top3 = await calendar(county, tC);
    const cm = typeOf(childOf(top3, township), 'committee');
    assert.equal(cm.green + cm.amber, 1, 'the branch counts under the township rule');
    assert.equal(typeOf(top3, 'committee').green + typeOf(top3, 'committee').amber, 1);
    // Members and other branches cannot read the calendar of the branch.
    const tM = (await srv.login(who.member)).token;
    assertError(await api('GET', `/api/v1/orgs/${villageA}/compliance`, { token: tM }), 404, 'org.not_found');
  });
});
