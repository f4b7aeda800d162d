// Browser tests of the route table: two screens whose routes share an id number are
// different screens (the remount key is the whole route with its params), so going from
// #/poll/N to #/post/N shows the post, not the poll with the post's id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

let srv;
let browser;

before(async () => {
  srv = await startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('from a poll page to the post page with the same id number, the post shows', async () => {
  const sec = srv.accounts.find((a) => a.role === 'branch_secretary');
  const api = await apiAs(srv.base, sec);
  const closesAt = new Date(Date.now() + 7 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  let poll = null;
  let post = null;
  let n = 0;
  // Create polls and posts until one id number is both a poll's and a post's.
  while (!poll || !post || poll.id !== post.id) {
    assert.ok(++n < 200, 'a shared id number within 200 records');
    if (!poll || (post && poll.id < post.id)) {
      const r = await api.post('/polls', { orgId: sec.orgId, title: `路线测试投票 ${n}`, options: ['植树', '修路'], closesAt });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      poll = r.body.data;
    } else {
      const r = await api.post('/posts', { orgId: sec.orgId, kind: 'news', visibility: 'branch', title: `路线测试新闻 ${n}`, text: '村里修好了路灯。' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      post = r.body.data;
    }
  }

  const s = await phonePage(browser, srv.base);
  try {
    const { page } = s;
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.evaluate((id) => { location.hash = '#/poll/' + id; }, poll.id);
    await page.getByRole('heading', { name: poll.title }).waitFor();
    await page.evaluate((id) => { location.hash = '#/post/' + id; }, post.id);
    await page.getByRole('heading', { name: post.title }).waitFor();
    assert.equal(await page.getByRole('heading', { name: poll.title }).count(), 0, 'the poll is gone');
    // And back: the poll again, not the post.
    await page.goBack();
    await page.getByRole('heading', { name: poll.title }).waitFor();
    assert.equal(await page.getByRole('heading', { name: post.title }).count(), 0, 'the post is gone');
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
});
