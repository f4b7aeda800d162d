// notices.test.mjs - announcements: publish to a subtree (all members, roles,
// chosen members), the home feed, exact read/acknowledgement counts per branch,
// reminders after the deadline (test clock), edits and retractions reaching
// everyone who received the original, bad input, scope, idempotent replay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db;
let tT, tS, tSB, tM, tG, tC;
let township, villageA, villageB;

const one = (sql) => sqlite(db, sql).stdout.trim();
const publish = (token, body, headers) => api('POST', '/api/v1/notices', { token, body, headers });
const feed = async (token, q = '') => assertData(await api('GET', `/api/v1/feed${q}`, { token }));
const bareIds = (org, n) => one(`SELECT group_concat(id) FROM (SELECT m.id FROM members m WHERE m.org_id = ${org} AND m.deleted_at IS NULL AND m.status = 'normal' AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id AND a.activated_at IS NOT NULL) LIMIT ${n})`).split(',').map(Number);
const report = async (id, org) => assertData(await api('GET', `/api/v1/notices/${id}/report${org ? `?orgId=${org}` : ''}`, { token: tT }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  tT = (await srv.login(who.townshipAdmin)).token;
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tM = (await srv.login(who.member)).token;
  tG = (await srv.login(who.migrant)).token;
  tC = (await srv.login(who.countyAdmin)).token;
  township = who.townshipAdmin.orgId;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
});

after(async () => {
  await srv?.stop();
});

