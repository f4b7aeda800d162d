// Browser tests of post photos and member scans (issue 17), at 360 x 780: a member adds
// two photos to a news post from the phone (uploaded at once, previews from the phone's
// own copies); once approved, the feed shows them as small thumbnails and a tap enlarges
// one. A secretary adds a scan of an ID card to a member's record: it is sealed, listed,
// shown on request (each opening audited) and removed. Screenshots go to /tmp, or to
// docs/screens with ZHIBU_DOC_SHOTS=$PWD/docs/screens (docs/SCREENS.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, phonePage, loginUI, apiAs } from './harness.mjs';

const TALL = { width: 360, height: 780 };
const shots = process.env.ZHIBU_DOC_SHOTS || tmpdir();
let srv, browser, work;
const who = {};

function picture(name, source) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=1200x900:rate=1`,
    '-frames:v', '1', '-q:v', '4', join(work, name)]);
  return join(work, name);
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  who.member = acc.find((a) => a.role === 'member');
  who.secretary = acc.find((a) => a.role === 'branch_secretary' && String(a.orgId) === String(who.member.orgId));
  assert.ok(who.member && who.secretary);
  work = mkdtempSync(join(tmpdir(), 'zhibu-e2e-photos-'));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a member adds photos to a post from the phone; the feed shows thumbnails, a tap enlarges one', async () => {
  const a = picture('会场.jpg', 'testsrc');
  const b = picture('合影.jpg', 'testsrc2');
  const m = await phonePage(browser, srv.base, { viewport: TALL });
  try {
    await loginUI(m.page, who.member);
    await m.page.getByRole('heading', { name: `您好，${who.member.name}` }).waitFor();
    await m.page.goto('/#/post-new/news');
    await m.page.getByLabel('标题').fill('村里的主题党日活动');
    await m.page.getByLabel('内容').fill('今天上午在村委会开展主题党日活动，大家一起学习、一起清扫村道。');
    await m.page.getByLabel('选择照片（可多选，最多 9 张）').setInputFiles([a, b]);
    const previews = m.page.locator('.photo-picker .photo-grid img');
    await m.page.waitForFunction(() => document.querySelectorAll('.photo-picker .photo-grid img').length === 2, null, { timeout: 30000 });
    assert.equal(await previews.count(), 2);
    await m.page.screenshot({ path: join(shots, 'post-photos-new.png') });
    // One removed and added again: the post carries what the grid shows.
    await m.page.getByRole('button', { name: '移除这张照片' }).first().click();
    assert.equal(await previews.count(), 1);
    await m.page.getByLabel('选择照片（可多选，最多 9 张）').setInputFiles([a]);
    await m.page.waitForFunction(() => document.querySelectorAll('.photo-picker .photo-grid img').length === 2, null, { timeout: 30000 });
    await m.page.getByRole('button', { name: '发布', exact: true }).click();
    await m.page.getByText('已提交，审核通过后大家可以看到').waitFor();

    // The secretary approves it (a new author's first post waits for review).
    const sec = await apiAs(srv.base, who.secretary);
    const queue = (await sec.get('/reviews?orgId=' + who.secretary.orgId)).body.data.items;
    const post = queue.find((p) => p.title === '村里的主题党日活动');
    assert.ok(post, 'the post waits for review');
    assert.equal(post.photoFiles.length, 2);
    assert.deepEqual(post.photoFiles.map((f) => f.kind), ['image', 'image']);
    assert.equal((await sec.post(`/posts/${post.id}/review`, { decision: 'approve' })).status, 200);

    // The feed: thumbnails (the queue's small WebP), once they are made.
    await m.page.goto('/#/posts');
    const thumbs = m.page.locator('.card.post .photo-grid img');
    for (let i = 0; i < 30 && (await thumbs.count()) < 2; i++) {
      await m.page.waitForTimeout(500);
      await m.page.reload();
      await m.page.getByText('村里的主题党日活动').first().waitFor();
    }
    assert.equal(await thumbs.count(), 2);
    await m.page.waitForFunction(() => [...document.querySelectorAll('.card.post .photo-grid img')].every((i) => i.complete && i.naturalWidth > 0));
    const src = await thumbs.first().getAttribute('src');
    assert.match(src, /\/api\/v1\/posts\/\d+\/files\/\d+\?variant=thumb$/);
    const small = await m.page.evaluate(async (u) => (await (await fetch(u)).arrayBuffer()).byteLength, src);
    assert.ok(small < 30000, `a thumbnail weighs ${small} bytes`);
    await m.page.screenshot({ path: join(shots, 'post-photos-feed.png') });

    // A tap enlarges it (the original), a tap on it closes it.
    await m.page.getByRole('button', { name: /查看大图：/ }).first().click();
    const big = m.page.locator('.lightbox img');
    await big.waitFor();
    await m.page.waitForFunction(() => { const i = document.querySelector('.lightbox img'); return i && i.complete && i.naturalWidth === 1200; });
    assert.doesNotMatch(await big.getAttribute('src'), /variant/);
    await m.page.screenshot({ path: join(shots, 'post-photos-enlarged.png') });
    await big.click();
    await m.page.locator('.lightbox').waitFor({ state: 'detached' });
    assert.deepEqual(m.problems, []);
  } finally {
    await m.context.close();
  }
});

test('a secretary adds a scan to a member record: sealed, viewed on request (audited), removed', async () => {
  const scan = picture('身份证.jpg', 'smptebars');
  const memberApi = await apiAs(srv.base, who.member);
  const memberId = memberApi.me.memberId ?? (await memberApi.get('/me')).body.data.member.id;
  const s = await phonePage(browser, srv.base, { viewport: TALL });
  try {
    await loginUI(s.page, who.secretary);
    await s.page.getByRole('heading', { name: `您好，${who.secretary.name}` }).waitFor();
    await s.page.goto(`/#/member/${memberId}`);
    const section = s.page.locator('section[aria-labelledby="s-scans"]');
    await section.getByText('还没有扫描件').waitFor();
    await section.getByLabel('选择文件（PDF、Office 文档、图片、音频、视频）').setInputFiles(scan);
    await section.getByText('已加密保存：身份证.jpg').waitFor({ timeout: 30000 });
    await section.getByText('身份证.jpg', { exact: true }).waitFor();
    await section.getByText('身份证.jpg', { exact: true }).scrollIntoViewIfNeeded();
    await s.page.screenshot({ path: join(shots, 'member-scans.png') });
    const reads = () => Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(srv.data, 'zhibu.db'),
      "SELECT COUNT(*) FROM audit_log WHERE action = 'member.scan_read'"], { encoding: 'utf8' }).trim());
    const before = reads();
    await section.getByRole('button', { name: '查看' }).click();
    const img = section.locator('img.scan-img');
    await s.page.waitForFunction(() => { const i = document.querySelector('img.scan-img'); return i && i.complete && i.naturalWidth === 1200; });
    assert.match(await img.getAttribute('src'), /\/api\/v1\/members\/\d+\/scans\/\d+$/);
    await img.scrollIntoViewIfNeeded();
    await s.page.screenshot({ path: join(shots, 'member-scan-view.png') });
    assert.ok(reads() > before, 'the opening is audited');
    // Removed.
    s.page.once('dialog', (d) => d.accept());
    await section.getByRole('button', { name: '删除' }).click();
    await section.getByText('还没有扫描件').waitFor();
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
});
