// posts.test.mjs - news and experience posts, review of new authors and word-list
// hits, reports, clarifications, and corrections that reach exactly the accounts
// that saw a post; comments; bad input; scope; idempotent replay; audit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, sqlite, startServer } from './helpers.mjs';

let srv, api, who, db, one;
const tok = {};
let villageA, villageA2, township, county;
const PW = 'posts-pass-1';
const extra = {
  sibling: { phone: '13900007001' }, // a member of another village of township A
  quiet: { phone: '13900007002' }, // a member of village A who never opens the feed
  safety: { phone: '13900007003' }, // safety officer of the county
};

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  one = (sql) => sqlite(db, sql).stdout.trim();
  villageA = who.secretaryA.orgId;
  township = who.townshipAdmin.orgId;
  county = who.countyAdmin.orgId;
  villageA2 = Number(one(`SELECT id FROM orgs WHERE parent_id = ${township} AND level = 'branch' AND id <> ${villageA} ORDER BY id LIMIT 1`));
  const free = (org) => Number(one(`SELECT id FROM members WHERE org_id = ${org} AND status = 'normal' AND id NOT IN (SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND activated_at IS NOT NULL) ORDER BY id LIMIT 1`));
  const mk = (a, args) => {
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', '测试账户', '--password', PW, ...args]);
    assert.equal(r.status, 0, r.stderr);
    a.password = PW;
  };
  mk(extra.sibling, ['--member', String(free(villageA2))]);
  mk(extra.quiet, ['--member', String(free(villageA))]);
  mk(extra.safety, ['--org', String(county), '--role', 'safety_officer']);
  for (const k of ['member', 'migrant', 'secretaryA', 'secretaryB', 'townshipAdmin', 'countyAdmin', 'auditor']) tok[k] = (await srv.login(who[k])).token;
  for (const k of Object.keys(extra)) tok[k] = (await srv.login(extra[k])).token;
});
after(() => srv?.stop());

const list = async (token, q = '') => assertData(await api('GET', `/api/v1/posts${q}`, { token })).items;
const news = (title, text, extraBody = {}) => ({ orgId: villageA, kind: 'news', title, text, ...extraBody });

