// access.test.mjs - every member gets in: an account for every member on a
// roster, activation codes on slips (and by SMS), activation, sign-in by SMS
// code, a new password by SMS code, and the per-branch access figures.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertData, assertError, httpRequest, idNumber, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db;
let tS, tSB, tC, villageA, villageB;

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tC = (await srv.login(who.countyAdmin)).token;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
});

after(async () => {
  await srv?.stop();
});

const one = (sql) => sqlite(db, sql).stdout.trim();

/** RFC 6238 code of the 30 s step holding unix time t (as tests/api/totp.test.mjs). */
function totp(secret, t) {
  let bits = 0, value = 0;
  const out = [];
  for (const ch of secret) {
    value = (value << 5) | 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', Buffer.from(out)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

let seq = 0;
/** A new member of a branch through the API; phone optional. Returns its id. */
async function addMember(orgId, name, phone, token = tS) {
  const birth = `19${60 + (seq % 30)}-0${1 + (seq % 9)}-1${seq % 9}`;
  const body = {
    orgId, name, gender: 'male', birthDate: birth, idNumber: idNumber(birth, true, 40 + seq++),
    occupation: '农民', joinedAt: '2001-07-01', fullAt: '2002-07-01', category: 'full',
  };
  if (phone) body.phone = phone;
  return assertData(await api('POST', '/api/v1/members', { token, body }), 201).id;
}

/** Issues slips for chosen members of villageA as secretary A; returns the items. */
async function slips(memberIds, token = tS, org = villageA) {
  return assertData(await api('POST', `/api/v1/orgs/${org}/activation-codes`, { token, body: { memberIds } })).items;
}

const activate = (body) => api('POST', '/api/v1/auth/activate', { body });

describe('accounts for the whole roster', () => {
  test('every demo member has an account linked to the record, with the member role (or a secretary role there)', () => {
    assert.equal(one(`SELECT COUNT(*) FROM members m WHERE m.status IN ('normal','retired','temporarily_out')
      AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id)`), '0');
    assert.equal(one(`SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id WHERE NOT EXISTS
      (SELECT 1 FROM roles r WHERE r.account_id = a.id AND r.org_id = m.org_id AND r.deleted_at IS NULL)`), '0');
    // The secretaries hold their own role there, not a second one.
    assert.equal(one(`SELECT GROUP_CONCAT(r.role) FROM roles r JOIN accounts a ON a.id = r.account_id
      WHERE a.member_id = ${who.secretaryA.memberId} AND r.deleted_at IS NULL`), 'branch_secretary');
  });

  test('a member added gets an account that cannot sign in yet; with their phone on it', async () => {
    const id = await addMember(villageA, '新增甲', '13700001001');
    const [n, pw, activated, tail] = one(`SELECT COUNT(*), password_hash IS NULL, activated_at IS NULL, phone_tail
      FROM accounts WHERE member_id = ${id}`).split('|');
    assert.deepEqual([n, pw, activated, tail], ['1', '1', '1', '1001']);
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: '13700001001', password: 'whatever-1' } }), 401,
      'auth.bad_credentials');
    // No password typed by anyone, no code yet: the pending list shows the member to hand a slip to.
    const pending = assertData(await api('GET', `/api/v1/orgs/${villageA}/activation?limit=200`, { token: tS }));
    const mine = pending.items.find((p) => p.memberId === id);
    assert.deepEqual({ ...mine, orgName: undefined },
      { memberId: id, name: '新增甲', orgId: villageA, orgName: undefined, hasPhone: true, codeExpiresAt: null });
    assert.ok(!pending.items.some((p) => p.memberId === who.secretaryA.memberId), 'activated ones are not listed');
  });

  test('an imported member gets an account too', async () => {
    const birth = '1966-06-06';
    const csv = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点\r\n' +
      `导入账号,男,${birth},${idNumber(birth, true, 77)},农民,1998-07-01,1999-07-01,正式党员,否,\r\n`;
    assertData(await api('POST', `/api/v1/imports?orgId=${villageA}`, {
      token: tS, body: Buffer.from(csv), headers: { 'Content-Type': 'text/csv' },
    }), 201);
    assert.equal(one(`SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id
      WHERE m.name = '导入账号' AND a.phone_tail = '' AND a.activated_at IS NULL`), '1');
  });

  test('a phone changed on the record moves to the account until activated (not one another account holds); so does the name', async () => {
    const id = await addMember(villageA, '换号', '13700001002');
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { phone: '13700001003' } }));
    assert.equal(one(`SELECT phone_tail FROM accounts WHERE member_id = ${id}`), '1003');
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { phone: who.secretaryA.phone } }));
    assert.equal(one(`SELECT phone_tail FROM accounts WHERE member_id = ${id}`), '1003');
    // The name follows the record too, at once for a signed-in member.
    const [slip] = await slips([id]);
    const s = assertData(await activate({ code: slip.code, password: 'rename-password-1' }));
    assert.equal(assertData(await api('GET', '/api/v1/me', { token: s.token })).name, '换号');
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { name: '换号改名' } }));
    assert.equal(one(`SELECT name FROM accounts WHERE member_id = ${id}`), '换号改名');
    assert.equal(assertData(await api('GET', '/api/v1/me', { token: s.token })).name, '换号改名');
    // Once activated, the sign-in phone is the member's own: a record edit does not move it.
    assertData(await api('PATCH', `/api/v1/members/${id}`, { token: tS, body: { phone: '13700001009' } }));
    assert.equal(one(`SELECT phone_tail FROM accounts WHERE member_id = ${id}`), '1003');
    assertData(await api('POST', '/api/v1/auth/login', { body: { phone: '13700001003', password: 'rename-password-1' } }));
  });

  test('a member already holding an account by phone keeps it (linked, not duplicated)', async () => {
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', '13700001004', '--name', '先有账号',
      '--password', 'first-password-1']);
    assert.equal(r.status, 0, r.stderr);
    const before = one('SELECT COUNT(*) FROM accounts');
    const id = await addMember(villageA, '先有账号', '13700001004');
    assert.equal(one('SELECT COUNT(*) FROM accounts'), before);
    assert.equal(one(`SELECT phone_tail || ':' || (activated_at IS NOT NULL) FROM accounts WHERE member_id = ${id}`), '1004:1');
  });

  test('leaving the roster ends the member role and the open code; a transfer-like move follows the member', async () => {
    const id = await addMember(villageA, '离开', '13700001005');
    const [slip] = await slips([id]);
    assertData(await api('POST', `/api/v1/members/${id}/status`, {
      token: tS, body: { status: 'left', date: '2020-01-01', reason: '测试' },
    }));
    assert.equal(one(`SELECT COUNT(*) FROM roles r JOIN accounts a ON a.id = r.account_id
      WHERE a.member_id = ${id} AND r.deleted_at IS NULL`), '0');
    assertError(await activate({ code: slip.code, password: 'new-password-1' }), 400, 'activation.bad_code');
    // Not on a roster: no new code either.
    assertError(await api('POST', `/api/v1/members/${id}/activation`, { token: tS, body: {} }), 409, 'member.not_on_roster');
  });
});

