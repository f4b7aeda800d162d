// dues.test.mjs - party dues: payments keep the record without gaps, the
// arrears ledger and summary move with them, reversal, the standard, scope.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCountersMatchRecount, assertData, assertError, beijing, listAll, namedAccounts, sqlite, startServer } from './helpers.mjs';

let srv, api, who;
let tS, tB, tM, tT, tC;
let villageA, villageB, townshipA, county;

before(async () => {
  srv = await startServer({
    // The migrant member pays at a host organisation: village B (no API sets it yet).
    setup: (dir) => {
      const acc = namedAccounts(JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8')));
      const r = sqlite(join(dir, 'zhibu.db'),
        `UPDATE members SET host_org_id = ${acc.secretaryB.orgId} WHERE id = ${acc.migrant.memberId}`);
      assert.equal(r.status, 0, r.stderr);
    },
  });
  api = srv.api;
  who = srv.who;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  townshipA = who.townshipAdmin.orgId;
  county = who.countyAdmin.orgId;
  tS = (await srv.login(who.secretaryA)).token;
  tB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  tC = (await srv.login(who.countyAdmin)).token;
});

after(async () => {
  await srv?.stop();
});

const monthIndex = (s) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7)) - 1;
const monthStr = (i) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
const now = beijing(); // Beijing wall time in the UTC fields
const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();

const dues = async (id, token = tS) => assertData(await api('GET', `/api/v1/dues/members/${id}`, { token }));
const summary = async (org, token = tS) => assertData(await api('GET', `/api/v1/dues/summary?orgId=${org}`, { token }));
const ledger = async (org, q = '', token = tS) => listAll(api, token, `/api/v1/dues?orgId=${org}${q}`);
const pay = (body, token = tS, headers = {}) => api('POST', '/api/v1/dues/payments', { token, body, headers });
const payFor = (d, months, extra = {}) => {
  const from = monthIndex(d.nextMonth);
  return {
    memberId: d.memberId,
    fromMonth: monthStr(from),
    toMonth: monthStr(from + months - 1),
    amountFen: d.monthlyFen * months,
    method: 'in_person',
    paidOn: now.toISOString().slice(0, 10),
    ...extra,
  };
};

