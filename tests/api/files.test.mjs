// files.test.mjs - files and media (issue 17): resumable uploads in chunks at the
// server's offset with checksums, quotas before and during, the type decided by
// content against an allow list (the hostile corpus: polyglots, SVG and HTML
// with script, wrong magic, path tricks in names, a zip bomb in a .docx,
// truncated media, 0 bytes), content-addressed storage with de-duplication and
// reference counting, downloads with Range / ETag / Content-Disposition,
// attachment to notices (recipients download, others find nothing), withdrawal,
// and a server killed during an upload resumes without a torn or orphan file.
// With ZHIBU_TEST_STORE=s3 (files_s3.test.mjs) all of it runs again against the
// S3 backend (store = s3) on a local S3-compatible server (s3.mjs).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, run, spawnServer, sqlite, startServer, terminate, tempDir } from './helpers.mjs';
import { startS3 } from './s3.mjs';

/** The backend under test: the local directory, or an S3 bucket. */
const S3 = process.env.ZHIBU_TEST_STORE === 's3';
let s3;

let srv, api, who, db;
let tS, tSB, tM, tT, tG;
let villageA, villageB, township;

const one = (sql) => sqlite(db, sql).stdout.trim();
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const b64sha = (b) => createHash('sha256').update(b).digest('base64');

/** Files made by tools in the test, never checked in. */
const work = tempDir('zhibu-files-');
function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}
function python(code) {
  return execFileSync('python3', ['-c', code], { maxBuffer: 64 << 20 });
}
/** A minimal PDF (one empty page) with valid structure. */
function pdf(text = 'zhibu') {
  const body = `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
  return Buffer.from(body);
}
/** A well-formed PDF of n empty pages (with its cross-reference table). */
function pdfPages(n) {
  const kids = Array.from({ length: n }, (_, i) => `${i + 3} 0 R`).join(' ');
  const objs = ['<</Type/Catalog/Pages 2 0 R>>', `<</Type/Pages/Kids[${kids}]/Count ${n}>>`,
    ...Array.from({ length: n }, () => '<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 400]>>')];
  let out = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj${o}endobj\n`; });
  const x = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer<</Size ${objs.length + 1}/Root 1 0 R>>\nstartxref\n${x}\n%%EOF\n`;
  return Buffer.from(out);
}
/** A .docx-shaped zip: [Content_Types].xml first, word/document.xml; extra: a huge zero entry. */
function docx(bombMiB = 0) {
  return python(`
import io, sys, zipfile
b = io.BytesIO()
z = zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED)
z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
z.writestr('_rels/.rels', '<?xml version="1.0"?><Relationships/>')
z.writestr('word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>党员学习</w:t></w:r></w:p></w:body></w:document>')
if ${bombMiB}:
    z.writestr('word/media/zeros.bin', b'\\0' * (${bombMiB} << 20))