describe('review of new authors', () => {
  let first;
  test('a new author\'s news waits for review; only the author and reviewers see it', async () => {
    first = assertData(await api('POST', '/api/v1/posts', { token: tok.member, body: news('村里修路了', '今天村里的主路修好了。', { tags: '民生，修路', photos: 'file:1,file:2' }) }), 201);
    assert.equal(first.state, 'pending');
    assert.equal(first.reviewReason, 'new_author');
    assert.deepEqual(first.tags, ['民生', '修路']);
    assert.deepEqual(first.photos, ['file:1', 'file:2']);
    assert.equal(first.mine, true);
    assert.ok((await list(tok.member)).some((p) => p.id === first.id), 'the author sees it');
    assert.ok(!(await list(tok.migrant)).some((p) => p.id === first.id), 'others do not');
    const g = await api('GET', `/api/v1/posts/${first.id}`, { token: tok.migrant });
    const m = await api('GET', '/api/v1/posts/99999999', { token: tok.migrant });
    assertError(g, 404, 'post.not_found');
    assert.equal(g.text, m.text);
    const q = assertData(await api('GET', `/api/v1/reviews?orgId=${villageA}`, { token: tok.secretaryA }));
    const item = q.items.find((p) => p.id === first.id);
    assert.ok(item, 'in the review queue');
    assert.equal(item.openReports, 0);
    // the township's queue covers its subtree; another township's secretary has no queue here
    assert.ok(assertData(await api('GET', `/api/v1/reviews?orgId=${township}`, { token: tok.townshipAdmin })).items.some((p) => p.id === first.id));
    assertError(await api('GET', `/api/v1/reviews?orgId=${villageA}`, { token: tok.secretaryB }), 404, 'org.not_found');
    // comments wait for publication
    assertError(await api('POST', `/api/v1/posts/${first.id}/comments`, { token: tok.member, body: { text: '补充' } }), 409, 'post.state');
  });

  test('approved: everyone in the branch sees it; the author\'s next post is published at once', async () => {
    const d = assertData(await api('POST', `/api/v1/posts/${first.id}/review`, { token: tok.secretaryA, body: { decision: 'approve' } }));
    assert.equal(d.state, 'published');
    assert.ok((await list(tok.migrant)).some((p) => p.id === first.id));
    assert.ok(!(await list(tok.sibling)).some((p) => p.id === first.id), 'news stays in the branch');
    assert.ok(!(await list(tok.secretaryB)).some((p) => p.id === first.id));
    assert.ok((await list(tok.townshipAdmin)).some((p) => p.id === first.id), 'leaders above see it');
    const second = assertData(await api('POST', '/api/v1/posts', { token: tok.member, body: news('夜校开班', '本周五晚夜校开班。') }), 201);
    assert.equal(second.state, 'published');
    assertError(await api('POST', `/api/v1/posts/${first.id}/review`, { token: tok.secretaryA, body: { decision: 'approve' } }), 409, 'post.state');
  });

  test('reject needs a reason; the author sees the reason; others never see it', async () => {
    const p = assertData(await api('POST', '/api/v1/posts', { token: tok.migrant, body: news('外地见闻', '在外地打工的见闻。') }), 201);
    assert.equal(p.state, 'pending');
    assertError(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryA, body: { decision: 'reject' } }), 400, 'request.invalid', 'reason');
    const r = assertData(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryA, body: { decision: 'reject', reason: '与支部无关' } }));
    assert.equal(r.state, 'rejected');
    const mine = assertData(await api('GET', `/api/v1/posts/${p.id}`, { token: tok.migrant }));
    assert.equal(mine.rejectReason, '与支部无关');
    assertError(await api('GET', `/api/v1/posts/${p.id}`, { token: tok.member }), 404, 'post.not_found');
    assertError(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryA, body: { decision: 'reject', reason: '再拒' } }), 409, 'post.state');
  });
});

describe('the word list', () => {
  let word;
  test('only the safety officer edits it; duplicates refused', async () => {
    word = assertData(await api('POST', '/api/v1/wordlist', { token: tok.safety, body: { word: '赌博' } }), 201);
    assertError(await api('POST', '/api/v1/wordlist', { token: tok.safety, body: { word: '赌博' } }), 409, 'wordlist.exists');
    for (const k of ['member', 'secretaryA', 'countyAdmin'])
      assertError(await api('POST', '/api/v1/wordlist', { token: tok[k], body: { word: '别的' } }), 403, 'auth.forbidden');
    const l = assertData(await api('GET', '/api/v1/wordlist', { token: tok.safety }));
    assert.deepEqual(l.items.map((w) => w.word), ['赌博']);
  });

  test('a post with a listed word is flagged and waits, even from a trusted author; never dropped', async () => {
    const p = assertData(await api('POST', '/api/v1/posts', { token: tok.member, body: news('提醒', '有人在村口聚众赌博，请注意。') }), 201);
    assert.equal(p.state, 'pending');
    assert.equal(p.reviewReason, 'word_list');
    const q = assertData(await api('GET', `/api/v1/reviews?orgId=${villageA}`, { token: tok.secretaryA }));
    const item = q.items.find((x) => x.id === p.id);
    assert.deepEqual(item.flaggedWords, ['赌博']);
    assert.equal(item.text, '有人在村口聚众赌博，请注意。', 'stored whole');
    assert.ok(!(await list(tok.migrant)).some((x) => x.id === p.id));
    assert.ok(Number(one(`SELECT COUNT(*) FROM audit_log WHERE action = 'post.flagged' AND target = 'post:${p.id}'`)) === 1);
    // a secretary's own post is flagged too
    const s = assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: news('通报', '严禁赌博') }), 201);
    assert.equal(s.state, 'pending');
    // the word removed: the next post passes
    assertData(await api('DELETE', `/api/v1/wordlist/${word.id}`, { token: tok.safety }));
    assertError(await api('DELETE', `/api/v1/wordlist/${word.id}`, { token: tok.safety }), 404, 'wordlist.not_found');
    const ok = assertData(await api('POST', '/api/v1/posts', { token: tok.member, body: news('再提醒', '不要赌博') }), 201);
    assert.equal(ok.state, 'published');
  });
});