describe('publish and the feed', () => {
  let n;

  test('township admin publishes to the township: 201 with the audience, priority and attachments', async () => {
    // A stored file (tests/api/files.test.mjs): one chunk of a tiny PDF.
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    const u = assertData(await api('POST', '/api/v1/uploads', { token: tT, body: { orgId: township, name: '签到表.pdf', size: pdf.length } }), 201);
    const file = assertData(await api('PATCH', `/api/v1/uploads/${u.id}`, {
      token: tT, body: pdf, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' },
    })).file;
    n = assertData(await publish(tT, {
      orgId: township, title: '关于开展主题党日活动的通知', text: '各村党支部：\n请于本月15日组织主题党日。',
      priority: 'important', attachments: [{ name: '活动方案.pdf', url: 'https://example.org/a.pdf' }, { name: '签到表', fileId: file.id }],
    }), 201);
    assert.deepEqual(n.attachments[1], { name: '签到表', fileId: file.id, size: pdf.length, type: 'application/pdf', kind: 'pdf' });
    assert.equal(n.kind, 'notice');
    assert.equal(n.state, 'published');
    assert.equal(n.priority, 'important');
    assert.equal(n.text, '各村党支部：\n请于本月15日组织主题党日。');
    assert.deepEqual(n.audience, { orgId: township, roles: [], chosen: false });
    assert.equal(n.attachments.length, 2);
    assert.equal(n.canManage, true);
  });

  test('one row whatever the audience size: no row per member is written', async () => {
    assert.equal(one(`SELECT COUNT(*) FROM notices WHERE id = ${n.id}`), '1');
    assert.equal(one(`SELECT COUNT(*) FROM notice_marks WHERE notice_id = ${n.id}`), '0');
  });

  test('a member of a village in the township sees it unread, with the badge count', async () => {
    const f = await feed(tM);
    const item = f.items.find((i) => i.id === n.id);
    assert.ok(item, 'in the feed');
    assert.equal(item.read, false);
    assert.equal(item.org.id, township);
    assert.ok(f.unread >= 1);
    const u = assertData(await api('GET', '/api/v1/feed/unread', { token: tM }));
    assert.equal(u.unread, f.unread);
  });

  test('a secretary of another township does not see it; GET answers like a missing notice', async () => {
    const f = await feed(tSB);
    assert.ok(!f.items.some((i) => i.id === n.id));
    const r = await api('GET', `/api/v1/notices/${n.id}`, { token: tSB });
    const missing = await api('GET', '/api/v1/notices/99999999', { token: tSB });
    assertError(r, 404, 'notice.not_found');
    assert.equal(r.text, missing.text);
  });

  test('reading marks it read, once; the unread count drops', async () => {
    const before = (await feed(tM)).unread;
    const r1 = assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: tM }));
    const r2 = assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: tM }));
    assert.equal(r1.readAt, r2.readAt);
    const f = await feed(tM);
    assert.equal(f.items.find((i) => i.id === n.id).read, true);
    assert.equal(f.unread, before - 1);
  });

  test('the feed is cached per caller until the next write; a read retires it', async () => {
    const hits = async () => Number(/zhibu_cache_hits_total (\d+)/.exec((await api('GET', '/metrics')).text)[1]);
    const a = await feed(tM);
    const h0 = await hits();
    assert.deepEqual(await feed(tM), a);
    assert.equal(await hits(), h0 + 1, 'the second answer came from the cache');
    // Another caller with the same request gets their own feed, not the member's.
    const other = await feed(tSB);
    assert.ok(!other.items.some((i) => i.id === n.id));
    // A read is a write: the member's next feed is fresh.
    const x = assertData(await publish(tT, { orgId: township, title: '缓存测试', text: '正文' }), 201);
    assert.equal((await feed(tM)).items.find((i) => i.id === x.id).read, false);
    assertData(await api('POST', `/api/v1/notices/${x.id}/read`, { token: tM }));
    assert.equal((await feed(tM)).items.find((i) => i.id === x.id).read, true);
  });

  test('pinned first, then newest; cursor paging', async () => {
    const p = assertData(await publish(tT, { orgId: township, title: '置顶通知', text: '置顶', pinned: true }), 201);
    const later = assertData(await publish(tT, { orgId: township, title: '最新通知', text: '最新' }), 201);
    const f = await feed(tM, '?limit=2');
    assert.deepEqual(f.items.map((i) => i.id), [p.id, later.id]);
    assert.ok(f.next);
    const f2 = await feed(tM, `?limit=2&after=${f.next}`);
    assert.ok(f2.items.length >= 1);
    assert.ok(!f2.items.some((i) => [p.id, later.id].includes(i.id)));
    assertError(await api('GET', '/api/v1/feed?after=!!', { token: tM }), 400, 'request.invalid', 'after');
  });

  test('the manager list shows it with counts', async () => {
    const l = assertData(await api('GET', `/api/v1/notices?orgId=${township}`, { token: tT }));
    const item = l.items.find((i) => i.id === n.id);
    assert.equal(item.readCount, 1);
    assert.equal(item.ackCount, 0);
  });
});

