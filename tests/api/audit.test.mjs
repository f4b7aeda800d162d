// audit.test.mjs - the audit log: logins, denials and changes are recorded,
// auditors read them, no secrets land in it, and `zhibu audit verify`
// detects an edited or deleted row.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, listAll, run, sqlite, startServer, tempDir } from './helpers.mjs';

const WRONG_PASSWORD = 'Wr0ng-Canary-Password-7731';
let srv, api, who, county;
let tA; // auditor
const cleanup = [];

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  county = who.countyAdmin.orgId;
  tA = (await srv.login(who.auditor)).token;
});

after(async () => {
  await srv?.stop();
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

const auditRows = async () => listAll(api, tA, `/api/v1/audit?orgId=${county}`);

describe('recording and reading', () => {
  let secretary, secretaryId, tokens = [];

  test('a failed login and a denied read are listed for the county auditor', async () => {
    const a = who.secretaryA;
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: a.phone, password: WRONG_PASSWORD } }), 401, 'auth.bad_credentials');
    secretary = await srv.login(a);
    tokens.push(secretary.token);
    secretaryId = secretary.user.id;
    assertError(await api('GET', `/api/v1/orgs/${county}`, { token: secretary.token }), 404, 'org.not_found');

    const res = await api('GET', `/api/v1/audit?orgId=${county}&limit=200`, { token: tA });
    const d = assertData(res);
    assert.ok(d.items.length > 0, 'rows listed');
    for (const r of d.items) {
      for (const k of ['id', 'at', 'actorId', 'orgId', 'action', 'target', 'result', 'detail', 'ip', 'requestId'])
        assert.ok(k in r, `row field ${k}`);
      assert.match(r.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    const ids = d.items.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');

    const denied = d.items.find((r) => r.action === 'access.denied' && r.actorId === secretaryId);
    assert.ok(denied, `the denied read is listed: ${JSON.stringify(d.items.slice(0, 5))}`);
    assert.equal(denied.orgId, county);
    assert.equal(denied.result, 'denied');

    const ok = d.items.find((r) => r.action === 'auth.login' && r.result === 'ok' && r.target === `account:${secretaryId}`);
    assert.ok(ok, 'the successful login is listed');
  });

  test('the failed login of an account in the county is visible to the county auditor', async () => {
    const rows = await auditRows();
    const failed = rows.find((r) => r.action === 'auth.login' && r.result === 'failed' && r.target === `account:${secretaryId}`);
    assert.ok(failed, 'a failed login (a brute-force attempt) on a county account must reach the county auditor; '
      + `rows seen: ${JSON.stringify(rows.filter((r) => r.action === 'auth.login').slice(0, 5))}`);
  });

  test('organisation and role changes are recorded with actor, org and target', async () => {
    const t = await srv.login(who.townshipAdmin);
    tokens.push(t.token);
    const org = assertData(await api('POST', '/api/v1/orgs', {
      token: t.token, body: { parentId: who.townshipAdmin.orgId, name: '审计测试党支部', level: 'branch' },
    }), 201);
    assertData(await api('PATCH', `/api/v1/orgs/${org.id}`, { token: t.token, body: { name: '审计改名党支部' } }));
    assertData(await api('POST', `/api/v1/orgs/${org.id}/close`, { token: t.token }));
    assertData(await api('POST', '/api/v1/roles', {
      token: t.token, body: { phone: who.member.phone, orgId: who.secretaryA.orgId, role: 'branch_committee' },
    }), 201);
    const rows = await auditRows();
    for (const action of ['org.create', 'org.rename', 'org.close']) {
      const r = rows.find((x) => x.action === action && x.orgId === org.id);
      assert.ok(r, `${action} recorded`);
      assert.equal(r.actorId, t.user.id);
      assert.equal(r.result, 'ok');
      assert.equal(r.target, `org:${org.id}`);
    }
    const g = rows.find((x) => x.action === 'role.grant' && x.orgId === who.secretaryA.orgId && x.result === 'ok');
    assert.ok(g, 'role.grant recorded');
    assert.equal(g.actorId, t.user.id);
  });

  test('filters: action or its domain, actor by id or name, Beijing days; actor and organisation names', async () => {
    const q = (params) => listAll(api, tA, `/api/v1/audit?orgId=${county}&${params}`);
    const t = await srv.login(who.townshipAdmin);
    tokens.push(t.token);
    const all = await auditRows();
    const grants = await q('action=role.grant');
    assert.ok(grants.length >= 1 && grants.every((r) => r.action === 'role.grant'));
    const roles = await q('action=role');
    assert.ok(roles.length >= grants.length && roles.every((r) => r.action.startsWith('role.')));
    assert.equal((await q('action=rol')).length, 0, 'a domain is whole, not a prefix of letters');
    const byId = await q(`actorId=${t.user.id}`);
    assert.ok(byId.length >= 4 && byId.every((r) => r.actorId === t.user.id));
    assert.ok(byId.every((r) => r.actorName === who.townshipAdmin.name), 'the actor by name');
    const part = who.townshipAdmin.name.slice(1);
    const byName = await q(`actor=${encodeURIComponent(part)}`);
    assert.ok(byName.length >= byId.length && byName.every((r) => r.actorName.includes(part)));
    assert.ok(byName.some((r) => r.orgName), 'the organisation by name');
    assert.equal((await q('actor=%25')).length, 0, '% is a character, not a wildcard');
    // Today (Beijing) has today's rows; a day long ago none; the days are inclusive.
    const bj = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
    const today = await q(`from=${bj}&to=${bj}`);
    const dayOf = (at) => new Date(Date.parse(at) + 8 * 3600e3).toISOString().slice(0, 10);
    assert.ok(today.length >= 1 && today.every((r) => dayOf(r.at) === bj));
    assert.ok(all.every((r) => dayOf(r.at) !== bj || today.some((x) => x.id === r.id)), 'every row of today is there');
    assert.equal((await q('from=2001-01-01&to=2001-01-31')).length, 0);
    assertError(await api('GET', `/api/v1/audit?orgId=${county}&from=2026-02-02&to=2026-02-01`, { token: tA }), 400, 'request.invalid', 'to');
    assertError(await api('GET', `/api/v1/audit?orgId=${county}&from=2026-02-30`, { token: tA }), 400, 'request.invalid', 'from');
  });

  test('reading the log is itself audited', async () => {
    await auditRows();
    const d = assertData(await api('GET', `/api/v1/audit?orgId=${county}&limit=5`, { token: tA }));
    const me = assertData(await api('GET', '/api/v1/me', { token: tA }));
    assert.ok(d.items.some((r) => r.action === 'audit.read' && r.actorId === me.id && r.orgId === county));
  });

  test('audit paging: cursor walks back without duplicates', async () => {
    const p1 = assertData(await api('GET', `/api/v1/audit?orgId=${county}&limit=3`, { token: tA }));
    assert.equal(p1.items.length, 3);
    assert.equal(typeof p1.next, 'string');
    const p2 = assertData(await api('GET', `/api/v1/audit?orgId=${county}&limit=3&after=${encodeURIComponent(p1.next)}`, { token: tA }));
    assert.ok(p2.items.length > 0);
    assert.ok(p2.items[0].id < p1.items.at(-1).id);
  });

  test('an auditor of a village sees only that village\'s rows', async () => {
    // Grant auditor on village B to a fresh account, from the county admin (from above).
    const phone = '13900000301';
    const r = run(['user', 'create', '--data', srv.dataDir, '--phone', phone, '--name', '村审计', '--password', 'village-auditor-1']);
    assert.equal(r.status, 0, r.stderr);
    const tC = (await srv.login(who.countyAdmin)).token;
    assertData(await api('POST', '/api/v1/roles', { token: tC, body: { phone, orgId: who.secretaryB.orgId, role: 'auditor' } }), 201);
    const va = await srv.login({ phone, password: 'village-auditor-1' });
    const rows = await listAll(api, va.token, `/api/v1/audit?orgId=${who.secretaryB.orgId}`);
    for (const row of rows) assert.equal(row.orgId, who.secretaryB.orgId);
    assertError(await api('GET', `/api/v1/audit?orgId=${county}`, { token: va.token }), 404, 'org.not_found');
    assertError(await api('GET', `/api/v1/audit?orgId=${who.secretaryA.orgId}`, { token: va.token }), 404, 'org.not_found');
  });

  test('no secrets in the log, the database or the server log', async () => {
    const rows = await auditRows();
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(WRONG_PASSWORD), 'a tried password is not in the audit log');
    for (const t of tokens) assert.ok(!text.includes(t), 'no session token in the audit log');
    assert.ok(!srv.stderr().includes(WRONG_PASSWORD), 'a tried password is not in the server log');
    for (const t of tokens) assert.ok(!srv.stderr().includes(t), 'no session token in the server log');
  });
});