describe('experience exchange', () => {
  test('siblings: the other villages of the township see it, another township does not', async () => {
    const p = assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: { orgId: villageA, kind: 'experience', title: '合作社经验', text: '我们村办合作社的做法。', tags: '产业' } }), 201);
    assert.equal(p.state, 'published', 'a reviewer of the branch publishes directly');
    assert.equal(p.visibility, 'siblings');
    assert.ok((await list(tok.sibling, '?kind=experience')).some((x) => x.id === p.id));
    assert.ok(!(await list(tok.secretaryB, '?kind=experience')).some((x) => x.id === p.id));
    assert.ok((await list(tok.sibling, '?tag=产业')).some((x) => x.id === p.id));
    assert.ok(!(await list(tok.sibling, '?tag=民生')).some((x) => x.id === p.id));
    // comments from a sibling village
    const c = assertData(await api('POST', `/api/v1/posts/${p.id}/comments`, { token: tok.sibling, body: { text: '学习了，很有用' } }), 201);
    assert.equal(c.comments, 1);
    assert.equal(c.commentList[0].text, '学习了，很有用');
    assertError(await api('POST', `/api/v1/posts/${p.id}/comments`, { token: tok.secretaryB, body: { text: '看不到' } }), 404, 'post.not_found');
  });

  test('county: every branch of the county sees it', async () => {
    const p = assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: { orgId: villageA, kind: 'experience', visibility: 'county', title: '全县推广', text: '积分制管理经验。' } }), 201);
    assert.ok((await list(tok.secretaryB)).some((x) => x.id === p.id));
    assert.ok((await list(tok.sibling)).some((x) => x.id === p.id));
  });

  test('a member cannot publish experience; news is for the branch only', async () => {
    assertError(await api('POST', '/api/v1/posts', { token: tok.member, body: { orgId: villageA, kind: 'experience', title: 'x', text: 'y' } }), 403, 'auth.forbidden');
    assertError(await api('POST', '/api/v1/posts', { token: tok.member, body: news('x', 'y', { visibility: 'county' }) }), 400, 'request.invalid', 'visibility');
  });
});

describe('bad input, scope and replay', () => {
  test('blank, oversized, too many tags, unknown fields: 400 and nothing stored', async () => {
    const before = Number(one('SELECT COUNT(*) FROM posts'));
    const cases = [
      [news('标题', ''), 'text'],
      [news('标题', ' \n '), 'text'],
      [news('标题', '字'.repeat(2001)), 'text'],
      [news('题'.repeat(61), '正文'), 'title'],
      [news('标题', '正文', { tags: 'a,b,c,d,e,f' }), 'tags'],
      [news('标题', '正文', { tags: '十一个字的标签标签标签' }), 'tags'],
      [news('标题', '正文', { kind: 'rumour' }), 'kind'],
    ];
    for (const [body, field] of cases)
      assertError(await api('POST', '/api/v1/posts', { token: tok.member, body }), 400, 'request.invalid', field);
    assertError(await api('POST', '/api/v1/posts', { token: tok.member, body: { ...news('a', 'b'), score: 1 } }), 400, 'request.unknown_field');
    assert.equal(Number(one('SELECT COUNT(*) FROM posts')), before);
  });

  test('posting into another branch is a missing organisation', async () => {
    const r = await api('POST', '/api/v1/posts', { token: tok.member, body: news('x', 'y', { orgId: who.secretaryB.orgId }) });
    const m = await api('POST', '/api/v1/posts', { token: tok.member, body: news('x', 'y', { orgId: 99999999 }) });
    assertError(r, 404, 'org.not_found');
    assert.equal(r.text, m.text);
  });

  test('a post with an Idempotency-Key is stored once', async () => {
    const headers = { 'Idempotency-Key': 'post-create-0001' };
    const body = news('一次', '只存一次');
    const a = await api('POST', '/api/v1/posts', { token: tok.member, body, headers });
    const b = await api('POST', '/api/v1/posts', { token: tok.member, body, headers });
    assertData(a, 201);
    assert.equal(b.text, a.text);
    assert.equal(Number(one("SELECT COUNT(*) FROM posts WHERE title = '一次'")), 1);
  });
});

