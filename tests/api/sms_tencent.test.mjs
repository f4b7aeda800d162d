// sms_tencent.test.mjs - SMS through the direct HTTPS adapter for Tencent Cloud SMS, against
// the local stand-in of tests/api/tencent.mjs, which checks every request's TC3-HMAC-SHA256
// signature: template ids and variables as Tencent fills them, the signature name, a wrong
// key refused by the service and the message failed, a limit answered later.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, sqlite, startServer, until } from './helpers.mjs';
import { startTencent, tc3Authorization } from './tencent.mjs';

const LONG = '关于开展冬季走访慰问困难党员和老党员活动的通知';
const KINDS = ['login_code', 'activation', 'notice', 'notice_reminder', 'answer', 'meeting',
  'leave_decision', 'dues', 'transfer', 'correction', 'digest'];

const CALLBACK_KEY = 'tc-callback-0123456789abcdef';

function config(t, key, extra = []) {
  return [
    'sms_backend = tencent',
    'sms_public_url = http://127.0.0.1:1',
    `sms_tencent_url = ${t.url}`,
    'sms_tencent_secret_id = AKIDtestsecretid0123456789',
    `sms_tencent_secret_key = ${key}`,
    'sms_tencent_app_id = 1400000001',
    'sms_signature = 【某县智慧支部】',
    'sms_quiet_hours = 00:00-00:00',
    'sms_rate = 100',
    'sms_poll_ms = 100',
    'sms_retry_base_s = 1',
    ...KINDS.map((k, i) => `sms_template.${k} = ${1000 + i}`),
    `sms_tencent_callback_key = ${CALLBACK_KEY}`,
    ...extra,
  ];
}

test('the stand-in\'s own signing reproduces Tencent\'s documented example', () => {
  // "Signature v3", Tencent Cloud API 3.0: the same example as tests/unit/test_sms.c.
  const auth = tc3Authorization({
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    service: 'cvm', host: 'cvm.tencentcloudapi.com', contentType: 'application/json; charset=utf-8',
    timestamp: 1551113065, payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  });
  assert.match(auth, /Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168$/);
});

