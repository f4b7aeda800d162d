// bench/files_s3.mjs - downloads through the S3 file store (store = s3) against the local
// directory, on the same machine and the same file: the ratio of their throughput.
//   1. whole downloads of a BENCH_FILE_MB file (default 50), BENCH_ROUNDS each (default 5);
//   2. 100 Range downloads of 1 MiB at random offsets, 10 at a time.
// The S3 side is s3rver (tests/s3, the tests' S3-compatible server, a Node.js process): the
// figures are zhibu plus that server, an upper bound on the cost of a real object store on
// the same network, not a measure of S3 itself.
//
//   node bench/files_s3.mjs            (ZHIBU_BIN default build/zhibu)
import { createHash } from 'node:crypto';
import { startServer } from '../tests/api/helpers.mjs';
import { startS3 } from '../tests/api/s3.mjs';

const FILE_MB = Number(process.env.BENCH_FILE_MB || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);

const bytes = Buffer.alloc(FILE_MB << 20);
for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
Buffer.from('%PDF-1.4\n').copy(bytes, 0);
const sha = createHash('sha256').update(bytes).digest('hex');

async function setUp(config) {
  const srv = await startServer({ config: [...config, 'file_max_mb = 4096', 'file_quota_mb = 100000', 'max_upload = 67108864'] });
  const token = (await srv.login(srv.who.member)).token;
  const auth = { Authorization: `Bearer ${token}` };
  const u = (await (await fetch(srv.base + '/api/v1/uploads', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: srv.who.member.orgId, name: 'bench.pdf', size: bytes.length }) })).json()).data;
  let res;
  for (let off = 0; off < bytes.length; off += 32 << 20)
    res = await fetch(srv.base + `/api/v1/uploads/${u.id}`, { method: 'PATCH', headers: { ...auth, 'Upload-Offset': String(off), 'Content-Type': 'application/octet-stream' }, body: bytes.subarray(off, off + (32 << 20)) });
  const f = (await res.json()).data.file;
  if (f.sha256 !== sha) throw new Error('upload differs');
  return { srv, auth, url: srv.base + `/api/v1/files/${f.id}/content` };
}

async function measure({ auth, url }) {
  let t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    const b = Buffer.from(await (await fetch(url, { headers: auth })).arrayBuffer());
    if (b.length !== bytes.length) throw new Error('short download');
  }
  const whole = (ROUNDS * FILE_MB) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(Array.from({ length: 10 }, async () => {
      const at = Math.floor(Math.random() * (bytes.length - (1 << 20)));
      const r = await fetch(url, { headers: { ...auth, Range: `bytes=${at}-${at + (1 << 20) - 1}` } });
      const b = Buffer.from(await r.arrayBuffer());
      if (r.status !== 206 || !b.equals(bytes.subarray(at, at + (1 << 20)))) throw new Error('bad range');
    }));
  }
  const ranges = 100 / ((performance.now() - t0) / 1000);
  return { whole, ranges };
}

const s3 = await startS3();
const local = await setUp([]);
const remote = await setUp(s3.config);
await measure(local); // warm both
await measure(remote);
const l = await measure(local), r = await measure(remote);
console.log(`| backend | whole ${FILE_MB} MB downloads, MB/s | 1 MiB ranges, per s |`);
console.log('|---|---|---|');
console.log(`| local directory | ${l.whole.toFixed(0)} | ${l.ranges.toFixed(0)} |`);
console.log(`| S3 (s3rver) | ${r.whole.toFixed(0)} | ${r.ranges.toFixed(0)} |`);
console.log(`| ratio S3 / local | ${(r.whole / l.whole).toFixed(2)} | ${(r.ranges / l.ranges).toFixed(2)} |`);
await local.srv.stop();
await remote.srv.stop();
await s3.stop();
