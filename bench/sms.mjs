// bench/sms.mjs - SMS for a notice that asks for acknowledgement, published to 30,000
// members: the publish request writes the notice, the first 200 members' SMS and one
// fan-out row; the job notice_sms then queues the others (render, length check, seal the
// phone, one outbox row each) a batch of sms_fanout_batch members per write transaction. Target: all queued
// within 1 s of the publish request. Measured: the publish's answer, when the last
// message was queued (the fan-out row gone, polled every 10 ms), and small writes (a
// notice to one branch) made meanwhile, which wait for a batch at most. Then how fast
// the outbox drains is the configured gateway rate (sms_rate), not zhibu: with SMS off
// nothing is sent and the rows stay queued.
//
//   node bench/sms.mjs BASE_URL DATA_DIR [OUT.md]
//
// DATA_DIR: a data set of bench/gen_province + `zhibu import` (bench/sms makes one of
// 30,000 members in 1,200 branches); the notice goes to its root. Uses the sqlite3 CLI.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dataDir, out] = process.argv.slice(2);
if (!base || !dataDir) {
  console.error('usage: node bench/sms.mjs BASE_URL DATA_DIR [OUT.md]');
  process.exit(2);
}
const accounts = JSON.parse(readFileSync(join(dataDir, 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin' && a.orgId === 1);
const sql = (q) => execFileSync('sqlite3', [join(dataDir, 'zhibu.db'), q], { encoding: 'utf8' }).trim();

const login = await (await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ phone: admin.phone, password: admin.password }),
})).json();
const token = login.data.token;
const members = Number(sql("SELECT count(*) FROM members WHERE deleted_at IS NULL AND status = 'normal'"));

// The server's CPU time (utime + stime) when its pid is known (SERVER_PID): on a shared,
// busy machine the wall clock measures the neighbours too.
const pid = process.env.SERVER_PID;
const ticks = () => {
  if (!pid) return NaN;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms at 100 Hz
};
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
// One sqlite3 process answering the polls (a process per poll would take a core of its own).
const cli = spawn('sqlite3', ['-batch', join(dataDir, 'zhibu.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
let pending = '';
const answers = [];
cli.stdout.setEncoding('utf8').on('data', (d) => {
  pending += d;
  for (let i; (i = pending.indexOf('--end--\n')) >= 0;) {
    answers.shift()(pending.slice(0, i).trim());
    pending = pending.slice(i + 8);
  }
});
cli.stdin.write('.timeout 2000\n');
const poll = (q) => new Promise((resolve) => {
  answers.push(resolve);
  cli.stdin.write(`${q};\n.print --end--\n`);
});
const branch = Number(sql("SELECT id FROM orgs WHERE level = 'branch' AND deleted_at IS NULL ORDER BY id LIMIT 1"));
const post = async (body) => {
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/notices`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const j = await r.json();
  if (r.status !== 201) throw new Error(`publish: ${r.status} ${JSON.stringify(j)}`);
  return { id: j.data.id, ms: performance.now() - t0 };
};
const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] : NaN;
};
// Polls until the fan-out of notice id is done; ms since t0.
const fannedOut = async (id, t0) => {
  for (;;) {
    if ((await poll(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${id}`)) === '0') return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
};
const runs = [];
for (let i = 0; i < 3; i++) {
  const c0 = ticks();
  const t0 = performance.now();
  const n = await post({ orgId: 1, title: `全省党员请确认：第${i + 1}次测试通知`, text: '请阅读并确认。', ackRequired: true });
  const done = await fannedOut(n.id, t0);
  const cpu = ticks() - c0;
  const queued = Number(await poll(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`));
  runs.push({ ms: n.ms, done, cpu, queued, load: load() });
  console.log(`publish ${i + 1}: answered in ${n.ms.toFixed(0)} ms, ${queued} SMS queued ${done.toFixed(0)} ms after it was sent (server CPU ${cpu} ms, load ${load()})`);
}
// Then once more with small writes (a notice to one branch each, one after another)
// made while the fan-out runs: how long they wait for its batches.
const t0 = performance.now();
const n = await post({ orgId: 1, title: '全省党员请确认：写入等待测试', text: '请阅读并确认。', ackRequired: true });
let fanning = true;
const writes = [];
const writer = (async () => {
  for (let k = 0; fanning; k++) writes.push((await post({ orgId: branch, title: `村通知${k}`, text: '正文' })).ms);
})();
const doneWithWrites = await fannedOut(n.id, t0);
fanning = false;
await writer;
console.log(`with small writes: all queued after ${doneWithWrites.toFixed(0)} ms; ${writes.length} writes, p50 ${pct(writes, 50).toFixed(0)} ms, max ${Math.max(...writes).toFixed(0)} ms`);
const lines = [
  `SMS for a notice that asks for acknowledgement, published to ${members} members (${new Date().toISOString().slice(0, 10)}):`,
  '',
  '| run | publish answered in | all SMS queued (from the request) | server CPU | load average | SMS queued |',
  '|---|---|---|---|---|---|',
  ...runs.map((r, i) => `| ${i + 1} | ${r.ms.toFixed(0)} ms | ${r.done.toFixed(0)} ms | ${Number.isNaN(r.cpu) ? '—' : `${r.cpu} ms`} | ${r.load} | ${r.queued} |`),
  '',
  `A fourth publish with small writes made meanwhile (a notice to one branch each, one after another): all queued after ${doneWithWrites.toFixed(0)} ms; ${writes.length} writes, p50 ${pct(writes, 50).toFixed(0)} ms, max ${Math.max(...writes).toFixed(0)} ms.`,
  '',
];
cli.stdin.end();
if (out) writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
