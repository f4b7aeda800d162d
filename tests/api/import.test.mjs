// import.test.mjs - roster import from CSV (UTF-8 and GBK) and XLSX, all rows or
// none with a row-level report; the template; exports of rosters and statistics
// with masking, permissions, audit and formula injection neutralised.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { assertData, assertError, idNumber, listAll, sqlite, startServer } from './helpers.mjs';

let srv, api, who;
let tS, tSB, tT, tC, tA, tM;
let villageA, villageB, townshipA;

before(async () => {
  srv = await startServer({ config: ['max_upload = 200000'] });
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
  townshipA = who.townshipAdmin.orgId;
});

after(async () => {
  await srv?.stop();
});

const HEAD = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点';
// A roster row; typed is the birth date as someone typed it (default: ISO).
const row = (name, birth, male, seq, typed = birth) =>
  `${name},${male ? '男' : '女'},${typed},${idNumber(birth, male, seq)},农民,1998-07-01,1999-07-01,正式党员,否,`;

async function upload(orgId, body, { token = tS, query = '' } = {}) {
  return api('POST', `/api/v1/imports?orgId=${orgId}${query}`, {
    token, body: Buffer.isBuffer(body) ? body : Buffer.from(body), headers: { 'Content-Type': 'text/csv' },
  });
}
const count = async (orgId) => assertData(await api('GET', `/api/v1/orgs/${orgId}`, { token: tC })).memberCount;

