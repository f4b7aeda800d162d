// events.test.mjs - live updates (GET /api/v1/events, Server-Sent Events):
// delivery within a second, nothing for callers outside the audience,
// Last-Event-ID resumes without loss, heartbeats, the poll fallback, the
// stream limit, and SIGTERM with open streams.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertData, assertError, httpRequest, run, startServer, tempDir } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Opens a stream; returns {events, text, status, close(), waitFor(pred, ms)}. */
function openStream(srv, token, headers = {}, path = '/api/v1/events') {
  return new Promise((resolve, reject) => {
    const s = { events: [], text: '', status: 0, ended: false };
    const req = http.get({ host: '127.0.0.1', port: srv.port, path, headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
      s.status = res.statusCode;
      s.headers = res.headers;
      res.setEncoding('utf8');
      let pending = '';
      res.on('data', (d) => {
        s.text += d;
        pending += d;
        let i;
        while ((i = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, i);
          pending = pending.slice(i + 2);
          const ev = { at: Date.now() };
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): ?(.*)$/.exec(line);
            if (m) ev[m[1]] = m[1] === 'data' ? JSON.parse(m[2]) : m[2];
          }
          if (ev.event) s.events.push(ev);
        }
      });
      res.on('end', () => { s.ended = true; });
      res.on('error', () => { s.ended = true; });
      resolve(s);
    });
    req.on('error', reject);
    s.close = () => req.destroy();
    s.waitFor = async (pred, ms = 3000) => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const e = s.events.find(pred);
        if (e) return e;
        await sleep(10);
      }
      return null;
    };
  });
}