describe('reading dues', () => {
  test('a member sees their own dues, not another member\'s (404)', async () => {
    const d = await dues(who.member.memberId, tM);
    assert.equal(d.memberId, who.member.memberId);
    for (const k of ['basis', 'monthlyFen', 'paidThrough', 'monthsUnpaid', 'owedFen', 'level', 'payments'])
      assert.ok(k in d, k);
    assertError(await api('GET', `/api/v1/dues/members/${who.migrant.memberId}`, { token: tM }), 404, 'member.not_found');
    assertError(await api('GET', `/api/v1/dues/members/99999999`, { token: tS }), 404, 'member.not_found');
  });

  test('a secretary of another branch gets 404 for the member, the ledger and payments', async () => {
    assertError(await api('GET', `/api/v1/dues/members/${who.member.memberId}`, { token: tB }), 404, 'member.not_found');
    assertError(await api('GET', `/api/v1/dues?orgId=${villageA}`, { token: tB }), 404, 'org.not_found');
    assertError(await api('GET', `/api/v1/dues/summary?orgId=${villageA}`, { token: tB }), 404, 'org.not_found');
    const d = await dues(who.member.memberId);
    assertError(await pay(payFor(d, 1), tB), 404, 'member.not_found');
    assert.deepEqual(await dues(who.member.memberId), d, 'nothing stored');
  });

  test('the ledger: arrears figures, level filter "at least", paging in roster order', async () => {
    const all = await ledger(townshipA, '', tT);
    assert.ok(all.length > 100);
    for (const r of all.slice(0, 50)) {
      const unpaid = Math.max(0, thisMonth - (monthIndex(r.paidThrough) + 1));
      assert.equal(r.monthsUnpaid, unpaid, JSON.stringify(r));
      assert.equal(r.owedFen, unpaid * r.monthlyFen);
      assert.equal(r.level, unpaid >= 6 ? 'lapsed' : unpaid >= 4 ? 'alert' : unpaid >= 3 ? 'warning' : 'ok');
    }
    assert.equal(new Set(all.map((r) => r.memberId)).size, all.length, 'no member twice across pages');
    const paged = await listAll(api, tT, `/api/v1/dues?orgId=${townshipA}`, 7);
    assert.deepEqual(paged.map((r) => r.memberId), all.map((r) => r.memberId), 'small pages give the same order');
    const warn = await ledger(county, '&level=warning', tC);
    assert.ok(warn.length > 0, 'the demo has members 3+ months behind');
    assert.ok(warn.every((r) => r.monthsUnpaid >= 3 && r.level !== 'ok'));
    const alert = await ledger(county, '&level=alert', tC);
    assert.ok(alert.every((r) => r.monthsUnpaid >= 4 && ['alert', 'lapsed'].includes(r.level)));
    assert.ok(alert.length < warn.length);
    assertError(await api('GET', `/api/v1/dues?orgId=${county}&level=bad`, { token: tC }), 400, 'request.invalid', 'level');
  });

  test('the summary agrees with the ledger and drills down to the children', async () => {
    const s = await summary(townshipA, tT);
    const rows = await ledger(townshipA, '', tT);
    assert.equal(s.members, rows.length);
    assert.equal(s.paidUp, rows.filter((r) => r.monthsUnpaid === 0).length);
    assert.equal(s.warning, rows.filter((r) => r.level === 'warning').length);
    assert.equal(s.alert, rows.filter((r) => r.level === 'alert').length);
    assert.equal(s.lapsed, rows.filter((r) => r.level === 'lapsed').length);
    assert.equal(s.owedFen, rows.reduce((a, r) => a + r.owedFen, 0));
    assert.equal(s.neverPaid, 0);
    assert.ok(s.children.length >= 8);
    assert.equal(s.children.reduce((a, c) => a + c.members, 0), s.members);
    const c = s.children.find((x) => x.orgId === villageA);
    const { orgId: _o, name: _n, level: _l, ...childFigures } = c;
    const { orgId: _v, children, ...villageFigures } = await summary(villageA);
    assert.deepEqual(childFigures, villageFigures, 'the child row is the village\'s own summary');
    assert.deepEqual(children, [], 'a branch has no child organisations in the summary');
    const cs = await summary(county, tC);
    assert.equal(cs.children.find((x) => x.orgId === townshipA).members, s.members);
  });
});

