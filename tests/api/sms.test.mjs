// sms.test.mjs - SMS through Kannel (bearerbox + smsbox + fakesmsc, tests/api/kannel.mjs):
// a notice that asks for acknowledgement sends exactly one SMS per member who takes SMS,
// delivery reports are recorded, a reply "1" acknowledges, other replies reach the
// leadership as a thread, unknown numbers are recorded only; long messages are split and
// joined; members' choices, quotas, SMS off; killing zhibu or Kannel mid-batch loses and
// duplicates nothing.
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, freePort, spawnServer, sqlite, startServer, terminate, until } from './helpers.mjs';
import { startKannel } from './kannel.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('SMS through Kannel', () => {
  let k, srv, api, who, db, zport;
  let tSecA, tMember, tTown, villageA, township;
  const one = (sql) => sqlite(db, sql).stdout.trim();
  const rows = (sql) => sqlite(db, sql).stdout.trim().split('\n').filter(Boolean);
  // A notice's SMS are queued after the publish, a batch at a time (sms_fanout.test.mjs).
  const fannedOut = (id) => until(() => one(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${id}`) === '0', 20000, `notice ${id}'s SMS queued`);
  const publish = async (token, body) => {
    const n = assertData(await api('POST', '/api/v1/notices', { token, body }), 201);
    await fannedOut(n.id);
    return n;
  };

  before(async () => {
    zport = await freePort();
    k = await startKannel({ zhibuPort: zport });
    srv = await startServer({
      port: zport,
      testHooks: true,
      config: k.zhibuConfig({
        sms_sending_grace_s: 8,
        housekeeping_interval_s: 1, // the reminder jobs (notices, meetings) every second
        // The text an operator registered for answers: longer than one UCS-2 part.
        'sms_text.answer': '{1}回复了您的留言：{2}。请登录智慧支部查看完整回复和历史留言；如有疑问，可直接回复本短信，支部书记会在两个工作日内答复您。',
      }),
    });
    api = srv.api;
    who = srv.who;
    db = join(srv.dataDir, 'zhibu.db');
    tSecA = (await srv.login(who.secretaryA)).token;
    tMember = (await srv.login(who.member)).token;
    tTown = (await srv.login(who.townshipAdmin)).token;
    villageA = who.secretaryA.orgId;
    township = who.townshipAdmin.orgId;
    // The demo's members have no phone on their records (its accounts do): give every
    // member of the township one, as a roster import would.
    const ids = [];
    for (let after = ''; ;) {
      const page = assertData(await api('GET', `/api/v1/members?orgId=${township}&limit=200${after ? `&after=${after}` : ''}`, { token: tTown }));
      for (const m of page.items) if (!m.phone) ids.push(m.id);
      if (!page.next) break;
      after = page.next;
    }
    for (const [i, id] of ids.entries()) {
      assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tTown, body: { phone: `139${String(10000000 + i)}` } }));
    }
  });

  let restarted; // the server started again by the crash test

  after(async () => {
    if (restarted) {
      await terminate(restarted);
      rmSync(srv.dataDir, { recursive: true, force: true });
    } else {
      await srv?.stop();
    }
    await k?.stop();
  });

  let notice, recipients;

  test('a notice to a branch that asks for acknowledgement queues one SMS per member with a phone', async () => {
    notice = await publish(tSecA, {
      orgId: villageA, title: '关于召开十二月主题党日的通知', text: '请全体党员参加。', ackRequired: true,
    });
    recipients = Number(one(`SELECT count(*) FROM members m WHERE m.org_path LIKE (SELECT path FROM orgs WHERE id = ${villageA}) || '%' AND m.deleted_at IS NULL AND m.status IN ('normal','retired','temporarily_out') AND (m.phone_sealed IS NOT NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id))`));
    assert.ok(recipients > 5, `the demo branch has members with phones (${recipients})`);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%'`), String(recipients));
    assert.equal(one(`SELECT count(DISTINCT member_id) FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%'`), String(recipients));
    const body = one(`SELECT body FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%' LIMIT 1`);
    assert.match(body, /^【智慧支部】.*发布通知《关于召开十二月主题党日的通知》，请阅读并确认，截止不限。回复1确认。$/);
    // The phone is sealed: no row holds a whole number.
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE body GLOB '*1[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'`), '0');
  });

  test('the phones get exactly one message each, the text as queued', async () => {
    const msgs = await k.waitFor((m) => m.length >= recipients);
    await sleep(500);
    const all = k.messages().filter((m) => m.text.includes('关于召开十二月主题党日的通知'));
    assert.equal(all.length, recipients, 'no duplicates');
    assert.equal(new Set(all.map((m) => m.to)).size, recipients, 'one per phone');
    const bodies = new Set(rows(`SELECT body FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%'`));
    for (const m of all) assert.ok(bodies.has(m.text), `received as queued: ${m.text}`);
    assert.equal(one(`SELECT max(parts) || coding FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%'`), '1ucs2');
    void msgs;
  });

  test('delivery reports are recorded: every message ends delivered', async () => {
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%' AND state = 'delivered'`) === String(recipients), 20000, 'delivered');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${notice.id}:m:%' AND (sent_at IS NULL OR done_at IS NULL OR dlr_status <> 1)`), '0');
  });

  test('a report with a wrong secret or for no message is refused like a missing page', async () => {
    const id = one(`SELECT min(id) FROM sms_outbox`);
    assertError(await api('GET', `/api/v1/sms/dlr?id=${id}&k=wrongwrongwrong&type=2`), 404, 'request.not_found');
    assertError(await api('GET', `/api/v1/sms/dlr?id=999999&k=x&type=1`), 404, 'request.not_found');
    assert.equal(one(`SELECT state FROM sms_outbox WHERE id = ${id}`), 'delivered');
  });

  test('a reply "1" from the member\'s phone acknowledges the notice', async () => {
    const before = assertData(await api('GET', `/api/v1/notices/${notice.id}`, { token: tMember }));
    assert.equal(before.acked, false);
    await k.reply(who.member.phone, '1');
    await until(async () => assertData(await api('GET', `/api/v1/notices/${notice.id}`, { token: tMember })).acked, 15000, 'the acknowledgement');
    assert.equal(one(`SELECT outcome || ':' || ref_id FROM sms_inbox ORDER BY id DESC LIMIT 1`), `ack:${notice.id}`);
    // Again: nothing waits any more, nothing happens.
    await k.reply(`+86${who.member.phone}`, ' １ ', { ucs2: true });
    await until(() => one(`SELECT count(*) FROM sms_inbox`) === '2', 15000, 'the second reply');
    assert.equal(one(`SELECT outcome FROM sms_inbox ORDER BY id DESC LIMIT 1`), 'ignored');
  });

  let threadId;

  test('any other reply (UCS-2 Chinese) becomes a message to the branch leadership', async () => {
    await k.reply(who.member.phone, '我这周在外地打工，会议请假。');
    const row = await until(() => one(`SELECT outcome || ':' || ref_id FROM sms_inbox WHERE body LIKE '%打工%'`), 15000, 'the reply');
    assert.match(row, /^thread:\d+$/);
    threadId = Number(row.split(':')[1]);
    const inbox = assertData(await api('GET', `/api/v1/threads?orgId=${villageA}`, { token: tSecA }));
    const t = inbox.items.find((x) => x.id === threadId);
    assert.ok(t, 'in the branch inbox');
    const full = assertData(await api('GET', `/api/v1/threads/${threadId}`, { token: tSecA }));
    assert.equal(full.items.at(-1).text, '我这周在外地打工，会议请假。');
  });

  test('a reply delivered again (smsbox retrying its get-url after a timeout) opens no second thread, nor a second message', async () => {
    // Kannel gave its message id (%I) and time (%T); the retry is the same request.
    const [ref, rows] = one(`SELECT gateway_ref || '|' || (SELECT count(*) FROM sms_inbox) FROM sms_inbox WHERE body LIKE '%打工%'`).split('|');
    assert.match(ref, /^[0-9a-f-]{36}$/, 'Kannel\'s id of the message');
    const messages = assertData(await api('GET', `/api/v1/threads/${threadId}`, { token: tSecA })).items.length;
    const again = `/api/v1/sms/incoming?k=${k.secret}&from=${who.member.phone}&text=${encodeURIComponent('我这周在外地打工，会议请假。')}&id=${ref}`;
    assert.deepEqual(assertData(await api('GET', again)), { received: true });
    assert.deepEqual(assertData(await api('GET', again)), { received: true });
    assert.equal(one('SELECT count(*) FROM sms_inbox'), rows);
    assert.equal(assertData(await api('GET', `/api/v1/threads/${threadId}`, { token: tSecA })).items.length, messages);
    // Without the id: the same phone, text and gateway time are the same reply.
    const bare = `/api/v1/sms/incoming?k=${k.secret}&from=${who.member.phone}&text=${encodeURIComponent('再说一次')}&at=1765000000`;
    assertData(await api('GET', bare));
    assertData(await api('GET', bare));
    assert.equal(one(`SELECT count(*) FROM sms_inbox WHERE body = '再说一次'`), '1');
    assertData(await api('GET', bare.replace('1765000000', '1765000060')));
    assert.equal(one(`SELECT count(*) FROM sms_inbox WHERE body = '再说一次'`), '2', 'sent again a minute later: heard');
    assert.equal(assertData(await api('GET', `/api/v1/threads/${threadId}`, { token: tSecA })).items.length, messages + 2);
  });

  test('a leader\'s answer reaches the member by SMS: the registered text, longer than one part, split and joined again', async () => {
    assertData(await api('POST', `/api/v1/threads/${threadId}/replies`, { token: tSecA, body: { text: '收到，同意请假' } }), 201);
    const msgs = await k.waitFor((m) => m.some((x) => x.text.includes('收到，同意请假')));
    const m = msgs.find((x) => x.text.includes('收到，同意请假'));
    assert.match(m.text, /^【智慧支部】.*回复了您的留言：收到，同意请假。请登录智慧支部查看完整回复和历史留言；如有疑问，可直接回复本短信，支部书记会在两个工作日内答复您。$/);
    assert.equal(m.parts, 2);
    const row = one(`SELECT parts || ':' || units || ':' || coding || ':' || (body = '${m.text}') FROM sms_outbox WHERE kind = 'answer'`);
    assert.match(row, /^2:\d+:ucs2:1$/);
    assert.ok(Number(row.split(':')[1]) > 70);
  });

  test('a number on no record: stored, nothing else', async () => {
    const threads = one('SELECT count(*) FROM threads');
    await k.reply('13000000001', 'hello?');
    await until(() => one(`SELECT count(*) FROM sms_inbox WHERE outcome = 'unknown'`) === '1', 15000, 'the unknown reply');
    assert.equal(one(`SELECT member_id IS NULL AND body = 'hello?' FROM sms_inbox WHERE outcome = 'unknown'`), '1');
    assert.equal(one('SELECT count(*) FROM threads'), threads);
  });

  test('incoming with a wrong secret is refused', async () => {
    assertError(await api('GET', `/api/v1/sms/incoming?k=${'x'.repeat(k.secret.length)}&from=13800138000&text=1`), 404, 'request.not_found');
  });

  test('a member who chose the app only gets no SMS; the secretary may set SMS only for them', async () => {
    const mine = assertData(await api('PUT', '/api/v1/me/sms', { token: tMember, body: { mode: 'app', quietHours: '22:00-07:00' } }));
    assert.equal(mine.mode, 'app');
    assert.equal(mine.chosen, true);
    assert.equal(mine.quietHours, '22:00-07:00');
    const memberId = mine.memberId;
    const n2 = await publish(tSecA, { orgId: villageA, title: '第二个通知', text: '请确认。', ackRequired: true });
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe = 'notice:${n2.id}:m:${memberId}'`), '0');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n2.id}:m:%'`), String(recipients - 1));
    // The secretary sets it for the member (audited); the member's own reading shows it.
    const set = assertData(await api('PUT', `/api/v1/members/${memberId}/sms`, { token: tSecA, body: { mode: 'sms' } }));
    assert.equal(set.mode, 'sms');
    assert.equal(assertData(await api('GET', '/api/v1/me/sms', { token: tMember })).mode, 'sms');
    assert.equal(one(`SELECT count(*) FROM audit_log WHERE action = 'sms.choice'`), '1');
    // A member may not set another's choice.
    assertError(await api('PUT', `/api/v1/members/${memberId + 1}/sms`, { token: tMember, body: { mode: 'app' } }), 404, 'member.not_found');
    assertError(await api('PUT', '/api/v1/me/sms', { token: tMember, body: { mode: 'app', quietHours: '25:00-07:00' } }), 400, 'request.invalid', 'quietHours');
  });

  test('quota: an org admin caps a township\'s branches per day; the status says SMS is on', async () => {
    const st = assertData(await api('GET', `/api/v1/orgs/${township}/sms`, { token: tTown }));
    assert.equal(st.smsOn, true);
    assert.equal(st.backend, 'kannel');
    assert.equal(st.dailyCap.own, null);
    const capped = assertData(await api('PUT', `/api/v1/orgs/${township}/sms`, { token: tTown, body: { dailyCap: 3 } }));
    assert.equal(capped.dailyCap.own, 3);
    assert.equal(capped.dailyCap.effective, 3);
    const n3 = await publish(tSecA, { orgId: villageA, title: '第三个通知', text: '请确认。', ackRequired: true });
    // The branch already queued more than 3 today: nothing more goes out, the refusals are counted.
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n3.id}:m:%'`), '0');
    assert.ok(Number(one(`SELECT refused FROM sms_org_day WHERE org_id = ${villageA}`)) >= recipients);
    assertData(await api('PUT', `/api/v1/orgs/${township}/sms`, { token: tTown, body: { dailyCap: null } }));
    // Outside the secretary's subtree: as if it did not exist.
    assertError(await api('GET', `/api/v1/orgs/${township}/sms`, { token: tSecA }), 404, 'org.not_found');
  });

  test('meetings: the expected members get an SMS 24 hours and 1 hour before; a leave decision reaches the member', async () => {
    const memberId = who.member.memberId;
    const startsAt = new Date(Date.now() + 2 * 3600 * 1000).toISOString().slice(0, 16) + 'Z';
    const m = assertData(await api('POST', '/api/v1/meetings', { token: tSecA, body: { orgId: villageA, type: 'committee', title: '十二月支委会', startsAt, place: '村委会议室', attendees: 'branch' } }), 201);
    const expected = Number(one(`SELECT count(*) FROM meeting_attendance WHERE meeting_id = ${m.id}`));
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'meeting:${m.id}:24h:m:%'`) === String(expected), 15000, 'the 24-hour messages');
    const body = one(`SELECT body FROM sms_outbox WHERE dedupe = 'meeting:${m.id}:24h:m:${memberId}'`);
    assert.match(body, /将于\d+月\d+日\d\d:\d\d召开十二月支委会，请准时参加。地点：村委会议室$/);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'meeting:${m.id}:1h:%'`), '0');
    // The member asks for leave and it is approved: the decision by SMS, and no 1-hour message.
    assertData(await api('POST', `/api/v1/meetings/${m.id}/leave`, { token: tMember, body: { reason: '外出务工' } }));
    assertData(await api('POST', `/api/v1/meetings/${m.id}/leave-decision`, { token: tSecA, body: { memberId, approve: true } }));
    assert.match(one(`SELECT body FROM sms_outbox WHERE kind = 'leave_decision' AND member_id = ${memberId}`), /您对十二月支委会的请假申请已批准。$/);
    await srv.advanceClock(3600 + 600);
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'meeting:${m.id}:1h:m:%'`) === String(expected - 1), 15000, 'the 1-hour messages');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe = 'meeting:${m.id}:1h:m:${memberId}'`), '0');
    await srv.setClockSkew(0);
  });

  // A roster member of branch A who made no choice (app + SMS for what needs action), given
  // a phone of its own so its messages are told apart on the fake SMSC.
  const spareMember = async (phone, skip = []) => {
    const id = Number(one(`SELECT m.id FROM members m WHERE m.org_id = ${villageA} AND m.status = 'normal' AND m.deleted_at IS NULL AND m.id <> ${who.member.memberId} AND NOT EXISTS (SELECT 1 FROM sms_prefs p WHERE p.member_id = m.id) AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.member_id = m.id) ${skip.length ? `AND m.id NOT IN (${skip.join(',')})` : ''} ORDER BY m.id LIMIT 1`));
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tSecA, body: { phone } }));
    return id;
  };
  const toPhone = (phone, what) => k.messages().filter((m) => m.to.endsWith(phone) && m.text.includes(what));

  test('a transfer step waiting for the member (report to the new branch; returned) reaches their phone once each', async () => {
    const phone = '13766660001';
    const memberId = await spareMember(phone);
    const villageB = Number(one(`SELECT id FROM orgs WHERE level = 'branch' AND id <> ${villageA} AND path LIKE (SELECT path FROM orgs WHERE id = ${township}) || '%' AND closed_at IS NULL ORDER BY id LIMIT 1`));
    const toName = one(`SELECT name FROM orgs WHERE id = ${villageB}`);
    const tr = assertData(await api('POST', '/api/v1/transfers', { token: tSecA, body: { memberId, toOrgId: villageB, reason: '婚嫁迁入' } }), 201);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'transfer' AND member_id = ${memberId}`), '0', 'starting waits for the township, not for the member');
    assertData(await api('POST', `/api/v1/transfers/${tr.id}/approve`, { token: tTown, body: {} }));
    assert.equal(one(`SELECT body FROM sms_outbox WHERE dedupe = 'transfer:${tr.id}:approved:m:${memberId}'`), `【智慧支部】您的组织关系转接有一步待您办理：到${toName}报到。请登录查看。`);
    await k.waitFor(() => toPhone(phone, '待您办理').length >= 1);
    assertData(await api('POST', `/api/v1/transfers/${tr.id}/return`, { token: tTown, body: { reason: '材料不全' } }));
    await k.waitFor(() => toPhone(phone, '转入方已退回').length >= 1);
    await sleep(1000);
    assert.equal(toPhone(phone, '待您办理').length, 2, 'one for each step, none twice');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'transfer' AND member_id = ${memberId}`), '2');
  });

  test('a correction to a post the member saw reaches them by SMS once; members who did not see it get none', async () => {
    const memberId = who.member.memberId; // chose SMS only above
    const p = assertData(await api('POST', '/api/v1/posts', { token: tSecA, body: { orgId: villageA, kind: 'news', title: '补贴发放通知', text: '每位党员可领补贴500元。' } }), 201);
    assertData(await api('GET', `/api/v1/posts/${p.id}`, { token: tMember }));
    const seenBy = Number(one(`SELECT count(DISTINCT a.member_id) FROM post_seen s JOIN accounts a ON a.id = s.account_id WHERE s.post_id = ${p.id} AND a.member_id IS NOT NULL`));
    assertData(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tSecA, body: { decision: 'false', text: '经核实，没有这项补贴。' } }));
    const row = one(`SELECT body FROM sms_outbox WHERE dedupe = 'correction:${p.id}:false:m:${memberId}'`);
    assert.equal(row, '【智慧支部】您看过的《补贴发放通知》已更正，请登录查看。');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'correction' AND dedupe LIKE 'correction:${p.id}:%'`), String(seenBy));
    await k.waitFor((m) => m.some((x) => x.to.endsWith(who.member.phone) && x.text === row));
    await sleep(1000);
    assert.equal(k.messages().filter((x) => x.text === row && x.to.endsWith(who.member.phone)).length, 1);
  });

  test('dues arrears: one SMS when a member reaches 3 months behind (across the year boundary), once per episode, none when lapsed', async () => {
    const phone = '13766660002', lapsedPhone = '13766660003';
    const memberId = await spareMember(phone);
    const lapsedId = await spareMember(lapsedPhone, [memberId]);
    // Beijing 2026-12-31 23:59: paid through 2026-09, the arrears are October and November (2).
    // The other paid through 2026-05: six months behind, lapsed, past this message.
    sqlite(db, `UPDATE members SET dues_paid_through = '2026-09', dues_sms_at = NULL WHERE id = ${memberId}; UPDATE members SET dues_paid_through = '2026-05', dues_sms_at = NULL WHERE id = ${lapsedId}`);
    const clock = async (iso) => srv.setClockSkew(Math.round(Date.parse(iso) / 1000 - Date.now() / 1000));
    await clock('2026-12-31T15:59:00Z');
    await sleep(2500);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id IN (${memberId}, ${lapsedId})`), '0', 'two months behind: nothing yet');
    // Beijing 2027-01-01 00:01: December is owed too (3 months); the other was 6 behind already (lapsed).
    await clock('2026-12-31T16:01:00Z');
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id = ${memberId}`) === '1', 15000, 'the arrears SMS');
    const body = one(`SELECT body FROM sms_outbox WHERE kind = 'dues' AND member_id = ${memberId}`);
    assert.match(body, /^【智慧支部】您的党费已3个月未交，请联系.+缴纳。$/);
    await k.waitFor(() => toPhone(phone, '党费').length >= 1);
    await sleep(2500); // the job ran again: nothing more
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id = ${memberId}`), '1');
    assert.equal(toPhone(phone, '党费').length, 1, 'once');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id = ${lapsedId}`), '0', 'lapsed (6 months): not this message');
    // Within January the member pays October: 2 months behind, the episode ends.
    sqlite(db, `UPDATE members SET dues_paid_through = '2026-10' WHERE id = ${memberId}`);
    await until(() => one(`SELECT dues_sms_at IS NULL FROM members WHERE id = ${memberId}`) === '1', 15000, 'the episode ended');
    // Beijing 2027-02-01: November to January unpaid, a new episode, a new message.
    await clock('2027-01-31T15:59:00Z');
    await sleep(2500);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id = ${memberId}`), '1', 'still January in Beijing');
    await clock('2027-01-31T16:01:00Z');
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE kind = 'dues' AND member_id = ${memberId}`) === '2', 15000, 'the second episode');
    await k.waitFor(() => toPhone(phone, '党费').length >= 2);
    await sleep(1000);
    assert.equal(toPhone(phone, '党费').length, 2);
    await srv.setClockSkew(0);
  });

  test('killing zhibu mid-batch: after the restart every message went out exactly once', async () => {
    // Slow the gateway's pace so the kill lands mid-batch.
    await srv.stop({ keepData: true });
    const conf = join(srv.dataDir, 'zhibu.conf');
    appendFileSync(conf, 'sms_rate = 20\nsms_poll_ms = 100\n');
    const base = `http://127.0.0.1:${zport}`;
    let server = await spawnServer(['--data', srv.dataDir, '--listen', `127.0.0.1:${zport}`], { base, cwd: srv.dataDir });
    tTown = (await (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: who.townshipAdmin.phone, password: who.townshipAdmin.password }) })).json()).data.token;
    const n = assertData(await api('POST', '/api/v1/notices', { token: tTown, body: { orgId: township, title: '全镇通知', text: '请确认。', ackRequired: true } }), 201);
    await fannedOut(n.id);
    const total = Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`));
    assert.ok(total > 40, `a batch worth killing (${total})`);
    await until(() => Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state <> 'queued'`)) > 10, 20000, 'a part sent');
    server.proc.kill('SIGKILL');
    await server.exited;
    const sentBefore = one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state <> 'queued'`);
    assert.ok(Number(sentBefore) < total, 'killed mid-batch');
    restarted = await spawnServer(['--data', srv.dataDir, '--listen', `127.0.0.1:${zport}`], { base, cwd: srv.dataDir });
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'delivered'`) === String(total), 60000, 'all delivered');
    await sleep(1000);
    const got = k.messages().filter((m) => m.text.includes('全镇通知'));
    assert.equal(got.length, total, 'none lost, none twice');
    assert.equal(new Set(got.map((m) => m.to)).size, total);
  });

  test('killing Kannel (bearerbox and smsbox) mid-batch: after its restart every message went out exactly once', async () => {
    const n = await publish(tTown, { orgId: township, title: '全镇第二个通知', text: '请确认。', ackRequired: true });
    const total = Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`));
    await until(() => Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state <> 'queued'`)) > 10, 20000, 'a part sent');
    await k.down('SIGKILL');
    await sleep(1500);
    assert.ok(Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'delivered'`)) < total, 'killed mid-batch');
    await k.up();
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'delivered'`) === String(total), 90000, 'all delivered');
    await sleep(1000);
    const got = k.messages().filter((m) => m.text.includes('全镇第二个通知'));
    assert.equal(new Set(got.map((m) => m.to)).size, total, 'none lost');
    assert.equal(got.length, total, 'none twice');
  });
});