describe('import: every row or none', () => {
  test('three good rows (dates as people type them) are stored and counted', async () => {
    const before = await count(villageA);
    const csv = [HEAD, row('导入一', '1970-01-02', true, 1), row('导入二', '1971-02-03', false, 2, '1971/2/3'), row('导入三', '1972-03-04', true, 3, '1972年3月4日')].join('\r\n') + '\r\n';
    const r = assertData(await upload(villageA, csv), 201);
    assert.equal(r.rows, 3);
    assert.equal(r.imported, 3);
    assert.deepEqual(r.errors, []);
    assert.equal(await count(villageA), before + 3);
    const found = await listAll(api, tS, `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('导入二')}`);
    assert.equal(found.length, 1);
    assert.equal(found[0].birthDate, '1971-02-03');
    const h = assertData(await api('GET', `/api/v1/members/${found[0].id}/history`, { token: tS }));
    assert.equal(h.items.at(-1).kind, 'imported');
  });

  test('one bad row: 422 with the row and column, nothing stored', async () => {
    const before = await count(villageA);
    const bad = row('坏行', '1973-05-05', true, 4).replace(idNumber('1973-05-05', true, 4), '110101197305050041');
    const csv = [HEAD, row('好行一', '1973-01-01', true, 5), bad, row('好行二', '1973-02-02', false, 6)].join('\n');
    const res = await upload(villageA, csv);
    assertError(res, 422, 'import.invalid');
    const rep = res.json.error.report;
    assert.equal(rep.rows, 3);
    assert.equal(rep.imported, 0);
    assert.equal(rep.errorCount, 1);
    assert.deepEqual(rep.errors.map((e) => [e.row, e.column, e.field]), [[3, '身份证号', 'idNumber']]);
    assert.equal(await count(villageA), before, 'nothing applied');
    assert.equal((await listAll(api, tS, `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('好行一')}`)).length, 0);
  });

  test('every bad row is reported: bad date, unknown column values, duplicates in the file and in the register', async () => {
    const dup = row('重复', '1974-04-04', true, 7);
    const csv = [
      HEAD,
      dup,
      dup.replace('重复', '重复二'),
      row('日期错', '1974-12-01', true, 8, '1974-13-01'),
      row('流动', '1975-01-01', true, 9).replace(',否,', ',也许,'),
      row('已有', '1970-01-02', true, 1),
    ].join('\n');
    const res = await upload(villageA, csv);
    assertError(res, 422, 'import.invalid');
    const rows = res.json.error.report.errors.map((e) => [e.row, e.field]);
    assert.deepEqual(rows, [[3, 'idNumber'], [4, 'birthDate'], [5, 'migrant'], [6, 'idNumber']]);
  });

  test('an ID number registered where the importer may not look: a dry run says nothing, the import needs review', async () => {
    // '已有' (1970-01-02, seq 1) is on village A's roster; village B's secretary may not reveal there.
    const there = row('别处已有', '1970-01-02', true, 1);
    const fresh = row('别处没有', '1970-01-02', true, 91);
    const dryThere = assertData(await upload(villageB, [HEAD, there].join('\n'), { token: tSB, query: '&dryRun=true' }), 200);
    const dryFresh = assertData(await upload(villageB, [HEAD, fresh].join('\n'), { token: tSB, query: '&dryRun=true' }), 200);
    assert.deepEqual(dryThere, dryFresh, 'the same outcome as a new number');
    const res = await upload(villageB, [HEAD, there].join('\n'), { token: tSB });
    assertError(res, 422, 'import.invalid');
    const [e] = res.json.error.report.errors;
    assert.equal(e.field, 'idNumber');
    assert.match(e.message, /administrator/);
    assert.doesNotMatch(e.message, /already|registered/);
    // within reach (village A's secretary may reveal there) the dry run says so
    const mine = await upload(villageA, [HEAD, there].join('\n'), { query: '&dryRun=true' });
    assertError(mine, 422, 'import.invalid');
    assert.match(mine.json.error.report.errors[0].message, /already registered/);
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT detail FROM audit_log WHERE action = 'member.import' ORDER BY id DESC LIMIT 3").stdout;
    assert.match(audit, /1 ID numbers registered beyond the caller's reach/);
  });

  test('imports are rate-limited per account (imports_per_hour), dry runs too', async () => {
    const s2 = await startServer({ config: ['imports_per_hour = 2'] });
    try {
      const t = (await s2.login(s2.who.secretaryA)).token;
      const up = (q) => s2.api('POST', `/api/v1/imports?orgId=${s2.who.secretaryA.orgId}${q}`, {
        token: t, body: Buffer.from([HEAD, row('限流', '1976-06-06', true, 10)].join('\n')), headers: { 'Content-Type': 'text/csv' } });
      assertData(await up('&dryRun=true'), 200);
      assertData(await up('&dryRun=true'), 200);
      assertError(await up('&dryRun=true'), 429, 'request.rate_limited');
      assertError(await up(''), 429, 'request.rate_limited');
    } finally {
      await s2.stop();
    }
  });

  test('a missing required column is named; an empty file is refused', async () => {
    const res = await upload(villageA, '姓名,性别\n张三,男\n');
    assertError(res, 422, 'import.invalid');
    assert.ok(res.json.error.report.errors.some((e) => e.column === '身份证号'));
    assertError(await upload(villageA, ''), 422, 'import.invalid');
    assertError(await upload(villageA, HEAD + '\n'), 422, 'import.invalid');
  });

  test('a dry run checks and stores nothing', async () => {
    const before = await count(villageA);
    const r = assertData(await upload(villageA, [HEAD, row('试运行', '1976-06-06', true, 10)].join('\n'), { query: '&dryRun=true' }), 200);
    assert.equal(r.dryRun, true);
    assert.equal(r.rows, 1);
    assert.equal(r.imported, 0);
    assert.equal(await count(villageA), before);
  });

  test('a CSV saved by Excel in GBK is read', async () => {
    const csv = [HEAD, row('国标编码', '1977-07-07', false, 11)].join('\r\n');
    const gbk = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(csv) });
    assert.equal(gbk.status, 0);
    const r = assertData(await upload(villageA, gbk.stdout), 201);
    assert.equal(r.imported, 1);
    assert.equal((await listAll(api, tS, `/api/v1/members?orgId=${villageA}&q=${encodeURIComponent('国标编码')}`)).length, 1);
  });

  test('a township imports with the column 所在党支部; an unknown branch is a row error', async () => {
    const villages = assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=200`, { token: tT })).items.filter((o) => o.level === 'branch');
    const v2 = villages[1];
    const head = HEAD + ',所在党支部';
    const good = [head, row('乡镇导入', '1978-08-08', true, 12) + ',' + v2.name].join('\n');
    const before = await count(v2.id);
    assertData(await upload(townshipA, good, { token: tT }), 201);
    assert.equal(await count(v2.id), before + 1);
    const res = await upload(townshipA, [head, row('无此支部', '1978-09-09', true, 13) + ',不存在村党支部'].join('\n'), { token: tT });
    assertError(res, 422, 'import.invalid');
    assert.equal(res.json.error.report.errors[0].column, '所在党支部');
  });

  test('the XLSX template imports (its example row is a valid record)', async () => {
    const res = await api('GET', '/api/v1/imports/template?format=xlsx', { token: tSB });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /spreadsheetml/);
    assert.match(res.headers.get('content-disposition'), /attachment; filename="download\.xlsx"; filename\*=UTF-8''/);
    const bytes = Buffer.from(await (await fetch(srv.base + '/api/v1/imports/template?format=xlsx', { headers: { Authorization: `Bearer ${tSB}` } })).arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    const r = assertData(await upload(villageB, bytes, { token: tSB }), 201);
    assert.equal(r.imported, 1);
    assert.equal((await listAll(api, tSB, `/api/v1/members?orgId=${villageB}&q=${encodeURIComponent('张三')}`)).length >= 1, true);
    const csv = await api('GET', '/api/v1/imports/template?format=csv', { token: tSB });
    assert.ok(csv.text.replace(/^\uFEFF/, '').startsWith('姓名,性别,民族,出生日期,身份证号'));
  });

  test('only roster.write on the organisation may import; big files are refused', async () => {
    assertError(await upload(villageA, HEAD, { token: tSB }), 404, 'org.not_found');
    assertError(await upload(villageA, HEAD, { token: tM }), 404, 'org.not_found');
    assertError(await upload(villageA, HEAD, { token: tA }), 404, 'org.not_found');
    const big = HEAD + '\n' + 'x'.repeat(300000);
    assertError(await upload(villageA, big), 413, 'request.too_large');
  });
});

describe('export: rosters and statistics', () => {
  test('a roster CSV in the template columns, masked, counted, audited', async () => {
    const res = await api('GET', `/api/v1/exports/members?orgId=${villageA}&format=csv`, { token: tS });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/csv/);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.ok(lines[0].startsWith('姓名,性别,民族,出生日期,身份证号'));
    const roster = await listAll(api, tS, `/api/v1/members?orgId=${villageA}`);
    assert.equal(lines.length - 1, roster.length);
    assert.ok(lines.slice(1).every((l) => /,\d{4}\*{14},/.test(l)), 'ID numbers masked');
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT detail FROM audit_log WHERE action = 'member.export'");
    assert.match(audit.stdout, new RegExp(`${roster.length} rows, masked`));
  });

  test('full values need pdata.reveal and a POST; formula-like names are neutralised', async () => {
    const birth = '1980-10-10';
    assertData(await api('POST', '/api/v1/members', { token: tS, body: { orgId: villageA, name: '=1+2', gender: 'male', birthDate: birth, idNumber: idNumber(birth, true, 30), occupation: '农民', joinedAt: '2005-01-01', fullAt: '2006-01-01', category: 'full' } }), 201);
    const full = await api('POST', '/api/v1/exports/members', { token: tS, body: { orgId: villageA, format: 'csv' } });
    assert.equal(full.status, 200);
    assert.ok(full.text.includes(idNumber(birth, true, 30)));
    assert.ok(full.text.includes("'=1+2"), 'a cell starting with = gets an apostrophe');
    assert.ok(!/(^|,)=1\+2/m.test(full.text));
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT detail FROM audit_log WHERE action = 'member.export' ORDER BY id DESC LIMIT 1");
    assert.match(audit.stdout, /rows, full/);
    assertError(await api('POST', '/api/v1/exports/members', { token: tA, body: { orgId: villageA } }), 404, 'org.not_found');
    // A GET can be set off by a link or an image on another site: it never reveals.
    assertError(await api('GET', `/api/v1/exports/members?orgId=${villageA}&format=csv&full=true`, { token: tS }), 400, 'request.invalid', 'full');
    // The POST is a write: never from another site, and a cookie needs the CSRF token.
    const s = await srv.login(who.secretaryA);
    assertError(await api('POST', '/api/v1/exports/members', { cookie: s.cookie, body: { orgId: villageA } }), 403, 'auth.csrf');
    assertError(await api('POST', '/api/v1/exports/members', { cookie: s.cookie, csrf: s.csrf, body: { orgId: villageA }, headers: { 'Sec-Fetch-Site': 'cross-site' } }), 403, 'auth.csrf');
    assert.equal((await api('POST', '/api/v1/exports/members', { cookie: s.cookie, csrf: s.csrf, body: { orgId: villageA, format: 'csv' } })).status, 200);
    assertError(await api('GET', `/api/v1/exports/members?orgId=${villageA}`, { token: tSB }), 404, 'org.not_found');
    const x = await api('GET', `/api/v1/exports/members?orgId=${villageA}`, { token: tS });
    assert.match(x.headers.get('content-type'), /spreadsheetml/);
  });

  test('statistics export: the organisation and one row per child', async () => {
    const res = await api('GET', `/api/v1/exports/stats?orgId=${townshipA}&format=csv`, { token: tT });
    assert.equal(res.status, 200);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    const kids = assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=200`, { token: tT })).items.filter((o) => o.level !== 'group');
    assert.equal(lines.length, 2 + kids.length);
    const s = assertData(await api('GET', `/api/v1/orgs/${townshipA}/stats`, { token: tT }));
    assert.equal(Number(lines[1].split(',')[2]), s.members);
  });
});

