// bench/room60.mjs - rooms of 60 participants mixed by one Janus: Janus's CPU and the
// loss the participants see, for 1 room, then 2, 3 ... until Janus uses up a core, loss
// appears or MAXROOMS is reached. zhibu is not in the loop: the bench makes the rooms,
// admits the tokens (Janus's Admin API, as zhibu does) and joins the participants.
//
//   node bench/room60.mjs [MAXROOMS=4] [SECONDS=60] [PAGES=2] [SPEAKERS=60]
//
// 60 Chromium pages do not fit in a small machine, so the participants are lighter
// clients that Janus mixes exactly as it mixes phones: each has its own Janus session
// (the member's token, a long poll kept open as the app's client does), a handle on the
// AudioBridge and a plain-RTP join (Janus's `join` with an `rtp` object): it sends Opus
// over RTP to the port Janus answers, and Janus decodes it, mixes the room and encodes a
// mix for it alone, as for a phone, minus DTLS/SRTP. The Opus is real: ffmpeg (libopus,
// 24 kbit/s, 20 ms frames, the "voip" application) encodes 30 s of a voice-like signal
// once, and each participant sends those packets from its own starting point in the clip,
// with its own SSRC, sequence numbers and timestamps, paced at 20 ms. SPEAKERS of each
// room's participants send that voice, the others send Opus-coded near-silence (a muted
// phone still sends). Each participant counts the mix's packets, the sequence gaps (loss)
// and the interarrival jitter (RFC 3550). PAGES Chromium pages running the app's own
// client (web/src/janus.js) take PAGES of the first room's 60 places and report WebRTC
// getStats loss and jitter. Janus's CPU is read from /proc/PID/stat over SECONDS.
//
// The bench starts its own Janus (scripts/janus-config, loopback, free ports, a temporary
// folder), and stops it and every other process it started when it ends. Results: printed,
// and appended to bench/results/room60.md.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../tests/api/helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const MAXROOMS = Number(process.argv[2] || 4);
const SECONDS = Number(process.argv[3] || 60);
const PAGES = Number(process.argv[4] ?? 2);
const SPEAKERS = Number(process.argv[5] || 60);
const PER_ROOM = 60;
const cores = availableParallelism();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HZ = 100; // USER_HZ
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}
const selfTicks = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e4; };