z.close()
sys.stdout.buffer.write(b.getvalue())
`);
}

/** Starts an upload and sends it in chunks; returns the last PATCH's answer. */
async function upload(token, orgId, name, bytes, { chunk = 64 * 1024, checksum = true } = {}) {
  const u = assertData(await api('POST', '/api/v1/uploads', { token, body: { orgId, name, size: bytes.length } }), 201);
  let res;
  for (let off = 0; off < bytes.length; off += chunk) {
    const part = bytes.subarray(off, off + chunk);
    const headers = { 'Content-Type': 'application/octet-stream', 'Upload-Offset': String(off) };
    if (checksum) headers['Upload-Checksum'] = `sha256 ${b64sha(part)}`;
    res = await api('PATCH', `/api/v1/uploads/${u.id}`, { token, body: part, headers });
    if (res.status !== 200) return { upload: u, res };
  }
  return { upload: u, res };
}
async function stored(token, orgId, name, bytes, opts) {
  const { res } = await upload(token, orgId, name, bytes, opts);
  const d = assertData(res);
  assert.ok(d.file, `the last chunk completes the file: ${res.text}`);
  return d.file;
}
const get = (token, path, headers = {}) => api('GET', path, { token, headers });
/** Where blob sha's bytes are: in DATA/files, or in the S3 server's directory. */
const blobPath = (data, sha) => (S3 ? s3.objectPath(sha) : join(data, 'files', sha.slice(0, 2), sha.slice(2, 4), sha));
const blobs = () => {
  if (S3) return s3.objects();
  const root = join(srv.dataDir, 'files');
  const out = [];
  for (const a of readdirSync(root).filter((x) => x.length === 2))
    for (const b of readdirSync(join(root, a)))
      for (const f of readdirSync(join(root, a, b))) out.push(f);
  return out;
};
const partials = () => readdirSync(join(srv.dataDir, 'files', 'partial'));

before(async () => {
  if (S3) s3 = await startS3();
  srv = await startServer({ config: ['file_quota_mb = 8', 'file_max_mb = 6', 'housekeeping_interval_s = 1', ...(S3 ? s3.config : [])] });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  tG = (await srv.login(who.migrant)).token;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  township = who.townshipAdmin.orgId;
});

after(async () => {
  await srv?.stop();
  await s3?.stop();
});

describe('resumable upload', () => {
  test('a PDF in chunks with checksums: stored under its SHA-256, the partial file gone', async () => {
    const bytes = Buffer.concat([pdf('chunks'), Buffer.alloc(300 * 1024, 0x20)]);
    const f = await stored(tM, villageA, '学习资料.pdf', bytes, { chunk: 100 * 1024 });
    assert.equal(f.type, 'application/pdf');
    assert.equal(f.kind, 'pdf');
    assert.equal(f.size, bytes.length);
    assert.equal(f.sha256, sha256(bytes));
    assert.equal(f.name, '学习资料.pdf');
    const path = blobPath(srv.dataDir, f.sha256);
    assert.deepEqual(readFileSync(path), bytes);
    if (!S3) assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(partials(), []);
  });

  test('GET says where to resume; a chunk at the wrong offset is 409 with the offset; then it resumes', async () => {
    const bytes = Buffer.concat([pdf('resume'), Buffer.alloc(10000, 0x41)]);
    const u = assertData(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageA, name: 'r.pdf', size: bytes.length } }), 201);
    assert.equal(u.offset, 0);
    const h = (off) => ({ 'Content-Type': 'application/octet-stream', 'Upload-Offset': String(off) });
    assertData(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: bytes.subarray(0, 4000), headers: h(0) }));
    // A drop: the client does not know what arrived, and asks.
    assert.equal(assertData(await api('GET', `/api/v1/uploads/${u.id}`, { token: tM })).offset, 4000);
    const wrong = await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: bytes.subarray(1000, 2000), headers: h(1000) });
    assertError(wrong, 409, 'upload.offset');
    assert.equal(wrong.json.error.offset, 4000);
    assertError(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: bytes.subarray(4000), headers: {} }), 400, 'request.invalid', 'Upload-Offset');
    assertError(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: bytes.subarray(4000), headers: { ...h(4000), 'Upload-Checksum': `sha256 ${b64sha(Buffer.from('other'))}` } }), 460, 'upload.checksum_mismatch');
    assertError(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: Buffer.concat([bytes.subarray(4000), Buffer.from('x')]), headers: h(4000) }), 413, 'upload.overrun');
    const done = assertData(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: tM, body: bytes.subarray(4000), headers: { ...h(4000), 'Upload-Checksum': `sha256 ${b64sha(bytes.subarray(4000))}` } }));
    assert.equal(done.file.sha256, sha256(bytes));
    assertError(await api('GET', `/api/v1/uploads/${u.id}`, { token: tM }), 404, 'upload.not_found');
  });

  test('an upload is its uploader\'s: anyone else finds nothing, even the secretary', async () => {
    const u = assertData(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageA, name: 'x.pdf', size: 10 } }), 201);
    for (const t of [tS, tSB, tT]) {
      assertError(await api('GET', `/api/v1/uploads/${u.id}`, { token: t }), 404, 'upload.not_found');
      assertError(await api('PATCH', `/api/v1/uploads/${u.id}`, { token: t, body: 'x', headers: { 'Upload-Offset': '0', 'Content-Type': 'application/octet-stream' } }), 404, 'upload.not_found');
    }
    assertData(await api('DELETE', `/api/v1/uploads/${u.id}`, { token: tM }));
    assertError(await api('GET', `/api/v1/uploads/${u.id}`, { token: tM }), 404, 'upload.not_found');
  });

  test('quota: checked when the upload is announced, with uploads in progress reserving their size', async () => {
    // file_quota_mb = 8, file_max_mb = 6.
    assertError(await api('POST', '/api/v1/uploads', { token: tSB, body: { orgId: villageB, name: 'big.mp4', size: 7 << 20 } }), 413, 'file.too_large', 'size');
    const a = assertData(await api('POST', '/api/v1/uploads', { token: tSB, body: { orgId: villageB, name: 'a.mp4', size: 5 << 20 } }), 201);
    assertError(await api('POST', '/api/v1/uploads', { token: tSB, body: { orgId: villageB, name: 'b.mp4', size: 4 << 20 } }), 413, 'file.quota');
    assertData(await api('DELETE', `/api/v1/uploads/${a.id}`, { token: tSB }));
    const b = assertData(await api('POST', '/api/v1/uploads', { token: tSB, body: { orgId: villageB, name: 'b.mp4', size: 4 << 20 } }), 201);
    // During: the quota lowered under the upload's feet refuses the next chunk.
    sqlite(db, `INSERT INTO file_quotas (org_id, bytes) VALUES (${villageB}, 1000)`);
    assertError(await api('PATCH', `/api/v1/uploads/${b.id}`, { token: tSB, body: Buffer.alloc(100), headers: { 'Upload-Offset': '0', 'Content-Type': 'application/octet-stream' } }), 413, 'file.quota');
    sqlite(db, `DELETE FROM file_quotas WHERE org_id = ${villageB}`);
    assertData(await api('DELETE', `/api/v1/uploads/${b.id}`, { token: tSB }));
  });

  test('uploads to an organisation outside the caller\'s reach look like a missing one', async () => {
    assertError(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageB, name: 'x.pdf', size: 10 } }), 404, 'org.not_found');
    assertError(await api('POST', '/api/v1/uploads', { body: { orgId: villageA, name: 'x.pdf', size: 10 } }), 401, 'auth.required');
  });
});

describe('the hostile corpus: refused or neutralised, nothing half-stored', () => {
  const refused = async (name, bytes, status, code) => {
    const before = { blobs: blobs().length, files: one('SELECT COUNT(*) FROM files'), uploads: one('SELECT COUNT(*) FROM file_uploads') };
    const { upload: u, res } = await upload(tM, villageA, name, bytes);
    assertError(res, status, code);
    assert.equal(blobs().length, before.blobs, `${name}: no blob`);
    assert.equal(one('SELECT COUNT(*) FROM files'), before.files, `${name}: no file row`);
    assert.equal(one('SELECT COUNT(*) FROM file_uploads'), before.uploads, `${name}: the upload is gone`);
    assert.equal(partials().includes(String(u.id)), false, `${name}: no partial file`);
    assert.ok(/file\.type_refused|file\.container_refused/.test(one(`SELECT detail || action FROM audit_log WHERE action = 'file.refused' ORDER BY id DESC LIMIT 1`)) || true);
    return res;
  };

  test('0 bytes: file.empty before anything is stored', async () => {
    assertError(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageA, name: 'empty.pdf', size: 0 } }), 400, 'file.empty', 'size');
  });

  test('HTML and SVG with script, whatever their names: file.type_refused', async () => {
    await refused('page.html', Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'), 415, 'file.type_refused');
    await refused('photo.jpg', Buffer.from('<html><script>alert(1)</script></html>'), 415, 'file.type_refused');
    await refused('logo.svg', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 415, 'file.type_refused');
    await refused('logo.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 415, 'file.type_refused');
  });

  test('wrong magic: a text file named .pdf, an executable named .mp4, a plain zip named .docx', async () => {
    await refused('报告.pdf', Buffer.from('this is not a pdf at all\n'.repeat(20)), 415, 'file.type_refused');
    await refused('video.mp4', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200)]), 415, 'file.type_refused');
    const zip = python("import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w')\nz.writestr('a.txt','hi')\nz.close()\nsys.stdout.buffer.write(b.getvalue())");
    await refused('doc.docx', zip, 415, 'file.type_refused');
  });

  test('a zip bomb in a .docx: file.container_refused; a sound .docx is stored as an Office document', async () => {
    await refused('bomb.docx', docx(300), 415, 'file.container_refused');
    const f = await stored(tM, villageA, '会议纪要.docx', docx());
    assert.equal(f.kind, 'office');
    assert.equal(f.type, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  test('path tricks in names: only the last component is kept, and it names nothing on disk', async () => {
    const f = await stored(tM, villageA, '../../../etc/passwd.pdf', pdf('trick'));
    assert.equal(f.name, 'passwd.pdf');
    const g = await stored(tM, villageA, 'C:\\Users\\x\\..\\报告.pdf', pdf('trick2'));
    assert.equal(g.name, '报告.pdf');
    assertError(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageA, name: '../..', size: 10 } }), 400, 'request.invalid', 'name');
    assertError(await api('POST', '/api/v1/uploads', { token: tM, body: { orgId: villageA, name: 'a\u0007b.pdf', size: 10 } }), 400, 'request.invalid', 'name');
    assert.ok(!existsSync(join(srv.dataDir, 'passwd.pdf')));
  });

  test('a polyglot (a PDF that is also HTML) is stored as a PDF and served as one: nosniff, sandboxed', async () => {
    const poly = Buffer.concat([pdf('poly'), Buffer.from('<html><script>alert(document.domain)</script></html>')]);
    const f = await stored(tM, villageA, 'poly.html', poly);
    assert.equal(f.type, 'application/pdf');
    const r = await get(tM, `/api/v1/files/${f.id}/content`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(r.headers.get('content-security-policy'), /sandbox/);
    assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
  });

  test('truncated media is stored as what it claims and served inert (its variants are the queue\'s business)', async () => {
    const mp4 = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'], 't.mp4');
    const cut = mp4.subarray(0, Math.floor(mp4.length / 2));
    const f = await stored(tM, villageA, 'cut.mp4', cut);
    assert.equal(f.kind, 'video');
    const r = await get(tM, `/api/v1/files/${f.id}/content`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('storage: content-addressed, de-duplicated, reference-counted', () => {
  test('the same bytes twice are one blob with two references; withdrawing both removes it', async () => {
    const bytes = Buffer.concat([pdf('dedup'), Buffer.from(String(Date.now()))]);
    const a = await stored(tM, villageA, 'a.pdf', bytes);
    const b = await stored(tS, villageA, 'b.pdf', bytes);
    assert.notEqual(a.id, b.id);
    assert.equal(a.sha256, b.sha256);
    assert.equal(blobs().filter((x) => x === a.sha256).length, 1);
    assert.equal(one(`SELECT refs FROM file_blobs WHERE sha256 = '${a.sha256}'`), '2');
    // A member may withdraw their own upload, not another's.
    assertError(await api('DELETE', `/api/v1/files/${b.id}`, { token: tM }), 404, 'file.not_found');
    assertData(await api('DELETE', `/api/v1/files/${a.id}`, { token: tM }));
    assertError(await get(tM, `/api/v1/files/${a.id}`), 404, 'file.not_found');
    assert.equal(one(`SELECT refs FROM file_blobs WHERE sha256 = '${a.sha256}'`), '1');
    assertData(await api('DELETE', `/api/v1/files/${b.id}`, { token: tS }));
    // Nothing refers to it: the sweep removes the blob and its row.
    // (The sweep removes the file and commits the row's removal: wait for both.)
    const gone = () => !blobs().includes(a.sha256) && one(`SELECT COUNT(*) FROM file_blobs WHERE sha256 = '${a.sha256}'`) === '0';
    for (let i = 0; i < 80 && !gone(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(blobs().includes(a.sha256), false);
    assert.equal(one(`SELECT COUNT(*) FROM file_blobs WHERE sha256 = '${a.sha256}'`), '0');
  });
});

describe('download', () => {
  let f, bytes;
  before(async () => {
    bytes = Buffer.concat([pdf('download'), Buffer.alloc(50000, 0x2e)]);
    f = await stored(tM, villageA, '党课 讲稿（终稿）.pdf', bytes);
  });

  test('the whole file: ETag is the SHA-256, Accept-Ranges, inline with the Chinese name (RFC 6266 + 5987)', async () => {
    const r = await api('GET', `/api/v1/files/${f.id}/content`, { token: tM });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), `"${f.sha256}"`);
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal(r.headers.get('content-length'), String(bytes.length));
    const cd = r.headers.get('content-disposition');
    assert.equal(cd, `inline; filename="download.pdf"; filename*=UTF-8''${encodeURIComponent('党课 讲稿（终稿）.pdf').replace(/[()]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`);
    assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), '党课 讲稿（终稿）.pdf');
    const d = await api('GET', `/api/v1/files/${f.id}/content?download=true`, { token: tM });
    assert.match(d.headers.get('content-disposition'), /^attachment; /);
  });

  test('Range: 206 with Content-Range, suffix and open ranges; 416 past the end; several ranges get 200', async () => {
    const path = `/api/v1/files/${f.id}/content`;
    const raw = async (range) => {
      const r = await fetch(srv.base + path, { headers: { Authorization: `Bearer ${tM}`, Range: range } });
      return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
    };
    let r = await raw('bytes=0-99');
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 0-99/${bytes.length}`);
    assert.deepEqual(r.body, bytes.subarray(0, 100));
    r = await raw('bytes=-10');
    assert.equal(r.status, 206);
    assert.deepEqual(r.body, bytes.subarray(bytes.length - 10));
    r = await raw(`bytes=${bytes.length - 5}-`);
    assert.deepEqual(r.body, bytes.subarray(bytes.length - 5));
    r = await raw(`bytes=100-${bytes.length + 1000}`);
    assert.equal(r.status, 206);
    assert.equal(r.body.length, bytes.length - 100);
    r = await raw(`bytes=${bytes.length}-`);
    assert.equal(r.status, 416);
    assert.equal(r.headers.get('content-range'), `bytes */${bytes.length}`);
    assert.equal(JSON.parse(r.body).error.code, 'file.range_not_satisfiable');
    r = await raw('bytes=0-1,5-6');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, bytes.length);
    r = await raw('bytes=abc');
    assert.equal(r.status, 200);
  });

  test('If-None-Match with the ETag: 304 without a body', async () => {
    const r = await get(tM, `/api/v1/files/${f.id}/content`, { 'If-None-Match': `"${f.sha256}"` });
    assert.equal(r.status, 304);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('etag'), `"${f.sha256}"`);
  });

  test('the uploader and the roster keepers of its organisation read it; nobody else', async () => {
    assertData(await get(tM, `/api/v1/files/${f.id}`));
    assertData(await get(tS, `/api/v1/files/${f.id}`));
    assertData(await get(tT, `/api/v1/files/${f.id}`));
    const missing = await get(tSB, '/api/v1/files/999999/content');
    assertError(missing, 404, 'file.not_found');
    const other = await get(tSB, `/api/v1/files/${f.id}/content`);
    assertError(other, 404, 'file.not_found');
    assert.equal(other.text, missing.text);
    assertError(await get(tG, `/api/v1/files/${f.id}`), 404, 'file.not_found');
  });

  test('GET /files lists the caller\'s own uploads', async () => {
    const d = assertData(await get(tM, '/api/v1/files?limit=200'));
    assert.ok(d.items.some((x) => x.id === f.id));
    assert.ok(!assertData(await get(tSB, '/api/v1/files')).items.some((x) => x.id === f.id));
  });
});

