// tus.test.mjs - the uploads speak tus 1.0.0 (core, creation, checksum,
// termination; issue 17): raw requests check each rule of the protocol, and
// tus-js-client (a real tus client from npm) uploads, is cut off, resumes from
// the server's offset after a HEAD, and ends with the same bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as tus from 'tus-js-client';
import { assertData, assertError, startServer } from './helpers.mjs';

let srv, token, member;

before(async () => {
  srv = await startServer();
  member = srv.who.member;
  ({ token } = await srv.login(member));
});

after(async () => {
  await srv?.stop();
});

const b64 = (s) => Buffer.from(s).toString('base64');
const sha = (alg, b) => createHash(alg).update(b).digest();
const TUS = { 'Tus-Resumable': '1.0.0' };
const meta = (name, orgId) => `filename ${b64(name)},orgId ${b64(String(orgId))}`;

/** A PDF-headed file of n bytes. */
function pdfBytes(n, seed = 1) {
  const b = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((Math.imul(i + seed, 2654435761) >>> 0), i);
  b.write('%PDF-1.4\n', 0);
  return b;
}

async function create(size, name = '党课.pdf', headers = {}) {
  return srv.api('POST', '/api/v1/tus/uploads', {
    token, headers: { ...TUS, 'Upload-Length': String(size), 'Upload-Metadata': meta(name, member.orgId), ...headers },
  });
}
const patch = (url, offset, body, headers = {}) => srv.api('PATCH', url, {
  token, body, headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset), ...headers },
});