describe('audiences', () => {
  test('roles: a notice to branch secretaries of the county reaches secretary A, not a plain member', async () => {
    const n = assertData(await publish(tC, { orgId: who.countyAdmin.orgId, title: '书记会议', text: '请各支部书记参会', roles: ['branch_secretary'] }), 201);
    assert.deepEqual(n.audience.roles, ['branch_secretary']);
    assert.ok((await feed(tS)).items.some((i) => i.id === n.id));
    assert.ok((await feed(tSB)).items.some((i) => i.id === n.id));
    assert.ok(!(await feed(tM)).items.some((i) => i.id === n.id));
    assertError(await api('GET', `/api/v1/notices/${n.id}`, { token: tM }), 404, 'notice.not_found');
  });

  test('roles: the report counts exactly the members holding the role, per organisation', async () => {
    const county = who.countyAdmin.orgId;
    const n = assertData(await publish(tC, { orgId: county, title: '书记确认', text: '请确认', roles: ['branch_secretary'], ackRequired: true }), 201);
    // Members of the county whose account holds branch_secretary on an organisation in it.
    const expected = Number(one(`SELECT COUNT(DISTINCT m.id) FROM members m JOIN accounts a ON a.member_id = m.id JOIN roles r ON r.account_id = a.id AND r.deleted_at IS NULL AND r.role = 'branch_secretary' WHERE m.status = 'normal' AND m.deleted_at IS NULL`));
    assert.ok(expected >= 2);
    assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tS }));
    const r = assertData(await api('GET', `/api/v1/notices/${n.id}/report`, { token: tC }));
    assert.deepEqual([r.org.total, r.org.read, r.org.acked], [expected, 1, 1]);
    const township = r.items.find((i) => i.id === who.townshipAdmin.orgId);
    assert.deepEqual([township.read, township.acked], [1, 1]);
    assert.equal(r.items.reduce((s, i) => s + i.total, 0), expected);
    // The plain member is not a recipient: not on the pending list, and cannot acknowledge.
    const pend = assertData(await api('GET', `/api/v1/notices/${n.id}/members?filter=unacked&limit=200`, { token: tC }));
    assert.equal(pend.items.length, expected - 1);
    assert.ok(!pend.items.some((i) => i.memberId === who.member.memberId));
    assertError(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tM }), 404, 'notice.not_found');
  });

  test('chosen members: only they see it', async () => {
    const n = assertData(await publish(tS, { orgId: villageA, title: '个别通知', text: '请到村委会', memberIds: [who.member.memberId, who.secretaryA.memberId] }), 201);
    assert.equal(n.audience.chosen, true);
    assert.deepEqual([...n.audience.memberIds].sort(), [who.member.memberId, who.secretaryA.memberId].sort());
    // A recipient sees that it was sent to chosen members, not who the others are.
    const seen = assertData(await api('GET', `/api/v1/notices/${n.id}`, { token: tM }));
    assert.equal(seen.audience.chosen, true);
    assert.ok(!('memberIds' in seen.audience), JSON.stringify(seen.audience));
    assert.ok((await feed(tM)).items.some((i) => i.id === n.id));
    assert.ok(!(await feed(tG)).items.some((i) => i.id === n.id));
  });

  test('invalid audiences: unknown role, a member outside the subtree, both, none: 400 with the field, nothing stored', async () => {
    const count = one('SELECT COUNT(*) FROM notices');
    const base = { orgId: villageA, title: '标题', text: '正文' };
    assertError(await publish(tS, { ...base, roles: ['chief'] }), 400, 'request.invalid', 'roles');
    const outside = Number(one(`SELECT id FROM members WHERE org_id = ${villageB} LIMIT 1`));
    assertError(await publish(tS, { ...base, memberIds: [outside] }), 400, 'request.invalid', 'memberIds');
    assertError(await publish(tS, { ...base, memberIds: [who.member.memberId], roles: ['member'] }), 400, 'request.invalid', 'memberIds');
    assertError(await publish(tS, { ...base, memberIds: [] }), 400, 'request.invalid', 'memberIds');
    assertError(await publish(tS, { ...base, memberIds: ['x'] }), 400, 'request.invalid', 'memberIds');
    assertError(await publish(tS, { ...base, roles: 'member' }), 400, 'request.invalid', 'roles');
    assert.equal(one('SELECT COUNT(*) FROM notices'), count);
  });
});