describe('delivery, scope, resume', () => {
  let srv, tT, tM, tSB, tS;
  before(async () => {
    srv = await startServer({ config: ['live_heartbeat_s = 1'] });
    tT = (await srv.login(srv.who.townshipAdmin)).token;
    tM = (await srv.login(srv.who.member)).token;
    tSB = (await srv.login(srv.who.secretaryB)).token;
    tS = (await srv.login(srv.who.secretaryA)).token;
  });
  after(async () => {
    await srv?.stop();
  });

  const publish = async (token, orgId, title, extra = {}) =>
    assertData(await srv.api('POST', '/api/v1/notices', { token, body: { orgId, title, text: '正文', ...extra } }), 201);

  test('a new notice reaches an open member stream within a second; nothing reaches another township', async () => {
    const m = await openStream(srv, tM);
    const b = await openStream(srv, tSB);
    assert.equal(m.status, 200);
    assert.match(m.headers['content-type'], /^text\/event-stream/);
    await sleep(100);
    const t0 = Date.now();
    const n = await publish(tT, srv.who.townshipAdmin.orgId, '实时通知');
    const e = await m.waitFor((x) => x.event === 'notice' && x.data.id === n.id, 1000);
    assert.ok(e, 'delivered within a second');
    assert.ok(e.at - t0 < 1000);
    assert.equal(e.data.title, '实时通知');
    assert.ok(Number(e.id) > 0);
    // A notice for B's own village arrives at B; the township's never did.
    const nb = await publish(tSB, srv.who.secretaryB.orgId, '乙村通知');
    assert.ok(await b.waitFor((x) => x.data.id === nb.id, 1000));
    assert.ok(!b.events.some((x) => x.data.id === n.id), 'no leakage to another township');
    assert.ok(!m.events.some((x) => x.data.id === nb.id), 'nor the other way');
    m.close();
    b.close();
  });

  test('chosen members get their event; other members of the village do not', async () => {
    const mig = await openStream(srv, (await srv.login(srv.who.migrant)).token);
    const m = await openStream(srv, tM);
    await sleep(100);
    const n = await publish(tS, srv.who.secretaryA.orgId, '点名通知', { memberIds: [srv.who.member.memberId] });
    assert.ok(await m.waitFor((x) => x.data.id === n.id, 1000));
    const later = await publish(tS, srv.who.secretaryA.orgId, '全村通知');
    assert.ok(await mig.waitFor((x) => x.data.id === later.id, 1000));
    assert.ok(!mig.events.some((x) => x.data.id === n.id));
    m.close();
    mig.close();
  });

  test('corrections and retractions are events too', async () => {
    const m = await openStream(srv, tM);
    const n = await publish(tT, srv.who.townshipAdmin.orgId, '将更正');
    await m.waitFor((x) => x.data.id === n.id, 1000);
    assertData(await srv.api('PATCH', `/api/v1/notices/${n.id}`, { token: tT, body: { text: '新正文' } }));
    const c = await m.waitFor((x) => x.data.kind === 'correction' && x.data.refId === n.id, 1000);
    assert.ok(c);
    assertData(await srv.api('POST', `/api/v1/notices/${n.id}/retract`, { token: tT, body: { reason: '作废' } }));
    assert.ok(await m.waitFor((x) => x.data.kind === 'retraction' && x.data.refId === n.id, 1000));
    m.close();
  });

  test('Last-Event-ID resumes without loss: what was published while away arrives first', async () => {
    const m = await openStream(srv, tM);
    const first = await publish(tT, srv.who.townshipAdmin.orgId, '断线前');
    const e1 = await m.waitFor((x) => x.data.id === first.id, 1000);
    m.close();
    await sleep(50);
    const a = await publish(tT, srv.who.townshipAdmin.orgId, '断线中一');
    await publish(tSB, srv.who.secretaryB.orgId, '别处的'); // not for the member
    const b = await publish(tS, srv.who.secretaryA.orgId, '断线中二');
    const again = await openStream(srv, tM, { 'Last-Event-ID': e1.id });
    const got = await again.waitFor((x) => x.data.id === b.id, 1000);
    assert.ok(got);
    const ids = again.events.map((x) => x.data.id);
    assert.deepEqual(ids.slice(0, 2), [a.id, b.id], 'both missed events, in order, nothing else');
    // Later events still flow on the resumed stream.
    const c = await publish(tT, srv.who.townshipAdmin.orgId, '重连后');
    assert.ok(await again.waitFor((x) => x.data.id === c.id, 1000));
    again.close();
  });

  test('poll fallback: ?poll=true&lastEventId= answers the missed events and ends', async () => {
    const m = await openStream(srv, tM);
    const first = await publish(tT, srv.who.townshipAdmin.orgId, '轮询前');
    const e1 = await m.waitFor((x) => x.data.id === first.id, 1000);
    m.close();
    const a = await publish(tT, srv.who.townshipAdmin.orgId, '轮询中');
    const res = await srv.api('GET', `/api/v1/events?poll=true&lastEventId=${e1.id}`, { token: tM });
    assert.equal(res.status, 200);
    assert.match(res.text, new RegExp(`"id":${a.id}`));
    assert.ok(!res.text.includes(`"id":${first.id},`));
    const lastId = [...res.text.matchAll(/^id: (\d+)$/gm)].map((x) => Number(x[1])).pop();
    assert.ok(lastId >= Number(e1.id) + 1, 'the answer ends with the id to poll from next');
  });

  test('heartbeats: a comment line on a quiet stream (live_heartbeat_s = 1 here)', async () => {
    const m = await openStream(srv, tM);
    const t0 = Date.now();
    while (!m.text.includes(': hb') && Date.now() - t0 < 3000) await sleep(20);
    assert.ok(m.text.includes(': hb'), m.text);
    const metrics = await (await fetch(`${srv.base}/metrics`)).text();
    assert.match(metrics, /^zhibu_live_streams [1-9]\d*$/m, 'the open stream is counted');
    m.close();
  });

  test('a gone client is noticed by the heartbeat and its stream freed', async () => {
    const m = await openStream(srv, tM);
    await sleep(100);
    m.close();
    // Nothing to observe from outside but the server staying well: a new stream works.
    await sleep(1500);
    const again = await openStream(srv, tM);
    assert.equal(again.status, 200);
    again.close();
  });

  test('no session: 401 and no stream', async () => {
    assertError(await srv.api('GET', '/api/v1/events?poll=true'), 401, 'auth.required');
  });
});