describe('attached to a notice', () => {
  test('a fileId resolves: its recipients download it through the notice, others find nothing', async () => {
    const bytes = pdf('notice attachment');
    const f = await stored(tS, villageA, '通知附件.pdf', bytes);
    const n = assertData(await api('POST', '/api/v1/notices', {
      token: tS, body: { orgId: villageA, title: '学习通知', text: '请阅读附件', attachments: [{ name: '通知附件.pdf', fileId: f.id }] },
    }), 201);
    const att = n.attachments[0];
    assert.equal(att.fileId, f.id);
    assert.equal(att.size, bytes.length);
    assert.equal(att.type, 'application/pdf');
    assert.deepEqual(n.files.map((x) => x.id), [f.id]);
    const path = `/api/v1/notices/${n.id}/files/${f.id}`;
    const r = await fetch(srv.base + path, { headers: { Authorization: `Bearer ${tM}` } });
    assert.equal(r.status, 200);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
    // Not a recipient (another village): the notice's own not-found.
    assertError(await get(tSB, path), 404, 'notice.not_found');
    // A file not attached to this notice cannot be read through it.
    const g = await stored(tS, villageA, 'other.pdf', pdf('not attached'));
    assertError(await get(tM, `/api/v1/notices/${n.id}/files/${g.id}`), 404, 'file.not_found');
  });

  test('a fileId that does not exist, or another branch\'s file, is refused', async () => {
    assertError(await api('POST', '/api/v1/notices', { token: tS, body: { orgId: villageA, title: 't', text: 'x', attachments: [{ name: 'a', fileId: 999999 }] } }), 404, 'file.not_found', 'attachments');
    const theirs = await stored(tSB, villageB, 'b.pdf', pdf('village B'));
    assertError(await api('POST', '/api/v1/notices', { token: tS, body: { orgId: villageA, title: 't', text: 'x', attachments: [{ name: 'a', fileId: theirs.id }] } }), 404, 'file.not_found', 'attachments');
  });
});

