// search.test.mjs - full-text search: Chinese queries of 1, 2 and 4 characters,
// mixed Chinese and Latin text, results only from the caller's scope (threads,
// news, experience posts), pending and rejected posts not found, bad queries.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, sqlite, startServer } from './helpers.mjs';

let srv, api, who;
const tok = {};
let villageA, P, T, pending;
// The demo county's history, written before the tests: left out of the results.
const earlier = {};

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  for (const k of ['member', 'migrant', 'secretaryA', 'secretaryB', 'townshipAdmin', 'countyAdmin']) tok[k] = (await srv.login(who[k])).token;
  villageA = who.secretaryA.orgId;
  const db = join(srv.dataDir, 'zhibu.db');
  const idsOf = (sql) => new Set(sqlite(db, sql).stdout.split('\n').filter(Boolean).map(Number));
  earlier.news = earlier.experience = idsOf('SELECT id FROM posts');
  earlier.notice = idsOf('SELECT id FROM notices');
  earlier.thread = idsOf('SELECT id FROM threads');
  P = assertData(await api('POST', '/api/v1/posts', {
    token: tok.secretaryA,
    body: { orgId: villageA, kind: 'news', title: '党建引领乡村振兴', text: '我村开展AI党建试点，推进5G基站建设。Cooperative farming 合作社。' },
  }), 201);
  assert.equal(P.state, 'published');
  T = assertData(await api('POST', '/api/v1/threads', { token: tok.member, body: { kind: 'problem', subject: '路灯坏了', text: '村口东边路灯不亮' } }), 201);
  pending = assertData(await api('POST', '/api/v1/posts', { token: tok.migrant, body: { orgId: villageA, kind: 'news', title: '未审核', text: '独一无二的秘密消息' } }), 201);
  assert.equal(pending.state, 'pending');
});
after(() => srv?.stop());

const search = async (token, q, extra = '') => assertData(await api('GET', `/api/v1/search?q=${encodeURIComponent(q)}${extra}`, { token })).items;
const ids = (items, kind) => items.filter((i) => i.kind === kind && !earlier[kind]?.has(i.id)).map((i) => i.id);

describe('Chinese and mixed text', () => {
  test('1-, 2- and 4-character queries find the post', async () => {
    for (const q of ['党', '党建', '乡村振兴', '振', '基站', '合作社'])
      assert.deepEqual(ids(await search(tok.member, q), 'news'), [P.id], q);
  });

  test('characters that occur but not together do not match', async () => {
    for (const q of ['振兴党', '建党', '乡振'])
      assert.deepEqual(ids(await search(tok.member, q), 'news'), [], q);
  });

  test('mixed Chinese and Latin; Latin case-insensitive; several words are ANDed', async () => {
    for (const q of ['AI党建', 'ai 党建', '5G', '5g基站', 'cooperative', 'FARMING 合作社'])
      assert.deepEqual(ids(await search(tok.member, q), 'news'), [P.id], q);
    assert.deepEqual(ids(await search(tok.member, '党建 不存在'), 'news'), []);
    assert.deepEqual(ids(await search(tok.member, 'cooperation'), 'news'), []);
  });

  test('the result has title, excerpt around the match, organisation', async () => {
    const [r] = await search(tok.member, '基站');
    assert.equal(r.kind, 'news');
    assert.equal(r.title, '党建引领乡村振兴');
    assert.equal(r.orgId, villageA);
    assert.ok(r.excerpt.includes('基站'), r.excerpt);
    assert.equal(typeof r.createdAt, 'string');
  });
});

