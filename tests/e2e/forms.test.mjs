// Every screen each role reaches, on a phone (360×780, Beijing time), in normal and in
// large-text mode: every visible input, select, textarea and button (and link styled as a
// button) has at least 16 px text and is at least 44 px tall. Checkboxes and radio buttons
// are measured by the label that wraps them (the finger taps the label). Forms carry
// novalidate: the app says what is wrong itself, never the browser's bubble.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const TALL = { viewport: { width: 360, height: 780 } };
let srv;
let browser;
const routes = {}; // role -> [hash paths]
let secretary;

before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  const county = acc.find((a) => a.role === 'org_admin');
  const auditor = acc.find((a) => a.role === 'auditor');
  const sec = acc.find((a) => a.role === 'branch_secretary');
  const member = acc.find((a) => a.role === 'member' && String(a.orgId) === String(sec.orgId));
  const api = await apiAs(srv.base, sec);
  const startsAt = new Date(Date.now() + 2 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const m = await api.post('/meetings', { orgId: sec.orgId, type: 'committee', title: '尺寸测试会议', startsAt, place: '村委会', onlineLink: 'https://meet.example.cn/x', attendees: 'branch' });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const closesAt = new Date(Date.now() + 7 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const poll = await api.post('/polls', { orgId: sec.orgId, title: '尺寸测试投票', options: ['植树', '修路'], closesAt });
  assert.equal(poll.status, 201, JSON.stringify(poll.body));
  secretary = sec;
  const o = sec.orgId;
  const mid = member.memberId;
  routes.member = { acct: member, paths: ['/home', '/account', '/my', '/meetings', `/meeting/${m.body.data.id}`, '/threads', '/thread-new', '/posts', '/post-new', '/search', '/activities', '/polls', `/poll/${poll.body.data.id}`] };
  routes.secretary = {
    acct: sec,
    paths: ['/home', `/org/${o}`, `/roster/${o}`, `/member/${mid}`, `/member-new/${o}`, `/member-edit/${mid}`, `/compliance/${o}`,
      `/meeting-new/${o}`, `/meeting/${m.body.data.id}`, `/activity-new/${o}`, `/poll-new/${o}`, `/notice-new/${o}`, `/notices/${o}`,
      `/transfers/${o}`, `/transfer-new/${mid}`, `/dues/${o}`, `/dues-member/${mid}`, `/pipeline/${o}`, `/applicant-new/${o}`,
      `/import/${o}`, `/inbox/${o}`, `/thread-send/${o}`, `/corrections/${o}`, `/activities/${o}`, `/polls/${o}`, '/account'],
  };
  routes.county = { acct: county, paths: ['/home', `/org/${county.orgId}`, `/compliance/${county.orgId}`, `/reviews/${county.orgId}`, '/wordlist', '/account', `/admin/${county.orgId}`, `/admin/${o}`] };
  routes.auditor = { acct: auditor, paths: ['/home', `/audit/${auditor.orgId}`, '/account'] };
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// The controls on the page under 16 px text or 44 px tall, and forms without novalidate.
function measure() {
  const bad = [];
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    // a visually hidden file input (its label is the button) is not measured
    return r.width > 1 && r.height > 1 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.name || el.id || el.type || '').trim().slice(0, 30);
  const check = (el, what) => {
    const r = el.getBoundingClientRect();
    const fs = parseFloat(getComputedStyle(el).fontSize);
    if (fs < 16 || r.height < 44) bad.push(`${what} "${name(el)}": ${fs}px text, ${Math.round(r.height)}px tall`);
  };
  for (const el of document.querySelectorAll('input, select, textarea, button, a.btn')) {
    if (el.type === 'hidden' || !seen(el)) continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label');
      if (!label) bad.push(`${el.type} "${name(el)}" without a label around it`);
      else check(label, el.type + ' label');
      continue;
    }
    check(el, el.tagName.toLowerCase() + (el.type ? '[' + el.type + ']' : ''));
  }
  for (const f of document.querySelectorAll('form')) if (!f.noValidate) bad.push(`form without novalidate (${f.className || f.id})`);
  return bad;
}

async function walk(role, large) {
  const { acct, paths } = routes[role];
  const s = await phonePage(browser, srv.base, TALL);
  const { page } = s;
  const out = [];
  try {
    await loginUI(page, acct);
    await page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    if (large) {
      await page.evaluate(() => localStorage.setItem('zhibu.large', '1'));
      await page.reload();
      await page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.classList.contains('large')));
    }
    for (const p of paths) {
      await page.evaluate((h) => { location.hash = h; }, '#' + p);
      await page.waitForFunction(() => !document.querySelector('main [role=status].center') && !document.querySelector('.boot'), null, { timeout: 10000 });
      await page.waitForTimeout(150);
      for (const b of await page.evaluate(measure)) out.push(`${role}${large ? ' (大字)' : ''} #${p}: ${b}`);
    }
    const login = await page.evaluate(measure);
    assert.ok(Array.isArray(login));
  } finally {
    await s.context.close();
  }
  return out;
}

async function loginScreen(large) {
  const s = await phonePage(browser, srv.base, TALL);
  try {
    if (large) await s.page.addInitScript(() => localStorage.setItem('zhibu.large', '1'));
    await s.page.goto('/#/login');
    await s.page.getByLabel('手机号').waitFor();
    return (await s.page.evaluate(measure)).map((b) => `login${large ? ' (大字)' : ''}: ${b}`);
  } finally {
    await s.context.close();
  }
}

for (const large of [false, true]) {
  test(`every input and button is at least 16 px and 44 px tall${large ? ' in large-text mode' : ''}`, async () => {
    const bad = await loginScreen(large);
    for (const role of Object.keys(routes)) bad.push(...await walk(role, large));
    assert.deepEqual(bad, []);
  });
}

test('a form says what is wrong beside the field, in Chinese, and goes to the first one', async () => {
  const s = await phonePage(browser, srv.base, TALL);
  const { page } = s;
  try {
    await loginUI(page, secretary);
    await page.getByRole('heading', { name: `您好，${secretary.name}` }).waitFor();
    // the browser's own check: a required field left empty; no request leaves
    await page.evaluate((o) => { location.hash = '#/activity-new/' + o; }, secretary.orgId);
    await page.locator('#a-title').waitFor();
    let posted = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/api/v1/activities')) posted++; });
    await page.locator('form button[type=submit]').scrollIntoViewIfNeeded();
    await page.locator('form button[type=submit]').click();
    const err = page.locator('#a-title + .field-error');
    await err.waitFor();
    assert.equal(await err.innerText(), '请填写“活动名称”');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'a-title', 'the first wrong field has the focus');
    const box = await page.locator('#a-title').boundingBox();
    assert.ok(box.y >= 0 && box.y + box.height <= 780, 'and is on screen');
    assert.equal(posted, 0);
    await page.locator('#a-title').fill('植树');
    await page.waitForFunction(() => !document.querySelector('#a-title + .field-error'));

    // the server's rule: a meeting has a place or an online link
    await page.evaluate((o) => { location.hash = '#/meeting-new/' + o; }, secretary.orgId);
    await page.getByRole('button', { name: '确定安排' }).click();
    const place = page.locator('label.field.bad', { hasText: '地点' });
    await place.waitFor();
    assert.match(await place.locator('.field-error').innerText(), /填写地点、会议链接，或开设语音会议室/);
    const pb = await place.boundingBox();
    assert.ok(pb.y >= 0 && pb.y + pb.height <= 780, 'the field with the error is on screen');
    await page.screenshot({ path: '/tmp/ui-form-error.png' });
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
