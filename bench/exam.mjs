// bench/exam.mjs - a county-wide exam: N members (30,000 in bench/exam) start and hand in
// one exam of 20 questions within minutes. The province admin of bench-accounts.json sets
// the exam; every taker starts it (the server fixes the deadline) and then submits, with
// C requests in flight. Reports the submission latency (p50, p99, max, measured by the
// client over loopback), submissions a second, and the same client's POSTs a second
// against nginx's fixed body (NGINX_URL) as the reference: ratio = submissions/s ÷
// nginx POSTs/s, both driven by this one Node client with the same concurrency (the
// client's own cost is in both). Then checks that every taker counted exactly once.
//
//   node bench/exam.mjs BASE_URL DATA_DIR TOKENS.txt [CONCURRENCY] [NGINX_URL]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, dataDir, tokensFile, concArg, nginx] = process.argv.slice(2);
if (!base || !dataDir || !tokensFile) {
  console.error('usage: node bench/exam.mjs BASE_URL DATA_DIR TOKENS.txt [CONCURRENCY] [NGINX_URL]');
  process.exit(2);
}
const C = Number(concArg || 32);
const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
const accounts = JSON.parse(readFileSync(join(dataDir, 'bench-accounts.json'), 'utf8'));
const admin = accounts.find((a) => a.role === 'org_admin' && a.orgName === '云岭省委');

async function call(method, url, token, body) {
  const t0 = performance.now();
  const r = await fetch(url, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, ms: performance.now() - t0, text };
}
const must = async (p, status, what) => {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text).data;
};

// Runs fn(i) for i in [0, n) with c in flight; returns the latencies and the wall time.
async function pool(n, c, fn) {
  const ms = new Array(n);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    for (let i = next++; i < n; i = next++) ms[i] = await fn(i);
  }));
  return { ms, wall: (performance.now() - t0) / 1000 };
}
const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const stats = ({ ms, wall }) => {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, perSec: s.length / wall, p50: q(s, 0.5), p99: q(s, 0.99), max: s[s.length - 1], wall };
};

const login = await must(call('POST', base + '/api/v1/auth/login', null, { phone: admin.phone, password: admin.password }), 200, 'login');
const at = login.token;
const questions = Array.from({ length: 20 }, (_, i) => (i % 4 === 3
  ? { type: 'truefalse', stem: `判断题 ${i + 1}：党员应当按月交纳党费。`, answer: '对', explanation: '按月交纳。' }
  : { type: 'single', stem: `单选题 ${i + 1}：支部委员会多长时间开一次会？`, options: ['每月', '每季度', '每年'], answer: 'A', explanation: '每月。' }));
const bank = await must(call('POST', base + '/api/v1/question-banks', at, { orgId: admin.orgId, title: '基准题库', questions }), 201, 'bank');
const exam = await must(call('POST', base + '/api/v1/quizzes', at, { orgId: admin.orgId, bankId: bank.id, mode: 'exam', title: '基准考试', timeLimitMinutes: 60 }), 201, 'exam');
const answers = exam.questions.map((x, i) => ({ questionId: x.id, answer: i % 5 === 0 ? 'B' : x.type === 'truefalse' ? '对' : 'A' }));

let errors = 0;
const start = stats(await pool(tokens.length, C, async (i) => {
  const r = await call('POST', `${base}/api/v1/quizzes/${exam.id}/start`, tokens[i]);
  if (r.status !== 201) errors++;
  return r.ms;
}));
const submit = stats(await pool(tokens.length, C, async (i) => {
  const r = await call('POST', `${base}/api/v1/quizzes/${exam.id}/submit`, tokens[i], { answers });
  if (r.status !== 201) errors++;
  return r.ms;
}));
// Sent again: each answers quiz.submitted and nothing more is counted.
const again = stats(await pool(Math.min(tokens.length, 2000), C, async (i) => {
  const r = await call('POST', `${base}/api/v1/quizzes/${exam.id}/submit`, tokens[i], { answers });
  if (r.status !== 409) errors++;
  return r.ms;
}));
const fig = await must(call('GET', `${base}/api/v1/quizzes/${exam.id}/figures`, at), 200, 'figures');
const counted = fig.branches.reduce((n, b) => n + b.submitted, 0);
let ref = null;
if (nginx) {
  const body = { answers };
  ref = stats(await pool(tokens.length, C, async () => (await call('POST', nginx, null, body)).ms));
}

const f = (x) => x.toFixed(1);
const row = (name, s, r) => `| ${name} | ${s.n} | ${Math.round(s.perSec)} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.max)} | ${f(s.wall)} | ${r} |`;
console.log(`takers: ${tokens.length}, ${exam.questions.length} questions, ${C} requests in flight; errors: ${errors}; counted once: ${counted === tokens.length ? 'yes' : 'NO'} (${counted})`);
console.log('');
console.log('| step | requests | per second | p50 ms | p99 ms | max ms | wall s | ratio to nginx |');
console.log('|---|---|---|---|---|---|---|---|');
if (ref) console.log(row('nginx fixed body (POST, the same client)', ref, 'ref'));
console.log(row('start the exam', start, ref ? (start.perSec / ref.perSec).toFixed(2) : '—'));
console.log(row('hand in (20 answers, scored)', submit, ref ? (submit.perSec / ref.perSec).toFixed(2) : '—'));
console.log(row('hand in again (refused: counted once)', again, ref ? (again.perSec / ref.perSec).toFixed(2) : '—'));
console.log('');
console.log(`30,000 submissions at the measured rate take ${f(30000 / submit.perSec)} s (target: within 600 s).`);
process.exit(errors || counted !== tokens.length ? 1 : 0);