describe('zhibu import / zhibu export on the command line', () => {
  test('import checks every row, imports all or none, and export writes the roster', async () => {
    const { writeFileSync, readFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'zhibu-cli-'));
    const good = join(dir, 'good.csv'), bad = join(dir, 'bad.csv'), out = join(dir, 'out.csv');
    writeFileSync(good, [HEAD, row('命令行一', '1971-01-01', true, 40), row('命令行二', '1971-02-02', false, 41)].join('\n'));
    writeFileSync(bad, [HEAD, row('命令行三', '1971-03-03', true, 42), '命令行四,男,1971-04-04,123,农民,1998-07-01,1999-07-01,正式党员,否,'].join('\n'));
    const before = await count(villageB);
    let r = srv.run(['import', '--data', srv.dataDir, '--org', String(villageB), '--file', bad]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /row 3, 身份证号/);
    assert.equal(await count(villageB), before);
    r = srv.run(['import', '--data', srv.dataDir, '--org', String(villageB), '--file', good, '--dry-run']);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(await count(villageB), before);
    r = srv.run(['import', '--data', srv.dataDir, '--org', String(villageB), '--file', good]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 members imported/);
    assert.equal(await count(villageB), before + 2);
    r = srv.run(['export', '--data', srv.dataDir, '--org', String(villageB), '--format', 'csv', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.includes('命令行二'));
    assert.equal(text.trim().split('\r\n').length - 1, before + 2);
    r = srv.run(['import', '--data', srv.dataDir, '--org', '99999', '--file', good]);
    assert.notEqual(r.status, 0);
  });
});