describe('bad input and scope', () => {
  const base = () => ({ orgId: villageA, title: '标题', text: '正文' });

  test('empty, blank and oversized text and title: 400 with the field; nothing stored', async () => {
    const count = one('SELECT COUNT(*) FROM notices');
    assertError(await publish(tS, { ...base(), text: '' }), 400, 'request.invalid', 'text');
    assertError(await publish(tS, { ...base(), text: ' \n\u3000 ' }), 400, 'request.invalid', 'text');
    assertError(await publish(tS, { ...base(), text: '字'.repeat(5001) }), 400, 'request.invalid', 'text');
    assertError(await publish(tS, { ...base(), title: '' }), 400, 'request.invalid', 'title');
    assertError(await publish(tS, { ...base(), title: '题'.repeat(101) }), 400, 'request.invalid', 'title');
    assertError(await publish(tS, { orgId: villageA, title: '标题' }), 400, 'request.invalid', 'text');
    assertError(await publish(tS, { ...base(), priority: 'huge' }), 400, 'request.invalid', 'priority');
    assertError(await publish(tS, { ...base(), attachments: [{ name: 'x', url: 'javascript:alert(1)' }] }), 400, 'request.invalid', 'attachments');
    assertError(await publish(tS, { ...base(), attachments: [{ name: 'x' }] }), 400, 'request.invalid', 'attachments');
    assertError(await publish(tS, { ...base(), attachments: [{ name: 'a\u0000b', url: 'https://a' }] }), 400, 'request.bad_json');
    assertError(await publish(tS, { ...base(), attachments: Array(11).fill({ name: 'x', url: 'https://a' }) }), 400, 'request.invalid', 'attachments');
    assertError(await publish(tS, { ...base(), ackDeadline: '2099-01-01' }), 400, 'request.invalid', 'ackDeadline');
    assertError(await publish(tS, { ...base(), ackRequired: true, ackDeadline: '2001-01-01' }), 400, 'request.invalid', 'ackDeadline');
    assertError(await publish(tS, { ...base(), extra: 1 }), 400, 'request.unknown_field');
    assert.equal(one('SELECT COUNT(*) FROM notices'), count);
  });

  test('5000 characters are accepted', async () => {
    assertData(await publish(tS, { ...base(), text: '字'.repeat(5000) }), 201);
  });

  test('out of scope: a secretary publishing to the township, a member publishing at all: 404 org.not_found', async () => {
    assertError(await publish(tS, { ...base(), orgId: township }), 404, 'org.not_found');
    assertError(await publish(tM, base()), 404, 'org.not_found');
    assertError(await publish(tSB, base()), 404, 'org.not_found');
  });

  test('managing a notice outside one\'s subtree answers like a missing one', async () => {
    const n = assertData(await publish(tT, { orgId: township, title: '镇通知', text: '正文', ackRequired: true }), 201);
    for (const [m, p, body] of [['GET', `/api/v1/notices/${n.id}/report`], ['GET', `/api/v1/notices/${n.id}/members`],
      ['PATCH', `/api/v1/notices/${n.id}`, { title: '改' }], ['POST', `/api/v1/notices/${n.id}/retract`, { reason: '撤' }],
      ['POST', `/api/v1/notices/${n.id}/remind`]]) {
      // Secretary A receives it (it is on their path) but may not manage it.
      const r = await api(m, p, { token: tS, body });
      const miss = await api(m, p.replace(`/${n.id}`, '/99999999'), { token: tS, body });
      assertError(r, 404, 'notice.not_found');
      assert.equal(r.text, miss.text, `${m} ${p}`);
    }
    // A drill-down outside the notice's subtree: org.not_found.
    assertError(await api('GET', `/api/v1/notices/${n.id}/report?orgId=${villageB}`, { token: tC }), 404, 'org.not_found');
  });

  test('idempotent replay: the same key gives the same answer and one notice', async () => {
    const headers = { 'Idempotency-Key': 'notice-replay-1' };
    const body = { ...base(), title: '幂等通知' };
    const a = assertData(await publish(tS, body, headers), 201);
    const b = assertData(await publish(tS, body, headers), 201);
    assert.equal(a.id, b.id);
    assert.equal(one(`SELECT COUNT(*) FROM notices WHERE title = '幂等通知'`), '1');
    assertError(await publish(tS, { ...body, text: '别的' }, headers), 422, 'request.idempotency_mismatch');
  });
});

