// Browser tests of the staff guide (支部上网第一课：zhibu 使用指南, seeded by `zhibu demo`):
// its screenshots are taken here, at a phone's 360×780 (one pixel per CSS pixel, to keep
// the PNGs small), of the screens each guide lesson explains; and the guide's lessons show
// the committed copies (web/public/guide, served with the client at /guide/NAME.png).
//
// The shots go to build/guide; to refresh the committed copies after the screens change:
//   ZHIBU_GUIDE_OUT=web/public/guide node --test tests/e2e/guide.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer, launch, phonePage, loginUI, repo } from './harness.mjs';

const out = resolve(repo, process.env.ZHIBU_GUIDE_OUT || join('build', 'guide'));
const committed = join(repo, 'web', 'public', 'guide');
const VIEW = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 1 };
// Each guide lesson's picture: the screen it shows, and what to wait for there.
const SHOTS = [
  ['1-home', (a) => '/#/home', (p, a) => p.getByRole('heading', { name: `您好，${a.name}` })],
  ['2-notice-new', (a) => `/#/notice-new/${a.orgId}`, (p) => p.getByRole('heading', { name: '发布通知' })],
  ['3-meeting-new', (a) => `/#/meeting-new/${a.orgId}`, (p) => p.getByRole('heading', { name: '安排会议' })],
  ['4-learn-org', (a) => `/#/learn-org/${a.orgId}`, (p) => p.getByRole('heading', { name: '导入题库' })],
  ['5-learn', () => '/#/learn', (p) => p.locator('a[href^="#/course/"]').first()],
  ['6-figures', (a) => `/#/learn-org/${a.orgId}`, (p) => p.getByRole('heading', { name: '学习统计' })],
];

let srv;
let browser;
let sec;

before(async () => {
  mkdirSync(out, { recursive: true });
  srv = await startServer();
  browser = await launch();
  sec = srv.accounts.find((a) => a.role === 'branch_secretary');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(fn) {
  const s = await phonePage(browser, srv.base, VIEW);
  try {
    await fn(s.page);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

test('the guide\'s screenshots are taken of the screens its lessons explain, small', async () => {
  await session(async (page) => {
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    for (const [name, path, ready] of SHOTS) {
      await page.goto(path(sec));
      const el = ready(page, sec);
      await el.waitFor();
      if (name === '6-figures') await el.evaluate((e) => e.scrollIntoView({ block: 'start' }));
      else await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(out, name + '.png') });
      const size = statSync(join(out, name + '.png')).size;
      assert.ok(size < 150 * 1024, `${name}.png is ${size} bytes`);
    }
  });
});

test('the guide\'s lessons show their screenshots (the committed copies, served with the client)', async () => {
  await session(async (page) => {
    await loginUI(page, sec);
    await page.getByRole('heading', { name: `您好，${sec.name}` }).waitFor();
    await page.goto('/#/learn');
    const guide = page.locator('a[href^="#/course/"]', { hasText: '使用指南' }).first();
    await guide.waitFor();
    await guide.click();
    const lessons = page.locator('a[href^="#/lesson/"]');
    await lessons.first().waitFor();
    const hrefs = await lessons.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(hrefs.length, SHOTS.length, 'one picture a lesson');
    for (const [i, href] of hrefs.entries()) {
      await page.goto('/' + href);
      const img = page.locator('figure.lr-shot img');
      await img.waitFor();
      const src = await img.getAttribute('src');
      assert.equal(src, `/guide/${SHOTS[i][0]}.png`);
      assert.ok(existsSync(join(committed, SHOTS[i][0] + '.png')), `${src} is committed`);
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => { const x = document.querySelector('figure.lr-shot img'); return x.complete && x.naturalWidth === 360; });
      // the marker is not shown as text, the caption is
      assert.ok(!(await page.locator('.lr-text').allInnerTexts()).join('').includes('/guide/'));
      assert.ok((await page.locator('figure.lr-shot figcaption').innerText()).length > 0);
    }
  });
});
