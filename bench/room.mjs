// bench/room.mjs - one audio room, N phones (Chromium pages sending a voice-like tone),
// mixed by Janus: what each phone sends and receives (kbit/s, from WebRTC getStats),
// the packet loss the phones report, and Janus's CPU per participant, from which the
// number of such rooms one server runs at once follows. zhibu is not in the loop: the
// bench makes the room, admits the tokens (Janus's Admin API, as zhibu does) and runs
// web/src/janus.js, the client the app uses, in a bare page.
//
//   node bench/room.mjs [N=20] [SECONDS=20]
//
// Chromium itself encodes and decodes for every page, so on a small machine the
// browsers take most of the CPU; Janus's share is measured from /proc for its process
// alone. Results: printed, and appended to bench/results/room.md.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '../tests/e2e/node_modules/playwright-core/index.mjs';
import { startJanus } from '../tests/api/janus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] || 20);
const SECONDS = Number(process.argv[3] || 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hz = 100; // USER_HZ

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

const janus = await startJanus(join(mkdtempSync(join(tmpdir(), 'zhibu-bench-janus-')), 'janus'));
process.on('exit', () => janus.stop());
process.on('uncaughtException', (e) => { console.error(e); janus.stop().then(() => process.exit(1)); });
const conf = Object.fromEntries(janus.config.map((l) => l.split(' = ')));
const pid = Number((await new Promise((r) => { const p = spawn('pgrep', ['-n', '-x', 'janus']); let o = ''; p.stdout.on('data', (d) => { o += d; }); p.on('close', () => r(o)); })).trim());

// The room and N tokens, as zhibu makes them.
const call = async (url, body) => (await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: String(Math.random()), ...body }) })).json();
const s = await call(conf.janus_url, { janus: 'create', apisecret: conf.janus_api_secret });
const h = await call(`${conf.janus_url}/${s.data.id}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', apisecret: conf.janus_api_secret });
const handle = `${conf.janus_url}/${s.data.id}/${h.data.id}`;
const ROOM = 4242;
await call(handle, { janus: 'message', apisecret: conf.janus_api_secret, body: { request: 'create', room: ROOM, secret: 'bench', is_private: true, allowed: [], sampling_rate: 16000, audiolevel_event: true, audio_active_packets: 50, audio_level_average: 40 } });
const passes = [];
for (let i = 0; i < N; i++) {
  const token = `bench${i}${Math.random().toString(36).slice(2)}`;
  await call(conf.janus_admin_url, { janus: 'add_token', token, plugins: ['janus.plugin.audiobridge'], admin_secret: conf.janus_admin_secret });
  await call(handle, { janus: 'message', apisecret: conf.janus_api_secret, body: { request: 'allowed', secret: 'bench', action: 'add', room: ROOM, allowed: [token] } });
  passes.push({ room: ROOM, participantId: 1000 + i, display: `党员${i + 1}`, token, janusUrl: conf.janus_url });
}

// A bare page with the app's client.
const client = readFileSync(join(here, '..', 'web', 'src', 'janus.js'), 'utf8');
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { RoomClient } from '/janus.js';
window.join = async (pass) => {
  // A voice-like tone from WebAudio (many fake capture devices at once fail in one browser).
  const ac = new AudioContext();
  const osc = ac.createOscillator();
  const lfo = ac.createOscillator();
  const depth = ac.createGain();
  depth.gain.value = 120;
  lfo.frequency.value = 3;
  lfo.connect(depth).connect(osc.frequency);
  osc.frequency.value = 220 + Math.random() * 200;
  const dest = ac.createMediaStreamDestination();
  osc.connect(dest);
  osc.start(); lfo.start();
  const stream = dest.stream;
  const c = new RoomClient(pass, { state: (s) => { window.state = s; }, participants: () => {}, remoteStream: (ms) => { const a = new Audio(); a.srcObject = ms; a.play(); }, error: (e) => { window.err = String(e); } });
  window.client = c;
  await c.start(stream);
};
window.stats = async () => {
  let rx = 0, tx = 0, lost = 0, got = 0;
  (await window.client.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') { rx = r.bytesReceived; lost = r.packetsLost; got = r.packetsReceived; }
    if (r.type === 'outbound-rtp' && r.kind === 'audio') tx = r.bytesSent;
  });
  return { rx, tx, lost, got };
};
</script>`;
const srv = http.createServer((req, res) => {
  if (req.url === '/janus.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); res.end(client); return; }
  res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(page);
}).listen(0, '127.0.0.1');
await new Promise((r) => srv.once('listening', r));
const base = `http://127.0.0.1:${srv.address().port}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});
// A context per phone: each has its own connections, as phones do (a browser keeps
// at most six per host, and each phone holds one in a long poll).
const pages = [];
for (const pass of passes) {
  const ctx = await browser.newContext({ permissions: ['microphone'] });
  const p = await ctx.newPage();
  await p.goto(base);
  await p.evaluate((x) => window.join(x), pass);
  pages.push(p);
}
for (const p of pages) {
  await p.waitForFunction(() => window.state === 'live' || window.err, null, { timeout: 60000 }).catch(() => {});
  const st = await p.evaluate(() => [window.state, window.err]);
  if (st[0] !== 'live') throw new Error(`a phone did not get in: ${st.join(' ')}`);
}
await sleep(3000);
const before = await Promise.all(pages.map((p) => p.evaluate(() => window.stats())));
const t0 = Date.now(), c0 = cpuTicks(pid);
await sleep(SECONDS * 1000);
const after = await Promise.all(pages.map((p) => p.evaluate(() => window.stats())));
const secs = (Date.now() - t0) / 1000, cpu = (cpuTicks(pid) - c0) / hz / secs;
const kbps = (a, b, k) => ((b[k] - a[k]) * 8) / secs / 1000;
const rx = before.map((b, i) => kbps(b, after[i], 'rx'));
const tx = before.map((b, i) => kbps(b, after[i], 'tx'));
const lost = after.reduce((s, a, i) => s + (a.lost - before[i].lost), 0);
const got = after.reduce((s, a, i) => s + (a.got - before[i].got), 0);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cores = Number((await new Promise((r) => { const p = spawn('nproc'); let o = ''; p.stdout.on('data', (d) => { o += d; }); p.on('close', () => r(o)); })).trim());
const perPart = cpu / N;
const line = `| ${new Date().toISOString().slice(0, 10)} | ${N} | ${SECONDS} s | ${mean(rx).toFixed(1)} (min ${Math.min(...rx).toFixed(1)}) | ${mean(tx).toFixed(1)} | ${(100 * lost / Math.max(1, lost + got)).toFixed(2)} % | ${(100 * cpu).toFixed(1)} % of a core | ${(100 * perPart).toFixed(2)} % | ${Math.floor((cores * 0.7) / (perPart * 60))} |`;
console.log('| date | phones | measured | receive kbit/s per phone | send kbit/s per phone | packet loss | Janus CPU | per phone | rooms of 60 at 70% of all cores |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(line);
mkdirSync(join(here, 'results'), { recursive: true });
appendFileSync(join(here, 'results', 'room.md'), line + '\n');
await browser.close();
srv.close();
await janus.stop();
