// bench/files.mjs - files and media (issue 17), self-contained:
//   1. download throughput and server CPU per GiB, zhibu (sendfile from the store) against
//      nginx (sendfile on) serving the same file on the same machine: the ratio;
//   2. 100 parallel Range downloads (random 1 MiB ranges, each client several): all 206,
//      bytes right, and the server's RSS growth;
//   3. transcoding: a minute of 640x360 video (lavfi testsrc + sine) through the media queue
//      (240p H.264 + poster + 32 kbit/s Opus): seconds per minute of video.
//
//   node bench/files.mjs [OUT.md]      (ZHIBU_BIN default build/zhibu)
//   BENCH_FILE_MB (default 200), BENCH_ROUNDS (default 5), BENCH_VIDEO_S (default 60)
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const out = process.argv[2];
const bin = resolve(process.env.ZHIBU_BIN || 'build/zhibu');
const FILE_MB = Number(process.env.BENCH_FILE_MB || 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const VIDEO_S = Number(process.env.BENCH_VIDEO_S || 60);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const root = mkdtempSync(join(tmpdir(), 'zhibu-bench-files-'));
const data = join(root, 'data');
const procs = [];

function freePort() {
  return new Promise((ok) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}
const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
};
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const treeCpu = (pids) => pids.reduce((s, p) => s + cpuTicks(p), 0);

async function waitHttp(url) {
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(url)).status < 500) return; } catch (e) { /* not yet */ }
    await sleep(100);
  }
  throw new Error('not up: ' + url);
}

// Downloads url to nowhere with node:http (no copy kept); resolves to bytes.
function drain(url, headers = {}, hash = false) {
  return new Promise((ok, fail) => {
    http.get(url, { headers, agent: false }, (r) => {
      let n = 0;
      const h = createHash('sha256');
      r.on('data', (d) => { n += d.length; if (hash) h.update(d); });
      r.on('end', () => ok({ status: r.statusCode, bytes: n, sha: hash ? h.digest('hex') : null }));
      r.on('error', fail);
    }).on('error', fail);
  });
}

