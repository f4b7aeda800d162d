// bench/sms.mjs - SMS for a notice that asks for acknowledgement, published to 30,000
// members: the publish request writes the notice and queues every member's SMS (render,
// length check, seal the phone, one outbox row each) in its own transaction; target: the
// answer within 1 s. Then how fast the outbox drains is the configured gateway rate
// (sms_rate), not zhibu: with SMS off nothing is sent and the rows stay queued.
//
//   node bench/sms.mjs BASE_URL DATA_DIR [OUT.md]
//
// DATA_DIR: a data set of bench/gen_province + `zhibu import` (bench/sms makes one of
// 30,000 members in 1,200 branches); the notice goes to its root. Uses the sqlite3 CLI.
import { execFileSync } from 'node:child_process';
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
const runs = [];
for (let i = 0; i < 3; i++) {
  const c0 = ticks();
  const t0 = performance.now();
  const r = await fetch(`${base}/api/v1/notices`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ orgId: 1, title: `全省党员请确认：第${i + 1}次测试通知`, text: '请阅读并确认。', ackRequired: true }),
  });
  const j = await r.json();
  const ms = performance.now() - t0;
  const cpu = ticks() - c0;
  if (r.status !== 201) throw new Error(`publish: ${r.status} ${JSON.stringify(j)}`);
  const queued = Number(sql(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${j.data.id}:m:%'`));
  runs.push({ ms, cpu, queued, load: load() });
  console.log(`publish ${i + 1}: ${ms.toFixed(0)} ms (server CPU ${cpu} ms, load ${load()}), ${queued} SMS queued`);
}
const lines = [
  `SMS for a notice that asks for acknowledgement, published to ${members} members (${new Date().toISOString().slice(0, 10)}):`,
  '',
  '| run | publish answered in (wall) | server CPU for it | load average | SMS queued in its transaction |',
  '|---|---|---|---|---|',
  ...runs.map((r, i) => `| ${i + 1} | ${r.ms.toFixed(0)} ms | ${Number.isNaN(r.cpu) ? '—' : `${r.cpu} ms`} | ${r.load} | ${r.queued} |`),
  '',
];
if (out) writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