describe('activation codes and slips', () => {
  test('slips for a branch: a code, a QR code of the activation link, the expiry; no code twice', async () => {
    const a = await addMember(villageA, '单甲', '13700002001');
    const b = await addMember(villageA, '单乙');
    const all = assertData(await api('POST', `/api/v1/orgs/${villageA}/activation-codes`, { token: tS, body: {} }));
    const items = all.items.filter((s) => s.memberId === a || s.memberId === b);
    assert.equal(items.length, 2);
    for (const s of items) {
      assert.match(s.code, /^\d{4} \d{4} \d{4}$/);
      assert.ok(s.url.endsWith(`/#/activate/${s.code.replace(/ /g, '')}`), s.url);
      assert.match(s.qrSvg, /<svg[\s\S]*<\/svg>/);
      assert.ok(Date.parse(s.expiresAt) > Date.now() + 29 * 86400e3);
      assert.equal(s.orgId, villageA);
    }
    assert.ok(!all.items.some((s) => s.memberId === who.secretaryA.memberId), 'no slip for an activated member');
    // The link is under the listen address (public_url unset), never the request's Host.
    for (const s of items) assert.ok(s.url.startsWith(`http://127.0.0.1:${srv.port}/#/activate/`), s.url);
    assert.ok(all.skipped >= 1);
    // Only hashes are stored, never the code.
    const code = items[0].code.replace(/ /g, '');
    assert.equal(sqlite(db, '.dump activation_codes').stdout.includes(code), false);
    // The audit row counts codes, never carries one.
    const row = one("SELECT detail FROM audit_log WHERE action = 'access.codes_issue' ORDER BY id DESC LIMIT 1");
    assert.match(row, /codes by slip/);
    assert.equal(row.includes(code), false);
    // Issued again: the old code is dead, the new one works.
    const [again] = await slips([a]);
    assertError(await activate({ code: items.find((s) => s.memberId === a).code, password: 'new-password-1' }), 400, 'activation.bad_code');
    assert.notEqual(again.code, items.find((s) => s.memberId === a).code);
  });

  test('a secretary outside the branch: another branch or a missing one is not found, alike', async () => {
    const id = await addMember(villageA, '外部', '13700002002');
    const other = await api('POST', `/api/v1/orgs/${villageA}/activation-codes`, { token: tSB, body: { memberIds: [id] } });
    const missing = await api('POST', '/api/v1/orgs/999999/activation-codes', { token: tSB, body: { memberIds: [id] } });
    assertError(other, 404, 'org.not_found');
    assert.equal(other.text, missing.text);
    const r1 = await api('POST', `/api/v1/members/${id}/activation`, { token: tSB, body: {} });
    const r2 = await api('POST', '/api/v1/members/99999999/activation', { token: tSB, body: {} });
    assertError(r1, 404, 'member.not_found');
    assert.equal(r1.text, r2.text);
    // Naming a member of another branch in one's own: not on this roster, as a missing one.
    const a = await api('POST', `/api/v1/orgs/${villageB}/activation-codes`, { token: tSB, body: { memberIds: [id] } });
    const b = await api('POST', `/api/v1/orgs/${villageB}/activation-codes`, { token: tSB, body: { memberIds: [99999999] } });
    assertError(a, 409, 'member.not_on_roster');
    assert.equal(a.text, b.text);
    // A plain member may not issue codes.
    const tM = (await srv.login(who.member)).token;
    assertError(await api('POST', `/api/v1/orgs/${villageA}/activation-codes`, { token: tM, body: {} }), 404, 'org.not_found');
  });

  test('activate: the code, then a password: signed in; the code is used up; the password works', async () => {
    const id = await addMember(villageA, '激活甲', '13700003001');
    const [slip] = await slips([id]);
    const res = await activate({ code: slip.code.replace(/ /g, '-'), password: 'my-own-password-1' });
    const d = assertData(res);
    assert.equal(d.user.member.id, id);
    assert.deepEqual(d.user.roles.map((r) => [r.role, r.orgId]), [['member', villageA]]);
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('zhibu_session=')));
    assertError(await activate({ code: slip.code, password: 'my-own-password-2' }), 400, 'activation.bad_code');
    assertData(await api('POST', '/api/v1/auth/login', { body: { phone: '13700003001', password: 'my-own-password-1' } }));
    assert.equal(one(`SELECT activated_at IS NOT NULL, sms_only FROM accounts WHERE member_id = ${id}`), '1|0');
    assert.equal(one(`SELECT COUNT(*) FROM audit_log l JOIN accounts a ON l.target = 'account:' || a.id
      WHERE l.action = 'access.activate' AND l.result = 'ok' AND a.member_id = ${id}`), '1');
  });

  test('activate without a phone on the record: the phone is asked, then becomes the sign-in phone', async () => {
    const id = await addMember(villageA, '无手机');
    const [slip] = await slips([id]);
    assertError(await activate({ code: slip.code }), 400, 'activation.phone_required', 'phone');
    // A phone another account holds: refused, nothing stored, the code still usable.
    assertError(await activate({ code: slip.code, phone: who.secretaryA.phone, password: 'my-own-password-1' }), 409,
      'activation.phone_taken', 'phone');
    assert.equal(one(`SELECT phone_tail || ':' || (activated_at IS NULL) || ':' || (password_hash IS NULL)
      FROM accounts WHERE member_id = ${id}`), ':1:1');
    // SMS sign-in only: no password.
    const d = assertData(await activate({ code: slip.code, phone: '13700003002' }));
    assert.equal(d.user.member.id, id);
    assert.equal(one(`SELECT phone_tail || ':' || sms_only || ':' || (password_hash IS NULL) FROM accounts
      WHERE member_id = ${id}`), '3002:1:1');
  });

  test('re-issue for a member who lost their phone: audited, sessions end, the new code sets a new password', async () => {
    const id = await addMember(villageA, '丢手机', '13700003003');
    const [slip] = await slips([id]);
    const s = assertData(await activate({ code: slip.code, password: 'old-password-1' }));
    assertData(await api('GET', '/api/v1/me', { token: s.token }));
    // Without the confirmation nothing happens: the member uses the account.
    assertError(await api('POST', `/api/v1/members/${id}/activation`, { token: tS, body: {} }), 409, 'activation.active');
    assertData(await api('GET', '/api/v1/me', { token: s.token }));
    const r = assertData(await api('POST', `/api/v1/members/${id}/activation`, { token: tS, body: { lostPhone: true } }));
    assert.equal(r.items.length, 1);
    assertError(await api('GET', '/api/v1/me', { token: s.token }), 401, 'auth.required');
    assert.match(one(`SELECT detail FROM audit_log WHERE action = 'access.code_reissue' ORDER BY id DESC LIMIT 1`),
      /sessions ended/);
    assertData(await activate({ code: r.items[0].code, password: 'new-password-1' }));
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone: '13700003003', password: 'old-password-1' } }), 401,
      'auth.bad_credentials');
    // An account with a role beyond member is not reset by a slip.
    assertError(await api('POST', `/api/v1/members/${who.secretaryA.memberId}/activation`, { token: tC, body: { lostPhone: true } }), 403,
      'auth.forbidden');
  });

  test('a code of a disabled account, an expired code, a malformed one: all the same answer', async () => {
    const id = await addMember(villageA, '停用', '13700003004');
    const [slip] = await slips([id]);
    const r = srv.run(['user', 'disable', '--data', srv.dataDir, '--phone', '13700003004']);
    assert.equal(r.status, 0, r.stderr);
    const disabled = await activate({ code: slip.code, password: 'new-password-1' });
    assertError(disabled, 400, 'activation.bad_code');
    const id2 = await addMember(villageA, '过期', '13700003005');
    const [slip2] = await slips([id2]);
    await srv.advanceClock(31 * 86400);
    try {
      const expired = await activate({ code: slip2.code, password: 'new-password-1' });
      assertError(expired, 400, 'activation.bad_code');
      assert.equal(expired.text, disabled.text);
      const malformed = await activate({ code: '12ab', password: 'new-password-1' });
      assert.equal(malformed.text, disabled.text);
    } finally {
      await srv.setClockSkew(0);
    }
  });
});