describe('tus 1.0.0 by raw requests', () => {
  test('OPTIONS lists the version, the extensions, the largest file and the checksum algorithms', async () => {
    const r = await srv.api('OPTIONS', '/api/v1/tus/uploads');
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('tus-version'), '1.0.0');
    assert.equal(r.headers.get('tus-resumable'), '1.0.0');
    assert.deepEqual(r.headers.get('tus-extension').split(','), ['creation', 'checksum', 'termination']);
    assert.equal(r.headers.get('tus-max-size'), String(2048 * 1024 * 1024));
    assert.deepEqual(r.headers.get('tus-checksum-algorithm').split(','), ['sha1', 'sha256']);
  });

  test('creation: Upload-Length and Upload-Metadata give 201 with a Location; HEAD gives the offset, not cached', async () => {
    const r = await create(1000);
    const u = assertData(r, 201);
    assert.equal(r.headers.get('location'), `/api/v1/uploads/${u.id}`);
    assert.equal(r.headers.get('tus-resumable'), '1.0.0');
    assert.equal(r.headers.get('upload-offset'), '0');
    assert.equal(u.name, '党课.pdf');
    assert.equal(u.size, 1000);
    const h = await srv.api('HEAD', r.headers.get('location'), { token, headers: TUS });
    assert.equal(h.status, 200);
    assert.equal(h.text, '');
    assert.equal(h.headers.get('upload-offset'), '0');
    assert.equal(h.headers.get('upload-length'), '1000');
    assert.equal(h.headers.get('cache-control'), 'no-store');
    assert.equal(h.headers.get('tus-resumable'), '1.0.0');
    // Someone else's HEAD finds nothing.
    const other = await srv.login(srv.who.secretaryA);
    assert.equal((await srv.api('HEAD', r.headers.get('location'), { token: other.token, headers: TUS })).status, 404);
  });

  test('creation refuses a bad Upload-Length, malformed or incomplete metadata, and another version (412)', async () => {
    assertError(await srv.api('POST', '/api/v1/tus/uploads', { token, headers: { ...TUS, 'Upload-Metadata': meta('a.pdf', member.orgId) } }), 400, 'request.invalid', 'Upload-Length');
    assertError(await create('-5'), 400, 'request.invalid', 'Upload-Length');
    assertError(await create(10, 'a.pdf', { 'Upload-Metadata': 'filename not-base64!' }), 400, 'request.invalid', 'Upload-Metadata');
    assertError(await create(10, 'a.pdf', { 'Upload-Metadata': `filename ${b64('a.pdf')},filename ${b64('b.pdf')}` }), 400, 'request.invalid', 'Upload-Metadata');
    assertError(await create(10, 'a.pdf', { 'Upload-Metadata': `filename ${b64('a.pdf')}` }), 400, 'request.invalid', 'Upload-Metadata');
    assertError(await create(0), 400, 'file.empty');
    assertError(await create(10, 'a.pdf', { 'Upload-Metadata': meta('a.pdf', 999999) }), 404, 'org.not_found');
    const old = await create(10, 'a.pdf', { 'Tus-Resumable': '0.2.2' });
    assertError(old, 412, 'upload.tus_version');
    assert.equal(old.headers.get('tus-version'), '1.0.0');
  });

  test('PATCH: offset+octet-stream, 409 off the offset, 460 on a checksum mismatch (sha1 or sha256), 204 with the new offset; the last one names the file', async () => {
    const bytes = pdfBytes(300000);
    const r = await create(bytes.length, '学习.pdf');
    const url = r.headers.get('location');
    const a = bytes.subarray(0, 100000), b = bytes.subarray(100000);
    assertError(await patch(url, 0, a, { 'Content-Type': 'application/octet-stream' }), 415, 'upload.content_type');
    assertError(await patch(url, 0, a, { 'Tus-Resumable': '2.0.0' }), 412, 'upload.tus_version');
    const off = await patch(url, 5, a);
    assertError(off, 409, 'upload.offset');
    assertError(await patch(url, 0, a, { 'Upload-Checksum': `sha1 ${sha('sha1', b).toString('base64')}` }), 460, 'upload.checksum_mismatch');
    assertError(await patch(url, 0, a, { 'Upload-Checksum': `sha256 ${sha('sha256', b).toString('base64')}` }), 460, 'upload.checksum_mismatch');
    assertError(await patch(url, 0, a, { 'Upload-Checksum': `md5 ${sha('md5', a).toString('base64')}` }), 400, 'request.invalid', 'Upload-Checksum');
    const p1 = await patch(url, 0, a, { 'Upload-Checksum': `sha1 ${sha('sha1', a).toString('base64')}` });
    assert.equal(p1.status, 204, p1.text);
    assert.equal(p1.text, '');
    assert.equal(p1.headers.get('upload-offset'), '100000');
    assert.equal(p1.headers.get('tus-resumable'), '1.0.0');
    assert.equal(p1.headers.get('zhibu-file-id'), null);
    const h = await srv.api('HEAD', url, { token, headers: TUS });
    assert.equal(h.headers.get('upload-offset'), '100000');
    const p2 = await patch(url, 100000, b, { 'Upload-Checksum': `sha256 ${sha('sha256', b).toString('base64')}` });
    assert.equal(p2.status, 204, p2.text);
    assert.equal(p2.headers.get('upload-offset'), String(bytes.length));
    const id = p2.headers.get('zhibu-file-id');
    const f = assertData(await srv.api('GET', `/api/v1/files/${id}`, { token }));
    assert.equal(f.sha256, sha('sha256', bytes).toString('hex'));
    assert.equal(f.name, '学习.pdf');
    // The upload is over: HEAD finds nothing.
    assert.equal((await srv.api('HEAD', url, { token, headers: TUS })).status, 404);
  });

  test('termination: DELETE answers 204 and the upload is gone', async () => {
    const r = await create(5000);
    const url = r.headers.get('location');
    const d = await srv.api('DELETE', url, { token, headers: TUS });
    assert.equal(d.status, 204, d.text);
    assert.equal(d.headers.get('tus-resumable'), '1.0.0');
    assert.equal((await srv.api('HEAD', url, { token, headers: TUS })).status, 404);
  });

  test('without Tus-Resumable the JSON answers stay (the web client\'s way), with Upload-Offset as well', async () => {
    const bytes = pdfBytes(2000, 7);
    const u = assertData(await srv.api('POST', '/api/v1/uploads', { token, body: { orgId: member.orgId, name: 'json.pdf', size: bytes.length } }), 201);
    const r = await srv.api('PATCH', `/api/v1/uploads/${u.id}`, { token, body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' } });
    const d = assertData(r);
    assert.equal(r.headers.get('upload-offset'), String(bytes.length));
    assert.equal(d.file.sha256, sha('sha256', bytes).toString('hex'));
  });
});

/** Runs a tus-js-client upload; resolves with {upload, fileId} or rejects. */
function tusUpload(bytes, opts = {}) {
  let fileId = null;
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(bytes, {
      endpoint: srv.base + '/api/v1/tus/uploads',
      chunkSize: 256 * 1024,
      retryDelays: [0, 100, 300],
      metadata: { filename: '党员学习.pdf', orgId: String(member.orgId) },
      headers: { Authorization: `Bearer ${token}` },
      onAfterResponse: (req, res) => { fileId = res.getHeader('Zhibu-File-Id') || fileId; },
      onSuccess: () => resolve({ upload, fileId }),
      onError: reject,
      ...opts,
    });
    opts.start?.(upload, reject);
    upload.start();
  });
}

