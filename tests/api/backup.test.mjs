// backup.test.mjs - SECURITY.md check #14: `zhibu backup` under load is a
// consistent snapshot, and `zhibu restore` installs it (checked, atomic, never
// over a live or existing database by accident) into a data directory a
// server then serves: login, me, roster, statistics, a record, audit verify.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, assertCountersMatchRecount, assertData, freePort, idNumber, listAll, request, run, spawnServer, sqlite,
  startServer, tempDir, terminate,
} from './helpers.mjs';

let srv, tC, tT, branch;
const dirs = [];
const newDir = (p) => {
  const d = tempDir(p);
  dirs.push(d);
  return d;
};

function runAsync(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

function oneLine(stderr, ctx) {
  const lines = stderr.trim().split('\n').filter((l) => l.length);
  assert.equal(lines.length, 1, `${ctx}: exactly one line on stderr, got:\n${stderr}`);
  return lines[0];
}

before(async () => {
  srv = await startServer();
  tC = (await srv.login(srv.who.countyAdmin)).token;
  tT = (await srv.login(srv.who.townshipAdmin)).token;
  branch = assertData(await srv.api('POST', '/api/v1/orgs', {
    token: tT, body: { parentId: srv.who.townshipAdmin.orgId, name: '备份测试支部', level: 'branch' },
  }), 201).id;
});

after(async () => {
  await srv?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Creates members into the branch (and edits one) until stop.done; returns the count acknowledged. */
async function writer(stop) {
  let n = 0;
  for (let k = 0; !stop.done; k++) {
    const birth = new Date(Date.UTC(1960, 0, 1) + k * 86400000).toISOString().slice(0, 10);
    const r = await srv.api('POST', '/api/v1/members', {
      token: tC,
      body: {
        orgId: branch, name: `备份${k}`, gender: 'female', birthDate: birth, idNumber: idNumber(birth, false, 3),
        occupation: '农民', ethnicity: '汉族', education: '初中', joinedAt: '2010-07-01', fullAt: '2011-07-01', category: 'full',
      },
    });
    assertData(r, 201);
    n++;
    assertData(await srv.api('PATCH', `/api/v1/members/${srv.who.secretaryA.memberId}`, {
      token: tC, body: { nativePlace: `备份地${k}` },
    }));
  }
  return n;
}

describe('backup under load, restore, serve', () => {
  let backupFile, restored;

  test('zhibu backup while a client writes continuously: exit 0, integrity ok', async () => {
    backupFile = join(newDir('zhibu-bk-'), 'snap.db');
    const stop = { done: false };
    const w = writer(stop);
    await new Promise((r) => setTimeout(r, 300));
    const b = await runAsync(['backup', '--data', srv.dataDir, '--out', backupFile]);
    await new Promise((r) => setTimeout(r, 200));
    stop.done = true;
    const written = await w;
    assert.equal(b.status, 0, b.stderr);
    assert.ok(written > 5, `the writer kept writing (${written} creations)`);
    assert.equal(sqlite(backupFile, 'PRAGMA integrity_check').stdout.trim(), 'ok');
    const inCopy = Number(sqlite(backupFile, `SELECT COUNT(*) FROM members WHERE org_id = ${branch}`).stdout.trim());
    assert.ok(inCopy > 0 && inCopy <= written, `the copy holds a prefix of the writes (${inCopy} of ${written})`);
  });

  test('zhibu restore refuses a missing --from, garbage, a newer schema, and a directory with a database', () => {
    const d = join(newDir('zhibu-rs-'), 'data');
    let r = run(['restore', '--data', d]);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr, 'restore without --from');
    const junk = join(newDir('zhibu-rs-'), 'junk.db');
    writeFileSync(junk, 'this is not a database, only text that is long enough to be read');
    r = run(['restore', '--data', d, '--from', junk]);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'restore garbage'), /integrity|database/);
    const newer = join(newDir('zhibu-rs-'), 'newer.db');
    copyFileSync(backupFile, newer);
    sqlite(newer, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
    r = run(['restore', '--data', d, '--from', newer]);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'restore newer schema'), /schema version 999/);
    assert.ok(!existsSync(join(d, 'zhibu.db')), 'nothing installed');
    // A data directory with a database: refused without --force, and refused
    // even with --force while a server has it open.
    const live = join(srv.dataDir, 'zhibu.db');
    const before = sqlite(live, 'SELECT COUNT(*) FROM members').stdout;
    r = run(['restore', '--data', srv.dataDir, '--from', backupFile]);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'restore over a database'), /--force/);
    r = run(['restore', '--data', srv.dataDir, '--from', backupFile, '--force']);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'restore over a live database'), /in use/);
    assert.equal(sqlite(live, 'SELECT COUNT(*) FROM members').stdout, before, 'the live database is untouched');
  });

  test('zhibu restore into a new directory with the same secret.key: exit 0, says what to do next', () => {
    restored = join(newDir('zhibu-rs-'), 'data');
    const r0 = run(['migrate', '--data', restored]); // an empty deployment to be replaced
    assert.equal(r0.status, 0, r0.stderr);
    copyFileSync(join(srv.dataDir, 'secret.key'), join(restored, 'secret.key'));
    // The settings travel with the key (docs/OPERATIONS.md): the demo's admin_second_factor = optional.
    copyFileSync(join(srv.dataDir, 'zhibu.conf'), join(restored, 'zhibu.conf'));
    const r = run(['restore', '--data', restored, '--from', backupFile, '--force']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /secret\.key/);
    assert.match(r.stdout, /--reanchor/);
    assert.deepEqual(readdirSync(restored).filter((f) => /restore-tmp|-wal$|-shm$/.test(f)), [], 'no temp file, no old log left');
    assert.equal(sqlite(join(restored, 'zhibu.db'), 'PRAGMA integrity_check').stdout.trim(), 'ok');
    // The anchor of the empty deployment does not name this chain: verify
    // says so until --reanchor.
    const v0 = run(['audit', 'verify', '--data', restored]);
    assert.notEqual(v0.status, 0, 'the old anchor does not fit the restored chain');
    const re = run(['audit', 'verify', '--data', restored, '--reanchor']);
    assert.equal(re.status, 0, re.stderr);
    const v = run(['audit', 'verify', '--data', restored]);
    assert.equal(v.status, 0, `${v.stderr} (before --reanchor: ${v0.status} ${v0.stderr})`);
  });

  test('a server on the restored directory: login, me, roster = stats, a record, recount unchanged', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const s = await spawnServer(['--data', restored, '--listen', `127.0.0.1:${port}`], { base, cwd: restored });
    try {
      const api = (m, p, o) => request(base, m, p, o);
      const login = assertData(await api('POST', '/api/v1/auth/login', {
        body: { phone: srv.who.countyAdmin.phone, password: srv.who.countyAdmin.password },
      }));
      const token = login.token;
      assert.equal(assertData(await api('GET', '/api/v1/me', { token })).phone.length > 0, true);
      const roster = await listAll(api, token, `/api/v1/members?orgId=${branch}&status=all`);
      const stats = assertData(await api('GET', `/api/v1/orgs/${branch}/stats`, { token }));
      const org = assertData(await api('GET', `/api/v1/orgs/${branch}`, { token }));
      assert.ok(roster.length > 0);
      assert.equal(stats.members, roster.length, 'every member on the roster is counted (no half transaction)');
      assert.equal(org.memberCount, roster.length);
      const rec = assertData(await api('GET', `/api/v1/members/${roster[0].id}`, { token }));
      assert.match(rec.name, /^备份\d+$/);
      // Sealed fields decrypt with the same key: the reveal gives a valid full ID number.
      const rv = assertData(await api('POST', `/api/v1/members/${roster[0].id}/reveal`, { token }));
      assert.match(rv.idNumber, /^\d{17}[\dX]$/);
      await assertCountersMatchRecount({ api, run: (a) => run(a), dataDir: restored }, token,
        [1, srv.who.townshipAdmin.orgId, branch]);
      const v = run(['audit', 'verify', '--data', restored]);
      assert.equal(v.status, 0, v.stderr);
    } finally {
      const r = await terminate(s);
      assert.equal(r.code, 0, s.stderr().slice(-2000));
    }
  });
});

describe('serve refuses settings that would lose acknowledged writes', () => {
  test('a database that cannot be put in WAL mode: serve exits non-zero with one line', async () => {
    const d = join(newDir('zhibu-nowal-'), 'data');
    assert.equal(run(['migrate', '--data', d]).status, 0);
    // A directory where the write-ahead log must go: WAL cannot work.
    rmSync(join(d, 'zhibu.db-wal'), { force: true });
    rmSync(join(d, 'zhibu.db-shm'), { force: true });
    sqlite(join(d, 'zhibu.db'), 'PRAGMA journal_mode=DELETE');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(d, 'zhibu.db-wal'));
    const port = await freePort();
    const r = run(['serve', '--data', d, '--listen', `127.0.0.1:${port}`], { timeout: 15000 });
    assert.notEqual(r.status, 0, 'serve must not run');
    assert.ok(r.status !== null, `serve exited by itself (${r.signal})`);
    const lines = r.stderr.trim().split('\n').filter((l) => l && !l.startsWith('{'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /WAL|wal|journal|synchronous|unable to open|disk I\/O/i);
  });
});
