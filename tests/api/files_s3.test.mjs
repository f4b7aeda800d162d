// files_s3.test.mjs - the file store on an S3-compatible bucket (store = s3,
// src/core/store_s3.c) against a local S3 server (s3.mjs): every test of
// files.test.mjs again on that backend, then what is S3's own: the store
// down answers 503 with nothing recorded and the upload resumes once it is
// back; two instances on one bucket see the same files and store shared
// bytes once; a 50 MB blob goes up in parts and comes back whole by range.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, freePort, spawnServer, sqlite, startServer, terminate, tempDir } from './helpers.mjs';
import { startS3 } from './s3.mjs';

process.env.ZHIBU_TEST_STORE = 's3';
await import('./files.test.mjs');

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const pdf = (text, pad = 0) => Buffer.concat([Buffer.from(`%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`), Buffer.alloc(pad, 0x20)]);

describe('S3 specifics', () => {
  let s3, srv, token, org;
  const one = (sql) => sqlite(join(srv.dataDir, 'zhibu.db'), sql).stdout.trim();
  const patch = (base, t, id, off, body) => fetch(base + `/api/v1/uploads/${id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${t}`, 'Upload-Offset': String(off), 'Content-Type': 'application/octet-stream' }, body });
  const announce = async (base, t, name, size) => (await (await fetch(base + '/api/v1/uploads', { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: org, name, size }) })).json()).data;

  /** Starts another instance on a copy of the first one's data directory
   * (the database, its keys and settings), without its files/ directory. */
  async function instanceOnCopy() {
    const data2 = tempDir();
    mkdirSync(data2, { recursive: true });
    const copy = sqlite(join(srv.dataDir, 'zhibu.db'), `PRAGMA busy_timeout = 10000; VACUUM INTO '${join(data2, 'zhibu.db')}'`);
    assert.equal(copy.status, 0, copy.stderr);
    for (const k of ['zhibu.conf', 'secret.key', 'audit.head', 'zhibu.db-seqs']) {
      try { copyFileSync(join(srv.dataDir, k), join(data2, k)); } catch { /* not in every data directory */ }
    }
    const port = await freePort();
    const base2 = `http://127.0.0.1:${port}`;
    const b = await spawnServer(['--data', data2, '--listen', `127.0.0.1:${port}`], { base: base2, cwd: data2 });
    return { b, base2, data2 };
  }

  before(async () => {
    s3 = await startS3();
    srv = await startServer({ config: [...s3.config, 's3_part_mb = 5', 'file_max_mb = 64', 'file_quota_mb = 1024', 'max_upload = 16777216'] });
    token = (await srv.login(srv.who.member)).token;
    org = srv.who.member.orgId;
  });
  after(async () => {
    await srv?.stop();
    await s3?.stop();
  });

  test('the store down: the last chunk is 503 file.store_unavailable, nothing recorded; it resumes when the store is back', async () => {
    const bytes = pdf('down', 200 * 1024);
    const u = await announce(srv.base, token, 'down.pdf', bytes.length);
    assert.equal((await patch(srv.base, token, u.id, 0, bytes.subarray(0, 100 * 1024))).status, 200);
    const files = one('SELECT COUNT(*) FROM files'), blobs = one('SELECT COUNT(*) FROM file_blobs');
    await s3.stop();
    const down = await patch(srv.base, token, u.id, 100 * 1024, bytes.subarray(100 * 1024));
    assertError({ status: down.status, json: await down.json() }, 503, 'file.store_unavailable');
    assert.equal(one('SELECT COUNT(*) FROM files'), files, 'no file row');
    assert.equal(one('SELECT COUNT(*) FROM file_blobs'), blobs, 'no blob row');
    assert.equal(one(`SELECT received FROM file_uploads WHERE id = ${u.id}`), String(100 * 1024), 'the upload stands where it stood');
    assert.equal(s3.objects().includes(sha256(bytes)), false, 'no object');
    // Back on the same port and directory: the same chunk again completes the file.
    s3 = await startS3({ dir: s3.dir, port: s3.port });
    const res = await patch(srv.base, token, u.id, 100 * 1024, bytes.subarray(100 * 1024));
    assert.equal(res.status, 200);
    const f = (await res.json()).data.file;
    assert.equal(f.sha256, sha256(bytes));
    assert.deepEqual(readFileSync(s3.objectPath(f.sha256)), bytes);
    // A download while the store is down: 503 too, then the bytes once it is back.
    await s3.stop();
    const gone = await fetch(srv.base + `/api/v1/files/${f.id}/content`, { headers: { Authorization: `Bearer ${token}` } });
    assertError({ status: gone.status, json: await gone.json() }, 503, 'file.store_unavailable');
    s3 = await startS3({ dir: s3.dir, port: s3.port });
    const back = await fetch(srv.base + `/api/v1/files/${f.id}/content`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(back.status, 200);
    assert.deepEqual(Buffer.from(await back.arrayBuffer()), bytes);
  });

  test('a 50 MB blob goes up as a multipart upload and comes back whole and by range', async () => {
    const bytes = Buffer.alloc(50 << 20);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    pdf('large').copy(bytes, 0);
    const u = await announce(srv.base, token, 'large.pdf', bytes.length);
    let res;
    for (let off = 0; off < bytes.length; off += 8 << 20) {
      res = await patch(srv.base, token, u.id, off, bytes.subarray(off, off + (8 << 20)));
      assert.equal(res.status, 200, await res.clone().text());
    }
    const f = (await res.json()).data.file;
    assert.equal(f.sha256, sha256(bytes));
    // Parts of 5 MiB: ten of them, completed (no single PUT of 50 MB).
    const log = s3.log();
    assert.match(log, /partNumber=10&uploadId=/);
    assert.doesNotMatch(log, /partNumber=11&/);
    assert.equal(sha256(readFileSync(s3.objectPath(f.sha256))), f.sha256);
    const whole = await fetch(srv.base + `/api/v1/files/${f.id}/content`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(sha256(Buffer.from(await whole.arrayBuffer())), f.sha256);
    const at = 40 << 20;
    const part = await fetch(srv.base + `/api/v1/files/${f.id}/content`, { headers: { Authorization: `Bearer ${token}`, Range: `bytes=${at}-${at + 99}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes ${at}-${at + 99}/${bytes.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(at, at + 100));
    // The range was passed through: the store sent 100 bytes, not 50 MB.
    const ranged = () => s3.log().split('\n').filter((l) => l.includes(f.sha256) && / 206 /.test(l));
    for (let i = 0; i < 50 && !ranged().length; i++) await new Promise((r) => setTimeout(r, 20)); // its log comes after the answer
    assert.equal(ranged().length, 1, s3.log());
    assert.match(ranged()[0], / 100b$/);
  });

  test('two instances on one bucket: the second serves what the first stored, and stores shared bytes once', async () => {
    const bytes = pdf(`shared ${Date.now()}`, 50 * 1024);
    const u = await announce(srv.base, token, 'shared.pdf', bytes.length);
    const f = (await (await patch(srv.base, token, u.id, 0, bytes)).json()).data.file;
    // A second instance on its own machine: a copy of the database, no files of its own.
    const { b, base2, data2 } = await instanceOnCopy();
    try {
      const t2 = (await (await fetch(base2 + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: srv.who.member.phone, password: srv.who.member.password }) })).json()).data.token;
      const r = await fetch(base2 + `/api/v1/files/${f.id}/content`, { headers: { Authorization: `Bearer ${t2}` } });
      assert.equal(r.status, 200);
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
      // The same bytes uploaded through the second: one object, known as a duplicate.
      const u2 = await announce(base2, t2, 'again.pdf', bytes.length);
      const g = (await (await patch(base2, t2, u2.id, 0, bytes)).json()).data.file;
      assert.equal(g.sha256, f.sha256);
      assert.equal(s3.objects().filter((x) => x === f.sha256).length, 1);
      const detail = sqlite(join(data2, 'zhibu.db'), `SELECT detail FROM audit_log WHERE action = 'file.upload' ORDER BY id DESC LIMIT 1`).stdout;
      assert.match(detail, /stored once already/);
    } finally {
      await terminate(b);
    }
  });

  test('an object no row names (its transaction never committed) goes at the next start once an hour old; other keys stay', async () => {
    const bytes = pdf(`orphan ${Date.now()}`, 10 * 1024);
    const u = await announce(srv.base, token, 'orphan.pdf', bytes.length);
    const f = (await (await patch(srv.base, token, u.id, 0, bytes)).json()).data.file;
    const young = pdf(`young ${Date.now()}`, 10 * 1024);
    const v = await announce(srv.base, token, 'young.pdf', young.length);
    const g = (await (await patch(srv.base, token, v.id, 0, young)).json()).data.file;
    // As if neither store had committed: no row names them. One is two hours old.
    // (The running server may hold the write lock a moment: wait for it, and check.)
    for (const x of [f, g]) {
      const r = sqlite(join(srv.dataDir, 'zhibu.db'), `PRAGMA busy_timeout = 10000; DELETE FROM file_jobs WHERE source_sha256 = '${x.sha256}'; DELETE FROM files WHERE sha256 = '${x.sha256}'; DELETE FROM file_blobs WHERE sha256 = '${x.sha256}'`);
      assert.equal(r.status, 0, r.stderr);
    }
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    // (s3rver may still be finishing the object's file after its answer: until the time holds.)
    for (let i = 0; i < 20; i++) {
      utimesSync(s3.objectPath(f.sha256), old, old);
      await new Promise((r) => setTimeout(r, 50));
      if (statSync(s3.objectPath(f.sha256)).mtimeMs === old.getTime()) break;
    }
    // Something else in the bucket, not a blob's key: never zhibu's to remove.
    writeFileSync(join(s3.dir, s3.bucket, 'README._S3rver_object'), 'not a blob');
    utimesSync(join(s3.dir, s3.bucket, 'README._S3rver_object'), old, old);
    const { b } = await instanceOnCopy();
    try {
      for (let i = 0; i < 100 && s3.objects().includes(f.sha256); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(s3.objects().includes(f.sha256), false, `the old orphan is removed: ${b.stderr()}`);
      assert.equal(s3.objects().includes(g.sha256), true, 'a young one may still be committed: left');
      assert.equal(readFileSync(join(s3.dir, s3.bucket, 'README._S3rver_object'), 'utf8'), 'not a blob');
    } finally {
      await terminate(b);
    }
  });
});