describe('payments', () => {
  test('a monthly payment clears the arrears: paidThrough, ledger and summary move by one', async () => {
    const rows = await ledger(villageA);
    const row = rows.find((r) => r.monthsUnpaid >= 1 && r.monthsUnpaid <= 2);
    assert.ok(row, 'a member 1-2 months behind in village A');
    const before = await dues(row.memberId);
    const sBefore = await summary(villageA);
    const tBefore = await summary(townshipA, tT);
    const res = await pay(payFor(before, before.monthsUnpaid));
    const p = assertData(res, 201);
    assert.equal(p.memberId, row.memberId);
    assert.equal(p.orgId, villageA);
    assert.equal(p.fromMonth, before.nextMonth);
    assert.equal(p.toMonth, monthStr(thisMonth - 1));
    assert.equal(p.months, before.monthsUnpaid);
    assert.equal(p.amountFen, before.owedFen);
    assert.equal(p.method, 'in_person');
    const afterD = await dues(row.memberId);
    assert.equal(afterD.paidThrough, monthStr(thisMonth - 1));
    assert.equal(afterD.monthsUnpaid, 0);
    assert.equal(afterD.owedFen, 0);
    assert.equal(afterD.level, 'ok');
    assert.equal(afterD.payments[0].id, p.id);
    const sAfter = await summary(villageA);
    assert.equal(sAfter.paidUp, sBefore.paidUp + 1);
    assert.equal(sAfter.members, sBefore.members);
    assert.equal(sAfter.owedFen, sBefore.owedFen - before.owedFen);
    const tAfter = await summary(townshipA, tT);
    assert.equal(tAfter.paidUp, tBefore.paidUp + 1);
    assert.equal((await ledger(villageA)).find((r) => r.memberId === row.memberId).monthsUnpaid, 0);
  });

  test('a quarterly payment (3 months ahead) and a proxy payment with paidBy', async () => {
    const id = who.member.memberId;
    const d0 = await dues(id);
    const q = assertData(await pay(payFor(d0, 3, { method: 'online' })), 201);
    assert.equal(q.months, 3);
    assert.equal(q.amountFen, 3 * d0.monthlyFen);
    const d1 = await dues(id);
    assert.equal(d1.paidThrough, q.toMonth);
    assert.equal(monthIndex(d1.nextMonth), monthIndex(d0.nextMonth) + 3);
    assertError(await pay(payFor(d1, 1, { method: 'proxy' })), 400, 'request.invalid', 'paidBy');
    assertError(await pay(payFor(d1, 1, { paidBy: '张三' })), 400, 'request.invalid', 'paidBy');
    const p = assertData(await pay(payFor(d1, 1, { method: 'proxy', paidBy: '儿子张小明' })), 201);
    assert.equal(p.paidBy, '儿子张小明');
    assert.equal(p.method, 'proxy');
    const d2 = await dues(id, tM);
    assert.deepEqual(d2.payments.slice(0, 2).map((x) => x.id), [p.id, q.id], 'newest first');
    assert.equal(d2.paidThrough, p.toMonth);
  });

  test('gap, overlap and amount errors leave nothing stored', async () => {
    const id = who.member.memberId;
    const d = await dues(id);
    const rowsBefore = await ledger(villageA);
    const sBefore = await summary(villageA);
    const from = monthIndex(d.nextMonth);
    const gap = await pay(payFor(d, 1, { fromMonth: monthStr(from + 1), toMonth: monthStr(from + 1) }));
    assertError(gap, 409, 'dues.gap');
    assert.match(gap.json.error.message, new RegExp(d.nextMonth));
    assertError(await pay(payFor(d, 1, { fromMonth: monthStr(from - 1), toMonth: monthStr(from) , amountFen: 2 * d.monthlyFen })), 409, 'dues.overlap');
    const amt = await pay(payFor(d, 2, { amountFen: 2 * d.monthlyFen + 1 }));
    assertError(amt, 400, 'dues.amount', 'amountFen');
    assert.match(amt.json.error.message, new RegExp(`expected ${2 * d.monthlyFen} fen`));
    assertError(await pay(payFor(d, 1, { toMonth: monthStr(from - 1) })), 400, 'request.invalid', 'toMonth');
    assertError(await pay(payFor(d, 13)), 400, 'request.invalid', 'toMonth');
    assertError(await pay(payFor(d, 1, { fromMonth: '2025-13' })), 400, 'request.invalid', 'fromMonth');
    assertError(await pay(payFor(d, 1, { method: 'cash' })), 400, 'request.invalid', 'method');
    assertError(await pay(payFor(d, 1, { method: 'host_org' })), 400, 'request.invalid', 'method');
    assertError(await pay(payFor(d, 1, { paidOn: '2999-01-01' })), 400, 'request.invalid', 'paidOn');
    assert.deepEqual(await dues(id), d, 'the member is unchanged');
    assert.deepEqual(await ledger(villageA), rowsBefore, 'the ledger is unchanged');
    assert.deepEqual(await summary(villageA), sBefore, 'the summary is unchanged');
  });

  test('idempotent replay: the same Idempotency-Key gives the same response and one payment', async () => {
    const id = who.member.memberId;
    const d = await dues(id);
    const body = payFor(d, 1);
    const r1 = await pay(body, tS, { 'Idempotency-Key': 'dues-pay-1' });
    assertData(r1, 201);
    const r2 = await pay(body, tS, { 'Idempotency-Key': 'dues-pay-1' });
    assert.equal(r2.status, 201);
    assert.equal(r2.text, r1.text);
    const d2 = await dues(id);
    assert.equal(d2.payments.length, d.payments.length + 1);
    assert.equal(monthIndex(d2.paidThrough), monthIndex(d.nextMonth));
    // Without the key the same body is now an overlap.
    assertError(await pay(body), 409, 'dues.overlap');
  });

  test('reversal: only the latest payment, paidThrough goes back, audited scope', async () => {
    const id = who.member.memberId;
    const d = await dues(id);
    assert.ok(d.payments.length >= 3);
    const [latest, older] = d.payments;
    assertError(await api('DELETE', `/api/v1/dues/payments/${older.id}`, { token: tS }), 409, 'dues.not_latest');
    assertError(await api('DELETE', `/api/v1/dues/payments/${latest.id}`, { token: tB }), 404, 'dues.not_found');
    assertError(await api('DELETE', `/api/v1/dues/payments/${latest.id}`, { token: tM }), 404, 'dues.not_found');
    const r = assertData(await api('DELETE', `/api/v1/dues/payments/${latest.id}`, { token: tS }));
    assert.equal(r.paidThrough, monthStr(monthIndex(latest.fromMonth) - 1));
    const d2 = await dues(id);
    assert.equal(d2.paidThrough, older.toMonth);
    assert.deepEqual(d2.payments.map((p) => p.id), d.payments.slice(1).map((p) => p.id));
    assertError(await api('DELETE', `/api/v1/dues/payments/${latest.id}`, { token: tS }), 404, 'dues.not_found');
    const audit = assertData(await api('GET', `/api/v1/audit?orgId=${county}&limit=50`, { token: (await srv.login(who.auditor)).token }));
    assert.ok(audit.items.some((a) => a.action === 'dues.reverse' && a.target === `member:${id}`));
  });
});