describe('read and acknowledgement: exact per branch', () => {
  let n;

  test('an acknowledgement notice to the township: the report has the township and each village, all zero', async () => {
    n = assertData(await publish(tT, { orgId: township, title: '请确认收到', text: '请确认', ackRequired: true }), 201);
    const r = await report(n.id);
    assert.equal(r.org.id, township);
    assert.equal(r.org.read, 0);
    assert.equal(r.org.acked, 0);
    const total = Number(one(`SELECT members_total FROM orgs WHERE id = ${township}`));
    assert.equal(r.org.total, total);
    assert.equal(r.items.reduce((s, i) => s + i.total, 0), total, 'the villages add up to the township');
    assert.ok(r.items.some((i) => i.id === villageA));
    // "No account yet" apart from "has not read": the members without an account they can
    // sign in with, per organisation, adding up.
    const bare = (org) => Number(one(`SELECT COUNT(*) FROM members m JOIN orgs o ON o.id = m.org_id WHERE o.path LIKE (SELECT path FROM orgs WHERE id = ${org}) || '%' AND m.deleted_at IS NULL AND m.status IN ('normal', 'retired', 'temporarily_out') AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.member_id = m.id AND a.activated_at IS NOT NULL AND a.disabled_at IS NULL)`));
    assert.equal(r.org.noAccount, bare(township));
    assert.ok(r.org.noAccount > 0 && r.org.noAccount < r.org.total);
    assert.equal(r.items.reduce((s, i) => s + i.noAccount, 0), r.org.noAccount);
    assert.equal(r.items.find((i) => i.id === villageA).noAccount, bare(villageA));
    // Chosen members: the same figure, from the recipients.
    const c = assertData(await publish(tS, { orgId: villageA, title: '个别通知二', text: '请到村委会', memberIds: [who.member.memberId, ...bareIds(villageA, 2)] }), 201);
    const rc = await report(c.id);
    assert.deepEqual([rc.org.total, rc.org.noAccount], [3, 2]);
  });

  test('member reads, migrant acknowledges, member acknowledges: counts move exactly in village A only', async () => {
    assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: tM }));
    let r = await report(n.id);
    let a = r.items.find((i) => i.id === villageA);
    assert.deepEqual([a.read, a.acked], [1, 0]);
    const ack = assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tG }));
    assert.equal(ack.acked, true);
    // Twice is fine and keeps the first time.
    assert.equal(assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tG })).ackedAt, ack.ackedAt);
    assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tM }));
    r = await report(n.id);
    a = r.items.find((i) => i.id === villageA);
    assert.deepEqual([a.read, a.acked], [2, 2]);
    assert.deepEqual([r.org.read, r.org.acked], [2, 2]);
    for (const i of r.items.filter((x) => x.id !== villageA)) assert.deepEqual([i.read, i.acked], [0, 0], `village ${i.id}`);
    // Drill down to village A.
    const d = await report(n.id, villageA);
    assert.equal(d.org.id, villageA);
    assert.deepEqual([d.org.read, d.org.acked], [2, 2]);
    assert.equal(d.org.total, Number(one(`SELECT members_total FROM orgs WHERE id = ${villageA}`)));
  });

  test('who has not acknowledged: the village\'s members without the two, paged', async () => {
    const seen = [];
    let after = '';
    for (;;) {
      const p = assertData(await api('GET', `/api/v1/notices/${n.id}/members?orgId=${villageA}&filter=unacked&limit=20${after}`, { token: tT }));
      seen.push(...p.items);
      if (!p.next) break;
      after = `&after=${p.next}`;
    }
    const ids = seen.map((i) => i.memberId);
    assert.ok(!ids.includes(who.member.memberId));
    assert.ok(!ids.includes(who.migrant.memberId));
    const total = Number(one(`SELECT members_total FROM orgs WHERE id = ${villageA}`));
    assert.equal(seen.length, total - 2);
    assert.equal(new Set(ids).size, ids.length, 'no member twice across pages');
  });

  test('the secretary of village A manages nothing of a township notice, but sees their own', async () => {
    const own = assertData(await publish(tS, { orgId: villageA, title: '村通知', text: '请确认', ackRequired: true }), 201);
    assertData(await api('POST', `/api/v1/notices/${own.id}/ack`, { token: tM }));
    const r = assertData(await api('GET', `/api/v1/notices/${own.id}/report`, { token: tS }));
    assert.deepEqual([r.org.read, r.org.acked], [1, 1]);
    assert.deepEqual(r.items, []);
  });

  test('export: CSV and XLSX with one row per member and the status', async () => {
    const res = await api('GET', `/api/v1/notices/${n.id}/report/export?orgId=${villageA}&format=csv`, { token: tT });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type'), /text\/csv/);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.equal(lines[0], '组织,姓名,账号,已读,阅读时间,已确认,确认时间,当面传达时间');
    assert.equal(lines.length - 1, Number(one(`SELECT members_total FROM orgs WHERE id = ${villageA}`)));
    assert.equal(lines.filter((l) => /,是,[^,]+,是,/.test(l)).length, 2);
    const x = await fetch(`${srv.base}/api/v1/notices/${n.id}/report/export`, { headers: { Authorization: `Bearer ${tT}` } });
    assert.equal(x.status, 200);
    assert.equal(Buffer.from(await x.arrayBuffer()).subarray(0, 2).toString(), 'PK');
  });

  test('acknowledging a notice that asks for none: 409 notice.no_ack', async () => {
    const plain = assertData(await publish(tS, { orgId: villageA, title: '普通', text: '正文' }), 201);
    assertError(await api('POST', `/api/v1/notices/${plain.id}/ack`, { token: tM }), 409, 'notice.no_ack');
    assertError(await api('POST', `/api/v1/notices/${plain.id}/remind`, { token: tS }), 409, 'notice.no_ack');
  });
});