describe('limits and shutdown', () => {
  test('the stream limit (live_max_streams): the next one gets 503 live.full; poll still works', async () => {
    const srv = await startServer({ config: ['live_max_streams = 1'] });
    try {
      const t = (await srv.login(srv.who.member)).token;
      const a = await openStream(srv, t);
      assert.equal(a.status, 200);
      const b = await srv.api('GET', '/api/v1/events?lastEventId=0', { token: t, headers: {} }).catch((e) => e);
      assertError(b, 503, 'live.full');
      assert.equal((await srv.api('GET', '/api/v1/events?poll=true', { token: t })).status, 200);
      a.close();
      await sleep(1200);
    } finally {
      await srv.stop();
    }
  });

  test('SIGTERM with open streams: they end and the server exits 0 within 5 s', async () => {
    const srv = await startServer();
    const t = (await srv.login(srv.who.member)).token;
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await openStream(srv, t));
    await sleep(300);
    const t0 = Date.now();
    const r = await srv.stop(); // asserts exit 0 within 5 s
    assert.equal(r.code, 0);
    assert.ok(Date.now() - t0 < 5000);
    await sleep(100);
    assert.ok(streams.every((s) => s.ended), 'every stream was ended by the server');
  });
});

describe('one account cannot take the server: streams per account, streams below connections', () => {
  test('an account opens live_streams_per_account streams (5); the next gets 429 live.account_limit; others are not affected', async () => {
    const srv = await startServer({ config: ['live_heartbeat_s = 1'] });
    try {
      const t = (await srv.login(srv.who.member)).token;
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push(await openStream(srv, t));
      assert.ok(mine.every((s) => s.status === 200));
      // Another session of the same account counts too: the limit is the account's.
      const t2 = (await srv.login(srv.who.member)).token;
      const more = await httpRequest(srv.port, 'GET', '/api/v1/events', { token: t2, timeoutMs: 2000 });
      assertError(more, 429, 'live.account_limit');
      assert.equal((await srv.api('GET', '/api/v1/events?poll=true', { token: t2 })).status, 200, 'polling still works');
      const other = await openStream(srv, (await srv.login(srv.who.secretaryA)).token);
      assert.equal(other.status, 200, 'another account streams');
      // One closed: room for one more.
      mine[0].close();
      await sleep(1500); // the heartbeat finds the gone client
      let again;
      for (let i = 0; i < 40 && (!again || again.status !== 200); i++) {
        again?.close();
        again = await openStream(srv, t2);
        if (again.status !== 200) await sleep(250);
      }
      assert.equal(again.status, 200);
      for (const s of [...mine, other, again]) s.close();
    } finally {
      await srv.stop();
    }
  });

  test('the streams stop a quarter of max_connections short: 503 live.full, and others are still served', async () => {
    // 64 connections: 48 streams at most, 16 for everything else (all from one address here).
    const srv = await startServer({ config: ['max_connections = 64', 'max_connections_per_ip = 64', 'live_streams_per_account = 100', 'live_heartbeat_s = 1'] });
    try {
      const t = (await srv.login(srv.who.member)).token;
      const streams = [];
      for (let i = 0; i < 48; i++) streams.push(await openStream(srv, t));
      assert.ok(streams.every((s) => s.status === 200));
      const full = await httpRequest(srv.port, 'GET', '/api/v1/events', { token: t, timeoutMs: 5000 });
      assertError(full, 503, 'live.full');
      // Everyone else still gets in: health, a login, a read. Each answered at once, not after
      // a wait for a free connection (the bound leaves room for a loaded CI machine: a
      // connection refused or queued would take the 5 s timeout).
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        assert.equal((await fetch(`${srv.base}/healthz`, { signal: AbortSignal.timeout(5000) })).status, 200);
        const t1 = Date.now();
        const s = await srv.login(srv.who.secretaryA);
        const t2 = Date.now();
        assertData(await srv.api('GET', '/api/v1/me', { token: s.token }));
        const t3 = Date.now();
        assert.ok(t3 - t0 < 3000, `served promptly: health ${t1 - t0} ms, login ${t2 - t1} ms, read ${t3 - t2} ms`);
      }
      for (const s of streams) s.close();
    } finally {
      await srv.stop();
    }
  });

  test('a configuration with live_max_streams not below max_connections is refused', async () => {
    const dir = tempDir('zhibu-live-conf-');
    try {
      writeFileSync(join(dir, 'zhibu.conf'), 'max_connections = 4096\nlive_max_streams = 10000\n');
      const r = run(['migrate', '--data', dir]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /live_max_streams = 10000 .*at most 3072/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a stream ends when its caller\'s authority changes', () => {
  let srv, tC;
  const NEW = { phone: '13900000301', name: '流测试', password: 'stream-test-1' };
  before(async () => {
    srv = await startServer({ config: ['live_heartbeat_s = 1'] });
    tC = (await srv.login(srv.who.countyAdmin)).token;
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', NEW.phone, '--name', NEW.name, '--password', NEW.password]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => srv?.stop());

  const endsWithin = async (s, ms) => {
    const t0 = Date.now();
    while (!s.ended && Date.now() - t0 < ms) await sleep(20);
    return s.ended;
  };

  test('logout ends the streams of that session, not those of the account\'s other session or of others', async () => {
    const a = await srv.login(srv.who.member);
    const b = await srv.login(srv.who.member);
    const other = await openStream(srv, (await srv.login(srv.who.secretaryA)).token);
    const [sa, sb] = [await openStream(srv, a.token), await openStream(srv, b.token)];
    await sleep(200);
    assertData(await srv.api('POST', '/api/v1/auth/logout', { token: a.token }));
    assert.ok(await endsWithin(sa, 3000), 'the logged-out session\'s stream ended');
    await sleep(1500);
    assert.ok(!sb.ended && !other.ended, 'the other streams go on');
    const hb = sb.text.length;
    await sleep(1200);
    assert.ok(sb.text.length > hb, 'and still get their heartbeats');
    sb.close();
    other.close();
  });

  test('a revoked role ends the account\'s streams; a new stream has the roles it has now', async () => {
    const grant = assertData(await srv.api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: srv.who.secretaryA.orgId, role: 'branch_committee' } }), 201);
    const s = await srv.login(NEW);
    const st = await openStream(srv, s.token);
    await sleep(200);
    assertData(await srv.api('DELETE', `/api/v1/roles/${grant.id}`, { token: tC }));
    assert.ok(await endsWithin(st, 3000), 'the stream ended with the role');
    // A notice to the village no longer reaches the account on a new stream.
    const again = await openStream(srv, s.token);
    assert.equal(again.status, 200);
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: (await srv.login(srv.who.secretaryA)).token, body: { orgId: srv.who.secretaryA.orgId, title: '撤销后', text: '正文' } }), 201);
    await sleep(800);
    assert.ok(!again.events.some((e) => e.data?.id === n.id), 'nothing for a role it no longer holds');
    again.close();
  });

  test('a password change ends the streams of the account\'s other sessions', async () => {
    const a = await srv.login(NEW);
    const b = await srv.login(NEW);
    const [sa, sb] = [await openStream(srv, a.token), await openStream(srv, b.token)];
    await sleep(200);
    assertData(await srv.api('POST', '/api/v1/me/password', { token: a.token, body: { oldPassword: NEW.password, newPassword: 'stream-test-2' } }));
    NEW.password = 'stream-test-2';
    assert.ok(await endsWithin(sb, 3000), 'the other session\'s stream ended');
    assert.ok(!sa.ended, 'the session that changed it keeps its stream');
    sa.close();
  });

  test('disabling the account from the command line ends its streams', async () => {
    const s = await srv.login(NEW);
    const st = await openStream(srv, s.token);
    await sleep(200);
    const r = srv.run(['user', 'disable', '--data', srv.dataDir, '--phone', NEW.phone]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(await endsWithin(st, 3000), 'ended although the change came from another process');
    assertError(await srv.api('GET', '/api/v1/events?poll=true', { token: s.token }), 401, 'auth.required');
  });
});

describe('the channel live: replies, new threads and review decisions reach the other side', () => {
  let srv, tM, tSA, tSB;
  before(async () => {
    srv = await startServer();
    tM = (await srv.login(srv.who.member)).token;
    tSA = (await srv.login(srv.who.secretaryA)).token;
    tSB = (await srv.login(srv.who.secretaryB)).token;
  });
  after(async () => srv?.stop());

  test('a message to the branch reaches its secretary, the reply the member; another branch hears nothing', async () => {
    const [m, sa, sb] = await Promise.all([openStream(srv, tM), openStream(srv, tSA), openStream(srv, tSB)]);
    const th = assertData(await srv.api('POST', '/api/v1/threads', { token: tM, body: { kind: 'question', subject: '实时', text: '党费怎么交？' } }), 201);
    const t0 = Date.now();
    const inbox = await sa.waitFor((e) => e.event === 'thread' && e.data.threadId === th.id, 1000);
    assert.ok(inbox, 'the secretary hears the new message within a second');
    assert.ok(inbox.at - t0 < 1000);
    assertData(await srv.api('POST', `/api/v1/threads/${th.id}/replies`, { token: tSA, body: { text: '在支部交。' } }), 201);
    assert.ok(await m.waitFor((e) => e.event === 'thread' && e.data.threadId === th.id, 1000), 'the member hears the reply');
    await sleep(200);
    assert.equal(sb.events.filter((e) => e.event === 'thread').length, 0, 'nothing for another branch');
    for (const s of [m, sa, sb]) s.close();
  });

  test('a review decision reaches the author', async () => {
    const m = await openStream(srv, tM);
    const p = assertData(await srv.api('POST', '/api/v1/posts', { token: tM, body: { orgId: srv.who.secretaryA.orgId, kind: 'news', title: '实时审核', text: '村里修路了。' } }), 201);
    assert.equal(p.state, 'pending', 'a new author waits for review');
    assertData(await srv.api('POST', `/api/v1/posts/${p.id}/review`, { token: tSA, body: { decision: 'approve' } }));
    const e = await m.waitFor((x) => x.event === 'post' && x.data.postId === p.id, 1000);
    assert.ok(e, 'the author hears the decision');
    assert.equal(e.data.decision, 'approve');
    m.close();
  });
});

describe('meetings live: the expected members hear that a meeting was scheduled', () => {
  let srv, tM, tSA, tSB;
  before(async () => {
    srv = await startServer();
    tM = (await srv.login(srv.who.member)).token;
    tSA = (await srv.login(srv.who.secretaryA)).token;
    tSB = (await srv.login(srv.who.secretaryB)).token;
  });
  after(async () => srv?.stop());

  test('a branch meeting reaches its members within a second, not another branch', async () => {
    const [m, sb] = await Promise.all([openStream(srv, tM), openStream(srv, tSB)]);
    const startsAt = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 19) + 'Z';
    const mt = assertData(await srv.api('POST', '/api/v1/meetings', { token: tSA, body: { orgId: srv.who.secretaryA.orgId, type: 'branch_assembly', title: '实时通知的会', startsAt, place: '村部', attendees: 'branch' } }), 201);
    const e = await m.waitFor((x) => x.event === 'meeting' && x.data.meetingId === mt.id, 1000);
    assert.ok(e, 'the member hears it');
    assert.equal(e.data.what, 'scheduled');
    await sleep(200);
    assert.equal(sb.events.filter((x) => x.event === 'meeting').length, 0);
    m.close();
    sb.close();
  });
});