describe('scope', () => {
  test('news of a branch: its members and leaders above find it, another township does not', async () => {
    assert.deepEqual(ids(await search(tok.migrant, '党建'), 'news'), [P.id]);
    assert.deepEqual(ids(await search(tok.townshipAdmin, '党建'), 'news'), [P.id]);
    assert.deepEqual(ids(await search(tok.countyAdmin, '党建'), 'news'), [P.id]);
    assert.deepEqual(ids(await search(tok.secretaryB, '党建'), 'news'), []);
  });

  test('a thread: the member and the branch leadership find it, another member does not', async () => {
    assert.deepEqual(ids(await search(tok.member, '路灯'), 'thread'), [T.id]);
    assert.deepEqual(ids(await search(tok.secretaryA, '路灯'), 'thread'), [T.id]);
    assert.deepEqual(ids(await search(tok.townshipAdmin, '路'), 'thread'), [T.id]);
    assert.deepEqual(ids(await search(tok.migrant, '路灯'), 'thread'), []);
    assert.deepEqual(ids(await search(tok.secretaryB, '路灯'), 'thread'), []);
    // the messages are indexed too, replies included
    assert.deepEqual(ids(await search(tok.member, '东边'), 'thread'), [T.id]);
    assert.deepEqual(ids(await search(tok.member, '电工'), 'thread'), []);
    assertData(await api('POST', `/api/v1/threads/${T.id}/replies`, { token: tok.secretaryA, body: { text: '已经通知电工' } }), 201);
    assert.deepEqual(ids(await search(tok.member, '电工'), 'thread'), [T.id]);
    assert.deepEqual(ids(await search(tok.migrant, '电工'), 'thread'), []);
  });

  test('pending posts are not found until approved; a rejected post leaves the index', async () => {
    assert.deepEqual(await search(tok.secretaryA, '独一无二'), []);
    assertData(await api('POST', `/api/v1/posts/${pending.id}/review`, { token: tok.secretaryA, body: { decision: 'approve' } }));
    assert.deepEqual(ids(await search(tok.member, '独一无二'), 'news'), [pending.id]);
    assertData(await api('POST', `/api/v1/posts/${pending.id}/review`, { token: tok.secretaryA, body: { decision: 'reject', reason: '撤下' } }));
    assert.deepEqual(await search(tok.member, '独一无二'), []);
  });

  test('experience for the county: another township finds it; kind filter', async () => {
    const e = assertData(await api('POST', '/api/v1/posts', {
      token: tok.secretaryA, body: { orgId: villageA, kind: 'experience', visibility: 'county', title: '党建积分', text: '积分制管理的经验' },
    }), 201);
    assert.deepEqual(ids(await search(tok.secretaryB, '积分制'), 'experience'), [e.id]);
    const onlyExp = await search(tok.member, '党建', '&kind=experience');
    assert.deepEqual(onlyExp.map((i) => i.kind), ['experience']);
  });

  test('paging: newest first, next cursor', async () => {
    for (let i = 0; i < 3; i++)
      assertData(await api('POST', '/api/v1/posts', { token: tok.secretaryA, body: { orgId: villageA, kind: 'news', title: `翻页${i}`, text: '翻页测试' } }), 201);
    const a = assertData(await api('GET', `/api/v1/search?q=${encodeURIComponent('翻页')}&limit=2`, { token: tok.member }));
    assert.equal(a.items.length, 2);
    assert.deepEqual(a.items.map((x) => x.title), ['翻页2', '翻页1']);
    assert.ok(a.next);
    const b = assertData(await api('GET', `/api/v1/search?q=${encodeURIComponent('翻页')}&limit=2&after=${a.next}`, { token: tok.member }));
    assert.deepEqual(b.items.map((x) => x.title), ['翻页0']);
    assert.equal(b.next, null);
  });
});

describe('bad queries', () => {
  test('missing, empty, punctuation only, too long, FTS syntax taken literally', async () => {
    assertError(await api('GET', '/api/v1/search', { token: tok.member }), 400, 'request.invalid', 'q');
    assertError(await api('GET', '/api/v1/search?q=', { token: tok.member }), 400, 'request.invalid', 'q');
    assertError(await api('GET', `/api/v1/search?q=${encodeURIComponent('，。！ - ')}`, { token: tok.member }), 400, 'search.bad_query', 'q');
    assertError(await api('GET', `/api/v1/search?q=${'字'.repeat(101)}`, { token: tok.member }), 400, 'request.invalid', 'q');
    assertError(await api('GET', `/api/v1/search?q=${encodeURIComponent('"*"')}`, { token: tok.member }), 400, 'search.bad_query', 'q');
    for (const q of ['AND OR NOT', 'a* NEAR(b)', 'uni:党', '^党', '党"建'])
      assert.equal((await api('GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { token: tok.member })).status, 200, q);
    assertError(await api('GET', '/api/v1/search?q=x'), 401, 'auth.required');
  });
});

test('announcements to a whole subtree are found by their words, only inside it, until retracted', async () => {
  const township = who.townshipAdmin.orgId;
  const n = assertData(await api('POST', '/api/v1/notices', { token: tok.townshipAdmin, body: { orgId: township, title: '秋收党建通知', text: '各支部组织党员帮助秋收' } }), 201);
  // Only to some roles: not in the index (the feed shows it to them).
  const r = assertData(await api('POST', '/api/v1/notices', { token: tok.townshipAdmin, body: { orgId: township, title: '秋收书记会', text: '书记秋收碰头', roles: ['branch_secretary'] } }), 201);
  for (const q of ['秋', '党建', '秋收党建']) assert.deepEqual(ids(await search(tok.member, q), 'notice'), [n.id], q);
  assert.deepEqual(ids(await search(tok.secretaryA, '碰头'), 'notice'), [], 'a role-only notice is not indexed');
  assert.deepEqual(ids(await search(tok.secretaryB, '党建'), 'notice'), [], 'another township does not find it');
  assertData(await api('POST', `/api/v1/notices/${n.id}/retract`, { token: tok.townshipAdmin, body: { reason: '发错了' } }));
  assert.deepEqual(ids(await search(tok.member, '党建'), 'notice'), [], 'a retracted notice is gone');
  assert.ok(r.id);
});
