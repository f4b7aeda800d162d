// cli.test.mjs - the command-line contract of DESIGN.md: --help everywhere,
// exit status and one-line reasons, demo, migrate, backup (online, while the
// server runs, restorable), configuration from ZHIBU_DATA / ZHIBU_LISTEN.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, assertData, freePort, listAll, request, run, spawnServer, sqlite, startServer, tempDir, terminate,
} from './helpers.mjs';

let srv;
const dirs = [];
const newDir = (p) => {
  const d = tempDir(p);
  dirs.push(d);
  return d;
};

before(async () => {
  srv = await startServer();
});

after(async () => {
  await srv?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function oneLine(stderr, ctx) {
  const lines = stderr.trim().split('\n').filter((l) => l.length);
  assert.equal(lines.length, 1, `${ctx}: exactly one line on stderr, got:\n${stderr}`);
  return lines[0];
}

/** Runs zhibu asynchronously (so this process can talk to the server meanwhile). */
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

async function orgCountViaApi(base, account) {
  const login = await request(base, 'POST', '/api/v1/auth/login', { body: { phone: account.phone, password: account.password } });
  const token = assertData(login).token;
  const api = (m, p, o) => request(base, m, p, o);
  return (await listAll(api, token, `/api/v1/orgs/${account.orgId}/subtree`)).length;
}

describe('help and errors', () => {
  test('zhibu --help: exit 0 with a usage text', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage/i);
    for (const cmd of ['serve', 'migrate', 'demo', 'user', 'backup', 'restore', 'audit']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
  });

  test('every subcommand has --help: exit 0', () => {
    for (const args of [['serve'], ['migrate'], ['demo'], ['user'], ['org'], ['backup'], ['restore'], ['audit'], ['routes'], ['audit', 'verify'], ['user', 'create']]) {
      const r = run([...args, '--help']);
      assert.equal(r.status, 0, `zhibu ${args.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /usage/i, `zhibu ${args.join(' ')} --help prints a usage`);
    }
  });

  test('zhibu routes --json: every route with scope, permission and parameters; the permission table', () => {
    const r = run(['routes', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepEqual(d.roles, ['member', 'branch_secretary', 'branch_committee', 'org_admin', 'auditor', 'safety_officer', 'system_admin']);
    assert.ok(d.routes.length > 40, `${d.routes.length} routes`);
    const scopes = new Set(['public', 'login', 'path_org', 'query_org', 'body_org', 'object']);
    const seen = new Set();
    for (const rt of d.routes) {
      const key = `${rt.method} ${rt.path}`;
      assert.ok(!seen.has(key), `duplicate ${key}`);
      seen.add(key);
      assert.ok(scopes.has(rt.scope), `${key} scope ${rt.scope}`);
      assert.ok(rt.perm in d.permissions, `${key} perm ${rt.perm}`);
      if (rt.scope === 'query_org' || rt.scope === 'body_org') assert.equal(typeof rt.scopeField, 'string', key);
      for (const p of [...rt.query, ...rt.body]) assert.equal(typeof p.required, 'boolean', `${key} ${p.name}`);
    }
    const login = d.routes.find((x) => x.path === '/api/v1/auth/login');
    assert.equal(login.scope, 'public');
    assert.deepEqual(login.flags, ['no_idem']);
    // Password hashing runs outside any transaction, on the slow lane.
    assert.deepEqual(login.phases, ['prepare', 'outside']);
    for (const rt of d.routes) assert.ok(Array.isArray(rt.phases), `${rt.method} ${rt.path} phases`);
    assert.deepEqual(login.body.map((p) => [p.name, p.type, p.required]), [['phone', 'phone', true], ['password', 'str', true], ['code', 'str', false]]);
    const members = d.routes.find((x) => x.method === 'GET' && x.path === '/api/v1/members');
    assert.equal(members.scope, 'query_org');
    assert.equal(members.perm, 'roster.read');
    assert.equal(members.scopeField, 'orgId');
    assert.deepEqual(d.permissions['audit.read'], ['auditor', 'safety_officer', 'system_admin']);
    assert.deepEqual(d.permissions['org.read'], d.roles);
    const text = run(['routes']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`\\n${d.routes.length} routes\\n`));
    assert.match(text.stdout, /^ {2}transfer\.approve +org_admin system_admin$/m);
  });

  test('an unknown command: non-zero, one line on stderr', () => {
    const r = run(['frobnicate']);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'unknown command'), /frobnicate/);
  });

  test('an unknown option: non-zero, one line on stderr', () => {
    const r = run(['serve', '--bogus', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'unknown option'), /bogus/);
  });

  test('a bad phone for zhibu user create: non-zero, one line', () => {
    const r = run(['user', 'create', '--data', srv.dataDir, '--phone', '12', '--name', 'x', '--password', 'long-enough-1']);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr, 'user create bad phone');
  });
});

describe('demo and migrate', () => {
  test('zhibu demo into a directory that already has a database: non-zero, nothing touched', () => {
    const db = join(srv.dataDir, 'zhibu.db');
    const acc = readFileSync(join(srv.dataDir, 'demo-accounts.json'), 'utf8');
    const size = statSync(db).size;
    const r = run(['demo', '--data', srv.dataDir]);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr, 'demo into an existing database');
    assert.equal(readFileSync(join(srv.dataDir, 'demo-accounts.json'), 'utf8'), acc, 'the accounts file is untouched');
    assert.equal(statSync(db).size, size);
  });

  test('zhibu migrate --data NEWDIR: exit 0, creates the database; again: exit 0', () => {
    const d = join(newDir('zhibu-migrate-'), 'data');
    let r = run(['migrate', '--data', d]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(d, 'zhibu.db')));
    r = run(['migrate', '--data', d]);
    assert.equal(r.status, 0, r.stderr);
    const check = sqlite(join(d, 'zhibu.db'), 'PRAGMA integrity_check');
    assert.equal(check.stdout.trim(), 'ok');
    r = run(['audit', 'verify', '--data', d]);
    assert.equal(r.status, 0, `audit verify of an empty log: ${r.stderr}`);
  });
});

describe('backup', () => {
  test('zhibu backup while the server runs: exit 0, integrity ok, same org count', async () => {
    const out = join(newDir('zhibu-backup-'), 'copy.db');
    const r = run(['backup', '--data', srv.dataDir, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const check = sqlite(out, 'PRAGMA integrity_check');
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stdout.trim(), 'ok');
    const copyCount = Number(sqlite(out, 'SELECT COUNT(*) FROM orgs WHERE deleted_at IS NULL').stdout.trim());
    const apiCount = await orgCountViaApi(srv.base, srv.who.countyAdmin);
    assert.equal(copyCount, apiCount);
    // A backup holds sealed personal data and the audit chain: only its owner reads it.
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const exported = join(newDir('zhibu-export-'), 'roster.csv');
    const e = run(['export', '--data', srv.dataDir, '--org', String(srv.who.secretaryA.orgId), '--format', 'csv', '--full', '--out', exported]);
    assert.equal(e.status, 0, e.stderr);
    assert.equal(statSync(exported).mode & 0o777, 0o600, 'a full export is private');
    assert.equal(statSync(join(srv.dataDir, 'zhibu.db')).mode & 0o077, 0, 'the store is private');
  });

  test('a backup refuses to overwrite a file and needs --out', () => {
    const out = join(newDir('zhibu-backup-'), 'exists.db');
    writeFileSync(out, 'keep me');
    let r = run(['backup', '--data', srv.dataDir, '--out', out]);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr, 'backup over an existing file');
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    r = run(['backup', '--data', srv.dataDir]);
    assert.notEqual(r.status, 0);
    oneLine(r.stderr, 'backup without --out');
  });

  test('a backup taken under concurrent writes is consistent and restores into a working server', async () => {
    const tC = assertData(await srv.api('POST', '/api/v1/auth/login', {
      body: { phone: srv.who.countyAdmin.phone, password: srv.who.countyAdmin.password },
    })).token;
    const townshipA = srv.who.townshipAdmin.orgId;
    const before = await orgCountViaApi(srv.base, srv.who.countyAdmin);
    const outDir = newDir('zhibu-restore-');
    const out = join(outDir, 'zhibu.db');
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const r = await srv.api('POST', '/api/v1/orgs', { token: tC, body: { parentId: townshipA, name: `备份中${written}`, level: 'branch' } });
        assert.equal(r.status, 201, r.text);
        written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    const b = await runAsync(['backup', '--data', srv.dataDir, '--out', out]);
    writing = false;
    await writer;
    assert.equal(b.status, 0, b.stderr);
    assert.ok(written > 0, 'writes happened meanwhile');
    assert.equal(sqlite(out, 'PRAGMA integrity_check').stdout.trim(), 'ok');
    const copyCount = Number(sqlite(out, 'SELECT COUNT(*) FROM orgs WHERE deleted_at IS NULL').stdout.trim());
    assert.ok(copyCount >= before && copyCount <= before + written, `copy has ${copyCount}, between ${before} and ${before + written}`);

    // Restore: the copy plus the key make a working data directory.
    copyFileSync(join(srv.dataDir, 'secret.key'), join(outDir, 'secret.key'));
    copyFileSync(join(srv.dataDir, 'zhibu.conf'), join(outDir, 'zhibu.conf'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const restored = await spawnServer(['--data', outDir, '--listen', `127.0.0.1:${port}`], { base, cwd: outDir });
    try {
      assert.equal(await orgCountViaApi(base, srv.who.countyAdmin), copyCount);
      const v = run(['audit', 'verify', '--data', outDir]);
      assert.equal(v.status, 0, `audit chain of the restored copy: ${v.stderr}`);
    } finally {
      const t = await terminate(restored);
      assert.equal(t.code, 0, JSON.stringify(t));
    }
  });
});

describe('configuration from the environment', () => {
  test('ZHIBU_DATA and ZHIBU_LISTEN alone start serve', async () => {
    const d = join(newDir('zhibu-env-'), 'data');
    assert.equal(run(['migrate', '--data', d]).status, 0);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const s = await spawnServer([], { base, env: { ZHIBU_DATA: d, ZHIBU_LISTEN: `127.0.0.1:${port}` }, cwd: d });
    try {
      const r = await request(base, 'GET', '/healthz');
      assert.equal(r.status, 200);
    } finally {
      const t = await terminate(s);
      assert.equal(t.code, 0, JSON.stringify(t));
    }
  });

  test('flags win over the environment', async () => {
    const empty = join(newDir('zhibu-env-'), 'data');
    assert.equal(run(['migrate', '--data', empty]).status, 0);
    const demoDir = newDir('zhibu-env-demo-');
    assert.equal(run(['demo', '--data', demoDir]).status, 0);
    const accounts = JSON.parse(readFileSync(join(demoDir, 'demo-accounts.json'), 'utf8'));
    const envPort = await freePort();
    const flagPort = await freePort();
    const base = `http://127.0.0.1:${flagPort}`;
    const s = await spawnServer(['--data', demoDir, '--listen', `127.0.0.1:${flagPort}`], {
      base, env: { ZHIBU_DATA: empty, ZHIBU_LISTEN: `127.0.0.1:${envPort}` }, cwd: empty,
    });
    try {
      // Listening on the flag's port, serving the flag's data directory (the demo accounts log in).
      const r = await request(base, 'POST', '/api/v1/auth/login', { body: { phone: accounts[0].phone, password: accounts[0].password } });
      assert.equal(r.status, 200, r.text);
      await assert.rejects(fetch(`http://127.0.0.1:${envPort}/healthz`), 'nothing listens on the environment\'s port');
    } finally {
      const t = await terminate(s);
      assert.equal(t.code, 0, JSON.stringify(t));
    }
  });

  test('a bad zhibu.conf line: serve exits non-zero with one line naming it', async () => {
    const d = join(newDir('zhibu-conf-'), 'data');
    assert.equal(run(['migrate', '--data', d]).status, 0);
    writeFileSync(join(d, 'zhibu.conf'), 'max_body = 4096\nno_such_setting = 1\n');
    const port = await freePort();
    const r = run(['serve', '--data', d, '--listen', `127.0.0.1:${port}`], { timeout: 10000 });
    assert.notEqual(r.status, 0);
    assert.match(oneLine(r.stderr, 'bad config'), /no_such_setting/);
  });
});
