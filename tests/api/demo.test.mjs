// demo.test.mjs - the demo county looks lived in: every demo account's home
// (feed) and lists show history, dated in the past of Beijing today.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, beijingToday, startServer } from './helpers.mjs';

let srv;
const tokens = {};

before(async () => {
  srv = await startServer();
  for (const [name, acc] of Object.entries(srv.who)) tokens[name] = (await srv.login(acc)).token;
});

after(async () => {
  await srv?.stop();
});

const get = async (name, path) => assertData(await srv.api('GET', path, { token: tokens[name] }));

/* Instants of the past (what happened) must not lie after now; dates after today. */
const PAST = /^(created|published|read|acked|closed|firstAnswer|lastMessage|updated|signed|reviewed|seen|opens|false|recorded|applied|initiated)At$/;
function assertPast(value, where, now = Date.now(), today = beijingToday()) {
  if (Array.isArray(value)) return value.forEach((v, i) => assertPast(v, `${where}[${i}]`, now, today));
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && PAST.test(k)) {
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) assert.ok(v <= today, `${where}.${k} ${v} after ${today}`);
      else assert.ok(Date.parse(v) <= now + 1000, `${where}.${k} ${v} in the future`);
    } else assertPast(v, `${where}.${k}`, now, today);
  }
}

test('every demo account has a non-empty feed, nothing dated after today', async () => {
  for (const name of Object.keys(srv.who)) {
    const feed = await get(name, '/api/v1/feed');
    assert.ok(feed.items.length > 0, `${name}: empty feed`);
    assertPast(feed, `${name} feed`);
  }
});

test('the member at home has an announcement to acknowledge, the migrant has acknowledged it', async () => {
  const pending = (f) => f.items.filter((n) => n.ackRequired && !n.acked && !n.ackedAt);
  const m = await get('member', '/api/v1/feed');
  assert.ok(pending(m).length >= 1, JSON.stringify(m.items.map((n) => [n.title, n.ackRequired, n.acked])));
});

test('secretaries see meetings held and to hold, threads, polls, activities of their branch', async () => {
  for (const name of ['secretaryA', 'secretaryB']) {
    const org = srv.who[name].orgId;
    const meetings = await get(name, `/api/v1/orgs/${org}/meetings?limit=200`);
    assert.ok(meetings.items.some((x) => x.state === 'closed'), `${name}: no meeting held`);
    assert.ok(meetings.items.some((x) => x.state === 'scheduled'), `${name}: no meeting to hold`);
    const polls = await get(name, `/api/v1/polls?orgId=${org}`);
    assert.ok(polls.items.length > 0, `${name}: no poll`);
    const acts = await get(name, `/api/v1/activities?orgId=${org}`);
    assert.ok(acts.items.length > 0, `${name}: no activity`);
    for (const l of [meetings, polls, acts]) assertPast(l, name);
  }
  const org = srv.who.secretaryA.orgId;
  const threads = await get('secretaryA', `/api/v1/threads?orgId=${org}`);
  const statuses = threads.items.map((t) => t.status);
  assert.ok(statuses.includes('answered') && statuses.includes('escalated'), statuses.join());
  assertPast(threads, 'threads');
});

test('members see their meetings (one online), threads, news with a correction, polls, activities', async () => {
  for (const name of ['member', 'migrant']) {
    const mine = await get(name, '/api/v1/me/meetings');
    assert.ok(mine.items.length > 0, `${name}: no meetings`);
    const threads = await get(name, '/api/v1/me/threads');
    assert.ok(threads.items.length > 0, `${name}: no threads`);
    const posts = await get(name, '/api/v1/posts');
    assert.ok(posts.items.length > 0, `${name}: no posts`);
    const polls = await get(name, '/api/v1/polls');
    assert.ok(polls.items.length > 0, `${name}: no polls`);
    const acts = await get(name, '/api/v1/activities');
    assert.ok(acts.items.length > 0, `${name}: no activities`);
    for (const l of [mine, threads, posts, polls, acts]) assertPast(l, name);
  }
  const mine = await get('migrant', '/api/v1/me/meetings');
  assert.ok(mine.items.some((x) => x.onlineLink && x.state === 'scheduled'), 'no online meeting to attend');
  const corr = await get('migrant', '/api/v1/me/corrections');
  assert.ok(corr.items.some((x) => x.kind === 'false'), 'the rumour was not corrected');
});

test('the statistics equal a recount after the history', async () => {
  const { assertCountersMatchRecount } = await import('./helpers.mjs');
  const c = srv.who.countyAdmin;
  await assertCountersMatchRecount(srv, tokens.countyAdmin, [c.orgId, srv.who.secretaryA.orgId]);
});
