// members.test.mjs - the member registry: the standard record with field-level
// validation, nothing stored half-way, masked personal data with an audited
// reveal, status changes with history, sub-records, corrections a member
// proposes, roster filters, and the canary ID number that must never appear in
// plain text at rest or in the logs.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, idNumber, listAll, sqlite, startServer, tempDir } from './helpers.mjs';

let srv, api, who;
let tS, tSB, tT, tC, tA, tM;
let villageA, villageB;

const base = () => ({
  name: '赵红梅',
  gender: 'female',
  birthDate: '1979-03-15',
  idNumber: idNumber('1979-03-15', false, 7),
  occupation: '农民',
  ethnicity: '汉族',
  education: '初中',
  joinedAt: '2003-07-01',
  fullAt: '2004-07-01',
  category: 'full',
  phone: '13912345678',
});

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  tC = (await srv.login(who.countyAdmin)).token;
  tA = (await srv.login(who.auditor)).token;
  tM = (await srv.login(who.member)).token;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
});

after(async () => {
  await srv?.stop();
});

async function memberCount(orgId) {
  return assertData(await api('GET', `/api/v1/orgs/${orgId}`, { token: tC })).memberCount;
}

async function create(body, token = tS) {
  return api('POST', '/api/v1/members', { token, body: { orgId: villageA, ...body } });
}

