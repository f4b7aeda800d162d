// login_audit.test.mjs - failed sign-ins are counted, not listed one row each
// (issue 13, item 11): a flood of guesses, for numbers with or without an
// account, leaves a bounded number of audit rows; what a window counted is
// written when it ends, and a sign-in after failures says how many there were.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertData, assertError, freePort, request, run, sqlite, spawnServer, terminate, tempDir } from './helpers.mjs';

const rows = (db, where) => sqlite(db, `SELECT target, result, detail FROM audit_log WHERE action = 'auth.login' AND ${where} ORDER BY id`)
  .stdout.trim().split('\n').filter(Boolean);

test('wrong guesses leave one audit row per phone and hour, and one for all unknown numbers', async () => {
  const dir = tempDir();
  try {
    assert.equal(run(['demo', '--data', dir]).status, 0);
    const db = join(dir, 'zhibu.db');
    const accounts = JSON.parse(readFileSync(join(dir, 'demo-accounts.json'), 'utf8'));
    const [victim, other] = accounts;
    const victimId = Number(sqlite(db, `SELECT id FROM accounts WHERE phone_tail = '${victim.phone.slice(-4)}' AND name = '${victim.name}'`).stdout.trim());
    assert.ok(victimId > 0);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const cfg = join(dir, 'zhibu.conf');
    let srv = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], { base });
    const before = Number(sqlite(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login'").stdout.trim());
    const login = (phone, password) => request(base, 'POST', '/api/v1/auth/login', { body: { phone, password } });

    // 25 wrong passwords for one account: 20 failures (login_max_failures), then throttled.
    let throttled = 0;
    for (let i = 0; i < 25; i++) {
      const r = await login(victim.phone, `wrong-guess-${i}`);
      if (r.status === 429) throttled++;
      else assertError(r, 401, 'auth.bad_credentials');
    }
    assert.equal(throttled, 5);
    // 30 random numbers without an account, two guesses each.
    for (let i = 0; i < 30; i++)
      for (let k = 0; k < 2; k++)
        assertError(await login(`1399${String(1000000 + i).slice(1)}0`.slice(0, 11), `guess-${k}-xx`), 401, 'auth.bad_credentials');
    // A second account: two failures, then the right password.
    for (let i = 0; i < 2; i++) assertError(await login(other.phone, `nope-${i}-xxx`), 401, 'auth.bad_credentials');
    assertData(await login(other.phone, other.password));
    assert.equal((await terminate(srv)).code, 0);

    const listed = rows(db, `id > (SELECT MAX(id) FROM audit_log) - 100 AND result <> 'ok'`);
    const added = Number(sqlite(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login'").stdout.trim()) - before;
    // The victim's first failure, the other account's first failure, its sign-in: three rows.
    assert.equal(added, 3, `rows added: ${listed.join(' / ')}`);
    assert.equal(rows(db, `target = 'account:${victimId}' AND result = 'failed'`).length, 1);
    const ok = rows(db, "result = 'ok'").pop();
    assert.match(ok, /after 2 failed attempts this hour/);
    assert.equal(Number(sqlite(db, 'SELECT COUNT(*) FROM login_failures').stdout.trim()), 31, 'the victim\'s and 30 unknown windows');

    // The windows end (an hour later): housekeeping writes what they counted.
    sqlite(db, 'UPDATE login_failures SET window_start = window_start - 3700');
    srv = await spawnServer(['--data', dir, '--listen', `127.0.0.1:${port}`], { base });
    assert.equal(Number(sqlite(db, 'SELECT COUNT(*) FROM login_failures').stdout.trim()), 0);
    const victimRows = rows(db, `target = 'account:${victimId}' AND result = 'failed'`);
    assert.equal(victimRows.length, 2);
    assert.match(victimRows[1], /20 failed attempts and 5 refused as throttled in the hour from/);
    const unknown = rows(db, "target IS NULL AND result = 'failed'");
    assert.equal(unknown.length, 1);
    assert.match(unknown[0], /60 failed sign-ins and 0 refused as throttled for 30 numbers without an account/);
    // The log's chain and anchor still verify after rows written by housekeeping.
    assert.equal((await terminate(srv)).code, 0);
    const verify = run(['audit', 'verify', '--data', dir]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    void cfg;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