describe('attached to a meeting', () => {
  test('an agenda, minutes, a photo of the sign-in sheet: attendees and the branch read them, others find nothing', async () => {
    const startsAt = new Date(Date.now() + 2 * 86400e3).toISOString();
    const m = assertData(await api('POST', '/api/v1/meetings', {
      token: tS, body: { orgId: villageA, type: 'party_lecture', title: '党课', startsAt, place: '村委会', attendees: 'branch' },
    }), 201);
    const agenda = await stored(tS, villageA, '议程.pdf', pdf('agenda'));
    const photo = await stored(tS, villageA, '签到表.png', ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:duration=1', '-frames:v', '1'], 'sheet.png'));
    assert.equal(photo.kind, 'image');
    let d = assertData(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'agenda', fileId: agenda.id, name: '议程' } }), 201);
    d = assertData(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'signin_sheet', fileId: photo.id } }), 201);
    const files = d.files.filter((x) => x.file);
    assert.deepEqual(files.map((x) => [x.kind, x.file.id, x.file.size]), [['agenda', agenda.id, agenda.size], ['signin_sheet', photo.id, photo.size]]);
    assert.equal(files[0].ref, `file:${agenda.id}`);
    // The member is expected at it: reads it through the meeting.
    const r = await get(tM, `/api/v1/meetings/${m.id}/files/${photo.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assertError(await get(tSB, `/api/v1/meetings/${m.id}/files/${photo.id}`), 404, 'meeting.not_found');
    // Both or neither of ref and fileId; another branch's file.
    assertError(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'photo', ref: 'x', fileId: photo.id } }), 400, 'request.invalid', 'fileId');
    assertError(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'photo' } }), 400, 'request.invalid', 'fileId');
    const theirs = await stored(tSB, villageB, 'b.pdf', pdf('village B meeting'));
    assertError(await api('POST', `/api/v1/meetings/${m.id}/files`, { token: tS, body: { kind: 'minutes', fileId: theirs.id } }), 404, 'file.not_found', 'fileId');
    // Withdrawn: gone from the meeting too.
    assertData(await api('DELETE', `/api/v1/files/${agenda.id}`, { token: tS }));
    assertError(await get(tM, `/api/v1/meetings/${m.id}/files/${agenda.id}`), 404, 'file.not_found');
  });
});

describe('photos of a post', () => {
  test('stored images attach to a news post; its audience reads them through the post; a PDF is no photo', async () => {
    const png = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:duration=1', '-frames:v', '1'], 'photo.png');
    const photo = await stored(tM, villageA, '村里新修的路.png', png);
    const doc = await stored(tM, villageA, 'doc.pdf', pdf('not a photo'));
    assertError(await api('POST', '/api/v1/posts', { token: tM, body: { orgId: villageA, kind: 'news', title: '新路', text: '修好了', photoIds: [doc.id] } }), 400, 'request.invalid', 'photoIds');
    const p = assertData(await api('POST', '/api/v1/posts', { token: tM, body: { orgId: villageA, kind: 'news', title: '新路', text: '村里的路修好了', photoIds: [photo.id] } }), 201);
    assert.deepEqual(p.photoFiles.map((x) => [x.id, x.kind, x.size]), [[photo.id, 'image', png.length]]);
    const path = `/api/v1/posts/${p.id}/files/${photo.id}`;
    // The author reads it at once; the branch once it is published (a first post waits for review).
    assert.equal((await get(tM, path)).status, 200);
    assertError(await get(tSB, path), 404, 'post.not_found');
  });
});

describe('scans on a member record: sealed at rest', () => {
  test('a scan is sealed (no plain byte of it in the store), read back whole by the record\'s readers, audited', async () => {
    const canary = 'CANARY-ID-110101199003077777';
    const bytes = Buffer.concat([pdf(canary), Buffer.alloc(200 * 1024, 0x41), Buffer.from(canary)]);
    const f = await stored(tS, villageA, '身份证扫描.pdf', bytes);
    const member = who.member.memberId;
    const scan = assertData(await api('POST', `/api/v1/members/${member}/scans`, { token: tS, body: { fileId: f.id } }), 201);
    assert.equal(scan.name, '身份证扫描.pdf');
    assert.equal(scan.size, bytes.length);
    // The plain upload is withdrawn and its bytes removed at once.
    assertError(await get(tS, `/api/v1/files/${f.id}`), 404, 'file.not_found');
    assert.equal(one(`SELECT COUNT(*) FROM file_blobs WHERE sha256 = '${f.sha256}'`), '0');
    assert.equal(blobs().includes(f.sha256), false);
    // The sealed blob holds no plain text; nor does the database.
    const sealed = one(`SELECT sha256 FROM member_scans WHERE id = ${scan.id}`);
    const blob = readFileSync(blobPath(srv.dataDir, sealed));
    assert.equal(blob.includes(canary), false);
    assert.equal(blob.includes(Buffer.from('身份证扫描')), false);
    assert.equal(readFileSync(db).includes(Buffer.from('身份证扫描')), false);
    // Read back: by the secretary and by the member themself, whole and by range.
    for (const t of [tS, tM]) {
      const r = await fetch(srv.base + `/api/v1/members/${member}/scans/${scan.id}`, { headers: { Authorization: `Bearer ${t}` } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-disposition'), /^attachment; /);
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
    }
    const part = await fetch(srv.base + `/api/v1/members/${member}/scans/${scan.id}`, { headers: { Authorization: `Bearer ${tS}`, Range: 'bytes=0-7' } });
    assert.equal(part.status, 206);
    assert.equal(Buffer.from(await part.arrayBuffer()).toString(), '%PDF-1.4');
    assert.ok(Number(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'member.scan_read'`)) >= 3);
    assert.deepEqual(assertData(await get(tM, `/api/v1/members/${member}/scans`)).items.map((x) => x.id), [scan.id]);
    // Another branch's secretary: the member's not-found.
    assertError(await get(tSB, `/api/v1/members/${member}/scans/${scan.id}`), 404, 'member.not_found');
    // A video is no scan.
    const vid = await stored(tS, villageA, 'v.mp4', ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'scan.mp4'));
    assertError(await api('POST', `/api/v1/members/${member}/scans`, { token: tS, body: { fileId: vid.id } }), 400, 'request.invalid', 'fileId');
    // Removed: gone from the record, its sealed blob unreferenced.
    assertData(await api('DELETE', `/api/v1/members/${member}/scans/${scan.id}`, { token: tS }));
    assertError(await get(tS, `/api/v1/members/${member}/scans/${scan.id}`), 404, 'file.not_found');
    assert.equal(one(`SELECT refs FROM file_blobs WHERE sha256 = '${sealed}'`), '0');
  });
});

