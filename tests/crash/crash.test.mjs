// crash.test.mjs - SECURITY.md check #1: kill -9 the server at a random moment
// under concurrent writes, restart it on the same data directory, and compare
// with what was acknowledged.
//
// One data directory (`zhibu demo`) lives through all trials, so every trial
// also restarts on the state the previous crashes left. A trial:
//   1. creates a new branch under township A (acknowledged before any load);
//   2. starts six clients, each sending its writes one after the other and
//      recording what every 2xx acknowledged (and the one write in flight):
//        - two editors: PATCH /members/{id} with a unique nativePlace (and an
//          occupation that flips, so the statistics counters move too);
//        - two creators: POST /members into the trial's branch with unique
//          valid ID numbers;
//        - a treasurer: POST /dues/payments month by month for one member, and
//          DELETE the latest payment once it is paid far ahead;
//        - a password changer: logs a witness session in, then changes the
//          password (which ends the witness: that is how a change that was in
//          flight at the kill is told apart without a failed login);
//   3. SIGKILLs the server 50-800 ms into the load and restarts it;
//   4. checks: PRAGMA integrity_check ok; `zhibu audit verify` passes as is
//      (the anchor DATA/audit.head is written after the commit, so after a
//      kill it can lag behind the log but never run ahead of it: no
//      --reanchor needed or used); every acknowledged write reads back; the
//      write in flight is there whole or not at all; the branch's roster,
//      memberCount and statistics agree; a full `zhibu org recount` changes
//      no statistics.
//
// CRASH_TRIALS (default 10) sets the number of trials; CRASH_SEED fixes the
// random kill times. CRASH_TAMPER=1 deletes an acknowledged row after each
// kill, to see the checks fail. The long run:  CRASH_TRIALS=2000 node --test tests/crash/
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  assertCountersMatchRecount, assertData, beijingToday, freePort, idNumber, listAll, request, run, spawnServer, sqlite,
  startServer,
} from '../api/helpers.mjs';

const TRIALS = Number(process.env.CRASH_TRIALS || 10);
let seed = Number(process.env.CRASH_SEED || Date.now() % 2147483647) || 1;
const SEED = seed;
/** Park-Miller: reproducible kill times for a given CRASH_SEED. */
const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;

let srv; // the startServer() handle of the first server (data dir, accounts)
let server; // the running server: {proc, exited, stderr, exitInfo}
let base;
const api = (method, path, o) => request(base, method, path, o);

/** A read that retries once on a network error (a keep-alive socket of the killed server). */
async function read(path, token) {
  try {
    return await api('GET', path, { token });
  } catch {
    return await api('GET', path, { token });
  }
}

async function restart() {
  for (let attempt = 0; ; attempt++) {
    const port = attempt === 0 ? srv.port : await freePort();
    const b = `http://127.0.0.1:${port}`;
    try {
      server = await spawnServer(['--data', srv.dataDir, '--listen', `127.0.0.1:${port}`], { base: b, cwd: srv.dataDir });
      base = b;
      return;
    } catch (e) {
      if (attempt < 3 && e.exit && /listen|address/i.test(e.stderr || '')) continue;
      throw e;
    }
  }
}

async function kill() {
  if (!server.exitInfo()) server.proc.kill('SIGKILL');
  const e = await server.exited;
  assert.equal(e.signal, 'SIGKILL', `the server died before the kill: ${server.stderr().slice(-2000)}`);
}

// ---- what the clients wrote -------------------------------------------------

let t = {}; // tokens
const editors = []; // {memberId, token, acked: value|null, pending: value|null}
const created = []; // {id, idNumber, name, orgId}: acknowledged creations
const pendingCreates = []; // {idNumber, orgId}: in flight at a kill
let idSeq = 0;
const acks = { edit: 0, create: 0, pay: 0, reverse: 0, password: 0, inFlightAtKill: 0 };
const treasurer = { memberId: 0, paidThrough: undefined, pending: null, lastPaymentId: null, reversed: new Set() };
/** The treasurer's model from what the server shows: paid through, and the payment that ends there. */
function observe(d) {
  treasurer.paidThrough = d.paidThrough;
  treasurer.lastPaymentId = d.payments.length && d.payments[0].toMonth === d.paidThrough ? d.payments[0].id : null;
}
const changer = { account: null, password: '', session: null, pending: null, n: 0 };