describe('zhibu audit verify', () => {
  let dir;

  test('the chain of a cleanly stopped server verifies: exit 0', async () => {
    const d0 = srv.dataDir;
    await srv.stop({ keepData: true });
    dir = d0;
    cleanup.push(dir);
    const r = run(['audit', 'verify', '--data', dir]);
    assert.equal(r.status, 0, `verify: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /ok/);
    // Personal data and secrets at rest: the demo phones and the tried password are not in the database in plain text.
    const dump = sqlite(join(dir, 'zhibu.db'), '.dump');
    assert.equal(dump.status, 0, dump.stderr);
    assert.ok(!dump.stdout.includes(WRONG_PASSWORD), 'the tried password is not stored');
    for (const a of srv.accounts) assert.ok(!dump.stdout.includes(a.phone), `phone ${a.phone} is not stored in plain text`);
    for (const a of srv.accounts) assert.ok(!dump.stdout.includes(a.password), 'no plain password stored');
  });

  function copyOf() {
    const c = tempDir('zhibu-audit-copy-');
    cleanup.push(c);
    cpSync(dir, c, { recursive: true });
    return c;
  }

  const rowCount = (d) => Number(sqlite(join(d, 'zhibu.db'), 'SELECT COUNT(*) FROM audit_log').stdout.trim());

  test('an edited row: exit 1, the row is named', async () => {
    const c = copyOf();
    const u = sqlite(join(c, 'zhibu.db'), "UPDATE audit_log SET detail='x' WHERE id=2");
    assert.equal(u.status, 0, u.stderr);
    const r = run(['audit', 'verify', '--data', c]);
    assert.equal(r.status, 1, `verify after an edit: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout + r.stderr, /\brow 2\b/);
  });

  test('a deleted middle row: exit 1, the gap is named', async () => {
    const c = copyOf();
    const n = rowCount(c);
    assert.ok(n >= 5, `enough rows (${n})`);
    const mid = Math.floor(n / 2);
    const u = sqlite(join(c, 'zhibu.db'), `DELETE FROM audit_log WHERE id=${mid}`);
    assert.equal(u.status, 0, u.stderr);
    const r = run(['audit', 'verify', '--data', c]);
    assert.equal(r.status, 1, `verify after a delete: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout + r.stderr, new RegExp(`\\brow ${mid}\\b`));
  });

  test('a deleted middle row with the later ids renumbered: still detected', async () => {
    const c = copyOf();
    const n = rowCount(c);
    const mid = Math.floor(n / 2);
    const u = sqlite(join(c, 'zhibu.db'), `DELETE FROM audit_log WHERE id=${mid}; UPDATE audit_log SET id = id - 1 WHERE id > ${mid};`);
    assert.equal(u.status, 0, u.stderr);
    const r = run(['audit', 'verify', '--data', c]);
    assert.equal(r.status, 1, `verify after delete+renumber: ${r.stdout} ${r.stderr}`);
  });

  test('an edited actor or time: detected', async () => {
    for (const sql of ['UPDATE audit_log SET actor_id = actor_id + 1 WHERE id = 3', 'UPDATE audit_log SET at = at - 60 WHERE id = 3',
      "UPDATE audit_log SET result = 'ok' WHERE result = 'denied'"]) {
      const c = copyOf();
      const u = sqlite(join(c, 'zhibu.db'), sql);
      assert.equal(u.status, 0, u.stderr);
      const r = run(['audit', 'verify', '--data', c]);
      assert.equal(r.status, 1, `verify after "${sql}": ${r.stdout} ${r.stderr}`);
    }
  });

  test('a forged row appended at the end: detected', async () => {
    const c = copyOf();
    const n = rowCount(c);
    const u = sqlite(join(c, 'zhibu.db'),
      `INSERT INTO audit_log (id, at, actor_id, org_id, action, target, result, detail, ip, request_id, prev_hash, hash) `
      + `SELECT ${n + 1}, at, actor_id, org_id, action, target, result, detail, ip, request_id, hash, hash FROM audit_log WHERE id = ${n}`);
    assert.equal(u.status, 0, u.stderr);
    const r = run(['audit', 'verify', '--data', c]);
    assert.equal(r.status, 1, `verify after a forged row: ${r.stdout} ${r.stderr}`);
  });

  test('the last row deleted (tail truncation): detected', async () => {
    // docs/API.md: "zhibu audit verify finds an edited, inserted or deleted row";
    // SECURITY.md #11: "an edited or deleted row is detected".
    const c = copyOf();
    const n = rowCount(c);
    const u = sqlite(join(c, 'zhibu.db'), `DELETE FROM audit_log WHERE id = ${n}`);
    assert.equal(u.status, 0, u.stderr);
    const r = run(['audit', 'verify', '--data', c]);
    assert.equal(r.status, 1, `verify after deleting the newest row ${n} must fail: exit ${r.status}, ${r.stdout} ${r.stderr}`);
  });

  test('the accounts file was written by demo (sanity)', () => {
    const acc = JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8'));
    assert.equal(acc.length, srv.accounts.length);
  });
});