/** The newest SMS of a kind queued for an account or a member: its variables. */
const lastSms = (kind, where) => {
  const v = one(`SELECT vars FROM sms_outbox WHERE kind = '${kind}' AND ${where} ORDER BY id DESC LIMIT 1`);
  return v ? JSON.parse(v) : null;
};
const accountOf = (memberId) => Number(one(`SELECT id FROM accounts WHERE member_id = ${memberId}`));
const smsCode = (body) => api('POST', '/api/v1/auth/sms-code', { body });

describe('activation by SMS', () => {
  test('codes go to the phone on the record, never back to the secretary; no phone: skipped or refused', async () => {
    const a = await addMember(villageA, '短信激活', '13700005001');
    const b = await addMember(villageA, '短信无号');
    const d = assertData(await api('POST', `/api/v1/orgs/${villageA}/activation-codes`, {
      token: tS, body: { memberIds: [a, b], via: 'sms' },
    }));
    assert.deepEqual([d.items.length, d.sent, d.skipped], [0, 1, 1]);
    const [code, days, page] = lastSms('activation', `member_id = ${a}`);
    assert.match(code, /^\d{4} \d{4} \d{4}$/);
    assert.equal(days, '30');
    assert.ok(page.endsWith('/#/activate'), page);
    assert.equal(one(`SELECT COUNT(*) FROM sms_outbox WHERE body LIKE '%${code}%'`), '1');
    assertError(await api('POST', `/api/v1/members/${b}/activation`, { token: tS, body: { via: 'sms' } }), 409,
      'activation.no_phone');
    assertData(await activate({ code, password: 'sms-password-1' }));
  });
});