describe('create: the standard record, checked whole', () => {
  test('a valid record: 201, personal data masked, on the roster, counted', async () => {
    const before = await memberCount(villageA);
    const b = { ...base(), idNumber: idNumber('1979-03-15', false, 1) };
    const m = assertData(await create(b), 201);
    assert.equal(m.name, b.name);
    assert.equal(m.orgId, villageA);
    assert.equal(m.idNumber, `${b.idNumber.slice(0, 4)}**************`);
    assert.equal(m.phone, '139****5678');
    assert.equal(m.status, 'normal');
    assert.equal(m.canEdit, true);
    assert.equal(await memberCount(villageA), before + 1);
    const found = assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('赵红梅')}`, { token: tS }));
    assert.ok(found.items.some((x) => x.id === m.id));
    // By the whole ID number (keyed hash lookup), from the county.
    const byId = assertData(await api('GET', `/api/v1/members?orgId=${who.countyAdmin.orgId}&q=${b.idNumber}`, { token: tC }));
    assert.deepEqual(byId.items.map((x) => x.id), [m.id]);
  });

  const bad = [
    ['a wrong check character', { idNumber: '110101197903150071' }, 'idNumber'],
    ['17 digits', { idNumber: '11010119790315007' }, 'idNumber'],
    ['an ID birth date that differs from birthDate', { birthDate: '1979-03-16' }, 'idNumber'],
    ['an ID number of the other gender', { gender: 'male' }, 'idNumber'],
    ['joining before 18', { joinedAt: '1996-01-01', fullAt: '1997-01-01' }, 'joinedAt'],
    ['full membership before joining', { fullAt: '2003-01-01' }, 'fullAt'],
    ['a probationary member with a full date', { category: 'probationary' }, 'fullAt'],
    ['a full member without a full date', { fullAt: null }, 'fullAt'],
    ['an unknown ethnicity', { ethnicity: '火星族' }, 'ethnicity'],
    ['a bad phone', { phone: '12345' }, 'phone'],
    ['a migrant without a place', { migrant: true }, 'migrantPlace'],
    ['a farmer paying 10 fen', { duesFen: 10 }, 'duesFen'],
    ['joining in the future', { joinedAt: '2999-01-01' }, 'joinedAt'],
  ];
  for (const [what, change, field] of bad) {
    test(`refused whole: ${what} -> 400 on ${field}, nothing stored`, async () => {
      const before = await memberCount(villageA);
      const body = { ...base(), ...change };
      for (const [k, v] of Object.entries(body)) if (v === null) delete body[k];
      const res = await create(body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.field, field, res.text);
      assert.ok(['member.invalid', 'request.invalid'].includes(res.json.error.code), res.text);
      assert.equal(await memberCount(villageA), before);
    });
  }

  test('the same ID number twice: 409 member.duplicate', async () => {
    const b = { ...base(), idNumber: idNumber('1979-03-15', false, 2) };
    assertData(await create(b), 201);
    assertError(await create({ ...b, name: '另一个人' }), 409, 'member.duplicate', 'idNumber');
  });

  test('members belong to a branch, and only roster.write there may add them', async () => {
    assertError(await create({ ...base(), idNumber: idNumber('1979-03-15', false, 3) }, tSB), 404, 'org.not_found');
    assertError(await create({ ...base(), idNumber: idNumber('1979-03-15', false, 3) }, tM), 404, 'org.not_found');
    const res = await api('POST', '/api/v1/members', { token: tC, body: { ...base(), orgId: who.townshipAdmin.orgId, idNumber: idNumber('1979-03-15', false, 3) } });
    assertError(res, 400, 'member.invalid', 'orgId');
  });
});

describe('read, edit, status, reveal, history', () => {
  let m, b;
  before(async () => {
    b = { ...base(), name: '钱进', gender: 'male', idNumber: idNumber('1975-05-05', true, 9), birthDate: '1975-05-05' };
    m = assertData(await create(b), 201);
  });

  test('outside the subtree a member looks exactly like a missing one', async () => {
    const outside = await api('GET', `/api/v1/members/${m.id}`, { token: tSB });
    const missing = await api('GET', '/api/v1/members/99999999', { token: tSB });
    assertError(outside, 404, 'member.not_found');
    assert.equal(outside.text, missing.text);
    assertError(await api('GET', `/api/v1/members/${m.id}`, { token: tA }), 404, 'member.not_found');
  });

  test('an edit is checked whole: a bad field leaves everything unchanged', async () => {
    const res = await api('PATCH', `/api/v1/members/${m.id}`, { token: tS, body: { name: '钱大进', joinedAt: '1980-01-01' } });
    assertError(res, 400, 'member.invalid', 'joinedAt');
    assert.equal(assertData(await api('GET', `/api/v1/members/${m.id}`, { token: tS })).name, '钱进');
  });

  test('an edit changes the fields, keeps history with the field names only', async () => {
    const e = assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tS, body: { phone: '13700001111', migrant: true, migrantPlace: '浙江省杭州市', education: '高中' } }));
    assert.equal(e.phone, '137****1111');
    assert.equal(e.migrant, true);
    assert.equal(e.education, '高中');
    const h = assertData(await api('GET', `/api/v1/members/${m.id}/history`, { token: tS }));
    assert.equal(h.items[0].kind, 'edited');
    assert.match(h.items[0].detail.fields, /phone/);
    assert.ok(!JSON.stringify(h).includes('13700001111'), 'no phone in the history');
    // null clears an optional field
    const c = assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tS, body: { migrant: false, migrantPlace: null } }));
    assert.equal(c.migrant, false);
    assert.equal(c.migrantPlace, null);
  });

  test('reveal: the secretary sees the full values, audited; others cannot', async () => {
    const r = assertData(await api('POST', `/api/v1/members/${m.id}/reveal`, { token: tS }));
    assert.equal(r.idNumber, b.idNumber);
    assert.equal(r.phone, '13700001111');
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), `SELECT action, target, detail FROM audit_log WHERE action = 'member.reveal'`);
    assert.match(audit.stdout, new RegExp(`member:${m.id}`));
    assert.ok(!audit.stdout.includes(b.idNumber));
    assertError(await api('POST', `/api/v1/members/${m.id}/reveal`, { token: tSB }), 404, 'member.not_found');
    assertError(await api('POST', `/api/v1/members/${m.id}/reveal`, { token: tA }), 404, 'member.not_found');
  });

  test('a member reads and reveals their own record, not another one', async () => {
    const own = assertData(await api('GET', `/api/v1/members/${who.member.memberId}`, { token: tM }));
    assert.equal(own.self, true);
    assert.equal(own.canEdit, false);
    assertData(await api('POST', `/api/v1/members/${who.member.memberId}/reveal`, { token: tM }));
    assertError(await api('GET', `/api/v1/members/${m.id}`, { token: tM }), 404, 'member.not_found');
    assertError(await api('PATCH', `/api/v1/members/${who.member.memberId}`, { token: tM, body: { name: 'x' } }), 404, 'member.not_found');
  });

  test('status: deceased with a reason leaves the active roster and the counts; history keeps the reason', async () => {
    const before = await memberCount(villageA);
    const s = assertData(await api('POST', `/api/v1/members/${m.id}/status`, { token: tS, body: { status: 'deceased', date: '2026-01-02', reason: '因病去世' } }));
    assert.equal(s.status, 'deceased');
    assert.equal(await memberCount(villageA), before - 1);
    const active = await listAll(api, tS, `/api/v1/members?orgId=${villageA}`);
    assert.ok(!active.some((x) => x.id === m.id));
    const all = await listAll(api, tS, `/api/v1/members?orgId=${villageA}&status=all`);
    assert.ok(all.some((x) => x.id === m.id && x.status === 'deceased'));
    const h = assertData(await api('GET', `/api/v1/members/${m.id}/history`, { token: tS }));
    assert.equal(h.items[0].kind, 'status');
    assert.equal(h.items[0].reason, '因病去世');
    assert.equal(h.items[0].detail.to, 'deceased');
    assertError(await api('POST', `/api/v1/members/${m.id}/status`, { token: tS, body: { status: 'transferred_out', date: '2026-01-02', reason: 'x' } }), 400, 'member.invalid', 'status');
    assertError(await api('POST', `/api/v1/members/${m.id}/status`, { token: tS, body: { status: 'normal', date: '2026-01-03' } }), 400, 'request.invalid', 'reason');
  });
});

describe('sub-records: posts, rewards, penalties, training', () => {
  test('add, list, delete; a penalty note is sealed at rest', async () => {
    const id = who.member.memberId;
    const r = assertData(await api('POST', `/api/v1/members/${id}/records`, { token: tS, body: { kind: 'penalty', title: '警告处分', issuer: '东岭镇纪委', startDate: '2020-05-01', note: '记录说明XYZ123' } }), 201);
    assert.equal(r.kind, 'penalty');
    assert.equal(r.note, '记录说明XYZ123');
    assertData(await api('POST', `/api/v1/members/${id}/records`, { token: tS, body: { kind: 'training', title: '农村党员冬训', startDate: '2025-12-01', endDate: '2025-12-03' } }), 201);
    assertError(await api('POST', `/api/v1/members/${id}/records`, { token: tS, body: { kind: 'post', title: 'x', startDate: '2025-12-01', endDate: '2025-11-01' } }), 400, 'member.invalid', 'endDate');
    let list = assertData(await api('GET', `/api/v1/members/${id}/records`, { token: tS }));
    assert.equal(list.items.length, 2);
    // the member sees their own sub-records
    assert.equal(assertData(await api('GET', `/api/v1/members/${id}/records`, { token: tM })).items.length, 2);
    const dump = sqlite(join(srv.dataDir, 'zhibu.db'), 'SELECT quote(note_sealed) FROM member_records');
    assert.ok(!dump.stdout.includes(Buffer.from('记录说明XYZ123').toString('hex').toUpperCase()));
    // The title and issuer of a penalty say what the sanction was: sealed at rest too.
    assert.equal(r.title, '警告处分');
    assert.equal(r.issuer, '东岭镇纪委');
    for (const f of ['zhibu.db', 'zhibu.db-wal'].map((x) => join(srv.dataDir, x)).filter(existsSync)) {
      const bytes = readFileSync(f);
      for (const t of ['警告处分', '东岭镇纪委', '农村党员冬训']) assert.ok(!bytes.includes(Buffer.from(t)), `${t} in ${f}`);
    }
    assertData(await api('DELETE', `/api/v1/members/${id}/records/${r.id}`, { token: tS }));
    list = assertData(await api('GET', `/api/v1/members/${id}/records`, { token: tS }));
    assert.equal(list.items.length, 1);
    assertError(await api('DELETE', `/api/v1/members/${id}/records/${r.id}`, { token: tS }), 404, 'member.record_not_found');
  });
});

describe('corrections proposed by the member', () => {
  test('propose -> the secretary\'s inbox -> accept changes the record', async () => {
    const id = who.member.memberId;
    const c = assertData(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { phone: '13611112222', note: '换了新手机号' } }), 201);
    assert.equal(c.state, 'pending');
    assert.equal(c.fields, 'phone');
    assert.equal(c.changes.phone, '13611112222', 'the member sees their own proposal');
    const inbox = assertData(await api('GET', `/api/v1/corrections?orgId=${villageA}&state=pending`, { token: tS }));
    assert.ok(inbox.items.some((x) => x.id === c.id));
    assertError(await api('GET', `/api/v1/corrections?orgId=${villageA}`, { token: tSB }), 404, 'org.not_found');
    assertError(await api('POST', `/api/v1/corrections/${c.id}/accept`, { token: tSB }), 404, 'correction.not_found');
    assertError(await api('POST', `/api/v1/corrections/${c.id}/accept`, { token: tM }), 404, 'correction.not_found');
    const done = assertData(await api('POST', `/api/v1/corrections/${c.id}/accept`, { token: tS }));
    assert.equal(done.state, 'accepted');
    assert.equal(assertData(await api('GET', `/api/v1/members/${id}`, { token: tM })).phone, '136****2222');
    assertError(await api('POST', `/api/v1/corrections/${c.id}/accept`, { token: tS }), 409, 'correction.state');
  });

  test('reject with a reason; invalid or foreign proposals are refused', async () => {
    const id = who.member.memberId;
    assertError(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { birthDate: '1999-01-01' } }), 400, 'member.invalid', 'idNumber');
    assertError(await api('POST', `/api/v1/members/${who.migrant.memberId}/corrections`, { token: tM, body: { name: '改名' } }), 404, 'member.not_found');
    assertError(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { category: 'probationary' } }), 400, 'request.unknown_field', 'category');
    const c = assertData(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { education: '研究生' } }), 201);
    assertError(await api('POST', `/api/v1/corrections/${c.id}/reject`, { token: tS, body: {} }), 400, 'request.invalid', 'reason');
    const r = assertData(await api('POST', `/api/v1/corrections/${c.id}/reject`, { token: tS, body: { reason: '请提供学历证明' } }));
    assert.equal(r.state, 'rejected');
    const mine = assertData(await api('GET', `/api/v1/members/${id}/corrections`, { token: tM }));
    assert.equal(mine.items[0].decisionReason, '请提供学历证明');
  });
});

describe('roster filters and paging', () => {
  test('migrant, gender, age band, occupation and category filters hold for every row', async () => {
    const county = who.countyAdmin.orgId;
    const cases = [
      ['migrant=true', (x) => x.migrant === true],
      ['gender=female', (x) => x.gender === 'female'],
      ['ageBand=over60', (x) => x.age >= 61],
      ['ageBand=under35', (x) => x.age < 35],
      [`occupation=${encodeURIComponent('外出务工')}`, (x) => x.occupation === '外出务工'],
      ['category=probationary', (x) => x.category === 'probationary'],
    ];
    for (const [q, ok] of cases) {
      const items = await listAll(api, tS, `/api/v1/members?orgId=${villageA}&${q}`);
      assert.ok(items.length > 0 || q.includes('probationary'), `${q}: some rows`);
      assert.ok(items.every(ok), `${q}: every row matches`);
    }
    const page = assertData(await api('GET', `/api/v1/members?orgId=${county}&limit=7&migrant=true`, { token: tC }));
    assert.equal(page.items.length, 7);
    assert.ok(page.next);
    const next = assertData(await api('GET', `/api/v1/members?orgId=${county}&limit=7&migrant=true&after=${page.next}`, { token: tC }));
    assert.ok(next.items.every((x) => !page.items.some((y) => y.id === x.id)), 'pages do not overlap');
    assertError(await api('GET', `/api/v1/members?orgId=${county}&ageBand=old`, { token: tC }), 400, 'request.invalid', 'ageBand');
    assertError(await api('GET', `/api/v1/members?orgId=${county}&after=bad!`, { token: tC }), 400, 'request.invalid', 'after');
  });

  test('a Chinese name search with one or two characters finds the members', async () => {
    const all = await listAll(api, tS, `/api/v1/members?orgId=${villageA}`);
    const name = all[0].name;
    for (const q of [name.slice(0, 1), name.slice(0, 2), name]) {
      const items = await listAll(api, tS, `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent(q)}`);
      assert.ok(items.some((x) => x.id === all[0].id), `q=${q}`);
      assert.ok(items.every((x) => x.name.includes(q)), `q=${q}: only matching names`);
    }
  });
});

describe('the canary ID number never appears in plain text at rest or in the logs', () => {
  test('database, WAL, backup and logs hold no plain canary', async () => {
    const canary = idNumber('1968-08-08', true, 321);
    const m = assertData(await create({ ...base(), name: '金丝雀', gender: 'male', birthDate: '1968-08-08', idNumber: canary, address: '云岭县金丝雀路8号' }), 201);
    assert.ok(!JSON.stringify(m).includes(canary));
    // every flow that carries it: list by it, reveal, a correction by the member is not possible (no account), an edit re-sealing it
    assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${canary}`, { token: tS }));
    assertData(await api('POST', `/api/v1/members/${m.id}/reveal`, { token: tS }));
    assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tS, body: { idNumber: canary.toLowerCase().replace('X', 'x'), name: '金丝雀二' } }));
    const dup = await create({ ...base(), birthDate: '1968-08-08', gender: 'male', idNumber: canary });
    assertError(dup, 409, 'member.duplicate');
    // The other flows that carry an ID number, each with its own canary:
    // a roster import, an applicant, a correction proposed by a member, an export.
    const canaries = [canary];
    const imported = idNumber('1969-09-09', false, 322);
    canaries.push(imported);
    const csv = `姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别\n导入金丝雀,女,1969-09-09,${imported},农民,1995-01-01,1996-01-01,正式党员\n`;
    assertData(await api('POST', `/api/v1/imports?orgId=${villageA}`, { token: tS, body: Buffer.from(csv), headers: { 'Content-Type': 'text/csv' } }), 201);
    const applicant = idNumber('1999-09-19', true, 323);
    canaries.push(applicant);
    assertData(await api('POST', '/api/v1/applicants', { token: tS, body: { orgId: villageA, name: '申请金丝雀', gender: 'male', birthDate: '1999-09-19', idNumber: applicant, occupation: '农民', appliedAt: '2026-01-05' } }), 201);
    const own = assertData(await api('GET', `/api/v1/members/${who.member.memberId}`, { token: tM }));
    const proposed = idNumber(own.birthDate, own.gender === 'male', 324);
    canaries.push(proposed);
    // Sent with an Idempotency-Key: the stored answer (which shows the member their own
    // proposal) is sealed like the proposal itself; a replay answers the same.
    const idem = { 'Idempotency-Key': 'canary-correction-1' };
    const first = await api('POST', `/api/v1/members/${who.member.memberId}/corrections`, { token: tM, body: { idNumber: proposed, note: '身份证号录错了' }, headers: idem });
    assertData(first, 201);
    const again = await api('POST', `/api/v1/members/${who.member.memberId}/corrections`, { token: tM, body: { idNumber: proposed, note: '身份证号录错了' }, headers: idem });
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    const phoneCanary = '13987654321';
    canaries.push(phoneCanary);
    assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tS, body: { phone: phoneCanary }, headers: { 'Idempotency-Key': 'canary-phone-1' } }));
    const exported = await api('GET', `/api/v1/exports/members?orgId=${villageA}&format=csv`, { token: tS });
    assert.equal(exported.status, 200);
    assert.ok(canaries.every((c) => !exported.text.includes(c)), 'a masked export holds no full ID number');
    const dir = srv.dataDir;
    const grep = (file) => {
      const bytes = readFileSync(file);
      return canaries.some((c) => bytes.includes(Buffer.from(c)) || bytes.includes(Buffer.from(c.slice(0, 17))));
    };
    // the WAL while the server runs
    const wal = join(dir, 'zhibu.db-wal');
    if (existsSync(wal)) {
      const copy = join(tempDir(), 'wal-copy');
      copyFileSync(wal, copy);
      assert.equal(grep(copy), false, 'canary in the WAL');
    }
    const backup = join(tempDir(), 'backup.db');
    const r = srv.run(['backup', '--data', dir, '--out', backup]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(grep(backup), false, 'canary in the backup');
    assert.equal(grep(join(dir, 'zhibu.db')), false, 'canary in the database file');
    assert.ok(canaries.every((c) => !srv.stderr().includes(c.slice(0, 17))), 'canary in the server log');
    for (const f of readdirSync(dir)) if (/\.log$/.test(f)) assert.equal(grep(join(dir, f)), false, `canary in ${f}`);
    assert.ok(!readFileSync(join(dir, 'zhibu.db')).includes(Buffer.from('金丝雀路')), 'the address is sealed');
  });
});