describe('reminders', () => {
  test('the publisher reminds: a reminder in the feeds of those who have not acknowledged only', async () => {
    const n = assertData(await publish(tS, { orgId: villageA, title: '需确认', text: '请确认', ackRequired: true }), 201);
    assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tM }));
    const rem = assertData(await api('POST', `/api/v1/notices/${n.id}/remind`, { token: tS }), 201);
    assert.equal(rem.refId, n.id);
    const g = (await feed(tG)).items.find((i) => i.id === rem.id);
    assert.ok(g, 'the migrant, who has not acknowledged, gets the reminder');
    assert.equal(g.kind, 'reminder');
    assert.equal(g.read, false);
    assert.ok(!(await feed(tM)).items.some((i) => i.id === rem.id), 'the member who acknowledged does not');
    // Acknowledging from the reminder acknowledges the original and clears it.
    assertData(await api('POST', `/api/v1/notices/${rem.id}/ack`, { token: tG }));
    assert.ok(!(await feed(tG)).items.some((i) => i.id === rem.id));
    const r = assertData(await api('GET', `/api/v1/notices/${n.id}/report`, { token: tS }));
    assert.equal(r.org.acked, 2);
  });

  test('after the deadline passes (test clock) a reminder appears by itself, once', async () => {
    const day = (await api('GET', '/test/clock')).json.today; // the server's today
    const n = assertData(await publish(tS, { orgId: villageA, title: '限期确认', text: '请在今天内确认', ackRequired: true, ackDeadline: day }), 201);
    assertData(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tM }));
    const before = await feed(tG);
    assert.equal(before.items.find((i) => i.id === n.id).overdue, false);
    await srv.advanceClock(2 * 86400);
    tG = (await srv.login(who.migrant)).token;
    tM = (await srv.login(who.member)).token;
    let rem;
    for (let i = 0; i < 60 && !rem; i++) {
      rem = (await feed(tG)).items.find((x) => x.kind === 'reminder' && x.refId === n.id);
      if (!rem) await sleep(100);
    }
    assert.ok(rem, 'the reminder reached the migrant within 6 s');
    assert.equal((await feed(tG)).items.find((i) => i.id === n.id).overdue, true);
    assert.ok(!(await feed(tM)).items.some((x) => x.kind === 'reminder' && x.refId === n.id));
    await sleep(1500);
    assert.equal(one(`SELECT COUNT(*) FROM notices WHERE kind = 'reminder' AND ref_id = ${n.id}`), '1', 'once');
    tS = (await srv.login(who.secretaryA)).token;
    tT = (await srv.login(who.townshipAdmin)).token;
    tC = (await srv.login(who.countyAdmin)).token;
    tSB = (await srv.login(who.secretaryB)).token;
  });
});