function nextMonth(ym, k = 1) {
  const [y, m] = ym.split('-').map(Number);
  const v = y * 12 + (m - 1) + k;
  return `${Math.floor(v / 12)}-${String((v % 12) + 1).padStart(2, '0')}`;
}
const thisMonth = () => beijingToday().slice(0, 7);
const yesterday = () => beijingToday(Date.now() - 86400000);

/** Sends one write; {ok, res} on an answer, {lost: true} when the connection died. */
async function send(method, path, token, body) {
  try {
    const res = await api(method, path, { token, body });
    return { ok: res.status >= 200 && res.status < 300, res };
  } catch {
    return { lost: true };
  }
}

async function editorLoop(e, trial, stop) {
  for (let n = 0; !stop.killed; n++) {
    const value = `crash-${trial}-${e.memberId}-${n}`;
    const body = { nativePlace: value, occupation: n % 2 ? '外出务工' : '农民' };
    e.pending = value;
    const r = await send('PATCH', `/api/v1/members/${e.memberId}`, e.token, body);
    if (r.lost) return;
    if (r.ok) {
      assert.equal(r.res.json.data.nativePlace, value);
      e.acked = value;
      acks.edit++;
    } else if (r.res.status !== 503) {
      assert.fail(`edit refused: ${r.res.status} ${r.res.text}`);
    }
    e.pending = null;
  }
}

async function creatorLoop(token, orgId, stop) {
  while (!stop.killed) {
    const k = idSeq++;
    const day = k % 14000;
    const birth = new Date(Date.UTC(1952, 0, 1) + day * 86400000).toISOString().slice(0, 10);
    const idn = idNumber(birth, true, Math.floor(k / 14000));
    const body = {
      orgId, name: `压测${k}`, gender: 'male', birthDate: birth, idNumber: idn, occupation: '农民',
      ethnicity: '汉族', education: '初中', joinedAt: '2012-07-01', fullAt: '2013-07-01', category: 'full',
    };
    const p = { idNumber: idn, orgId };
    pendingCreates.push(p);
    const r = await send('POST', '/api/v1/members', token, body);
    if (r.lost) return;
    pendingCreates.splice(pendingCreates.indexOf(p), 1);
    if (r.ok) {
      created.push({ id: r.res.json.data.id, idNumber: idn, name: body.name, orgId });
      acks.create++;
    }
    else if (r.res.status !== 503) assert.fail(`create refused: ${r.res.status} ${r.res.text}`);
  }
}

async function treasurerLoop(stop) {
  const token = t.secretaryA;
  const path = `/api/v1/dues/members/${treasurer.memberId}`;
  while (!stop.killed) {
    let r = await send('GET', path, token);
    if (r.lost) return;
    const d = assertData(r.res);
    observe(d);
    if (d.payments.length && d.nextMonth > nextMonth(thisMonth(), 6)) {
      const latest = d.payments[0];
      treasurer.pending = { paidThrough: nextMonth(latest.fromMonth, -1), reversed: latest.id, before: d.paidThrough };
      r = await send('DELETE', `/api/v1/dues/payments/${latest.id}`, token);
      if (r.lost) return;
      if (r.ok) {
        treasurer.paidThrough = r.res.json.data.paidThrough;
        treasurer.lastPaymentId = null;
        treasurer.reversed.add(latest.id);
        acks.reverse++;
      }
    } else {
      const m = d.nextMonth;
      treasurer.pending = { paidThrough: m, before: d.paidThrough };
      r = await send('POST', '/api/v1/dues/payments', token, {
        memberId: treasurer.memberId, fromMonth: m, toMonth: m, amountFen: d.monthlyFen, method: 'in_person', paidOn: yesterday(),
      });
      if (r.lost) return;
      if (r.ok) {
        treasurer.paidThrough = m;
        treasurer.lastPaymentId = r.res.json.data.id;
        acks.pay++;
      } else if (r.res.status !== 503) assert.fail(`payment refused: ${r.res.status} ${r.res.text}`);
    }
    treasurer.pending = null;
  }
}

