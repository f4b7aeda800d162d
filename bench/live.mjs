// bench/live.mjs - many open live-update streams (GET /api/v1/events): opens N
// Server-Sent Events streams as one member, publishes announcements that reach them,
// and measures the delivery time of every event on every stream (publish request sent →
// event parsed by the client) and the server's resident memory.
//
// An event is matched by its title, which carries a token made before the publish request
// is sent (the event's payload has id, kind, refId, title and priority): an event that
// arrives before the publish request's answer still counts, so a missing delivery is a
// real loss. Each stream counts each announcement once.
//
//   node bench/live.mjs BASE_URL DATA_DIR [N=10000] [SERVER_PID] [OUT.md]
//
// DATA_DIR is a `zhibu demo` data directory (demo-accounts.json): the township admin
// publishes, the member's streams receive. Serve it with live_max_streams above N,
// max_connections a third above that (a quarter stays for other requests), and
// max_connections_per_ip and live_streams_per_account opened up to N (one member, one
// address: bench/run writes them). The client needs N file descriptors (ulimit -n).
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dataDir, nArg, pidArg, out] = process.argv.slice(2);
if (!base || !dataDir) {
  console.error('usage: node bench/live.mjs BASE_URL DATA_DIR [N] [SERVER_PID] [OUT.md]');
  process.exit(2);
}
const N = Number(nArg || 10000);
const accounts = JSON.parse(readFileSync(join(dataDir, 'demo-accounts.json'), 'utf8'));
const member = accounts.find((a) => a.role === 'member');
const auditor = accounts.find((a) => a.role === 'auditor');
const township = accounts.find((a) => a.role === 'org_admin' && a.orgId !== auditor.orgId);
const url = new URL(base);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function login(a) {
  const r = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: a.phone, password: a.password }),
  });
  return (await r.json()).data.token;
}

const rss = () => {
  if (!pidArg) return null;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pidArg}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
};

const tM = await login(member);
const tT = await login(township);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`; // this run's titles
const sent = new Map(); // title -> time the publish request was sent
const delays = [];
let opened = 0;
let failed = 0;
let stray = 0; // notice events with a title this run did not send (or sent twice)

function open() {
  return new Promise((resolve) => {
    const req = http.get({ host: url.hostname, port: url.port, path: '/api/v1/events', agent,
      headers: { Authorization: `Bearer ${tM}` } }, (res) => {
      if (res.statusCode !== 200) { failed++; res.resume(); resolve(); return; }
      res.setEncoding('utf8');
      let buf = '';
      let first = true;
      const seen = new Set(); // titles this stream has received
      res.on('data', (d) => {
        if (first) { first = false; opened++; resolve(); }
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = /\ndata: (.*)/.exec('\n' + block);
          if (m && block.includes('event: notice')) {
            const now = performance.now();
            const { title } = JSON.parse(m[1]);
            if (sent.has(title) && !seen.has(title)) {
              seen.add(title);
              delays.push(now - sent.get(title));
            } else {
              stray++;
            }
          }
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => { failed++; resolve(); });
  });
}

const rss0 = rss();
const t0 = performance.now();
for (let i = 0; i < N; i += 200) {
  await Promise.all(Array.from({ length: Math.min(200, N - i) }, open));
}
const openSecs = (performance.now() - t0) / 1000;
await sleep(2000);
const rssOpen = rss();
const EVENTS = 10;
const publishErrors = [];
for (let e = 0; e < EVENTS; e++) {
  const title = `实时基准 ${run}-${e}`;
  sent.set(title, performance.now());
  try {
    const r = await fetch(base + '/api/v1/notices', {
      method: 'POST', headers: { Authorization: `Bearer ${tT}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ orgId: township.orgId, title, text: '基准' }),
    });
    const body = await r.text();
    if (!r.ok) publishErrors.push(`${r.status} ${body.slice(0, 120)}`);
  } catch (err) {
    publishErrors.push(String(err));
  }
  await sleep(1500);
}
await sleep(2000);
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const expected = opened * EVENTS;
const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const md = [
  '# Live updates: many open streams',
  '',
  `${new Date().toISOString().slice(0, 16)}Z, \`node bench/live.mjs\` (N=${N})`,
  '',
  `- streams open: ${opened} of ${N} (${failed} refused or failed), opened in ${openSecs.toFixed(1)} s`,
  `- events: ${EVENTS} announcements, one every 1.5 s; deliveries ${delays.length} of ${expected}` +
    (stray ? `; ${stray} unexpected or repeated notice events` : ''),
  ...(publishErrors.length ? [`- publish requests failed: ${publishErrors.length} (${publishErrors[0]})`] : []),
  `- delivery ms (publish sent → event parsed, all streams): p50 ${f(q(delays, 0.5))}, p99 ${f(q(delays, 0.99))}, max ${f(Math.max(...delays))}`,
  `- server RSS: ${rss0 ?? '—'} MiB before, ${rssOpen ?? '—'} MiB with the streams open, ${rss() ?? '—'} MiB after the events`,
  '',
].join('\n');
console.log(md);
if (out) writeFileSync(out, md);
process.exit(0);