describe('sign-in by SMS code', () => {
  let phone, member, account;
  before(async () => {
    phone = '13700006001';
    member = await addMember(villageA, '验证码', phone);
    const [slip] = await slips([member]);
    assertData(await activate({ code: slip.code, password: 'code-password-1' }));
    account = accountOf(member);
  });

  test('request a code: six digits to the phone; an unknown phone gets the same answer and nothing is sent', async () => {
    const known = await smsCode({ phone });
    const unknown = await smsCode({ phone: '13700006999' });
    assertData(known);
    assert.equal(known.text, unknown.text);
    const [code, minutes] = lastSms('login_code', `account_id = ${account}`);
    assert.match(code, /^\d{6}$/);
    assert.equal(minutes, '5');
    assert.equal(one(`SELECT COUNT(*) FROM sms_outbox WHERE phone_mask LIKE '%6999'`), '0');
    // Stored hashed only.
    assert.equal(sqlite(db, '.dump sms_codes').stdout.includes(code), false);
    // One a minute per phone, known or not: the same throttled answer.
    const again = await smsCode({ phone });
    const againUnknown = await smsCode({ phone: '13700006999' });
    assertError(again, 429, 'auth.throttled');
    assert.equal(again.text, againUnknown.text);
  });

  test('sign in with the code: a session like a password login; the code works once', async () => {
    const [code] = lastSms('login_code', `account_id = ${account}`);
    const res = await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: code } });
    const d = assertData(res);
    assert.equal(d.user.member.id, member);
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('zhibu_session=')));
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('zhibu_device=')));
    assertData(await api('GET', '/api/v1/me', { token: d.token }));
    assertError(await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: code } }), 401, 'auth.bad_sms_code');
    assert.match(one(`SELECT detail FROM audit_log WHERE action = 'auth.login' AND target = 'account:${account}'
      AND result = 'ok' ORDER BY id DESC LIMIT 1`), /by SMS code/);
  });

  test('wrong codes: the same answer as an unknown phone; the code dies after five', async () => {
    await srv.advanceClock(61);
    assertData(await smsCode({ phone }));
    const [code] = lastSms('login_code', `account_id = ${account}`);
    const wrong = code === '000000' ? '000001' : '000000';
    const unknownRes = await api('POST', '/api/v1/auth/sms-login', { body: { phone: '13700006999', smsCode: wrong } });
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: wrong } });
      assertError(r, 401, 'auth.bad_sms_code');
      assert.equal(r.text, unknownRes.text);
    }
    assertError(await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: code } }), 401, 'auth.bad_sms_code');
    assert.equal(one(`SELECT failures FROM sms_codes WHERE account_id = ${account} ORDER BY id DESC LIMIT 1`), '5');
  });

  test('an expired code, a code of a disabled account: refused alike', async () => {
    await srv.advanceClock(61);
    assertData(await smsCode({ phone }));
    const [code] = lastSms('login_code', `account_id = ${account}`);
    await srv.advanceClock(301);
    assertError(await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: code } }), 401, 'auth.bad_sms_code');
    // A disabled account is sent nothing.
    const other = await addMember(villageA, '停用短信', '13700006002');
    const [slip] = await slips([other]);
    assertData(await activate({ code: slip.code, password: 'code-password-1' }));
    assert.equal(srv.run(['user', 'disable', '--data', srv.dataDir, '--phone', '13700006002']).status, 0);
    const n = one('SELECT COUNT(*) FROM sms_outbox');
    assertData(await smsCode({ phone: '13700006002' }));
    assert.equal(one('SELECT COUNT(*) FROM sms_outbox'), n);
  });

  test('forgotten password: an SMS code sets a new one and ends every session; a login code cannot', async () => {
    await srv.advanceClock(61);
    const s = assertData(await api('POST', '/api/v1/auth/login', { body: { phone, password: 'code-password-1' } }));
    assertData(await smsCode({ phone, purpose: 'login' }));
    const [loginCode] = lastSms('login_code', `account_id = ${account}`);
    assertError(await api('POST', '/api/v1/auth/reset-password', { body: { phone, smsCode: loginCode, newPassword: 'reset-password-1' } }),
      401, 'auth.bad_sms_code');
    await srv.advanceClock(61);
    assertData(await smsCode({ phone, purpose: 'reset' }));
    const [code] = lastSms('login_code', `account_id = ${account}`);
    // A password too short: refused before anything is used up.
    assertError(await api('POST', '/api/v1/auth/reset-password', { body: { phone, smsCode: code, newPassword: 'short' } }),
      400, 'request.invalid', 'newPassword');
    assertData(await api('POST', '/api/v1/auth/reset-password', { body: { phone, smsCode: code, newPassword: 'reset-password-1' } }));
    assertError(await api('GET', '/api/v1/me', { token: s.token }), 401, 'auth.required');
    assertError(await api('POST', '/api/v1/auth/login', { body: { phone, password: 'code-password-1' } }), 401, 'auth.bad_credentials');
    assertData(await api('POST', '/api/v1/auth/login', { body: { phone, password: 'reset-password-1' } }));
    assertError(await api('POST', '/api/v1/auth/reset-password', { body: { phone, smsCode: code, newPassword: 'reset-password-2' } }),
      401, 'auth.bad_sms_code');
  });

  test('an account with a second factor still needs it after the SMS code', async () => {
    const { skew } = await srv.advanceClock(3600); // past the hour's five codes for the phone
    const t = assertData(await api('POST', '/api/v1/auth/login', { body: { phone, password: 'reset-password-1' } })).token;
    const e = assertData(await api('POST', '/api/v1/me/totp', { token: t, body: {} }));
    const now = () => Date.now() / 1000 + skew;
    assertData(await api('POST', '/api/v1/me/totp/confirm', { token: t, body: { code: totp(e.secret, now()) } }));
    assertData(await smsCode({ phone }));
    const [code] = lastSms('login_code', `account_id = ${account}`);
    assertError(await api('POST', '/api/v1/auth/sms-login', { body: { phone, smsCode: code } }), 401, 'auth.code_required');
    // The SMS code was used up by the refused attempt? No: nothing is stored half-way.
    assert.equal(one(`SELECT used_at IS NULL FROM sms_codes WHERE account_id = ${account} ORDER BY id DESC LIMIT 1`), '1');
    const d = assertData(await api('POST', '/api/v1/auth/sms-login', {
      body: { phone, smsCode: code, code: totp(e.secret, now() + 30) },
    }));
    assert.equal(d.user.member.id, member);
  });
});