async function changerLoop(stop) {
  while (!stop.killed) {
    // The witness: an acknowledged login the change below must end.
    let r = await send('POST', '/api/v1/auth/login', null, { phone: changer.account.phone, password: changer.password });
    if (r.lost) return;
    assert.ok(r.ok, `login refused: ${r.res.status} ${r.res.text}`);
    const witness = r.res.json.data.token;
    const next = `crash-pass-${changer.n++}-${Math.floor(random() * 1e9)}`;
    changer.pending = { witness, password: next };
    r = await send('POST', '/api/v1/me/password', changer.session, { oldPassword: changer.password, newPassword: next });
    if (r.lost) return;
    if (r.ok) {
      changer.password = next;
      acks.password++;
    }
    else if (r.res.status !== 503) assert.fail(`password change refused: ${r.res.status} ${r.res.text}`);
    changer.pending = null;
  }
}

/**
 * CRASH_TAMPER=1 shows that the checks can fail: after the kill it removes
 * the newest acknowledged member directly from the database (as a lost write
 * would), so the next check must report it.
 */
function tamper() {
  const c = created[created.length - 1];
  if (!c) return;
  const r = sqlite(join(srv.dataDir, 'zhibu.db'), `PRAGMA foreign_keys=OFF; DELETE FROM members WHERE id = ${c.id};`);
  assert.equal(r.status, 0, r.stderr);
}

// ---- the checks after a restart ----------------------------------------------