describe('SMS off', () => {
  let srv;
  before(async () => {
    srv = await startServer({ testHooks: true, config: ['housekeeping_interval_s = 1'] });
  });
  after(async () => {
    await srv?.stop();
  });

  test('zhibu runs as before, says SMS is off, and keeps what is queued in the outbox', async () => {
    assert.match(srv.stderr(), /sms: off/);
    const tT = (await srv.login(srv.who.townshipAdmin)).token;
    const st = assertData(await srv.api('GET', `/api/v1/orgs/${srv.who.townshipAdmin.orgId}/sms`, { token: tT }));
    assert.equal(st.smsOn, false);
    assert.equal(st.backend, 'off');
    const tS = (await srv.login(srv.who.secretaryA)).token;
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: tS, body: { orgId: srv.who.secretaryA.orgId, title: '通知', text: '请确认。', ackRequired: true } }), 201);
    const db = join(srv.dataDir, 'zhibu.db');
    await until(() => sqlite(db, `SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${n.id}`).stdout.trim() === '0', 20000, 'the notice\'s SMS queued');
    const r = sqlite(db, `SELECT count(*), sum(state = 'queued') FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:%'`).stdout.trim();
    const [count, queued] = r.split('|').map(Number);
    assert.ok(count > 0);
    assert.equal(queued, count, 'kept, not sent, until a gateway is configured');
    assertError(await srv.api('GET', '/api/v1/sms/incoming?k=aaaaaaaaaaaaaaaaaa&from=1&text=1'), 404, 'request.not_found');
    assertError(await srv.api('GET', '/api/v1/sms/demo'), 404, 'request.not_found');
  });

  test('what stays queued expires unsent: a sign-in code after its life, the rest after sms_outbox_days; counted', async () => {
    const db = join(srv.dataDir, 'zhibu.db');
    const one = (sql) => sqlite(db, sql).stdout.trim();
    assertData(await srv.api('POST', '/api/v1/auth/sms-code', { body: { phone: srv.who.member.phone } }));
    assert.equal(one(`SELECT state FROM sms_outbox WHERE kind = 'login_code'`), 'queued');
    const queued = Number(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'notice' AND state = 'queued'`));
    assert.ok(queued > 0);
    // Six minutes on: the code is dead, so is its message; the notice's wait.
    await srv.advanceClock(6 * 60);
    await until(() => one(`SELECT state FROM sms_outbox WHERE kind = 'login_code'`) === 'expired', 15000, 'the code expired');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'notice' AND state = 'queued'`), String(queued));
    // Three days on (sms_outbox_days): expired, never sent, counted in the status.
    await srv.advanceClock(3 * 86400);
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE kind = 'notice' AND state = 'queued'`) === '0', 15000, 'the notice\'s expired');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind IN ('notice', 'login_code') AND state = 'expired' AND sent_at IS NULL AND done_at IS NOT NULL`), String(queued + 1));
    // (What the jobs queued at the moved clock, dues and meeting reminders, is still young.)
    const expired = Number(one(`SELECT count(*) FROM sms_outbox o JOIN orgs g ON g.id = o.org_id WHERE o.state = 'expired' AND g.path LIKE (SELECT path FROM orgs WHERE id = ${srv.who.townshipAdmin.orgId}) || '%' AND o.created_at > ${Math.floor(Date.now() / 1000) - 7 * 86400 + 3 * 86400}`));
    const tT = (await srv.login(srv.who.townshipAdmin)).token;
    const st = assertData(await srv.api('GET', `/api/v1/orgs/${srv.who.townshipAdmin.orgId}/sms`, { token: tT }));
    assert.ok(st.outbox.expired >= queued, JSON.stringify(st.outbox));
    assert.equal(st.outbox.expired, expired);
    assert.match(srv.stderr(), /expired unsent \(SMS is off\)/);
  });
});