describe('migrant members attached to a host organisation', () => {
  test('the host branch sees the member for organisational life; the membership stays home', async () => {
    const id = who.migrant.memberId;
    const before = await memberCount(villageA);
    const m = assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { hostOrgId: villageB } }));
    assert.equal(m.hostOrgId, villageB);
    assert.equal(m.orgId, villageA);
    assert.equal(await memberCount(villageA), before, 'still counted at home');
    const hosted = assertData(await api('GET', `/api/v1/members?orgId=${villageB}&hosted=true`, { token: tSB }));
    assert.deepEqual(hosted.items.map((x) => x.id), [id]);
    assert.equal(assertData(await api('GET', `/api/v1/members/${id}`, { token: tSB })).hostOrgName.length > 0, true);
    assertError(await api('PATCH', `/api/v1/members/${id}`, { token: tSB, body: { education: '高中' } }), 404, 'member.not_found');
    assertError(await api('POST', `/api/v1/members/${id}/reveal`, { token: tSB }), 404, 'member.not_found');
    // only a migrant can have a host, and not their own branch
    assertError(await api('PATCH', `/api/v1/members/${who.member.memberId}`, { token: tS, body: { hostOrgId: villageB } }), 400, 'member.invalid', 'hostOrgId');
    assertError(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { hostOrgId: villageA } }), 400, 'member.invalid', 'hostOrgId');
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { hostOrgId: null } }));
    assertError(await api('GET', `/api/v1/members/${id}`, { token: tSB }), 404, 'member.not_found');
  });
});