describe('edit and retract with history', () => {
  let n;

  test('an edit keeps the old version and sends a correction, unread, to everyone who received it', async () => {
    n = assertData(await publish(tT, { orgId: township, title: '会议通知', text: '周一开会', ackRequired: true }), 201);
    assertData(await api('POST', `/api/v1/notices/${n.id}/read`, { token: tM }));
    const e = assertData(await api('PATCH', `/api/v1/notices/${n.id}`, { token: tT, body: { text: '周二开会', note: '日期有误，改为周二' } }));
    assert.equal(e.state, 'corrected');
    assert.equal(e.version, 2);
    assert.equal(e.text, '周二开会');
    const v = assertData(await api('GET', `/api/v1/notices/${n.id}/versions`, { token: tM }));
    assert.deepEqual(v.items.map((x) => [x.version, x.text, x.note]), [[1, '周一开会', '日期有误，改为周二']]);
    for (const tok of [tM, tG, tS]) {
      const f = await feed(tok);
      const c = f.items.find((i) => i.kind === 'correction' && i.refId === n.id);
      assert.ok(c, 'the correction reached a recipient');
      assert.equal(c.read, false);
      assert.equal(f.items.find((i) => i.id === n.id).state, 'corrected');
    }
    assert.ok(!(await feed(tSB)).items.some((i) => i.refId === n.id), 'nobody outside the audience');
  });

  test('pinning alone keeps the notice as it is: a new version, no correction', async () => {
    const before = Number(one(`SELECT COUNT(*) FROM notices WHERE ref_id = ${n.id}`));
    const e = assertData(await api('PATCH', `/api/v1/notices/${n.id}`, { token: tT, body: { pinned: true } }));
    assert.equal(e.pinned, true);
    assert.equal(e.version, 3);
    assert.equal(Number(one(`SELECT COUNT(*) FROM notices WHERE ref_id = ${n.id}`)), before);
    assertError(await api('PATCH', `/api/v1/notices/${n.id}`, { token: tT, body: { title: '   ' } }), 400, 'request.invalid', 'title');
  });

  test('a retraction reaches the same people; the original shows retracted and takes no more changes', async () => {
    assertError(await api('POST', `/api/v1/notices/${n.id}/retract`, { token: tT, body: { reason: ' ' } }), 400, 'request.invalid', 'reason');
    const r = assertData(await api('POST', `/api/v1/notices/${n.id}/retract`, { token: tT, body: { reason: '会议取消' } }));
    assert.equal(r.state, 'retracted');
    const f = await feed(tM);
    const entry = f.items.find((i) => i.kind === 'retraction' && i.refId === n.id);
    assert.ok(entry);
    assert.equal(entry.read, false);
    assert.equal(entry.excerpt, '会议取消');
    const orig = f.items.find((i) => i.id === n.id);
    assert.equal(orig.state, 'retracted');
    assert.equal(orig.excerpt, null);
    assert.equal(orig.pinned, false);
    assertError(await api('POST', `/api/v1/notices/${n.id}/ack`, { token: tM }), 409, 'notice.state');
    assertError(await api('PATCH', `/api/v1/notices/${n.id}`, { token: tT, body: { text: '再改' } }), 409, 'notice.state');
    assertError(await api('POST', `/api/v1/notices/${n.id}/retract`, { token: tT, body: { reason: '再撤' } }), 409, 'notice.state');
    assertError(await api('POST', `/api/v1/notices/${entry.id}/retract`, { token: tT, body: { reason: '撤' } }), 409, 'notice.state');
    assert.equal(one(`SELECT COUNT(*) FROM audit_log WHERE action IN ('notice.edit', 'notice.retract') AND target = 'notice:${n.id}'`), '3');
  });
});
