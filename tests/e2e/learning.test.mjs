// Browser tests of 学习 at 360×780: a member listens to an audio lesson (its low version,
// the size shown before playing), leaves and comes back to the place saved on the server; a
// member opens a practice quiz, loses the connection,
// answers and submits (kept on the phone), and the submission goes up once when the phone
// is back online, with the results and explanations shown; a secretary imports a question
// bank (a bad file is refused whole, row by row) and sets an exam from it. Screenshots go
// to build/shots (ZHIBU_SHOTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI, repo } from './harness.mjs';

let srv;
let browser;
const info = {};
const shots = process.env.ZHIBU_SHOTS || join(repo, 'build', 'shots');
const VIEW = { viewport: { width: 360, height: 780 } };

before(async () => {
  mkdirSync(shots, { recursive: true });
  srv = await startServer();
  browser = await launch();
  info.sec = srv.accounts.find((a) => a.role === 'branch_secretary');
  info.member = srv.accounts.find((a) => a.role === 'member' && String(a.orgId) === String(info.sec.orgId));
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(fn) {
  const s = await phonePage(browser, srv.base, VIEW);
  try {
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

test('a member takes a practice quiz offline and it is submitted once when back online', async () => {
  await session(async (page, s) => {
    await loginUI(page, info.member);
    await page.getByRole('heading', { name: `您好，${info.member.name}` }).waitFor();
    await page.locator('a[href="#/learn"]').first().click();
    await page.getByRole('heading', { name: '学习' }).waitFor();
    await page.screenshot({ path: join(shots, 'learn-list.png') });
    await page.getByRole('button', { name: '练习和考试' }).click();
    await page.locator('a[data-quiz]', { hasText: '党章党规随手练' }).click();
    await page.locator('[data-question]').first().waitFor();
    // the targets are big enough for older hands
    const box = await page.locator('.lr-opt').first().boundingBox();
    assert.ok(box.height >= 52, `option height ${box.height}`);

    await s.context.setOffline(true);
    await page.getByRole('button', { name: 'A. 0.2元到1元' }).click();
    await page.getByRole('button', { name: '对', exact: true }).first().click();
    await page.getByRole('button', { name: '提交答案' }).click();
    await page.getByText('已保存在手机上，联网后自动提交').waitFor();
    await page.screenshot({ path: join(shots, 'learn-quiz-offline.png'), fullPage: true });

    await s.context.setOffline(false);
    await page.locator('.lr-score').waitFor({ timeout: 15000 });
    assert.match(await page.locator('.lr-score').innerText(), /答对 2 \/ 6 题/);
    await page.getByText('练习不记分').waitFor();
    await page.getByText('解析：农民党员每月交纳0.2元到1元。').waitFor();
    await page.screenshot({ path: join(shots, 'learn-quiz-result.png'), fullPage: true });
  });
  const api = await apiAs(srv.base, info.member);
  const quizzes = (await api.get('/quizzes?mode=practice')).body.data.items;
  const quiz = quizzes.find((q) => q.title === '党章党规随手练');
  const mine = (await api.get(`/quizzes/${quiz.id}/mine`)).body.data;
  assert.equal(mine.attempts.length, 1, 'submitted exactly once');
  assert.equal(mine.attempts[0].origin, 'offline');
  assert.equal(mine.attempts[0].score, null, 'practice keeps no score');
});

test('a secretary imports a question bank (a bad file refused whole, leaving no bank) and sets an exam', async () => {
  const HEAD = '题型,题干,选项A,选项B,选项C,答案,解析';
  const bad = [HEAD, '单选,支部委员会多长时间开一次会？,每月,每年,,D,', '问答,什么是党员？,,,,对,'].join('\n');
  const good = [HEAD,
    '单选,支部委员会多长时间开一次会？,每月,每年,,A,支委会一般每月召开一次。',
    '判断,党员应当按月交纳党费。,,,,对,按月交纳是党员的义务。',
    '填空,党的根本宗旨是全心全意为人民____。,,,,服务,'].join('\n');
  await session(async (page) => {
    await loginUI(page, info.sec);
    await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
    await page.goto(`/#/learn-org/${info.sec.orgId}`);
    await page.getByRole('heading', { name: '导入题库' }).waitFor();
    await page.getByLabel('题库名称').fill('本村党课题库');
    await page.locator('#lr-file').setInputFiles({ name: 'bank.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.locator('[data-import=refused]').waitFor();
    assert.match(await page.locator('[data-import=refused]').innerText(), /第 2 行 答案/);
    assert.match(await page.locator('[data-import=refused]').innerText(), /第 3 行 题型/);
    await page.screenshot({ path: join(shots, 'learn-import-refused.png'), fullPage: true });
    // a refused file leaves no bank behind
    const sa = await apiAs(srv.base, info.sec);
    const left = (await sa.get(`/question-banks?orgId=${info.sec.orgId}`)).body.data.items;
    assert.ok(!left.some((b) => b.title === '本村党课题库'), 'no empty bank after a refused file');

    await page.locator('#lr-file').setInputFiles({ name: 'bank.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.getByText('已导入 3 道题').waitFor();

    await page.getByLabel('题库', { exact: true }).selectOption({ label: '本村党课题库（3）' });
    await page.getByLabel('类型').selectOption('exam');
    await page.getByLabel('名称', { exact: true }).fill('本月党课小测验');
    await page.getByLabel('限时（分钟）').fill('15');
    await page.getByRole('button', { name: '发布', exact: true }).click();
    await page.getByText('已发布：').waitFor();
    await page.screenshot({ path: join(shots, 'learn-set-exam.png'), fullPage: true });
  });
  const api = await apiAs(srv.base, info.sec);
  const banks = (await api.get(`/question-banks?orgId=${info.sec.orgId}`)).body.data.items;
  const mine = banks.filter((b) => b.title === '本村党课题库');
  assert.equal(mine.length, 1, 'one bank: made with the corrected file');
  assert.equal(mine[0].questions, 3);
  const exam = (await api.get('/quizzes?mode=exam')).body.data.items.find((q) => q.title === '本月党课小测验');
  assert.ok(exam, 'the exam is published');
  assert.equal(exam.timeLimitMinutes, 15);
});

test('a township asks for review; a village lesson and course wait and its admin approves them from the phone', async () => {
  const auditor = srv.accounts.find((a) => a.role === 'auditor');
  const town = srv.accounts.find((a) => a.role === 'org_admin' && a.orgId !== auditor.orgId);
  const ta = await apiAs(srv.base, town);
  const sa = await apiAs(srv.base, info.sec);
  assert.equal((await ta.post('/learning/review', { orgId: town.orgId, required: true })).status, 200);
  const l = await sa.post('/lessons', { orgId: info.sec.orgId, kind: 'article', title: '本村的红色故事', text: '老支书带领大家修水渠。', minutes: 3, level: 'intro' });
  assert.equal(l.status, 201);
  assert.equal(l.body.data.state, 'review');
  // a course of the village waits the same way (its lesson: one the township published)
  const lessons = (await sa.get('/lessons?limit=50')).body.data.items;
  const c = await sa.post('/courses', { orgId: info.sec.orgId, title: '本村的学习课程', level: 'intro', lessonIds: [lessons.find((x) => x.org.id !== info.sec.orgId).id] });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.data.state, 'review');
  await session(async (page) => {
    await loginUI(page, town);
    await page.getByRole('heading', { name: `您好，${town.name}` }).waitFor();
    await page.goto(`/#/learn-org/${town.orgId}`);
    const item = page.locator(`[data-review="${l.body.data.id}"]`);
    await item.waitFor();
    await page.screenshot({ path: join(shots, 'learn-review.png'), fullPage: true });
    await item.getByRole('button', { name: '通过' }).click();
    await item.waitFor({ state: 'detached' });
    const course = page.locator(`[data-review-item="course${c.body.data.id}"]`);
    assert.match(await course.innerText(), /课程/);
    await course.getByRole('button', { name: '通过' }).click();
    await course.waitFor({ state: 'detached' });
  });
  const m = await apiAs(srv.base, info.member);
  const seen = await m.get(`/lessons/${l.body.data.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.data.state, 'published');
  const seenCourse = await m.get(`/courses/${c.body.data.id}`);
  assert.equal(seenCourse.status, 200);
  assert.equal(seenCourse.body.data.state, 'published');
  assert.equal((await ta.post('/learning/review', { orgId: town.orgId, required: false })).status, 200);
});

// Stores bytes through the upload routes as acct (one chunk); returns the FILE.
async function storeFile(acct, orgId, name, bytes) {
  const r = await fetch(srv.base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: acct.phone, password: acct.password }),
  });
  const auth = { Authorization: 'Bearer ' + (await r.json()).data.token };
  const u = await fetch(srv.base + '/api/v1/uploads', {
    method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ orgId, name, size: bytes.length }),
  });
  const up = (await u.json()).data;
  const done = await fetch(srv.base + '/api/v1/uploads/' + up.id, {
    method: 'PATCH', body: bytes,
    headers: { ...auth, 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0',
      'Upload-Checksum': 'sha256 ' + createHash('sha256').update(bytes).digest('base64') },
  });
  const file = (await done.json()).data.file;
  assert.ok(file, 'the upload completes');
  return file;
}

test('a member listens to an audio lesson, leaves, and resumes where the server kept the place', async () => {
  const work = mkdtempSync(join(tmpdir(), 'zhibu-e2e-audio-'));
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=60',
    '-c:a', 'libmp3lame', '-b:a', '96k', join(work, 'lesson.mp3')]);
  const file = await storeFile(info.sec, info.sec.orgId, '学党章.mp3', readFileSync(join(work, 'lesson.mp3')));
  const sa = await apiAs(srv.base, info.sec);
  const made = await sa.post('/lessons', { orgId: info.sec.orgId, kind: 'audio', title: '一分钟听党章', text: '党章是党的根本大法。', fileId: file.id, minutes: 1, level: 'intro' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.data.state, 'published');
  const id = made.body.data.id;
  // the media queue makes the 32 kbit/s version the player uses
  const m = await apiAs(srv.base, info.member);
  let low;
  for (let i = 0; i < 150 && !low; i++) {
    const l = (await m.get(`/lessons/${id}`)).body.data;
    low = l.file.variants.find((v) => v.name === 'audio');
    if (!low) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(low, 'the low version is made');
  assert.ok(low.size < file.size, `${low.size} < ${file.size}`);
  await session(async (page) => {
    await loginUI(page, info.member);
    await page.getByRole('heading', { name: `您好，${info.member.name}` }).waitFor();
    await page.goto(`/#/lesson/${id}`);
    // the size is shown before anything is fetched
    const play = page.locator('[data-play]');
    await play.waitFor();
    assert.match(await play.innerText(), /收听（\d+(\.\d)? KB）/);
    assert.equal(await page.locator('audio').count(), 0);
    await page.screenshot({ path: join(shots, 'learn-audio.png') });
    await play.click();
    const audio = page.locator('audio.lr-media');
    await audio.waitFor();
    assert.match(await audio.getAttribute('src'), new RegExp(`/api/v1/lessons/${id}/files/${file.id}\\?variant=audio$`));
    await page.waitForFunction(() => document.querySelector('audio.lr-media').currentTime >= 5, null, { timeout: 20000 });
    // leaves the lesson: the place is kept on the server
    await page.goto('/#/learn');
    await page.getByRole('heading', { name: '学习' }).waitFor();
    let pos = 0;
    for (let i = 0; i < 50 && pos < 4; i++) {
      const l = (await m.get(`/lessons/${id}`)).body.data;
      pos = l.progress ? l.progress.position : 0;
      if (pos < 4) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(pos >= 4, `position saved on the server: ${pos}`);
    // comes back: the player says where it resumes, and resumes there
    await page.goto(`/#/lesson/${id}`);
    await page.getByText(`从 0:${String(pos).padStart(2, '0')} 接着听`).waitFor();
    await page.locator('[data-play]').click();
    await page.waitForFunction((p) => { const a = document.querySelector('audio.lr-media'); return a && a.readyState >= 1 && a.currentTime >= p; }, pos, { timeout: 20000 });
    const at = await page.evaluate(() => document.querySelector('audio.lr-media').currentTime);
    assert.ok(at >= pos && at < pos + 10, `resumed at ${at}, saved ${pos}`);
  });
});