describe('SMS through Tencent Cloud (stand-in)', () => {
  let t, srv, db;
  let limited = false;
  const one = (sql) => sqlite(db, sql).stdout.trim();

  before(async () => {
    t = await startTencent({
      secretId: 'AKIDtestsecretid0123456789', secretKey: 'test-secret-key-0123456789',
      // The first request for a notice titled "限流" meets the service's frequency limit.
      answer: (e) => {
        if (e.body?.TemplateParamSet?.[1] !== '限流' || limited) return null;
        limited = true;
        return { Error: { Code: 'LimitExceeded.PhoneNumberThirtySecondLimit', Message: 'limit' } };
      },
    });
    srv = await startServer({ config: config(t, 'test-secret-key-0123456789', ['sms_tencent_callback_from = 10.0.0.9, 127.0.0.1']) });
    db = join(srv.dataDir, 'zhibu.db');
  });
  after(async () => {
    await srv?.stop();
    await t?.stop();
  });

  test('a notice goes out as SendSms with the template id, the variables as cut and a valid signature', async () => {
    const tS = (await srv.login(srv.who.secretaryA)).token;
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: tS, body: { orgId: srv.who.secretaryA.orgId, title: LONG, text: '请确认。', ackRequired: true } }), 201);
    await until(() => one(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${n.id}`) === '0', 20000, 'the notice\'s SMS queued');
    const total = Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`));
    assert.ok(total >= 1);
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'sent'`) === String(total), 20000, 'sent');
    const reqs = t.requests.filter((r) => r.body?.TemplateId === '1002');
    assert.equal(reqs.length, total);
    for (const r of reqs) {
      assert.equal(r.ok, true, 'signature valid');
      assert.equal(r.action, 'SendSms');
      assert.equal(r.version, '2021-01-11');
      assert.equal(r.region, 'ap-guangzhou');
      assert.equal(r.body.SmsSdkAppId, '1400000001');
      assert.equal(r.body.SignName, '某县智慧支部');
      assert.match(r.body.PhoneNumberSet[0], /^\+861[3-9]\d{9}$/);
      assert.equal(r.body.TemplateParamSet.length, 4);
      assert.equal(r.body.TemplateParamSet[1], [...LONG].slice(0, 19).join('') + '…', 'the title cut to 20 characters');
      assert.equal(r.body.TemplateParamSet[3], '1');
    }
    // The serial number is kept for the delivery receipt.
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND provider_ref LIKE '2433:%'`), String(total));
  });

  test('a frequency limit is tried again later; the message then goes', async () => {
    const tS = (await srv.login(srv.who.secretaryA)).token;
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: tS, body: { orgId: srv.who.secretaryA.orgId, title: '限流', text: '请确认。', ackRequired: true } }), 201);
    await until(() => one(`SELECT count(*) FROM notice_sms_fanout WHERE notice_id = ${n.id}`) === '0', 20000, 'the notice\'s SMS queued');
    const total = Number(one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`));
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'sent'`) === String(total), 20000, 'sent after the retry');
    assert.equal(one(`SELECT max(attempts) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%'`), '2');
  });

  test('delivery receipts by Tencent\'s callback: each moves its message on; a receipt for another phone or an unknown sid moves nothing', async () => {
    const base = `http://127.0.0.1:${srv.port}/api/v1/sms/tencent`;
    const receipts = t.receipts();
    assert.ok(receipts.length >= 2);
    const failSid = receipts[0].sid;
    const body = t.receipts((a) => (a.SerialNo === failSid ? 'FAIL' : 'SUCCESS'));
    // A receipt with a message's sid but another phone, and one for no message at all.
    const other = body.find((r) => r.sid !== failSid);
    const forged = [{ ...other, mobile: '13000000009', report_status: 'FAIL' }, { ...other, sid: '2433:999999', report_status: 'FAIL' }];
    const r0 = await t.callback(`${base}/${CALLBACK_KEY}/status`, forged);
    assert.equal(r0.status, 200);
    assert.equal(one(`SELECT state FROM sms_outbox WHERE provider_ref = '${other.sid}'`), 'sent');
    const r = await t.callback(`${base}/${CALLBACK_KEY}/status`, body);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { result: 0, errmsg: 'OK' }, 'Tencent\'s answer, no envelope');
    assert.equal(one(`SELECT state || ':' || dlr_status FROM sms_outbox WHERE provider_ref = '${failSid}'`), 'failed:2');
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE provider_ref IS NOT NULL AND state = 'delivered'`), String(body.length - 1));
    // Again (Tencent may repeat a callback): nothing moves back.
    await t.callback(`${base}/${CALLBACK_KEY}/status`, t.receipts(() => 'FAIL'));
    assert.equal(one(`SELECT count(*) FROM sms_outbox WHERE provider_ref IS NOT NULL AND state = 'delivered'`), String(body.length - 1));
    // Without the key, or not an array: refused.
    const wrong = await t.callback(`${base}/tc-callback-0123456789abcdeX/status`, body);
    assert.equal(wrong.status, 404);
    assert.equal(wrong.json.error.code, 'request.not_found');
    const notArray = await t.callback(`${base}/${CALLBACK_KEY}/status`, { sid: 'x' });
    assert.equal(notArray.status, 400);
    assert.equal(notArray.json.error.code, 'request.bad_json');
    // The key is never written to the log: the line shows the route's pattern.
    assert.ok(!srv.stderr().includes(CALLBACK_KEY), 'the callback key is not logged');
  });

  test('a reply by Tencent\'s callback acknowledges the notice; another signature or an unknown number does nothing', async () => {
    const base = `http://127.0.0.1:${srv.port}/api/v1/sms/tencent`;
    const tM = (await srv.login(srv.who.member)).token;
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: (await srv.login(srv.who.secretaryA)).token, body: { orgId: srv.who.secretaryA.orgId, title: '回复确认', text: '请确认。', ackRequired: true } }), 201);
    await until(() => one(`SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'sent'`) !== '0', 20000, 'sent');
    const reply = { extend: '', mobile: srv.who.member.phone, nationcode: '86', sign: '某县智慧支部', text: '1', time: Math.floor(Date.now() / 1000) };
    const bad = await t.callback(`${base}/${CALLBACK_KEY}/reply`, { ...reply, sign: '别的签名' });
    assert.equal(bad.status, 404);
    assert.equal(one('SELECT count(*) FROM sms_inbox'), '0');
    const r = await t.callback(`${base}/${CALLBACK_KEY}/reply`, reply);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { result: 0, errmsg: 'OK' });
    await until(async () => assertData(await srv.api('GET', `/api/v1/notices/${n.id}`, { token: tM })).acked, 15000, 'the acknowledgement');
    assert.equal(one(`SELECT outcome || ':' || ref_id FROM sms_inbox ORDER BY id DESC LIMIT 1`), `ack:${n.id}`);
    await t.callback(`${base}/${CALLBACK_KEY}/reply`, { ...reply, mobile: '13000000001', text: '你好' });
    await until(() => one(`SELECT count(*) FROM sms_inbox WHERE outcome = 'unknown'`) === '1', 15000, 'the unknown reply');
    const foreign = await t.callback(`${base}/${CALLBACK_KEY}/reply`, { ...reply, nationcode: '1', mobile: '2025550100' });
    assert.equal(foreign.status, 400);
    // Tencent retries a callback it got no answer to: the same mobile, text and time.
    // The "1" again: answered, not stored, not acknowledged twice (ack_at stays).
    const acked = one(`SELECT ack_at FROM notice_marks WHERE notice_id = ${n.id}`);
    const rows = one('SELECT count(*) FROM sms_inbox');
    const again = await t.callback(`${base}/${CALLBACK_KEY}/reply`, reply);
    assert.deepEqual(again.json, { result: 0, errmsg: 'OK' });
    assert.equal(one('SELECT count(*) FROM sms_inbox'), rows);
    assert.equal(one(`SELECT ack_at FROM notice_marks WHERE notice_id = ${n.id}`), acked);
  });

  test('a free-text reply Tencent sends twice opens one thread with one message; the same words later are a new message', async () => {
    const base = `http://127.0.0.1:${srv.port}/api/v1/sms/tencent`;
    const reply = { extend: '', mobile: srv.who.member.phone, nationcode: '86', sign: '某县智慧支部', text: '下周开会我请假', time: Math.floor(Date.now() / 1000) };
    const messages = () => one("SELECT count(*) FROM thread_messages WHERE text = '下周开会我请假'");
    const sent = await Promise.all([t.callback(`${base}/${CALLBACK_KEY}/reply`, reply), t.callback(`${base}/${CALLBACK_KEY}/reply`, reply)]);
    for (const r of sent) assert.deepEqual(r.json, { result: 0, errmsg: 'OK' });
    await t.callback(`${base}/${CALLBACK_KEY}/reply`, reply);
    assert.equal(one("SELECT count(*) FROM sms_inbox WHERE body = '下周开会我请假'"), '1');
    assert.equal(messages(), '1');
    await t.callback(`${base}/${CALLBACK_KEY}/reply`, { ...reply, time: reply.time + 300 });
    assert.equal(one("SELECT count(*) FROM sms_inbox WHERE body = '下周开会我请假'"), '2');
    assert.equal(messages(), '2');
  });
});

