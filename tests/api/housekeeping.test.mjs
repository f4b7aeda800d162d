// housekeeping.test.mjs - what `zhibu serve` clears at start and, while it runs,
// every housekeeping_interval_s (src/core/jobs.c): ended sessions, old
// login-failure windows and idempotency records past their 60 days; and
// `zhibu backup` writes one self-contained file that passes integrity_check.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertData, freePort, request, run, spawnServer, sqlite, startServer, terminate, tempDir } from './helpers.mjs';

const count = (db, sql) => Number(sqlite(db, sql).stdout.trim());

test('serve clears ended sessions and stale records at start, and keeps live ones', async () => {
  const dir = tempDir();
  try {
    assert.equal(run(['demo', '--data', dir]).status, 0);
    const db = join(dir, 'zhibu.db');
    const [acc] = JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let srv = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], { base });
    const login = async () => assertData(await request(base, 'POST', '/api/v1/auth/login', {
      body: { phone: acc.phone, password: acc.password },
    })).token;
    const ended = await login();
    const live = await login();
    assertData(await request(base, 'POST', '/api/v1/auth/logout', { token: ended }));
    await request(base, 'POST', '/api/v1/auth/login', { body: { phone: acc.phone, password: 'wrong-password' } });
    assert.equal((await terminate(srv)).code, 0);
    assert.equal(count(db, 'SELECT COUNT(*) FROM sessions WHERE revoked_at IS NOT NULL'), 1);
    // Age a failure window past its hour and an idempotency record past 60 days.
    sqlite(db, 'UPDATE login_failures SET window_start = window_start - 7200');
    sqlite(db, "INSERT INTO idempotency (account_id, key, fingerprint, status, body, created_at) VALUES (1, 'old', x'00', 201, '{}', strftime('%s','now') - 61*86400)");
    sqlite(db, "INSERT INTO idempotency (account_id, key, fingerprint, status, body, created_at) VALUES (1, 'new', x'00', 201, '{}', strftime('%s','now') - 59*86400)");

    srv = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], { base });
    assert.equal(count(db, 'SELECT COUNT(*) FROM sessions WHERE revoked_at IS NOT NULL'), 0);
    assert.equal(count(db, 'SELECT COUNT(*) FROM login_failures'), 0);
    assert.equal(sqlite(db, 'SELECT key FROM idempotency ORDER BY key').stdout.trim(), 'new');
    // A stored answer written in plain text before it was sealed is sealed at start-up.
    assert.equal(sqlite(db, "SELECT body = '' AND length(body_sealed) > 0 FROM idempotency").stdout.trim(), '1');
    // The live session survived the restart.
    assert.equal((await request(base, 'GET', '/api/v1/me', { token: live })).status, 200);
    assert.equal((await terminate(srv)).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sub-record titles and issuers, applicants\' end reasons and step notes kept in plain text by older versions are sealed at start', async () => {
  const dir = tempDir();
  try {
    assert.equal(run(['demo', '--data', dir]).status, 0);
    const db = join(dir, 'zhibu.db');
    const accounts = JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8'));
    const sec = accounts.find((a) => a.role === 'branch_secretary');
    // Rows as a version before migration 0013 wrote them.
    const mid = sec.memberId;
    sqlite(db, `INSERT INTO member_records (member_id, kind, title, issuer, start_date, created_at, updated_at, seq) VALUES (${mid}, 'penalty', '严重警告处分旧', '县纪委旧', '2019-01-01', 1, 1, 1)`);
    sqlite(db, `INSERT INTO applicants (org_id, org_path, name, gender, birth_date, occupation, stage, applied_at, ended_at, end_reason, created_at, updated_at, seq) SELECT ${sec.orgId}, path, '旧申请人', 'male', '1990-01-01', '农民', 'cancelled', '2020-01-01', '2021-01-01', '政审不合格旧', 1, 1, 1 FROM orgs WHERE id = ${sec.orgId}`);
    const aid = Number(sqlite(db, "SELECT id FROM applicants WHERE name = '旧申请人'").stdout.trim());
    sqlite(db, `INSERT INTO applicant_steps (applicant_id, step, on_date, note, at) VALUES (${aid}, 'cancel', '2021-01-01', '审查意见旧', 1)`);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const srv = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], { base });
    try {
      assert.equal(sqlite(db, "SELECT COUNT(*) FROM member_records WHERE title <> '' OR issuer IS NOT NULL OR title_sealed IS NULL").stdout.trim(), '0');
      assert.equal(sqlite(db, 'SELECT COUNT(*) FROM applicants WHERE end_reason IS NOT NULL').stdout.trim(), '0');
      assert.equal(sqlite(db, 'SELECT COUNT(*) FROM applicant_steps WHERE note IS NOT NULL').stdout.trim(), '0');
      const token = assertData(await request(base, 'POST', '/api/v1/auth/login', { body: { phone: sec.phone, password: sec.password } })).token;
      const recs = assertData(await request(base, 'GET', `/api/v1/members/${mid}/records`, { token })).items;
      assert.deepEqual(recs.map((r) => [r.title, r.issuer]), [['严重警告处分旧', '县纪委旧']]);
      const app = assertData(await request(base, 'GET', `/api/v1/applicants/${aid}`, { token }));
      assert.equal(app.endReason, '政审不合格旧');
      assert.equal(app.steps[0].note, '审查意见旧');
    } finally {
      assert.equal((await terminate(srv)).code, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const until = async (what, ok, ms = 8000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    assert.ok(Date.now() < end, `within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('a running server prunes on its interval, ages by the test clock, without a restart', async () => {
  const srv = await startServer({ testHooks: true, config: ['housekeeping_interval_s = 1'] });
  try {
    const db = join(srv.dataDir, 'zhibu.db');
    const acc = srv.accounts[0];
    const ended = (await srv.login(acc)).token;
    const live = (await srv.login(acc)).token;
    assertData(await srv.api('POST', '/api/v1/auth/logout', { token: ended }));
    await srv.api('POST', '/api/v1/auth/login', { body: { phone: acc.phone, password: 'wrong-password' } });
    sqlite(db, "INSERT INTO idempotency (account_id, key, fingerprint, status, body, created_at) VALUES (1, 'kept', x'00', 201, '{}', strftime('%s','now') - 59*86400)");

    // The ended session goes within a run or two; the live one, the open failure
    // window and the 59-day record stay.
    await until('the ended session is pruned',
      () => count(db, 'SELECT COUNT(*) FROM sessions WHERE revoked_at IS NOT NULL') === 0);
    assert.equal((await srv.api('GET', '/api/v1/me', { token: live })).status, 200);
    assert.equal(count(db, 'SELECT COUNT(*) FROM login_failures'), 1);
    assert.equal(count(db, "SELECT COUNT(*) FROM idempotency WHERE key = 'kept'"), 1);

    // Two days on by the test clock: the window and the record have aged out.
    await srv.advanceClock(2 * 86400);
    await until('the failure window and the old record are pruned',
      () => count(db, 'SELECT COUNT(*) FROM login_failures') === 0 &&
        count(db, "SELECT COUNT(*) FROM idempotency WHERE key = 'kept'") === 0);
    // The job logs what it removed after its commit: the line may follow the rows' going.
    await until('the log says what was pruned', () => /housekeeping: idempotency: 1 rows/.test(srv.stderr()));
  } finally {
    await srv.stop();
  }
});

test('the housekeeping thread does not delay shutdown (a 300 s interval)', async () => {
  const srv = await startServer({ demo: false });
  const t0 = Date.now();
  await srv.stop();
  assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
});

test('backup writes one file, without WAL, that passes integrity_check', async () => {
  const dir = tempDir();
  try {
    assert.equal(run(['demo', '--data', dir]).status, 0);
    const out = join(dir, 'copy.db');
    const r = run(['backup', '--data', dir, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /integrity check ok/);
    assert.ok(!existsSync(out + '-wal') && !existsSync(out + '-shm'), 'no WAL files beside the copy');
    assert.equal(sqlite(out, 'PRAGMA journal_mode').stdout.trim(), 'delete');
    assert.equal(run(['backup', '--data', dir, '--out', out]).status, 1, 'refuses to overwrite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zhibu org recount repairs member counts that drifted', async () => {
  const dir = tempDir();
  try {
    assert.equal(run(['demo', '--data', dir]).status, 0);
    const db = join(dir, 'zhibu.db');
    const right = sqlite(db, 'SELECT id, members_total FROM orgs ORDER BY id').stdout;
    assert.equal(count(db, "SELECT members_total FROM orgs WHERE parent_id IS NULL"),
      count(db, "SELECT COUNT(*) FROM members WHERE status = 'normal' AND deleted_at IS NULL"));
    sqlite(db, 'UPDATE orgs SET members_total = 7 WHERE id % 3 = 0');
    const r = run(['org', 'recount', '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /recounted the members of \d+ organisations/);
    assert.equal(sqlite(db, 'SELECT id, members_total FROM orgs ORDER BY id').stdout, right);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