describe('reports and corrections', () => {
  let p;
  test('a reported post reaches the queue; a second open report by the same account is refused', async () => {
    p = assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: news('补贴发放', '每位党员可领补贴500元。') }), 201);
    assert.equal(p.state, 'published');
    // seen: the member lists the feed, the migrant opens the post; "quiet" never looks
    assert.ok((await list(tok.member)).some((x) => x.id === p.id));
    assertData(await api('GET', `/api/v1/posts/${p.id}`, { token: tok.migrant }));
    const rep = assertData(await api('POST', `/api/v1/posts/${p.id}/reports`, { token: tok.migrant, body: { reason: '没有这项补贴' } }), 201);
    assert.equal(rep.postId, p.id);
    assertError(await api('POST', `/api/v1/posts/${p.id}/reports`, { token: tok.migrant, body: { reason: '再报' } }), 409, 'post.reported');
    assertError(await api('POST', `/api/v1/posts/${p.id}/reports`, { token: tok.migrant, body: { reason: ' ' } }), 400, 'request.invalid', 'reason');
    assertError(await api('POST', `/api/v1/posts/${p.id}/reports`, { token: tok.secretaryB, body: { reason: '看不到' } }), 404, 'post.not_found');
    const q = assertData(await api('GET', `/api/v1/reviews?orgId=${villageA}`, { token: tok.secretaryA }));
    const item = q.items.find((x) => x.id === p.id);
    assert.equal(item.openReports, 1);
    assert.equal(item.reports[0].reason, '没有这项补贴');
  });

  test('only reviewers decide: a member gets 403, another township 404', async () => {
    assertError(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.member, body: { decision: 'false', text: 'x' } }), 403, 'auth.forbidden');
    const r = await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryB, body: { decision: 'false', text: 'x' } });
    const m = await api('POST', '/api/v1/posts/99999999/review', { token: tok.secretaryB, body: { decision: 'false', text: 'x' } });
    assertError(r, 404, 'post.not_found');
    assert.equal(r.text, m.text);
    assertError(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryA, body: { decision: 'false' } }), 400, 'request.invalid', 'text');
  });

  test('found false: the correction reaches exactly the accounts that saw it; the post is marked', async () => {
    const seen = one(`SELECT account_id FROM post_seen WHERE post_id = ${p.id} ORDER BY account_id`).split('\n').map(Number);
    const d = assertData(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.safety, body: { decision: 'false', text: '经核实，没有这项补贴。' } }));
    assert.equal(d.isFalse, true);
    assert.equal(d.correction, '经核实，没有这项补贴。');
    const got = one(`SELECT account_id FROM post_corrections WHERE post_id = ${p.id} ORDER BY account_id`).split('\n').map(Number);
    assert.deepEqual(got, seen);
    const memberAcct = Number(one(`SELECT id FROM accounts WHERE member_id = ${who.member.memberId}`));
    const migrantAcct = Number(one(`SELECT id FROM accounts WHERE member_id = ${who.migrant.memberId}`));
    assert.ok(seen.includes(memberAcct) && seen.includes(migrantAcct));

    const mc = assertData(await api('GET', '/api/v1/me/corrections', { token: tok.member }));
    assert.equal(mc.unread, 1);
    assert.equal(mc.items[0].postId, p.id);
    assert.equal(mc.items[0].kind, 'false');
    assert.equal(mc.items[0].text, '经核实，没有这项补贴。');
    assert.equal(assertData(await api('GET', '/api/v1/me/corrections', { token: tok.migrant })).unread, 1);
    // quiet had not seen it: no correction, but the post shows the mark when they look now
    assert.equal(assertData(await api('GET', '/api/v1/me/corrections', { token: tok.quiet })).items.length, 0);
    const later = (await list(tok.quiet)).find((x) => x.id === p.id);
    assert.equal(later.isFalse, true);
    assert.equal(later.correction, '经核实，没有这项补贴。');
    assert.equal(assertData(await api('GET', '/api/v1/me/corrections', { token: tok.quiet })).items.length, 0);

    // read
    assertError(await api('POST', `/api/v1/me/corrections/${mc.items[0].id}/read`, { token: tok.migrant }), 404, 'post.correction_not_found');
    assertData(await api('POST', `/api/v1/me/corrections/${mc.items[0].id}/read`, { token: tok.member }));
    const after2 = assertData(await api('GET', '/api/v1/me/corrections', { token: tok.member }));
    assert.equal(after2.unread, 0);
    assert.equal(after2.items[0].read, true);

    // the report is resolved, the queue is empty of it, a second "false" is refused
    const q = assertData(await api('GET', `/api/v1/reviews?orgId=${villageA}`, { token: tok.secretaryA }));
    assert.ok(!q.items.some((x) => x.id === p.id));
    assertError(await api('POST', `/api/v1/posts/${p.id}/review`, { token: tok.secretaryA, body: { decision: 'false', text: '再' } }), 409, 'post.state');
    // audited
    const audit = assertData(await api('GET', `/api/v1/audit?orgId=${villageA}&limit=200`, { token: tok.auditor }));
    assert.ok(audit.items.some((e) => e.action === 'post.review.false' && e.target === `post:${p.id}`), JSON.stringify(audit.items.slice(0, 3)));
  });

  test('a clarification reaches those who saw the post', async () => {
    const q = assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: news('会议时间', '周六开会。') }), 201);
    assertData(await api('GET', `/api/v1/posts/${q.id}`, { token: tok.quiet }));
    const d = assertData(await api('POST', `/api/v1/posts/${q.id}/review`, { token: tok.secretaryA, body: { decision: 'clarify', text: '会议改到周日上午。' } }));
    assert.equal(d.clarification, '会议改到周日上午。');
    assert.equal(d.isFalse, false);
    const c = assertData(await api('GET', '/api/v1/me/corrections', { token: tok.quiet }));
    assert.equal(c.items.length, 1);
    assert.equal(c.items[0].kind, 'clarification');
    assert.equal(assertData(await api('GET', '/api/v1/me/corrections', { token: tok.migrant })).items.filter((x) => x.postId === q.id).length, 0);
  });
});

test('posts: a filter by organisation outside the caller\'s reach answers like a missing one', async () => {
  const r = srv.run(['org', 'create', '--data', srv.dataDir, '--name', '邻县县委', '--level', 'county']);
  assert.equal(r.status, 0, r.stderr);
  const other = Number(/created county (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(other > 0, r.stdout);
  const group = Number(one(`SELECT id FROM orgs WHERE parent_id = ${villageA} AND level = 'group' ORDER BY id LIMIT 1`));
  const missing = await api('GET', '/api/v1/posts?orgId=99999999', { token: tok.member });
  assertError(missing, 404, 'org.not_found');
  for (const org of [other, group]) {
    const res = await api('GET', `/api/v1/posts?orgId=${org}`, { token: tok.member });
    assertError(res, 404, 'org.not_found');
    assert.equal(res.text, missing.text, `orgId=${org} answers exactly like a missing one`);
  }
  // Within reach: the own branch, a sibling branch, the county above.
  for (const org of [villageA, villageA2, county]) assertData(await api('GET', `/api/v1/posts?orgId=${org}`, { token: tok.member }));
});