describe('dues ledger export', () => {
  test('one row per member with the months owed, audited', async () => {
    const res = await api('GET', `/api/v1/exports/dues?orgId=${villageA}&format=csv`, { token: tS });
    assert.equal(res.status, 200);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.ok(lines[0].startsWith('姓名,所在党支部,党费类别,月交党费(元),党费交至,欠缴月数'));
    const ledger = await listAll(api, tS, `/api/v1/dues?orgId=${villageA}`);
    assert.equal(lines.length - 1, ledger.length);
    const behind = ledger.filter((x) => x.monthsUnpaid >= 3).length;
    assert.equal(lines.filter((l) => /欠缴预警|严重欠缴|满6个月未交/.test(l)).length, behind);
    assertError(await api('GET', `/api/v1/exports/dues?orgId=${villageA}`, { token: tSB }), 404, 'org.not_found');
    const audit = sqlite(join(srv.dataDir, 'zhibu.db'), "SELECT count(*) FROM audit_log WHERE action = 'dues.export'");
    assert.equal(audit.stdout.trim(), '1');
  });
});

describe('a roster as branches keep it in Excel', () => {
  test('title rows above the header are skipped; blank rows between members too', async () => {
    const before = await count(villageA);
    const csv = ['下湾村党员花名册,,,', '填报日期：2026年11月,,,', '', HEAD, row('标题行后一', '1968-03-03', true, 90), '', row('标题行后二', '1969-04-04', false, 91)].join('\r\n');
    const r = assertData(await upload(villageA, csv), 201);
    assert.equal(r.imported, 2);
    assert.equal(await count(villageA), before + 2);
    // Without any known column in the first rows, the report names what is missing.
    const res = await upload(villageA, '甲,乙\n1,2\n');
    assertError(res, 422, 'import.invalid');
    assert.ok(res.json.error.report.errors.some((e) => e.column === '姓名'));
  });
});