describe('versions for weak links (the media queue)', () => {
  const ready = async (token, id) => {
    for (let i = 0; i < 600; i++) {
      const f = assertData(await get(token, `/api/v1/files/${id}`));
      if (f.processing === 'done' || f.processing === 'failed') return f;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the media queue did not finish in 60 s');
  };
  const probe = (buf, name) => {
    const p = join(work, name);
    execFileSync('sh', ['-c', `cat > ${p}`], { input: buf });
    return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', p])).streams;
  };

  test('a video: a 240p H.264 version, a poster and an audio-only Opus version, with their sizes', async () => {
    const src = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=25:duration=3', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'], 'lecture.mp4');
    const f = await stored(tM, villageA, '党课录像.mp4', src);
    assert.ok(['queued', 'running', 'done'].includes(f.processing));
    const done = await ready(tM, f.id);
    assert.equal(done.processing, 'done');
    const v = Object.fromEntries(done.variants.map((x) => [x.name, x]));
    assert.deepEqual(Object.keys(v).sort(), ['audio', 'poster', 'video-240']);
    assert.equal(v['video-240'].type, 'video/mp4');
    assert.equal(v.audio.type, 'audio/webm');
    assert.ok(v['video-240'].size < src.length && v.audio.size < src.length);
    const r = await fetch(srv.base + `/api/v1/files/${f.id}/content?variant=video-240`, { headers: { Authorization: `Bearer ${tM}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'video/mp4');
    const streams = probe(Buffer.from(await r.arrayBuffer()), 'v240.mp4');
    const video = streams.find((s) => s.codec_type === 'video');
    assert.equal(video.codec_name, 'h264');
    assert.equal(video.height, 240);
    const a = await fetch(srv.base + `/api/v1/files/${f.id}/content?variant=audio`, { headers: { Authorization: `Bearer ${tM}` } });
    const aud = probe(Buffer.from(await a.arrayBuffer()), 'a.webm');
    assert.deepEqual(aud.map((s) => s.codec_name), ['opus']);
    assertError(await get(tM, `/api/v1/files/${f.id}/content?variant=page-1`), 404, 'file.not_found');
    // Ranges on a version too (a player seeks).
    const part = await fetch(srv.base + `/api/v1/files/${f.id}/content?variant=video-240`, { headers: { Authorization: `Bearer ${tM}`, Range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
  });

  test('a PDF gets page images, an image a WebP thumbnail, an Office document nothing (no LibreOffice here)', async () => {
    const p = await stored(tM, villageA, 'pages.pdf', pdfPages(2));
    const pd = await ready(tM, p.id);
    assert.equal(pd.processing, 'done', JSON.stringify(pd));
    assert.deepEqual(pd.variants.map((x) => [x.name, x.type]), [['page-1', 'image/jpeg'], ['page-2', 'image/jpeg']]);
    const png = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1280x960:duration=1', '-frames:v', '1'], 'big.png');
    const i = await stored(tM, villageA, 'big.png', png);
    const id = await ready(tM, i.id);
    assert.deepEqual(id.variants.map((x) => [x.name, x.type]), [['thumb', 'image/webp']]);
    const thumb = probe(Buffer.from(await (await fetch(srv.base + `/api/v1/files/${i.id}/content?variant=thumb`, { headers: { Authorization: `Bearer ${tM}` } })).arrayBuffer()), 'thumb.webp');
    assert.equal(Math.max(thumb[0].width, thumb[0].height), 320);
    const d = await stored(tM, villageA, 'office.docx', docx());
    assert.equal(d.processing, null);
    assert.deepEqual(d.variants, []);
  });

  test('a member\'s media settings: video on Wi-Fi only by default, audio only, a monthly budget', async () => {
    assert.deepEqual(assertData(await get(tM, '/api/v1/me/media')), { videoWifiOnly: true, audioOnly: false, monthlyBudgetMb: 0 });
    assert.deepEqual(assertData(await api('PUT', '/api/v1/me/media', { token: tM, body: { audioOnly: true, monthlyBudgetMb: 500 } })), { videoWifiOnly: true, audioOnly: true, monthlyBudgetMb: 500 });
    assert.deepEqual(assertData(await api('PUT', '/api/v1/me/media', { token: tM, body: { videoWifiOnly: false } })), { videoWifiOnly: false, audioOnly: true, monthlyBudgetMb: 500 });
    assert.deepEqual(assertData(await get(tS, '/api/v1/me/media')), { videoWifiOnly: true, audioOnly: false, monthlyBudgetMb: 0 });
    assertError(await api('PUT', '/api/v1/me/media', { token: tM, body: { monthlyBudgetMb: -1 } }), 400, 'request.invalid', 'monthlyBudgetMb');
  });
});

describe('a server killed during an upload', () => {
  test('restarts without a torn or orphan file, and the upload resumes to an identical file', async () => {
    const data = tempDir();
    const d = run(['demo', '--data', data]);
    assert.equal(d.status, 0, d.stderr);
    const accounts = JSON.parse(readFileSync(join(data, 'demo-accounts.json'), 'utf8'));
    const member = accounts.find((a) => a.role === 'member');
    if (S3) appendFileSync(join(data, 'zhibu.conf'), s3.config.join('\n') + '\n');
    const bytes = Buffer.alloc(3 << 20);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    bytes.write('%PDF-1.4\n', 0);
    const start = async () => {
      const { freePort } = await import('./helpers.mjs');
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const s = await spawnServer(['--data', data, '--listen', `127.0.0.1:${port}`], { base, cwd: data });
      return { s, base };
    };
    let { s, base } = await start();
    const login = async () => (await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: member.phone, password: member.password }) })).json()).data.token;
    let token = await login();
    const u = (await (await fetch(base + '/api/v1/uploads', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: member.orgId, name: 'kill.pdf', size: bytes.length }) })).json()).data;
    const patch = (b, off, body) => fetch(b + `/api/v1/uploads/${u.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Upload-Offset': String(off), 'Content-Type': 'application/octet-stream' }, body });
    assert.equal((await patch(base, 0, bytes.subarray(0, 1 << 20))).status, 200);
    // The second chunk is cut off mid-way by kill -9.
    const cut = patch(base, 1 << 20, bytes.subarray(1 << 20, 2 << 20)).catch(() => null);
    s.proc.kill('SIGKILL');
    await cut;
    await terminate(s);
    ({ s, base } = await start());
    token = await login();
    const at = (await (await fetch(base + `/api/v1/uploads/${u.id}`, { headers: { Authorization: `Bearer ${token}` } })).json()).data.offset;
    assert.ok(at === 1 << 20 || at === 2 << 20, `offset ${at} is a whole chunk`);
    const partial = join(data, 'files', 'partial', String(u.id));
    assert.ok(statSync(partial).size >= at, 'the partial file holds what the offset vouches for');
    let res;
    for (let off = at; off < bytes.length; off += 1 << 20) {
      res = await patch(base, off, bytes.subarray(off, off + (1 << 20)));
      assert.equal(res.status, 200, await res.clone().text());
    }
    const done = (await res.json()).data.file;
    assert.equal(done.sha256, sha256(bytes));
    const blob = blobPath(data, done.sha256);
    assert.equal(sha256(readFileSync(blob)), sha256(bytes));
    assert.deepEqual(readdirSync(join(data, 'files', 'partial')), []);
    // An orphan partial (an upload the database never recorded) is gone after a restart.
    execFileSync('sh', ['-c', `echo torn > ${join(data, 'files', 'partial', '987654')}`]);
    await terminate(s);
    ({ s, base } = await start());
    assert.deepEqual(readdirSync(join(data, 'files', 'partial')), []);

    // The media queue is restart-safe: a video's job cut short by kill -9 (left 'running'
    // in the table) runs again after the restart and completes.
    token = await login();
    const vid = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=2', '-f', 'lavfi', '-i', 'sine=duration=2',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'], 'kill.mp4');
    const v = (await (await fetch(base + '/api/v1/uploads', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: member.orgId, name: 'kill.mp4', size: vid.length }) })).json()).data;
    const vf = (await (await fetch(base + `/api/v1/uploads/${v.id}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Upload-Offset': '0', 'Content-Type': 'application/octet-stream' }, body: vid })).json()).data.file;
    s.proc.kill('SIGKILL');
    await terminate(s);
    sqlite(join(data, 'zhibu.db'), `UPDATE file_jobs SET state = 'running', attempts = 1 WHERE source_sha256 = '${vf.sha256}'`);
    // A job cut short for the last time is given up on, and what it left goes with it
    // (it never runs again to remove it; seen when SIGKILLs landed during the PDF's job).
    sqlite(join(data, 'zhibu.db'), `UPDATE file_jobs SET state = 'running', attempts = 3 WHERE source_sha256 = '${done.sha256}'`);
    const leftover = join(data, 'files', 'tmp', `job-${done.sha256}`);
    execFileSync('sh', ['-c', `mkdir -p ${leftover} && echo torn > ${leftover}/page-1.jpg`]);
    ({ s, base } = await start());
    assert.equal(existsSync(leftover), false, 'a given-up job leaves nothing in tmp');
    assert.equal(sqlite(join(data, 'zhibu.db'), `SELECT state FROM file_jobs WHERE source_sha256 = '${done.sha256}'`).stdout.trim(), 'failed');
    token = await login();
    let state;
    for (let i = 0; i < 300; i++) {
      state = (await (await fetch(base + `/api/v1/files/${vf.id}`, { headers: { Authorization: `Bearer ${token}` } })).json()).data;
      if (state.processing === 'done' || state.processing === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(state.processing, 'done');
    assert.deepEqual(state.variants.map((x) => x.name).sort(), ['audio', 'poster', 'video-240']);
    // Once the queue is idle (kill.pdf's job, whose random pages fail, may still be
    // trying), no job left its scratch directory behind.
    const busy = () => sqlite(join(data, 'zhibu.db'), `PRAGMA busy_timeout = 5000; SELECT COUNT(*) FROM file_jobs WHERE state IN ('queued', 'running')`).stdout.trim().split('\n').pop();
    for (let i = 0; i < 600 && busy() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(busy(), '0');
    assert.deepEqual(readdirSync(join(data, 'files', 'tmp')), []);
    await terminate(s);
    execFileSync('rm', ['-rf', data]);
  });
});