describe('a migrant member pays at the host organisation', () => {
  test('the host branch records it with method host_org; it cannot read the record', async () => {
    const id = who.migrant.memberId;
    const d = await dues(id);
    assertError(await pay(payFor(d, 1), tB), 400, 'request.invalid', 'method');
    const p = assertData(await pay(payFor(d, 2, { method: 'host_org' }), tB), 201);
    assert.equal(p.orgId, villageB, 'stored where it was paid');
    assert.equal(p.method, 'host_org');
    assert.equal((await dues(id)).paidThrough, p.toMonth);
    assertError(await api('GET', `/api/v1/dues/members/${id}`, { token: tB }), 404, 'member.not_found');
    // The host can reverse what it recorded.
    assertData(await api('DELETE', `/api/v1/dues/payments/${p.id}`, { token: tB }));
    assert.equal((await dues(id)).paidThrough, d.paidThrough);
  });
});

describe('the monthly standard', () => {
  test('farmer 10 fen refused with a field error; 50 fen, salary and student standards', async () => {
    const row = (await ledger(villageA)).find((r) => r.memberId !== who.member.memberId && r.memberId !== who.migrant.memberId);
    const put = (body, token = tS) => api('PUT', `/api/v1/dues/standard/${row.memberId}`, { token, body });
    const before = await dues(row.memberId);
    assertError(await put({ basis: 'farmer', fen: 10 }), 400, 'request.invalid', 'fen');
    assertError(await put({ basis: 'farmer' }), 400, 'request.invalid', 'fen');
    assertError(await put({ basis: 'salary' }), 400, 'request.invalid', 'incomeFen');
    assertError(await put({ basis: 'student', fen: 50 }), 400, 'request.invalid', 'fen');
    assertError(await put({ basis: 'farmer', fen: 50 }, tB), 404, 'member.not_found');
    assert.deepEqual(await dues(row.memberId), before);
    let d = assertData(await put({ basis: 'farmer', fen: 50 }));
    assert.equal(d.basis, 'farmer');
    assert.equal(d.monthlyFen, 50);
    d = assertData(await put({ basis: 'salary', incomeFen: 400000 }));
    assert.equal(d.monthlyFen, 4000, '4000 yuan a month: 1%');
    d = assertData(await put({ basis: 'retiree', incomeFen: 600000 }));
    assert.equal(d.monthlyFen, 6000, 'a retiree above 5000 yuan: 1%');
    d = assertData(await put({ basis: 'student' }));
    assert.equal(d.monthlyFen, 20);
    // Payments follow the new standard.
    assertError(await pay(payFor({ ...d, monthlyFen: 50 }, 1)), 400, 'dues.amount', 'amountFen');
    assertData(await pay(payFor(d, 1)), 201);
  });
});

test('dues: the statistics counters equal a full recount afterwards', async () => {
  await assertCountersMatchRecount(srv, tC, [county, townshipA, villageA, villageB]);
});