// How many ID numbers fit what a reader without pdata.reveal sees of a member:
// the mask (its visible characters), the birth date (digits 7-14) and the
// gender (the parity of digit 17), with a valid GB 11643 check character.
function idCandidates(mask, birthDate, gender) {
  const fixed = [...mask];
  const b = birthDate.replaceAll('-', '');
  for (let i = 0; i < 8; i++) fixed[6 + i] = b[i];
  const free = [];
  for (let i = 0; i < 17; i++) if (fixed[i] === '*') free.push(i);
  if (free.length > 6) return 10 ** free.length / 2;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let n = 0;
  for (let k = 0; k < 10 ** free.length; k++) {
    let v = k;
    for (const i of free) { fixed[i] = String(v % 10); v = Math.floor(v / 10); }
    if (Number(fixed[16]) % 2 !== (gender === 'male' ? 1 : 0)) continue;
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += Number(fixed[i]) * w[i];
    if (fixed[17] === '*' || fixed[17] === '10X98765432'[sum % 11]) n++;
  }
  return n;
}

describe('exact search by a whole ID number or phone is a reveal', () => {
  let tK, m, b;
  const audited = (action) => sqlite(join(srv.dataDir, 'zhibu.db'),
    `SELECT result || '|' || target || '|' || detail FROM audit_log WHERE action = '${action}' ORDER BY id`).stdout.trim().split('\n').filter(Boolean);
  before(async () => {
    // A branch committee member: roster.read and roster.write, no pdata.reveal.
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', '13700009901', '--name', '委员甲',
      '--password', 'committee-pass-1', '--org', String(villageA), '--role', 'branch_committee']);
    assert.equal(r.status, 0, r.stderr);
    tK = (await srv.login({ phone: '13700009901', password: 'committee-pass-1' })).token;
    b = { ...base(), name: '孙查找', gender: 'male', birthDate: '1966-06-16', idNumber: idNumber('1966-06-16', true, 41), phone: '13977776666' };
    m = assertData(await create(b), 201);
  });

  test('the mask leaves the ID number unguessable from the birth date and gender beside it', async () => {
    for (const token of [tK, tS]) {
      const r = assertData(await api('GET', `/api/v1/members/${m.id}`, { token }));
      assert.equal(r.birthDate, b.birthDate);
      assert.ok(idCandidates(r.idNumber, r.birthDate, r.gender) >= 10000,
        `${r.idNumber} with ${r.birthDate}: ${idCandidates(r.idNumber, r.birthDate, r.gender)} candidates`);
      const [row] = assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('孙查找')}`, { token })).items;
      assert.equal(row.idNumber, r.idNumber, 'the roster shows the same mask');
    }
  });

  test('without pdata.reveal: refused whether or not the number exists, audited, the name search still works', async () => {
    const before = audited('member.search').length;
    const other = idNumber('1966-06-16', true, 42);
    for (const q of [b.idNumber, other, b.idNumber.toLowerCase(), b.phone, '13977776667']) {
      assertError(await api('GET', `/api/v1/members?orgId=${villageA}&q=${q}`, { token: tK }), 403, 'member.exact_search');
    }
    const rows = audited('member.search').slice(before);
    assert.equal(rows.length, 5, 'one audit row per search');
    assert.ok(rows.every((x) => x.startsWith(`denied|org:${villageA}|`)), rows.join('\n'));
    assert.ok(rows.every((x) => !x.includes(b.idNumber.slice(4)) && !x.includes(b.phone)), 'the number is masked in the log');
    assert.deepEqual(assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('孙查找')}`, { token: tK })).items.map((x) => x.id), [m.id]);
  });

  test('with pdata.reveal: found, one audit row per search with the number masked, never from the cache', async () => {
    const before = audited('member.search').length;
    for (let i = 0; i < 2; i++) {
      const byId = assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${b.idNumber}`, { token: tS }));
      assert.deepEqual(byId.items.map((x) => x.id), [m.id]);
      const byPhone = assertData(await api('GET', `/api/v1/members?orgId=${villageA}&q=${b.phone}`, { token: tS }));
      assert.deepEqual(byPhone.items.map((x) => x.id), [m.id]);
    }
    const rows = audited('member.search').slice(before);
    assert.equal(rows.length, 4, rows.join('\n'));
    assert.ok(rows.every((x) => x.startsWith(`ok|org:${villageA}|`)));
    assert.ok(rows.every((x) => !x.includes(b.idNumber.slice(4)) && !x.includes(b.phone)), 'the number is masked in the log');
    // The answer the secretary got is not served to a caller who may not reveal.
    assertError(await api('GET', `/api/v1/members?orgId=${villageA}&q=${b.idNumber}`, { token: tK }), 403, 'member.exact_search');
  });

  test('rate-limited per account (exact_search_per_hour)', async () => {
    const s2 = await startServer({ config: ['exact_search_per_hour = 3'] });
    try {
      const t1 = (await s2.login(s2.who.secretaryA)).token;
      const t2 = (await s2.login(s2.who.countyAdmin)).token;
      const q = idNumber('1950-01-01', true, 5);
      for (let i = 0; i < 3; i++) assertData(await s2.api('GET', `/api/v1/members?orgId=${s2.who.secretaryA.orgId}&q=${q}`, { token: t1 }));
      assertError(await s2.api('GET', `/api/v1/members?orgId=${s2.who.secretaryA.orgId}&q=${q}`, { token: t1 }), 429, 'request.rate_limited');
      assertError(await s2.api('GET', `/api/v1/members?orgId=${s2.who.secretaryA.orgId}&q=13800000006`, { token: t1 }), 429, 'request.rate_limited');
      // a name search is not limited; another account has its own allowance
      assertData(await s2.api('GET', `/api/v1/members?orgId=${s2.who.secretaryA.orgId}&q=${encodeURIComponent('张')}`, { token: t1 }));
      assertData(await s2.api('GET', `/api/v1/members?orgId=${s2.who.secretaryA.orgId}&q=${q}`, { token: t2 }));
    } finally {
      await s2.stop();
    }
  });
});

describe('sensitive reads are audited: proposed personal data, sealed notes and reasons', () => {
  let tK2;
  const rows = (action) => Number(sqlite(join(srv.dataDir, 'zhibu.db'),
    `SELECT COUNT(*) FROM audit_log WHERE action = '${action}'`).stdout.trim());
  before(async () => {
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', '13700009902', '--name', '委员乙',
      '--password', 'committee-pass-2', '--org', String(villageA), '--role', 'branch_committee']);
    assert.equal(r.status, 0, r.stderr);
    tK2 = (await srv.login({ phone: '13700009902', password: 'committee-pass-2' })).token;
  });

  test('corrections: masked without pdata.reveal; a list shown in full is one audit row', async () => {
    const id = who.member.memberId;
    const c = assertData(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { phone: '13622223333', note: '新号码' } }), 201);
    const mineBefore = rows('member.correction.reveal');
    // the committee member: masked in both lists, nothing revealed, nothing audited
    for (const path of [`/api/v1/corrections?orgId=${villageA}&state=pending`, `/api/v1/members/${id}/corrections`]) {
      const items = assertData(await api('GET', path, { token: tK2 })).items;
      assert.equal(items.find((x) => x.id === c.id).changes.phone, '136****3333', path);
      assert.ok(!JSON.stringify(items).includes('13622223333'), path);
    }
    assert.equal(rows('member.correction.reveal'), mineBefore);
    // the member's own proposals are theirs: shown in full, not a reveal
    assertData(await api('GET', `/api/v1/members/${id}/corrections`, { token: tM }));
    assert.equal(rows('member.correction.reveal'), mineBefore);
    // the secretary may reveal: full values, one audit row per list
    for (const path of [`/api/v1/corrections?orgId=${villageA}&state=pending`, `/api/v1/members/${id}/corrections`]) {
      const items = assertData(await api('GET', path, { token: tS })).items;
      assert.equal(items.find((x) => x.id === c.id).changes.phone, '13622223333', path);
    }
    assert.equal(rows('member.correction.reveal'), mineBefore + 2);
    const last = sqlite(join(srv.dataDir, 'zhibu.db'), `SELECT target, detail FROM audit_log WHERE action = 'member.correction.reveal' ORDER BY id DESC LIMIT 1`).stdout;
    assert.match(last, new RegExp(`member:${id}`));
    assert.ok(!last.includes('13622223333'));
    assertData(await api('POST', `/api/v1/corrections/${c.id}/reject`, { token: tS, body: { reason: '请到支部核对' } }));
  });

  test('sub-records and history: sealed notes and reasons shown to others are audited', async () => {
    const m = assertData(await create({ ...base(), name: '周记录', idNumber: idNumber('1979-03-15', false, 44) }), 201);
    assertData(await api('POST', `/api/v1/members/${m.id}/records`, { token: tS, body: { kind: 'penalty', title: '警告', startDate: '2021-01-01', note: '说明审计' } }), 201);
    assertData(await api('POST', `/api/v1/members/${m.id}/status`, { token: tS, body: { status: 'retired', date: '2025-01-01', reason: '年满退休' } }));
    const r0 = rows('member.record.read'), h0 = rows('member.history.read');
    assert.equal(assertData(await api('GET', `/api/v1/members/${m.id}/records`, { token: tK2 })).items[0].note, '说明审计');
    assert.equal(assertData(await api('GET', `/api/v1/members/${m.id}/history`, { token: tK2 })).items[0].reason, '年满退休');
    assert.equal(rows('member.record.read'), r0 + 1);
    assert.equal(rows('member.history.read'), h0 + 1);
    // a record without sealed text opened is not a sensitive read
    const plain = assertData(await create({ ...base(), name: '吴无注', idNumber: idNumber('1979-03-15', false, 45) }), 201);
    assertData(await api('GET', `/api/v1/members/${plain.id}/records`, { token: tK2 }));
    assertData(await api('GET', `/api/v1/members/${plain.id}/history`, { token: tK2 }));
    assert.equal(rows('member.record.read'), r0 + 1);
    assert.equal(rows('member.history.read'), h0 + 1);
    // the member reading their own is not audited
    const own = who.member.memberId;
    assertData(await api('POST', `/api/v1/members/${own}/records`, { token: tS, body: { kind: 'reward', title: '优秀党员', startDate: '2022-07-01', note: '表彰说明' } }), 201);
    assertData(await api('GET', `/api/v1/members/${own}/records`, { token: tM }));
    assert.equal(rows('member.record.read'), r0 + 1);
  });
});

describe('a member\'s proposal says nothing of where else an ID number is registered', () => {
  test('a number on a record beyond the member\'s reach is proposed like a new one; the decision needs review', async () => {
    const birth = '1981-01-01';
    const elsewhere = idNumber(birth, true, 61);
    assertData(await api('POST', '/api/v1/members', { token: tSB, body: { ...base(), orgId: villageB, name: '别村党员', gender: 'male', birthDate: birth, idNumber: elsewhere } }), 201);
    const id = who.member.memberId;
    const propose = (idn) => api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { idNumber: idn, birthDate: birth, gender: 'male' } });
    const a = assertData(await propose(elsewhere), 201);
    const b = assertData(await propose(idNumber(birth, true, 62)), 201);
    assert.equal(a.state, b.state);
    assert.deepEqual(Object.keys(a), Object.keys(b));
    // the secretary of village A may not reveal in village B: a neutral refusal, audited
    assertError(await api('POST', `/api/v1/corrections/${a.id}/accept`, { token: tS }), 409, 'member.needs_review', 'idNumber');
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT result FROM audit_log WHERE action = 'member.id_conflict' ORDER BY id").stdout.trim().split('\n');
    assert.deepEqual(audit.slice(-2), ['ok', 'denied'], 'the proposal and the refused decision');
    // creating a record with it from village A: the same neutral answer
    assertError(await create({ ...base(), gender: 'male', birthDate: birth, idNumber: elsewhere }), 409, 'member.needs_review', 'idNumber');
    // the county admin may reveal in both villages: told it is a duplicate
    assertError(await create({ ...base(), gender: 'male', birthDate: birth, idNumber: elsewhere }, tC), 409, 'member.duplicate', 'idNumber');
    for (const c of [a, b]) assertData(await api('POST', `/api/v1/corrections/${c.id}/reject`, { token: tS, body: { reason: '请到支部核对' } }));
  });

  // Last in this file: it uses up the member's proposals for the hour.
  test('proposals are rate-limited per account', async () => {
    const id = who.member.memberId;
    const made = Number(sqlite(join(srv.dataDir, 'zhibu.db'),
      `SELECT COUNT(*) FROM audit_log WHERE action = 'member.correction.propose' AND target = 'member:${id}'`).stdout.trim());
    const values = ['小学', '初中', '高中', '中专', '大专', '本科'];
    for (let i = made; i < 10; i++) {
      assertData(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { education: values[i % values.length] === '本科' ? '研究生' : values[i % values.length] } }), 201);
    }
    assertError(await api('POST', `/api/v1/members/${id}/corrections`, { token: tM, body: { education: '小学' } }), 429, 'request.rate_limited');
  });
});