describe('figures per branch', () => {
  test('members, accounts, activated, active in 30/90 days, never used: per child, counts only', async () => {
    const township = who.townshipAdmin.orgId;
    const d = assertData(await api('GET', `/api/v1/orgs/${township}/access`, { token: tC }));
    for (const k of ['members', 'accounts', 'activated', 'active30', 'active90', 'neverUsed'])
      assert.equal(typeof d[k], 'number', k);
    // Every member on the roster has an account; a disabled one (the test above) is not counted.
    const disabled = Number(one(`SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id
      WHERE a.disabled_at IS NOT NULL AND m.status IN ('normal','retired','temporarily_out')`));
    assert.equal(d.accounts, d.members - disabled);
    const a = d.children.find((c) => c.id === villageA);
    assert.ok(a.activated >= 3, JSON.stringify(a));
    assert.ok(a.active90 >= a.active30);
    assert.equal(d.children.reduce((s, c) => s + c.members, 0), d.members);
    assert.ok(!JSON.stringify(d).includes('激活甲'), 'no names');
    // A member who reads a notice becomes active; activated members who did nothing are never-used.
    const before = a.neverUsed;
    const id = await addMember(villageA, '看通知', '13700004001');
    const [slip] = await slips([id]);
    const s = assertData(await activate({ code: slip.code, password: 'reader-password-1' }));
    const d2 = assertData(await api('GET', `/api/v1/orgs/${villageA}/access`, { token: tS }));
    assert.equal(d2.neverUsed, before + 1);
    const feed = assertData(await api('GET', '/api/v1/feed', { token: s.token }));
    const n = feed.items.find((i) => i.kind === 'notice') ?? feed.items[0];
    assert.ok(n, `the demo feed has a notice: ${JSON.stringify(feed).slice(0, 300)}`);
    assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: s.token }));
    const d3 = assertData(await api('GET', `/api/v1/orgs/${villageA}/access`, { token: tS }));
    assert.equal(d3.neverUsed, before);
    assert.equal(d3.active30, d2.active30 + 1);
    // Outside the subtree: like a missing organisation.
    assertError(await api('GET', `/api/v1/orgs/${villageA}/access`, { token: tSB }), 404, 'org.not_found');
  });
});