// --- Everything the bench starts, stopped whatever happens. ---
const dir = mkdtempSync(join(tmpdir(), 'zhibu-bench-room60-'));
let janus = null;
let browser = null;
let stopping = null;
async function stopAll() {
  if (stopping) return stopping;
  stopping = (async () => {
    if (browser) await browser.close().catch(() => {});
    if (janus && janus.exitCode === null) {
      janus.kill('SIGTERM');
      await new Promise((r) => { janus.once('exit', r); setTimeout(() => { janus.kill('SIGKILL'); r(); }, 5000); });
    }
    rmSync(dir, { recursive: true, force: true });
  })();
  return stopping;
}
process.on('exit', () => { if (janus && janus.exitCode === null) janus.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopAll().then(() => process.exit(130)));
process.on('uncaughtException', (e) => { console.error(e); stopAll().then(() => process.exit(1)); });
process.on('unhandledRejection', (e) => { console.error(e); stopAll().then(() => process.exit(1)); });

// --- The Opus: a voice-like signal and near-silence, encoded once by ffmpeg. ---
function oggOpusPackets(file) {
  const b = readFileSync(file);
  const packets = [];
  let cur = [];
  for (let o = 0; o < b.length;) {
    if (b.toString('latin1', o, o + 4) !== 'OggS') throw new Error(`${file}: not an Ogg page at ${o}`);
    const nseg = b[o + 26];
    let p = o + 27 + nseg;
    for (let i = 0; i < nseg; i++) {
      const len = b[o + 27 + i];
      cur.push(b.subarray(p, p + len));
      p += len;
      if (len < 255) { packets.push(Buffer.concat(cur)); cur = []; }
    }
    o = p;
  }
  return packets.slice(2); // OpusHead, OpusTags
}
function encode(name, expr) {
  const out = join(dir, `${name}.ogg`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc='${expr}':s=48000:d=30`,
    '-ac', '1', '-c:a', 'libopus', '-b:a', '24k', '-frame_duration', '20', '-application', 'voip', out]);
  return oggOpusPackets(out);
}
// A 140 Hz voice with harmonics, a syllable rhythm of 4 Hz, pauses, some breath noise.
const voice = encode('voice', '(0.5*sin(2*PI*140*t)+0.3*sin(2*PI*280*t)+0.2*sin(2*PI*420*t)+0.1*sin(2*PI*700*t+3*sin(2*PI*5*t)))'
  + '*(0.6+0.4*sin(2*PI*4*t))*gt(sin(2*PI*0.23*t)+0.5,0)*0.5+0.03*(2*random(0)-1)');
const quiet = encode('quiet', '0');
// The reference: what libopus alone takes for one participant's codec work (decode its
// stream, encode a 16 kHz stream at Janus's default complexity 4) per second of audio,
// from ffmpeg's CPU time for 30 s less that for 5 s (start-up taken out), measured at
// the same time as Janus: a room of 60 needs at least 60 times this.
function codecSecondsPerSecond() {
  const run = (d) => {
    const out = execFileSync('bash', ['-c', `ffmpeg -hide_banner -loglevel error -c:a libopus -t ${d} -i "$1" -ar 16000 -c:a libopus -b:a 24k -frame_duration 20 -application voip -compression_level 4 -f null -; times`, 'codec', join(dir, 'voice.ogg')], { encoding: 'utf8' });
    const [u, sy] = out.trim().split('\n')[1].split(' ').map((t) => { const m = t.match(/(\d+)m([\d.]+)s/); return Number(m[1]) * 60 + Number(m[2]); });
    return u + sy;
  };
  const best = (d) => Math.min(run(d), run(d), run(d));
  return (best(30) - best(5)) / 25;
}
const kbit = (ps) => (ps.reduce((s, p) => s + p.length, 0) * 8) / (ps.length * 0.02) / 1000;

// --- Janus, on loopback, in the temporary folder. ---
const port = await freePort();
const adminPort = await freePort();
const ice = 30000 + Math.floor(Math.random() * 300) * 100;
const gen = spawnSync('bash', [join(ROOT, 'scripts', 'janus-config'), dir, '--port', String(port), '--admin-port', String(adminPort),
  '--rtp', `${ice}-${ice + 99}`, '--ice-only', 'lo'], { encoding: 'utf8' });
if (gen.status !== 0) throw new Error(`janus-config failed: ${gen.stderr}`);
const conf = Object.fromEntries(gen.stdout.trim().split('\n').map((l) => l.split(' = ')));
// The plain-RTP participants' sockets: on loopback too (Janus would bind the address it
// detects otherwise), from a range of their own.
const ab = readFileSync(join(dir, 'janus.plugin.audiobridge.jcfg'), 'utf8')
  .replace('general: {', 'general: {\n\tlocal_ip = "127.0.0.1"\n\trtp_port_range = "45000-49999"');
writeFileSync(join(dir, 'janus.plugin.audiobridge.jcfg'), ab);
let janusLog = '';
janus = spawn('janus', ['-F', dir, '-C', join(dir, 'janus.jcfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
janus.stdout.on('data', (d) => { janusLog = (janusLog + d).slice(-20000); });
janus.stderr.on('data', (d) => { janusLog = (janusLog + d).slice(-20000); });
const call = async (url, body) => (await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: String(Math.random()), ...body }) })).json();
for (let i = 0; ; i++) {
  try { if ((await call(conf.janus_url, { janus: 'info' })).janus === 'server_info') break; } catch { /* not up yet */ }
  if (i > 100 || janus.exitCode !== null) throw new Error(`janus did not start: ${janusLog.slice(-2000)}`);
  await sleep(100);
}

// The bench's own handle, with the api secret, as zhibu's.
const apisecret = conf.janus_api_secret;
const s0 = await call(conf.janus_url, { janus: 'create', apisecret });
const h0 = await call(`${conf.janus_url}/${s0.data.id}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', apisecret });
const handle = `${conf.janus_url}/${s0.data.id}/${h0.data.id}`;
const keep0 = setInterval(() => call(`${conf.janus_url}/${s0.data.id}`, { janus: 'keepalive', apisecret }).catch(() => {}), 20000);

async function makeRoom(room, n) {
  const r = await call(handle, { janus: 'message', apisecret, body: { request: 'create', room, secret: 'bench', is_private: true, allowed: [], sampling_rate: 16000, audiolevel_event: true, audio_active_packets: 50, audio_level_average: 40, allow_rtp_participants: true } });
  if (r.plugindata?.data?.audiobridge !== 'created') throw new Error(`room ${room}: ${JSON.stringify(r)}`);
  const passes = [];
  for (let i = 0; i < n; i++) {
    const token = `bench${room}x${i}${Math.random().toString(36).slice(2)}`;
    await call(conf.janus_admin_url, { janus: 'add_token', token, plugins: ['janus.plugin.audiobridge'], admin_secret: conf.janus_admin_secret });
    await call(handle, { janus: 'message', apisecret, body: { request: 'allowed', secret: 'bench', action: 'add', room, allowed: [token] } });
    passes.push({ room, participantId: 1000 + i, display: `党员${i + 1}`, token, janusUrl: conf.janus_url });
  }
  return passes;
}

// --- A plain-RTP participant. ---
const participants = [];
async function joinRtp(pass, packets) {
  const { token } = pass;
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const s = await call(conf.janus_url, { janus: 'create', token });
  const sid = s.data.id;
  const h = await call(`${conf.janus_url}/${sid}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', token });
  await call(`${conf.janus_url}/${sid}/${h.data.id}`, {
    janus: 'message', token,
    body: { request: 'join', room: pass.room, id: pass.participantId, display: pass.display, token, rtp: { ip: '127.0.0.1', port: sock.address().port, payload_type: 111 } },
  });
  let joined = null;
  while (!joined) {
    const evs = await fetch(`${conf.janus_url}/${sid}?maxev=10&token=${encodeURIComponent(token)}`).then((r) => r.json());
    for (const ev of [].concat(evs)) {
      const d = ev?.plugindata?.data;
      if (d?.audiobridge === 'joined' && d.rtp) joined = d;
      else if (d?.error) throw new Error(`join ${pass.display}: ${d.error}`);
    }
  }
  const p = {
    sock, sid, token, to: { port: joined.rtp.port, address: joined.rtp.ip }, packets,
    offset: Math.floor(Math.random() * packets.length), seq: Math.floor(Math.random() * 65536), ts: Math.floor(Math.random() * 2 ** 31),
    ssrc: Math.floor(Math.random() * 2 ** 32), sent: 0,
    // what it receives: RTP packets of the mix
    got: 0, bytes: 0, firstSeq: null, maxSeq: null, jitter: 0, lastTransit: null,
  };
  sock.on('message', (m) => {
    if (m.length < 12 || (m[1] & 0x7f) >= 72 && (m[1] & 0x7f) <= 76) return; // not RTP, or RTCP
    const seq = m.readUInt16BE(2), ts = m.readUInt32BE(4);
    p.got++;
    p.bytes += m.length - 12;
    if (p.firstSeq === null) { p.firstSeq = seq; p.maxSeq = seq; } else {
      const d = (seq - (p.maxSeq & 0xffff) + 65536) % 65536;
      if (d > 0 && d < 32768) p.maxSeq += d;
    }
    const arrival = (Number(process.hrtime.bigint() / 1000n) / 1e6) * 48000; // in the RTP clock (48 kHz)
    const transit = arrival - ts;
    if (p.lastTransit !== null) p.jitter += (Math.abs(transit - p.lastTransit) - p.jitter) / 16;
    p.lastTransit = transit;
  });
  // Drain the session's events as the app's client does (a long poll always open).
  (async () => {
    while (!stopping) {
      const r = await fetch(`${conf.janus_url}/${sid}?maxev=20&token=${encodeURIComponent(token)}`).catch(() => null);
      if (!r) { await sleep(1000); continue; }
      await r.text().catch(() => '');
    }
  })();
  participants.push(p);
  return p;
}
function sendTick() {
  for (const p of participants) {
    const payload = p.packets[(p.offset + p.sent) % p.packets.length];
    const pkt = Buffer.alloc(12 + payload.length);
    pkt[0] = 0x80; pkt[1] = 111;
    pkt.writeUInt16BE(p.seq, 2); pkt.writeUInt32BE(p.ts >>> 0, 4); pkt.writeUInt32BE(p.ssrc >>> 0, 8);
    payload.copy(pkt, 12);
    p.sock.send(pkt, p.to.port, p.to.address);
    p.seq = (p.seq + 1) & 0xffff; p.ts = (p.ts + 960) % 2 ** 32; p.sent++;
  }
}
// Paced at 20 ms by the clock, not by the timer (which drifts): late ticks catch up.
const t00 = performance.now();
let ticks = 0, late = 0;
const pacer = setInterval(() => {
  const due = Math.floor((performance.now() - t00) / 20);
  if (due - ticks > 1) late++;
  while (ticks < due) { sendTick(); ticks++; }
}, 5);

// --- The Chromium pages (the app's client), in the first room. ---
let pages = [];
async function openPages(passes) {
  const { chromium } = await import('../tests/e2e/node_modules/playwright-core/index.mjs');
  const client = readFileSync(join(ROOT, 'web', 'src', 'janus.js'), 'utf8');
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { RoomClient } from '/janus.js';
window.join = async (pass) => {
  const ac = new AudioContext();
  const osc = ac.createOscillator(); const lfo = ac.createOscillator(); const depth = ac.createGain();
  depth.gain.value = 120; lfo.frequency.value = 3; lfo.connect(depth).connect(osc.frequency);
  osc.frequency.value = 220 + Math.random() * 200;
  const dest = ac.createMediaStreamDestination(); osc.connect(dest); osc.start(); lfo.start();
  const c = new RoomClient(pass, { state: (s) => { window.state = s; }, participants: () => {}, remoteStream: (ms) => { const a = new Audio(); a.srcObject = ms; a.play(); }, error: (e) => { window.err = String(e); } });
  window.client = c;
  await c.start(dest.stream);
};
window.stats = async () => {
  let o = { rx: 0, got: 0, lost: 0, jitter: 0 };
  (await window.client.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') o = { rx: r.bytesReceived, got: r.packetsReceived, lost: r.packetsLost, jitter: r.jitter };
  });
  return o;
};
</script>`;
  const srv = http.createServer((req, res) => {
    if (req.url === '/janus.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(client); return; }
    res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page);
  }).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  srv.unref();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  for (const pass of passes) {
    const ctx = await browser.newContext({ permissions: ['microphone'] });
    const p = await ctx.newPage();
    await p.goto(`http://127.0.0.1:${srv.address().port}/`);
    await p.evaluate((x) => window.join(x), pass);
    await p.waitForFunction(() => window.state === 'live' || window.err, null, { timeout: 60000 });
    const st = await p.evaluate(() => [window.state, window.err]);
    if (st[0] !== 'live') throw new Error(`a page did not get in: ${st.join(' ')}`);
    pages.push(p);
  }
}

// --- Rooms one after another, each step measured. ---
const snap = () => participants.map((p) => ({ got: p.got, bytes: p.bytes, span: p.firstSeq === null ? 0 : p.maxSeq - p.firstSeq + 1 }));
const header = '| date | rooms x 60 | speakers a room | of which WebRTC pages | measured | Janus CPU | per room | ratio to the codec work (libopus, 60 streams) | mix received per participant | loss (RTP participants) | worst participant | jitter (mean, max) | pages (getStats): loss, jitter, mix packets/s, kbit/s | mix kbit/s (payload) | late sender ticks | load average before, after | bench (node) CPU |';
console.log(`voice ${kbit(voice).toFixed(1)} kbit/s, quiet ${kbit(quiet).toFixed(1)} kbit/s of Opus payload; ${SPEAKERS} speakers a room`);
console.log(header);
console.log(header.replace(/[^|]+/g, '---'));
mkdirSync(join(here, 'results'), { recursive: true });
const rows = [];
for (let rooms = 1; rooms <= MAXROOMS; rooms++) {
  const room = 6000 + rooms;
  const np = rooms === 1 ? PAGES : 0;
  const passes = await makeRoom(room, PER_ROOM);
  const mine = [];
  for (let i = np; i < PER_ROOM; i++) mine.push(await joinRtp(passes[i], i - np < SPEAKERS ? voice : quiet));
  if (np) await openPages(passes.slice(0, np));
  let listed = null;
  for (let i = 0; !listed; i++) {
    const r = await call(handle, { janus: 'message', apisecret, body: { request: 'listparticipants', room } });
    listed = r.plugindata?.data?.participants;
    if (!listed && i === 2) throw new Error(`room ${room}: listparticipants: ${JSON.stringify(r)}`);
  }
  if (listed.length !== PER_ROOM) throw new Error(`room ${room}: Janus lists ${listed.length} participants, not ${PER_ROOM}`);
  await sleep(5000); // settle: every mix flowing
  const la0 = load();
  const before = snap();
  const pBefore = await Promise.all(pages.map((p) => p.evaluate(() => window.stats())));
  const late0 = late, t0 = performance.now(), c0 = cpuTicks(janus.pid), n0 = selfTicks();
  await sleep(SECONDS * 1000);
  const secs = (performance.now() - t0) / 1000;
  const cpu = (cpuTicks(janus.pid) - c0) / HZ / secs, ncpu = (selfTicks() - n0) / 100 / secs;
  const after = snap();
  const pAfter = await Promise.all(pages.map((p) => p.evaluate(() => window.stats())));
  const la1 = load();
  const ref = codecSecondsPerSecond() * PER_ROOM;
  const per = participants.map((p, i) => {
    const got = after[i].got - before[i].got, span = after[i].span - before[i].span;
    // Lost: the sequence gaps, or, if more, the packets short of a mix every 20 ms (a
    // starved mixer sends fewer packets without a gap in their numbers).
    return { got, lost: Math.max(0, span - got, Math.round(secs * 50) - got), jitterMs: (p.jitter / 48000) * 1000 };
  });
  const got = per.reduce((s, x) => s + x.got, 0), lost = per.reduce((s, x) => s + x.lost, 0);
  const loss = (100 * lost) / Math.max(1, got + lost);
  const worst = Math.max(...per.map((x) => (100 * x.lost) / Math.max(1, x.got + x.lost)));
  const rate = got / participants.length / secs;
  const mixKbps = (participants.reduce((a, p, i) => a + after[i].bytes - before[i].bytes, 0) * 8) / participants.length / secs / 1000;
  const jit = per.map((x) => x.jitterMs);
  const pg = pAfter.map((a, i) => ({ lost: a.lost - pBefore[i].lost, got: a.got - pBefore[i].got, jitter: a.jitter * 1000, kbps: ((a.rx - pBefore[i].rx) * 8) / secs / 1000 }));
  const pgs = pg.length ? pg.map((x) => `${((100 * x.lost) / Math.max(1, x.got + x.lost)).toFixed(2)} %, ${x.jitter.toFixed(1)} ms, ${(x.got / secs).toFixed(1)} packets/s, ${x.kbps.toFixed(1)} kbit/s`).join('; ') : '-';
  const row = `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC | ${rooms} | ${SPEAKERS} | ${PAGES} | ${secs.toFixed(0)} s | ${(100 * cpu).toFixed(1)} % of a core | ${((100 * cpu) / rooms).toFixed(1)} % | ${(cpu / rooms / ref).toFixed(2)} (${(100 * ref).toFixed(1)} %) | ${rate.toFixed(1)} packets/s | ${loss.toFixed(3)} % | ${worst.toFixed(2)} % | ${(jit.reduce((a, b) => a + b, 0) / jit.length).toFixed(1)}, ${Math.max(...jit).toFixed(1)} ms | ${pgs} | ${mixKbps.toFixed(1)} | ${late - late0} | ${la0} / ${la1} | ${(100 * ncpu).toFixed(1)} % |`;
  console.log(row);
  rows.push(row);
  appendFileSync(join(here, 'results', 'room60.md'), row + '\n');
  // Stop when the participants see loss, or Janus alone takes 90 % of all the cores.
  if (loss >= 1 || cpu >= 0.9 * cores) { console.log(`${rooms} rooms: stopping here (${loss >= 1 ? 'loss' : 'the cores are used up'})`); break; }
}
clearInterval(pacer);
clearInterval(keep0);
for (const p of participants) p.sock.close();
await stopAll();
process.exit(0);