describe('tus-js-client', () => {
  test('uploads in chunks; the file is the same bytes', async () => {
    const bytes = pdfBytes(1200 * 1024, 3);
    const { upload, fileId } = await tusUpload(bytes);
    assert.match(upload.url, /\/api\/v1\/uploads\/\d+$/);
    const f = assertData(await srv.api('GET', `/api/v1/files/${fileId}`, { token }));
    assert.equal(f.sha256, sha('sha256', bytes).toString('hex'));
    assert.equal(f.name, '党员学习.pdf');
  });

  test('cut off after a few chunks, a new client resumes from the server\'s offset (HEAD) and completes', async () => {
    const bytes = pdfBytes(2 * 1024 * 1024, 5);
    let url, chunks = 0;
    // The first client stops itself after its third chunk.
    await new Promise((resolve, reject) => {
      const upload = new tus.Upload(bytes, {
        endpoint: srv.base + '/api/v1/tus/uploads',
        chunkSize: 256 * 1024,
        metadata: { filename: 'resume.pdf', orgId: String(member.orgId) },
        headers: { Authorization: `Bearer ${token}` },
        onChunkComplete: () => {
          if (++chunks === 3) { url = upload.url; upload.abort().then(resolve, reject); }
        },
        onError: reject,
        onSuccess: () => reject(new Error('completed although aborted')),
      });
      upload.start();
    });
    assert.ok(url.startsWith(srv.base + '/api/v1/uploads/'), url);
    const h = await srv.api('HEAD', url.slice(srv.base.length), { token, headers: TUS });
    assert.equal(h.headers.get('upload-offset'), String(3 * 256 * 1024));
    const heads = [];
    const { fileId } = await tusUpload(bytes, {
      uploadUrl: url,
      onBeforeRequest: (req) => { heads.push(req.getMethod()); },
    });
    assert.equal(heads[0], 'HEAD', 'the resumed client asks the offset first');
    assert.equal(heads.filter((m) => m === 'PATCH').length, 5, 'only the 5 missing chunks are sent');
    const f = assertData(await srv.api('GET', `/api/v1/files/${fileId}`, { token }));
    assert.equal(f.sha256, sha('sha256', bytes).toString('hex'));
  });

  test('checksums: tus-js-client has none of its own; a refused type ends in onError with the server\'s code', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    await assert.rejects(tusUpload(html, { retryDelays: null }), (e) => {
      assert.match(String(e), /file\.type_refused/);
      return true;
    });
  });
});