describe('a bulk load', () => {
  test('leaves the accounts to the member_accounts job, which makes them in batches', async () => {
    const file = join(tmpdir(), `zhibu-bulk-${process.pid}.csv`);
    const place = '广东省深圳市宝安区西乡街道'.repeat(7); // long rows: a bulk load by size
    const rows = ['姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点'];
    for (let k = 0; rows.length <= 20001; k++) {
      const birth = new Date(Date.UTC(1950, 0, 1 + Math.floor(k / 1000)) ).toISOString().slice(0, 10);
      const male = k % 2 === 0;
      rows.push(`批量${k},${male ? '男' : '女'},${birth},${idNumber(birth, male, Math.floor((k % 1000) / 2))},外出务工,1998-07-01,1999-07-01,正式党员,是,${place}`);
    }
    writeFileSync(file, rows.join('\r\n') + '\r\n');
    let s3;
    try {
      s3 = await startServer({
        setup: async (dir) => {
          const r = srv.run(['import', '--data', dir, '--org', String(who.secretaryA.orgId), '--file', file]);
          assert.equal(r.status, 0, r.stderr);
          const n = sqlite(join(dir, 'zhibu.db'), "SELECT COUNT(*) FROM members m WHERE m.name LIKE '批量%' AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id)").stdout.trim();
          assert.equal(n, '20001', 'the bulk load made no accounts itself');
        },
      });
      const made = () => Number(sqlite(join(s3.dataDir, 'zhibu.db'),
        "SELECT COUNT(*) FROM accounts a JOIN members m ON m.id = a.member_id WHERE m.name LIKE '批量%'").stdout.trim());
      assert.ok(made() >= 2000, 'a batch at start-up');
      // The next batch within the job's interval (10 s).
      const first = made();
      for (let i = 0; i < 30 && made() === first; i++) await new Promise((r) => setTimeout(r, 500));
      assert.ok(made() >= first + 2000, `another batch: ${first} -> ${made()}`);
    } finally {
      await s3?.stop();
      rmSync(file, { force: true });
    }
  });
});

