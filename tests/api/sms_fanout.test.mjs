// sms_fanout.test.mjs - a notice's SMS: the first members' in the publish's transaction
// (200, or sms_fanout_batch if smaller: 3 here), the rest after it, a batch of members per
// write transaction (the job notice_sms, table notice_sms_fanout): every member who takes
// SMS gets exactly one message across batches; a fan-out
// cut short by a crash is finished after the restart without queueing anyone twice; a
// retraction withdraws what has not gone out; the reminder the day before a deadline
// (Beijing, from 09:00, across a year's end) is fanned out the same way. SMS is off here: messages stay queued in
// the outbox, which is what these tests read.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, spawnServer, sqlite, startServer, terminate, until } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('a notice\'s SMS, fanned out after the publish', () => {
  let srv, restarted, api, db, tSec, village, recipients;
  const one = (sql) => sqlite(db, sql).stdout.trim();
  const rows = (sql) => sqlite(db, sql).stdout.trim().split('\n').filter(Boolean);
  const queuedFor = (id) => Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${id}:m:%'`));
  const fannedOut = (id) => until(() => one(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${id}`) === '0', 20000, `notice ${id}'s fan-out`);
  const publish = async (title) => assertData(await api('POST', '/api/v1/notices', {
    token: tSec, body: { orgId: village, title, text: '请确认。', ackRequired: true },
  }), 201);

  before(async () => {
    // Three members a batch: the demo branch takes several.
    srv = await startServer({ testHooks: true, config: ['sms_fanout_batch = 3', 'housekeeping_interval_s = 1'] });
    api = srv.api;
    db = join(srv.dataDir, 'zhibu.db');
    village = srv.who.secretaryA.orgId;
    tSec = (await srv.login(srv.who.secretaryA)).token;
    // The demo's members have no phone on their records: give the branch's members one.
    const page = assertData(await api('GET', `/api/v1/members?orgId=${village}&limit=200`, { token: tSec }));
    assert.equal(page.next, null);
    for (const [i, m] of page.items.entries()) {
      if (!m.phone) assertData(await api('PATCH', `/api/v1/members/${m.id}`, { token: tSec, body: { phone: `137${String(20000000 + i)}` } }));
    }
    recipients = Number(one(`SELECT count(*) FROM members m WHERE m.org_path LIKE (SELECT path FROM orgs WHERE id = ${village}) || '%' AND m.deleted_at IS NULL AND m.status IN ('normal', 'retired', 'temporarily_out') AND m.phone_sealed IS NOT NULL`));
    assert.ok(recipients > 7, `several batches of 3 (${recipients} members)`);
  });

  after(async () => {
    if (restarted) {
      await terminate(restarted);
      rmSync(srv.dataDir, { recursive: true, force: true });
    } else {
      await srv?.stop();
    }
  });

  let first;

  test('the publish queues the first batch and leaves the rest to the job: one SMS per member across batches of 3', async () => {
    first = await publish('关于冬季防火的通知');
    await fannedOut(first.id);
    assert.equal(queuedFor(first.id), recipients);
    assert.equal(one(`SELECT count(DISTINCT member_id) FROM sms_outbox WHERE dedupe LIKE 'notice:${first.id}:m:%'`), String(recipients));
    // The job ran (it logs the messages it tried, read as the server's stderr arrives).
    await until(() => /housekeeping: notice_sms: \d+ rows/.test(srv.stderr()), 5000, 'the job\'s log line');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${first.id}:m:%' AND state = 'queued'`), String(recipients), 'SMS off: kept queued');
  });

  test('a retraction withdraws the messages that have not gone out (and their share of the daily cap), and ends a fan-out left', async () => {
    const n = await publish('将被撤回的通知');
    await fannedOut(n.id);
    assert.equal(queuedFor(n.id), recipients);
    const capUsed = () => Number(one(`SELECT COALESCE(SUM(queued), 0) FROM sms_org_day WHERE org_id = ${village}`));
    const used = capUsed();
    assertData(await api('POST', `/api/v1/notices/${n.id}/retract`, { token: tSec, body: { reason: '发错了' } }));
    assert.equal(queuedFor(n.id), 0);
    assert.equal(capUsed(), used - recipients, 'what they took of the branch\'s daily cap is given back');
    assert.equal(queuedFor(first.id), recipients, 'another notice\'s messages stay');
    // A fan-out row left for a retracted notice (as a crash between publish and
    // retraction could leave it) queues nothing and is cleared.
    sqlite(db, `INSERT INTO notice_sms_fanout (notice_id, kind, created_at) VALUES (${n.id}, 'notice', 0)`);
    await fannedOut(n.id);
    assert.equal(queuedFor(n.id), 0);
  });

  test('the SMS reminder the day before the deadline: from 09:00 Beijing, to those who have not acknowledged, across a year\'s end', async () => {
    const year = new Date().getUTCFullYear();
    const clock = async (iso) => srv.setClockSkew(Math.round(Date.parse(iso) / 1000 - Date.now() / 1000));
    // Beijing 08:59 on 31 December; the deadline is 1 January.
    await clock(`${year}-12-31T00:59:00Z`);
    try {
      tSec = (await srv.login(srv.who.secretaryA)).token; // sessions as of the moved clock
      const tMember = (await srv.login(srv.who.member)).token;
      const n = assertData(await api('POST', '/api/v1/notices', {
        token: tSec, body: { orgId: village, title: '年终总结的通知', text: '请确认。', ackRequired: true, ackDeadline: `${year + 1}-01-01` },
      }), 201);
      await fannedOut(n.id);
      assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tMember }));
      const reminders = () => Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice_reminder:${n.id}:m:%'`));
      await sleep(2500); // the jobs ran: before 09:00, nothing
      assert.equal(reminders(), 0);
      assert.equal(one(`SELECT sms_reminded_at IS NULL FROM notices WHERE id = ${n.id}`), '1');
      await clock(`${year}-12-31T01:01:00Z`);
      await until(() => one(`SELECT sms_reminded_at IS NOT NULL FROM notices WHERE id = ${n.id}`) === '1', 15000, 'the reminder');
      await fannedOut(n.id);
      assert.equal(reminders(), recipients - 1, 'everyone but the member who acknowledged');
      assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe = 'notice_reminder:${n.id}:m:${srv.who.member.memberId}'`), '0');
      assert.match(one(`SELECT body FROM sms_outbox WHERE dedupe LIKE 'notice_reminder:${n.id}:m:%' LIMIT 1`), /年终总结的通知.*1月1日/);
      await sleep(2500); // once
      assert.equal(reminders(), recipients - 1);
    } finally {
      await srv.setClockSkew(0);
    }
  });

  test('a fan-out cut short by a crash is finished after the restart; nobody is queued twice', async () => {
    const n = await publish('关于缴纳党费的通知');
    await fannedOut(n.id);
    // As a crash after some batches committed leaves it: the later members' messages
    // not queued, the fan-out row still there. Its cursor is put back to the start,
    // so the batches already done run again too.
    const kept = rows(`SELECT id FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' ORDER BY id LIMIT 4`);
    await srv.stop({ keepData: true });
    sqlite(db, `DELETE FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND id NOT IN (${kept.join(',')})`);
    sqlite(db, `INSERT INTO notice_sms_fanout (notice_id, kind, created_at) VALUES (${n.id}, 'notice', 0)`);
    assert.equal(queuedFor(n.id), 4);
    const base = `http://127.0.0.1:${srv.port}`;
    restarted = await spawnServer(['--data', srv.dataDir, '--listen', `127.0.0.1:${srv.port}`], { base, cwd: srv.dataDir });
    await fannedOut(n.id);
    assert.equal(queuedFor(n.id), recipients);
    assert.equal(one(`SELECT count(DISTINCT member_id) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`), String(recipients));
    assert.deepEqual(rows(`SELECT id FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' ORDER BY id LIMIT 4`), kept, 'the messages queued before the crash kept');
  });
});