describe('SMS daily digest', () => {
  let k, srv, api, who, db, tSecA, tMember, villageA;
  const one = (sql) => sqlite(db, sql).stdout.trim();
  const rows = (sql) => sqlite(db, sql).stdout.trim().split('\n').filter(Boolean);
  const clock = async (iso) => srv.setClockSkew(Math.round(Date.parse(iso) / 1000 - Date.now() / 1000));

  before(async () => {
    const zport = await freePort();
    k = await startKannel({ zhibuPort: zport });
    srv = await startServer({
      port: zport,
      testHooks: true,
      config: k.zhibuConfig({ sms_digest_after: 2, sms_digest_time: '18:00', housekeeping_interval_s: 1 }),
    });
    api = srv.api;
    who = srv.who;
    db = join(srv.dataDir, 'zhibu.db');
    tSecA = (await srv.login(who.secretaryA)).token;
    tMember = (await srv.login(who.member)).token;
    villageA = who.secretaryA.orgId;
    // Two more members of the branch with phones of their own.
    const spare = rows(`SELECT id FROM members WHERE org_id = ${villageA} AND status = 'normal' AND deleted_at IS NULL AND phone_sealed IS NULL AND id <> ${who.member.memberId} AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = members.id AND a.phone_sealed IS NOT NULL) ORDER BY id LIMIT 2`);
    for (const [i, id] of spare.entries()) {
      assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tSecA, body: { phone: `1376667000${i}` } }));
    }
  });

  after(async () => {
    await srv?.stop();
    await k?.stop();
  });

  test('a member who chose the digest gets one SMS a day listing counts and nothing else; past sms_digest_after a day, the rest waits for it too', async () => {
    const memberId = who.member.memberId;
    // Beijing 10:00 tomorrow.
    const day = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    await clock(`${day}T02:00:00Z`);
    tSecA = (await srv.login(who.secretaryA)).token; // sessions as of the moved clock
    tMember = (await srv.login(who.member)).token;
    const mine = assertData(await api('PUT', '/api/v1/me/sms', { token: tMember, body: { mode: 'sms', digest: true } }));
    assert.equal(mine.digest, true);
    // Leaving digest out keeps it.
    assert.equal(assertData(await api('PUT', '/api/v1/me/sms', { token: tMember, body: { mode: 'sms' } })).digest, true);
    const ids = [];
    for (const title of ['第一个通知', '第二个通知', '第三个通知']) {
      ids.push(assertData(await api('POST', '/api/v1/notices', { token: tSecA, body: { orgId: villageA, title, text: '请确认。', ackRequired: true } }), 201).id);
      // In order: the second day's message of a phone is its second notice.
      await until(() => one(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${ids.at(-1)}`) === '0', 20000, 'the notice\'s SMS queued');
    }
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE member_id = ${memberId}`), '0', 'nothing goes out on its own');
    assert.equal(one(`SELECT group_concat(reason) FROM sms_digest_items WHERE member_id = ${memberId}`), 'chosen,chosen,chosen');
    // Everyone else: two a day on their own, the third waits.
    const others = rows(`SELECT member_id || ':' || count(*) FROM sms_outbox WHERE kind = 'notice' GROUP BY member_id`);
    assert.ok(others.length >= 2, `members reached by SMS: ${others}`);
    for (const r of others) assert.match(r, /:2$/);
    assert.equal(one(`SELECT count(*) FROM sms_digest_items WHERE reason = 'many' AND dedupe LIKE 'notice:${ids[2]}:%'`), String(others.length));
    // Before 18:00 in Beijing, no digest.
    await sleep(2500);
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'digest'`), '0');
    // Beijing 18:01: one digest per phone.
    await clock(`${day}T10:01:00Z`);
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE kind = 'digest'`) === String(others.length + 1), 15000, 'the digests');
    assert.equal(one(`SELECT body FROM sms_outbox WHERE kind = 'digest' AND member_id = ${memberId}`), '【智慧支部】您有3条新通知、0件待办事项，请登录查看。');
    await k.waitFor((m) => m.filter((x) => x.text.includes('新通知')).length >= others.length + 1);
    await sleep(2500); // the job ran again: nothing more
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE kind = 'digest'`), String(others.length + 1));
    assert.equal(one(`SELECT count(*) FROM sms_digest_items WHERE digested_at IS NULL`), '0');
    const mineOnPhone = k.messages().filter((x) => x.to.endsWith(who.member.phone));
    assert.deepEqual(mineOnPhone.map((x) => x.text), ['【智慧支部】您有3条新通知、0件待办事项，请登录查看。']);
    await srv.setClockSkew(0);
  });
});