test('links on slips and in SMS are under public_url, a forged Host header never makes one; code lifetimes as configured', async () => {
  const s4 = await startServer({ config: ['public_url = https://zhibu.example.gov.cn/', 'activation_code_days = 7', 'login_code_minutes = 2'] });
  try {
    const t = (await s4.login(s4.who.secretaryA)).token;
    const id = assertData(await s4.api('POST', '/api/v1/members', {
      token: t,
      body: { orgId: s4.who.secretaryA.orgId, name: '链接', gender: 'male', birthDate: '1971-01-01',
        idNumber: idNumber('1971-01-01', true, 93), occupation: '农民', joinedAt: '2001-07-01', fullAt: '2002-07-01',
        category: 'full', phone: '13700002999' },
    }), 201).id;
    const r = await httpRequest(s4.port, 'POST', `/api/v1/orgs/${s4.who.secretaryA.orgId}/activation-codes`, {
      token: t, headers: { Host: 'evil.example', 'Content-Type': 'application/json' }, body: JSON.stringify({ memberIds: [id] }),
    });
    assert.equal(r.status, 200, r.text);
    const [slip] = r.json.data.items;
    assert.equal(slip.url, `https://zhibu.example.gov.cn/#/activate/${slip.code.replace(/ /g, '')}`);
    assert.ok(!r.text.includes('evil.example'));
    // The activation SMS carries the page under public_url too.
    const sent = await httpRequest(s4.port, 'POST', `/api/v1/members/${id}/activation`, {
      token: t, headers: { Host: 'evil.example', 'Content-Type': 'application/json' }, body: JSON.stringify({ via: 'sms' }),
    });
    assert.ok(sent.status < 300, sent.text);
    const body = sqlite(join(s4.dataDir, 'zhibu.db'), "SELECT body FROM sms_outbox WHERE kind = 'activation' ORDER BY id DESC LIMIT 1").stdout;
    assert.match(body, /https:\/\/zhibu\.example\.gov\.cn\/#\/activate/);
    assert.ok(!body.includes('evil.example'));
    // activation_code_days = 7: the slip and the SMS say so; login_code_minutes = 2.
    assert.ok(Date.parse(slip.expiresAt) < Date.now() + 7 * 86400e3 + 60e3 && Date.parse(slip.expiresAt) > Date.now() + 6.9 * 86400e3, slip.expiresAt);
    assert.match(body, /7天内有效/);
    assert.equal(assertData(await s4.api('POST', '/api/v1/auth/sms-code', { body: { phone: '13700002998' } })).expiresIn, 120);
  } finally {
    await s4.stop();
  }
});

describe('throttles', () => {
  test('guessing activation codes from one source is throttled, a right code too then', async () => {
    const s2 = await startServer({ config: ['login_max_failures = 3'] });
    try {
      const t = (await s2.login(s2.who.secretaryA)).token;
      const id = assertData(await s2.api('POST', '/api/v1/members', {
        token: t,
        body: { orgId: s2.who.secretaryA.orgId, name: '限流', gender: 'male', birthDate: '1970-01-01',
          idNumber: idNumber('1970-01-01', true, 91), occupation: '农民', joinedAt: '2001-07-01', fullAt: '2002-07-01',
          category: 'full' },
      }), 201).id;
      const [slip] = assertData(await s2.api('POST', `/api/v1/orgs/${s2.who.secretaryA.orgId}/activation-codes`,
        { token: t, body: { memberIds: [id] } })).items;
      for (let i = 0; i < 3; i++)
        assertError(await s2.api('POST', '/api/v1/auth/activate', { body: { code: `0000 0000 000${i}`, password: 'x-password-1' } }),
          400, 'activation.bad_code');
      assertError(await s2.api('POST', '/api/v1/auth/activate', { body: { code: slip.code, password: 'x-password-1' } }),
        429, 'auth.throttled');
      // SMS codes: guessing a phone's code counts in its window (shared with passwords).
      for (let i = 0; i < 3; i++)
        assertError(await s2.api('POST', '/api/v1/auth/sms-login', { body: { phone: s2.who.member.phone, smsCode: '123456' } }),
          401, 'auth.bad_sms_code');
      assertError(await s2.api('POST', '/api/v1/auth/sms-login', { body: { phone: s2.who.member.phone, smsCode: '123456' } }),
        429, 'auth.throttled');
      // Asking for codes: thirty an hour from one source address, whatever the numbers.
      for (let i = 0; i < 30; i++)
        assertData(await s2.api('POST', '/api/v1/auth/sms-code', { body: { phone: `1370000${String(7000 + i)}` } }));
      assertError(await s2.api('POST', '/api/v1/auth/sms-code', { body: { phone: '13700007999' } }), 429, 'auth.throttled');
    } finally {
      await s2.stop();
    }
  });
});