async function main() {
  execFileSync(bin, ['demo', '--data', data], { stdio: 'ignore' });
  writeFileSync(join(data, 'zhibu.conf'), '\nfile_max_mb = 4096\nfile_quota_mb = 100000\nmax_upload = 67108864\n', { flag: 'a' });
  const accounts = JSON.parse(readFileSync(join(data, 'demo-accounts.json'), 'utf8'));
  const sec = accounts.find((a) => a.role === 'branch_secretary');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const z = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  procs.push(z);
  await waitHttp(base + '/healthz');
  const login = await (await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ phone: sec.phone, password: sec.password }) })).json();
  const token = login.data.token;
  const auth = { Authorization: `Bearer ${token}` };

  // The file: a PDF header, then FILE_MB of pseudo-random bytes (written in pieces).
  const path = join(root, 'big.pdf');
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.from('%PDF-1.4\n%'));
  const piece = Buffer.alloc(1 << 20);
  let x = 1;
  for (let m = 0; m < FILE_MB; m++) {
    for (let i = 0; i < piece.length; i += 4) { x = (x * 1103515245 + 12345) >>> 0; piece.writeUInt32LE(x, i); }
    writeSync(fd, piece);
  }
  closeSync(fd);
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');

  const t0 = performance.now();
  const up = (await (await fetch(base + '/api/v1/uploads', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: sec.orgId, name: '大文件.pdf', size: bytes.length }) })).json()).data;
  const CH = 8 << 20;
  let file;
  for (let off = 0; off < bytes.length; off += CH) {
    const r = await (await fetch(base + `/api/v1/uploads/${up.id}`, { method: 'PATCH', headers: { ...auth, 'Upload-Offset': String(off), 'Content-Type': 'application/octet-stream' }, body: bytes.subarray(off, off + CH) })).json();
    if (r.error) throw new Error(JSON.stringify(r.error));
    file = r.data.file;
  }
  const uploadS = (performance.now() - t0) / 1000;
  if (file.sha256 !== sha) throw new Error('upload hash differs');

  // nginx on the same file, sendfile on.
  const nport = await freePort();
  const ndir = join(root, 'nginx');
  execFileSync('mkdir', ['-p', ndir + '/www', ndir + '/tmp']);
  execFileSync('ln', ['-s', path, ndir + '/www/big.pdf']);
  // As root, nginx's workers would drop to nobody and not read the private temporary directory.
  const user = process.getuid() === 0 ? 'user root; ' : '';
  writeFileSync(join(ndir, 'nginx.conf'), `${user}worker_processes 2; daemon off; pid ${ndir}/nginx.pid; error_log ${ndir}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; client_body_temp_path ${ndir}/tmp; proxy_temp_path ${ndir}/tmp;
  fastcgi_temp_path ${ndir}/tmp; uwsgi_temp_path ${ndir}/tmp; scgi_temp_path ${ndir}/tmp;
  server { listen 127.0.0.1:${nport}; root ${ndir}/www; } }\n`);
  const ng = spawn('nginx', ['-c', join(ndir, 'nginx.conf'), '-p', ndir], { stdio: 'ignore' });
  procs.push(ng);
  await waitHttp(`http://127.0.0.1:${nport}/big.pdf`);
  const ngPids = () => [ng.pid, ...execFileSync('pgrep', ['-P', String(ng.pid)]).toString().trim().split('\n').map(Number)];

  const zurl = `${base}/api/v1/files/${file.id}/content?download=true`;
  const nurl = `http://127.0.0.1:${nport}/big.pdf`;
  async function throughput(url, headers, pids) {
    const results = [];
    for (let r = 0; r < ROUNDS; r++) {
      const c0 = treeCpu(pids());
      const t = performance.now();
      const all = await Promise.all([0, 1].map(() => drain(url, headers))); // two at once
      const s = (performance.now() - t) / 1000;
      const c1 = treeCpu(pids());
      const n = all.reduce((a, b) => a + b.bytes, 0);
      if (all.some((a) => a.bytes !== bytes.length)) throw new Error(`short download from ${url}: ${JSON.stringify(all)}`);
      results.push({ mbs: n / s / 1048576, cpuMsPerGiB: ((c1 - c0) * 10) / (n / 1073741824) });
    }
    results.sort((a, b) => a.mbs - b.mbs);
    return results[Math.floor(results.length / 2)]; // the median
  }
  const check = await drain(zurl, auth, true);
  if (check.sha !== sha) throw new Error('download hash differs');
  const ngA = await throughput(nurl, {}, ngPids);
  const zh = await throughput(zurl, auth, () => [z.pid]);
  const ngB = await throughput(nurl, {}, ngPids);
  const ngMbs = (ngA.mbs + ngB.mbs) / 2, ngCpu = (ngA.cpuMsPerGiB + ngB.cpuMsPerGiB) / 2;

  // 100 parallel Range downloads, 5 ranges of 1 MiB each, RSS sampled.
  const rss0 = rssMb(z.pid);
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb(z.pid)); }, 20);
  const tr = performance.now();
  let rangeBytes = 0, wrong = 0;
  await Promise.all(Array.from({ length: 100 }, async (_, c) => {
    for (let k = 0; k < 5; k++) {
      const start = ((c * 5 + k) * 7919 * 4096) % (bytes.length - (1 << 20));
      const r = await drain(zurl, { ...auth, Range: `bytes=${start}-${start + (1 << 20) - 1}` }, true);
      const want = createHash('sha256').update(bytes.subarray(start, start + (1 << 20))).digest('hex');
      if (r.status !== 206 || r.sha !== want) wrong++;
      rangeBytes += r.bytes;
    }
  }));
  const rangeS = (performance.now() - tr) / 1000;
  clearInterval(sampler);

  // Transcoding: VIDEO_S seconds of video through the media queue.
  const vid = join(root, 'lecture.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=640x360:rate=25:duration=${VIDEO_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${VIDEO_S}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', vid]);
  const vb = readFileSync(vid);
  const vu = (await (await fetch(base + '/api/v1/uploads', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ orgId: sec.orgId, name: 'lecture.mp4', size: vb.length }) })).json()).data;
  const vf = (await (await fetch(base + `/api/v1/uploads/${vu.id}`, { method: 'PATCH', headers: { ...auth, 'Upload-Offset': '0', 'Content-Type': 'application/octet-stream' }, body: vb })).json()).data.file;
  let done;
  for (let i = 0; i < 1800; i++) {
    done = (await (await fetch(base + `/api/v1/files/${vf.id}`, { headers: auth })).json()).data;
    if (done.processing === 'done' || done.processing === 'failed') break;
    await sleep(200);
  }
  const ms = Number(execFileSync('sqlite3', [join(data, 'zhibu.db'), `SELECT ms FROM file_jobs WHERE source_sha256 = '${vf.sha256}'`]).toString().trim());
  const sizes = Object.fromEntries(done.variants.map((v) => [v.name, v.size]));

  const lines = [
    `## Files and media (bench/files.mjs, ${new Date().toISOString().slice(0, 10)})`,
    '',
    `File: ${FILE_MB} MiB, uploaded in 8 MiB chunks in ${uploadS.toFixed(1)} s (${(FILE_MB / uploadS).toFixed(0)} MiB/s, each chunk fsynced), downloaded whole ${ROUNDS} times by 2 clients at once (median round).`,
    '',
    '| measure | zhibu | nginx | zhibu / nginx |',
    '|---|---|---|---|',
    `| download throughput (MiB/s, 2 clients) | ${zh.mbs.toFixed(0)} | ${ngMbs.toFixed(0)} | ${(zh.mbs / ngMbs).toFixed(2)} |`,
    `| server CPU per GiB sent (ms) | ${zh.cpuMsPerGiB.toFixed(0)} | ${ngCpu.toFixed(0)} | ${(zh.cpuMsPerGiB / ngCpu).toFixed(2)} |`,
    '',
    `100 clients at once, 5 Range requests of 1 MiB each: ${wrong} wrong answers, ${(rangeBytes / 1048576 / rangeS).toFixed(0)} MiB/s, server RSS ${rss0.toFixed(1)} → peak ${peak.toFixed(1)} MiB (+${(peak - rss0).toFixed(1)}).`,
    '',
    `Transcoding ${VIDEO_S} s of 640x360 video (the media queue: 240p H.264 + poster + 32 kbit/s Opus, nice 10): ${(ms / 1000).toFixed(1)} s, ${(ms / 1000 / (VIDEO_S / 60)).toFixed(1)} s per minute of video; source ${(vb.length / 1048576).toFixed(1)} MiB → video-240 ${((sizes['video-240'] || 0) / 1048576).toFixed(2)} MiB, audio ${((sizes.audio || 0) / 1024).toFixed(0)} KiB, poster ${((sizes.poster || 0) / 1024).toFixed(0)} KiB (${done.processing}).`,
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  if (out) writeFileSync(out, text);
}

main().then(
  () => { for (const p of procs) p.kill('SIGTERM'); setTimeout(() => rmSync(root, { recursive: true, force: true }), 500); },
  (e) => { console.error(e); for (const p of procs) p.kill('SIGKILL'); rmSync(root, { recursive: true, force: true }); process.exit(1); },
);