async function checkAll(trial, branch) {
  const ctx = `trial ${trial} (CRASH_SEED=${SEED})`;
  const ic = sqlite(join(srv.dataDir, 'zhibu.db'), 'PRAGMA integrity_check');
  assert.equal(ic.stdout.trim(), 'ok', `${ctx}: integrity_check: ${ic.stdout} ${ic.stderr}`);
  const av = run(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(av.status, 0, `${ctx}: audit verify: ${av.stderr}`);

  // Sessions are durable: every token still works (the changer's own session too).
  for (const [name, token] of Object.entries(t)) assertData(await read('/api/v1/me', token), 200, `${ctx}: ${name}`);
  assertData(await read('/api/v1/me', changer.session));

  for (const e of editors) {
    const m = assertData(await read(`/api/v1/members/${e.memberId}`, t.countyAdmin));
    const allowed = [e.acked, e.pending].filter((x) => x !== null);
    if (allowed.length) assert.ok(allowed.includes(m.nativePlace), `${ctx}: member ${e.memberId} nativePlace ${m.nativePlace}, acknowledged ${e.acked}, in flight ${e.pending}`);
    e.acked = m.nativePlace;
    e.pending = null;
  }

  // Acknowledged creations: readable; in flight ones: whole or absent, once.
  for (const c of created.filter((x) => x.orgId === branch)) {
    const m = assertData(await read(`/api/v1/members/${c.id}`, t.countyAdmin));
    assert.equal(m.name, c.name, `${ctx}: created member ${c.id}`);
    assert.equal(m.idNumber, `${c.idNumber.slice(0, 4)}**************`);
  }
  const roster = await listAll(api, t.countyAdmin, `/api/v1/members?orgId=${branch}&status=all`);
  const ackedIds = new Set(created.filter((x) => x.orgId === branch).map((x) => x.id));
  for (const id of ackedIds) assert.ok(roster.some((m) => m.id === id), `${ctx}: acknowledged member ${id} is on the roster`);
  const extra = roster.filter((m) => !ackedIds.has(m.id));
  const inFlight = pendingCreates.filter((p) => p.orgId === branch);
  assert.ok(extra.length <= inFlight.length, `${ctx}: ${extra.length} unknown members on the roster, ${inFlight.length} were in flight`);
  for (const p of inFlight) {
    const found = assertData(await read(`/api/v1/members?orgId=1&status=all&q=${p.idNumber}`, t.countyAdmin)).items;
    assert.ok(found.length <= 1, `${ctx}: an in-flight creation is there ${found.length} times`);
    if (found.length) created.push({ id: found[0].id, idNumber: p.idNumber, name: found[0].name, orgId: branch });
  }
  pendingCreates.length = 0;
  const org = assertData(await read(`/api/v1/orgs/${branch}`, t.countyAdmin));
  const stats = assertData(await read(`/api/v1/orgs/${branch}/stats`, t.countyAdmin));
  assert.equal(org.memberCount, roster.filter((m) => m.status === 'normal').length, `${ctx}: memberCount = the roster`);
  assert.equal(stats.members, roster.length, `${ctx}: stats.members = the roster`);

  // Dues: the acknowledged state, or the one in flight.
  const d = assertData(await read(`/api/v1/dues/members/${treasurer.memberId}`, t.secretaryA));
  if (treasurer.paidThrough !== undefined) {
    const allowed = [treasurer.paidThrough];
    if (treasurer.pending) allowed.push(treasurer.pending.paidThrough);
    assert.ok(allowed.includes(d.paidThrough), `${ctx}: paidThrough ${d.paidThrough}, acknowledged ${treasurer.paidThrough}, in flight ${JSON.stringify(treasurer.pending)}`);
    if (treasurer.lastPaymentId && d.paidThrough === treasurer.paidThrough)
      assert.ok(d.payments.some((p) => p.id === treasurer.lastPaymentId), `${ctx}: the acknowledged payment ${treasurer.lastPaymentId} is there`);
  }
  for (const p of d.payments) assert.ok(!treasurer.reversed.has(p.id), `${ctx}: the acknowledged reversal of payment ${p.id} holds`);
  observe(d);
  treasurer.pending = null;

  // Password: the witness session tells whether a change in flight committed.
  if (changer.pending) {
    const w = await read('/api/v1/me', changer.pending.witness);
    if (w.status === 401) changer.password = changer.pending.password;
    else assertData(w);
    changer.pending = null;
  }
  const login = await api('POST', '/api/v1/auth/login', { body: { phone: changer.account.phone, password: changer.password } });
  assertData(login, 200, `${ctx}: the acknowledged password works`);

  await assertCountersMatchRecount({ api, run: (a) => run(a), dataDir: srv.dataDir }, t.countyAdmin,
    [1, srv.who.townshipAdmin.orgId, srv.who.secretaryA.orgId, srv.who.secretaryB.orgId, branch]);
}

before(async () => {
  // The checks find in-flight creations by their ID number: many exact searches an hour.
  srv = await startServer({ config: ['exact_search_per_hour = 10000'] });
  server = srv.server;
  base = srv.base;
  const w = srv.who;
  for (const k of ['countyAdmin', 'townshipAdmin', 'secretaryA']) t[k] = (await srv.login(w[k])).token;
  editors.push({ memberId: w.secretaryA.memberId, token: t.secretaryA, acked: null, pending: null });
  editors.push({ memberId: w.secretaryB.memberId, token: t.countyAdmin, acked: null, pending: null });
  treasurer.memberId = w.member.memberId;
  changer.account = w.migrant;
  changer.password = w.migrant.password;
  changer.session = (await srv.login(w.migrant)).token;
});

after(async () => {
  if (server && !server.exitInfo()) server.proc.kill('SIGKILL');
  if (srv) rmSync(srv.dataDir, { recursive: true, force: true });
});

test(`${TRIALS} kills under concurrent writes lose no acknowledged write (seed ${SEED})`, { timeout: 3600_000 * 24 }, async () => {
  const t0 = Date.now();
  for (let trial = 1; trial <= TRIALS; trial++) {
    const branch = assertData(await api('POST', '/api/v1/orgs', {
      token: t.townshipAdmin, body: { parentId: srv.who.townshipAdmin.orgId, name: `压测支部${trial}`, level: 'branch' },
    }), 201).id;
    const stop = { killed: false };
    const loops = [
      ...editors.map((e) => editorLoop(e, trial, stop)),
      creatorLoop(t.countyAdmin, branch, stop),
      creatorLoop(t.townshipAdmin, branch, stop),
      treasurerLoop(stop),
      changerLoop(stop),
    ];
    const delay = 50 + Math.floor(random() * 750);
    await new Promise((r) => setTimeout(r, delay));
    stop.killed = true;
    await kill();
    await Promise.all(loops);
    acks.inFlightAtKill += editors.filter((e) => e.pending).length + pendingCreates.length + (treasurer.pending ? 1 : 0) + (changer.pending ? 1 : 0);
    if (process.env.CRASH_TAMPER) tamper();
    await restart();
    await checkAll(trial, branch);
  }
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`# crash: ${TRIALS} trials in ${s} s, seed ${SEED}, acknowledged: ${JSON.stringify(acks)}`);
  // A clean stop at the end.
  server.proc.kill('SIGTERM');
  const e = await server.exited;
  assert.equal(e.code, 0, server.stderr().slice(-2000));
});