describe('SMS through Tencent Cloud with a wrong key', () => {
  let t, srv, db;
  before(async () => {
    t = await startTencent({ secretId: 'AKIDtestsecretid0123456789', secretKey: 'the-right-key-0123456789' });
    srv = await startServer({ config: config(t, 'a-wrong-key-0123456789', ['sms_tencent_callback_from = 10.0.0.9']) });
    db = join(srv.dataDir, 'zhibu.db');
  });
  after(async () => {
    await srv?.stop();
    await t?.stop();
  });

  test('the service refuses the signature: the message fails with its code, nothing is retried', async () => {
    const tS = (await srv.login(srv.who.secretaryA)).token;
    const n = assertData(await srv.api('POST', '/api/v1/notices', { token: tS, body: { orgId: srv.who.secretaryA.orgId, title: '通知', text: '请确认。', ackRequired: true } }), 201);
    await until(() => sqlite(db, `SELECT count(*) FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' AND state = 'failed'`).stdout.trim() !== '0', 20000, 'failed');
    assert.match(sqlite(db, `SELECT error FROM sms_outbox WHERE dedupe LIKE 'notice:${n.id}:m:%' LIMIT 1`).stdout, /AuthFailure\.SignatureFailure/);
    assert.ok(t.requests.length >= 1 && t.requests.every((r) => !r.ok));
    assert.equal(sqlite(db, `SELECT max(attempts) FROM sms_outbox`).stdout.trim(), '1');
  });

  test('callbacks from an address not in sms_tencent_callback_from are refused, right key or not', async () => {
    const r = await t.callback(`http://127.0.0.1:${srv.port}/api/v1/sms/tencent/${CALLBACK_KEY}/status`, []);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'request.not_found');
  });
});
