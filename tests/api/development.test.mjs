// development.test.mjs - the development pipeline (发展党员): application to
// full member with the intervals enforced, the member record created at
// admission, overdue warnings, the summary, permission and scope.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertCountersMatchRecount, assertData, assertError, beijing, listAll, startServer } from './helpers.mjs';

let srv, api, who;
let tS, tB, tT;
let villageA, townshipA;

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  villageA = who.secretaryA.orgId;
  townshipA = who.townshipAdmin.orgId;
  tS = (await srv.login(who.secretaryA)).token;
  tB = (await srv.login(who.secretaryB)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
});

after(async () => {
  await srv?.stop();
});

const now = beijing(); // Beijing wall time in the UTC fields
const ymd = (d) => d.toISOString().slice(0, 10);
/** The day `day` of the month `months` from now (negative: in the past). */
const monthsFromNow = (months, day = 10) =>
  ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, day)));
const addMonths = (date, months, days = 0) => {
  const [y, m, d] = date.split('-').map(Number);
  return ymd(new Date(Date.UTC(y, m - 1 + months, d + days)));
};

/** A valid citizen ID number (GB 11643) for a birth date and gender. */
function idNumber(birth, male, seq = 12) {
  const first = `522627${birth.replaceAll('-', '')}${String(seq * 2 + (male ? 1 : 0)).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return first + '10X98765432'[sum % 11];
}

const person = (over = {}) => ({
  orgId: villageA,
  name: '王小军',
  gender: 'male',
  birthDate: '1995-05-10',
  occupation: '农民',
  ethnicity: '汉族',
  education: '高中',
  phone: '13912345678',
  appliedAt: monthsFromNow(-40),
  ...over,
});
const create = (body, token = tS, headers = {}) => api('POST', '/api/v1/applicants', { token, body, headers });
const step = (id, body, token = tS) => api('POST', `/api/v1/applicants/${id}/steps`, { token, body });
const get = async (id, token = tS) => assertData(await api('GET', `/api/v1/applicants/${id}`, { token }));
const summary = async (org, token = tS) => assertData(await api('GET', `/api/v1/applicants/summary?orgId=${org}`, { token }));

describe('the whole path: applicant -> full member', () => {
  let a, member;
  const applied = monthsFromNow(-40);
  const activist = addMonths(applied, 1);
  const target = addMonths(activist, 12);
  const admit = addMonths(target, 2);

  test('an application: 201 with masked ID and phone, next step the talk', async () => {
    const sBefore = await summary(villageA);
    const tBefore = await summary(townshipA, tT);
    const idn = idNumber('1995-05-10', true, 101);
    a = assertData(await create(person({ idNumber: idn, contact1Id: who.secretaryA.memberId })), 201);
    assert.equal(a.stage, 'applicant');
    assert.equal(a.appliedAt, applied);
    assert.notEqual(a.idNumber, idn);
    assert.equal(a.idNumber, idn.slice(0, 4) + '*'.repeat(14));
    assert.equal(a.phone, '139****5678');
    assert.equal(a.nextStep, 'talk');
    assert.equal(a.dueDate, addMonths(applied, 1));
    assert.equal(a.overdue, true, 'the talk was due a month after the application');
    assert.deepEqual(a.contacts.map((c) => c.memberId), [who.secretaryA.memberId]);
    assert.equal(a.steps[0].step, 'apply');
    const sAfter = await summary(villageA);
    assert.equal(sAfter.stages.applicant, sBefore.stages.applicant + 1);
    assert.equal(sAfter.overdue, sBefore.overdue + 1);
    const tAfter = await summary(townshipA, tT);
    assert.equal(tAfter.stages.applicant, tBefore.stages.applicant + 1);
    assert.equal(tAfter.children.find((c) => c.orgId === villageA).stages.applicant, sAfter.stages.applicant);
  });

  test('activist before the talk: 409 applicant.step', async () => {
    assertError(await step(a.id, { step: 'activist', date: activist }), 409, 'applicant.step');
    assertError(await step(a.id, { step: 'talk', date: addMonths(applied, 0, -1) }), 409, 'applicant.step');
    assertError(await step(a.id, { step: 'talk', date: monthsFromNow(2) }), 400, 'request.invalid', 'date');
  });

  test('talk, then activist: stage and counters move', async () => {
    const s0 = await summary(villageA);
    let r = assertData(await step(a.id, { step: 'talk', date: addMonths(applied, 0, 20), responsible: '李长林' }), 201);
    assert.equal(r.talkedAt, addMonths(applied, 0, 20));
    assert.equal(r.overdue, false);
    assert.equal(r.nextStep, 'activist');
    r = assertData(await step(a.id, { step: 'activist', date: activist }), 201);
    assert.equal(r.stage, 'activist');
    assert.equal(r.nextStep, 'target');
    assert.equal(r.earliestDate, addMonths(activist, 12));
    const s1 = await summary(villageA);
    assert.equal(s1.stages.applicant, s0.stages.applicant - 1);
    assert.equal(s1.stages.activist, s0.stages.activist + 1);
    assert.equal(s1.overdue, s0.overdue - 1);
  });

  test('target less than a year after activist: refused naming the earliest date', async () => {
    const r = await step(a.id, { step: 'target', date: addMonths(activist, 11) });
    assertError(r, 409, 'applicant.step');
    assert.match(r.json.error.message, new RegExp(addMonths(activist, 12)));
    assert.equal((await get(a.id)).stage, 'activist', 'nothing changed');
  });

  test('target, admit refused before review and training, then review, training', async () => {
    assertData(await step(a.id, { step: 'target', date: target }), 201);
    assertError(await step(a.id, { step: 'admit', date: admit }), 409, 'applicant.step');
    assertData(await step(a.id, { step: 'review', date: addMonths(target, 1) }), 201);
    assertError(await step(a.id, { step: 'review', date: addMonths(target, 1) }), 409, 'applicant.step');
    assertData(await step(a.id, { step: 'training', date: addMonths(target, 1, 5) }), 201);
  });

  test('admit creates a probationary member in the roster', async () => {
    const r = assertData(await step(a.id, { step: 'admit', date: admit }), 201);
    assert.equal(r.stage, 'probationary');
    assert.equal(r.fullDue, addMonths(admit, 12));
    assert.equal(r.nextStep, 'approve');
    assert.equal(r.dueDate, addMonths(admit, 3));
    assert.equal(r.overdue, true);
    assert.equal(typeof r.memberId, 'number');
    member = assertData(await api('GET', `/api/v1/members/${r.memberId}`, { token: tS }));
    assert.equal(member.category, 'probationary');
    assert.equal(member.joinedAt, admit);
    assert.equal(member.orgId, villageA);
    assert.equal(member.fullAt, null);
    const roster = await listAll(api, tS, `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('王小军')}`);
    assert.ok(roster.some((m) => m.id === r.memberId));
  });

  test('approval: a secretary cannot approve (403), the township admin can', async () => {
    assertError(await step(a.id, { step: 'approve', date: addMonths(admit, 1) }), 403, 'auth.forbidden');
    assertError(await step(a.id, { step: 'full', date: addMonths(admit, 12) }), 409, 'applicant.step');
    const r = assertData(await step(a.id, { step: 'approve', date: addMonths(admit, 1) }, tT), 201);
    assert.equal(r.approvedAt, addMonths(admit, 1));
    assert.equal(r.nextStep, 'full');
  });

  test('full membership before the probation ends is refused; on the due date the member is full', async () => {
    const r0 = await step(a.id, { step: 'full', date: addMonths(admit, 12, -1) });
    assertError(r0, 409, 'applicant.step');
    assert.match(r0.json.error.message, new RegExp(addMonths(admit, 12)));
    const r = assertData(await step(a.id, { step: 'full', date: addMonths(admit, 12) }), 201);
    assert.equal(r.stage, 'full');
    assert.equal(r.nextStep, null);
    const m = assertData(await api('GET', `/api/v1/members/${member.id}`, { token: tS }));
    assert.equal(m.category, 'full');
    assert.equal(m.fullAt, addMonths(admit, 12));
    const d = await get(a.id);
    assert.deepEqual(d.steps.map((s) => s.step),
      ['apply', 'talk', 'activist', 'target', 'review', 'training', 'admit', 'approve', 'full']);
    assert.equal(d.steps[1].responsible, '李长林');
    assertError(await step(a.id, { step: 'cancel', date: ymd(now), note: 'x' }), 409, 'applicant.step');
  });
});

describe('bad input stores nothing', () => {
  test('under 18, bad ID number, a township as the branch, an unknown occupation', async () => {
    const before = (await summary(villageA)).stages.applicant;
    assertError(await create(person({ birthDate: '2010-01-01', appliedAt: monthsFromNow(-1) })), 400, 'request.invalid', 'appliedAt');
    const bad = idNumber('1995-05-10', true, 7);
    assertError(await create(person({ idNumber: bad.slice(0, 17) + (bad[17] === '0' ? '1' : '0') })), 400, 'request.invalid', 'idNumber');
    assertError(await create(person({ idNumber: idNumber('1995-05-10', false, 7) })), 400, 'request.invalid', 'idNumber');
    assertError(await create(person({ orgId: townshipA }), tT), 400, 'request.invalid', 'orgId');
    assertError(await create(person({ occupation: '宇航员' })), 400, 'request.invalid', 'occupation');
    assertError(await create(person({ appliedAt: monthsFromNow(1) })), 400, 'request.invalid', 'appliedAt');
    assertError(await create(person({ contact1Id: who.secretaryB.memberId })), 400, 'request.invalid', 'contact1Id');
    assert.equal((await summary(villageA)).stages.applicant, before);
  });

  test('idempotent replay: the same key gives the same response and one applicant', async () => {
    const before = await listAll(api, tS, `/api/v1/applicants?orgId=${villageA}`);
    const body = person({ name: '幂等申请人', appliedAt: monthsFromNow(0, 1) });
    const r1 = await create(body, tS, { 'Idempotency-Key': 'dev-create-1' });
    assertData(r1, 201);
    const r2 = await create(body, tS, { 'Idempotency-Key': 'dev-create-1' });
    assert.equal(r2.status, 201);
    assert.equal(r2.text, r1.text);
    const afterL = await listAll(api, tS, `/api/v1/applicants?orgId=${villageA}`);
    assert.equal(afterL.length, before.length + 1);
  });
});

describe('overdue warnings and the list', () => {
  test('a talk not held a month after the application is overdue; a fresh one is not', async () => {
    const late = assertData(await create(person({ name: '逾期未谈话', appliedAt: monthsFromNow(-2) })), 201);
    const fresh = assertData(await create(person({ name: '刚提交申请', appliedAt: ymd(now) })), 201);
    assert.equal(late.overdue, true);
    assert.equal(late.nextStep, 'talk');
    assert.equal(fresh.overdue, false);
    const overdue = await listAll(api, tT, `/api/v1/applicants?orgId=${townshipA}&overdue=true`);
    assert.ok(overdue.some((x) => x.id === late.id));
    assert.ok(!overdue.some((x) => x.id === fresh.id));
    assert.ok(overdue.every((x) => x.overdue));
    const notOverdue = await listAll(api, tS, `/api/v1/applicants?orgId=${villageA}&overdue=false`);
    assert.ok(notOverdue.some((x) => x.id === fresh.id) && notOverdue.every((x) => !x.overdue));
    const all = await listAll(api, tS, `/api/v1/applicants?orgId=${villageA}`, 2);
    assert.equal(new Set(all.map((x) => x.id)).size, all.length);
    assert.ok(all.every((x) => x.phone === null || x.phone.includes('*')));
    const stageList = await listAll(api, tS, `/api/v1/applicants?orgId=${villageA}&stage=full`);
    assert.ok(stageList.length >= 1 && stageList.every((x) => x.stage === 'full'));
  });
});

describe('scope and permission', () => {
  test('another branch\'s secretary gets 404 for the applicant, its steps and the list', async () => {
    const a = assertData(await create(person({ name: '范围测试', appliedAt: monthsFromNow(-1, 1) })), 201);
    assertError(await api('GET', `/api/v1/applicants/${a.id}`, { token: tB }), 404, 'applicant.not_found');
    assertError(await step(a.id, { step: 'talk', date: ymd(now) }, tB), 404, 'applicant.not_found');
    assertError(await api('GET', `/api/v1/applicants?orgId=${villageA}`, { token: tB }), 404, 'org.not_found');
    assertError(await create(person(), tB), 404, 'org.not_found');
    assertError(await api('GET', '/api/v1/applicants/99999999', { token: tS }), 404, 'applicant.not_found');
    const m = await srv.login(who.member);
    assertError(await api('GET', `/api/v1/applicants/${a.id}`, { token: m.token }), 404, 'applicant.not_found');
    assert.equal((await get(a.id)).talkedAt, null);
  });
});

describe('withdraw and cancel', () => {
  test('withdraw before admission; no later step', async () => {
    const a = assertData(await create(person({ name: '撤回申请', appliedAt: monthsFromNow(-3) })), 201);
    const s0 = await summary(villageA);
    const r = assertData(await step(a.id, { step: 'withdraw', date: monthsFromNow(-2), note: '本人撤回' }), 201);
    assert.equal(r.stage, 'withdrawn');
    assert.equal(r.endReason, '本人撤回');
    assert.equal(r.nextStep, null);
    const s1 = await summary(villageA);
    assert.equal(s1.stages.withdrawn, s0.stages.withdrawn + 1);
    assert.equal(s1.stages.applicant, s0.stages.applicant - 1);
    assertError(await step(a.id, { step: 'talk', date: ymd(now) }), 409, 'applicant.step');
  });

  test('admit needs the ID number; cancelling a probationary member takes them off the roster', async () => {
    const applied = monthsFromNow(-30);
    const go = async (id, withId) => {
      assertData(await step(id, { step: 'talk', date: addMonths(applied, 0, 10) }), 201);
      assertData(await step(id, { step: 'activist', date: addMonths(applied, 1) }), 201);
      assertData(await step(id, { step: 'target', date: addMonths(applied, 13) }), 201);
      assertData(await step(id, { step: 'review', date: addMonths(applied, 14) }), 201);
      assertData(await step(id, { step: 'training', date: addMonths(applied, 14) }), 201);
      const r = await step(id, { step: 'admit', date: addMonths(applied, 15) });
      if (!withId) return assertError(r, 400, 'request.invalid', 'idNumber');
      return assertData(r, 201);
    };
    const noId = assertData(await create(person({ name: '无身份证号', appliedAt: applied, phone: undefined })), 201);
    await go(noId.id, false);
    assert.equal((await get(noId.id)).stage, 'target', 'nothing stored by the refused admission');
    assertError(await step(noId.id, { step: 'cancel', date: ymd(now) }), 400, 'request.invalid', 'note');
    assert.equal(assertData(await step(noId.id, { step: 'cancel', date: ymd(now), note: '培养考察不合格' }), 201).stage, 'cancelled');

    const p = assertData(await create(person({ name: '取消预备资格', gender: 'female', birthDate: '1990-03-03', idNumber: idNumber('1990-03-03', false, 55), appliedAt: applied })), 201);
    const admitted = await go(p.id, true);
    const total0 = assertData(await api('GET', `/api/v1/orgs/${villageA}`, { token: tS })).memberCount;
    const r = assertData(await step(p.id, { step: 'cancel', date: ymd(now), note: '预备期间违反纪律' }), 201);
    assert.equal(r.stage, 'cancelled');
    const m = assertData(await api('GET', `/api/v1/members/${admitted.memberId}`, { token: tS }));
    assert.equal(m.status, 'left');
    assert.equal(assertData(await api('GET', `/api/v1/orgs/${villageA}`, { token: tS })).memberCount, total0 - 1);
  });

  test('extend once after approval moves the due date', async () => {
    const applied = monthsFromNow(-24);
    const p = assertData(await create(person({ name: '延长预备期', birthDate: '1992-07-07', idNumber: idNumber('1992-07-07', true, 77), appliedAt: applied })), 201);
    const steps = [['talk', 0, 10], ['activist', 1, 0], ['target', 13, 0], ['review', 14, 0], ['training', 14, 0], ['admit', 15, 0]];
    for (const [s, m, d] of steps) assertData(await step(p.id, { step: s, date: addMonths(applied, m, d) }), 201);
    assertError(await step(p.id, { step: 'extend', date: addMonths(applied, 16), months: 6 }), 409, 'applicant.step');
    assertData(await step(p.id, { step: 'approve', date: addMonths(applied, 16) }, tT), 201);
    const r = assertData(await step(p.id, { step: 'extend', date: addMonths(applied, 17), months: 6 }), 201);
    assert.equal(r.fullDue, addMonths(addMonths(applied, 15), 18));
    assert.equal(r.extended, true);
    assertError(await step(p.id, { step: 'extend', date: addMonths(applied, 18), months: 6 }), 409, 'applicant.step');
    assertError(await step(p.id, { step: 'extend', date: addMonths(applied, 18), months: 13 }), 400, 'request.invalid', 'months');
  });
});

test('development: the statistics counters equal a full recount afterwards', async () => {
  await assertCountersMatchRecount(srv, tT, [townshipA, villageA]);
});

test('identity: an ID number added after the application, checked like any other', async () => {
  const p = person({ name: '补录身份证', birthDate: '1996-06-16', gender: 'female' });
  delete p.idNumber;
  const a = assertData(await create(p), 201);
  assert.equal(a.idNumber, null);
  const url = `/api/v1/applicants/${a.id}/identity`;
  assertError(await api('POST', url, { token: tS, body: { idNumber: idNumber('1996-06-17', false, 61) } }), 400, 'request.invalid', 'idNumber');
  assertError(await api('POST', url, { token: tS, body: { idNumber: idNumber('1996-06-16', true, 61) } }), 400, 'request.invalid', 'idNumber');
  assertError(await api('POST', url, { token: tB, body: { idNumber: idNumber('1996-06-16', false, 61) } }), 404, 'applicant.not_found');
  const ok = assertData(await api('POST', url, { token: tS, body: { idNumber: idNumber('1996-06-16', false, 61), phone: '13712345678' } }));
  assert.match(ok.idNumber, /^5226\*{10}/);
  assert.equal(ok.phone, '137****5678');
  // Someone else's number is refused.
  const b = assertData(await create({ ...person({ name: '另一位', birthDate: '1996-06-16', gender: 'female' }), idNumber: undefined }), 201);
  assertError(await api('POST', `/api/v1/applicants/${b.id}/identity`, { token: tS, body: { idNumber: idNumber('1996-06-16', false, 61) } }), 400, 'request.invalid', 'idNumber');
});

describe('political standing in plain text', () => {
  test('why a development ended and the notes of its steps are sealed at rest', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const inStore = (text) => ['zhibu.db', 'zhibu.db-wal'].map((f) => join(srv.dataDir, f))
      .some((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(text)));
    const a = assertData(await create(person({ name: '封存测试', appliedAt: monthsFromNow(-3), phone: undefined })), 201);
    assertData(await step(a.id, { step: 'talk', date: monthsFromNow(-2), note: '谈话记录甲乙丙' }), 201);
    const r = assertData(await step(a.id, { step: 'cancel', date: ymd(now), note: '政治审查未通过丁戊己' }), 201);
    assert.equal(r.endReason, '政治审查未通过丁戊己');
    const g = await get(a.id);
    assert.equal(g.endReason, '政治审查未通过丁戊己');
    assert.deepEqual(g.steps.map((s) => s.note).filter(Boolean), ['谈话记录甲乙丙', '政治审查未通过丁戊己']);
    for (const t of ['谈话记录甲乙丙', '政治审查未通过丁戊己']) assert.equal(inStore(t), false, `${t} in plain text`);
  });
});
