// learning.test.mjs - learning that members choose: lessons and courses published to a
// subtree (out of reach answers like missing), the member's own progress and resume,
// follows and recommendations (never tasks), question banks imported all or nothing,
// quizzes (practice keeps no score, offline submissions counted once by key), exams with
// a server-enforced time limit (test clock), scored exactly once under concurrent and
// replayed submissions, paper answers entered once by the branch, figures per branch,
// and a walk of every learning read as staff that finds no person's score or ranking.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, run, sqlite, startServer, tempDir } from './helpers.mjs';

let srv, api, who, db;
let tT, tS, tSB, tM, tG, tC;
let township, villageA, villageB, memberId, paperMember;

const one = (sql) => sqlite(db, sql).stdout.trim();
const csv = (s) => ({ body: Buffer.from(s), headers: { 'Content-Type': 'text/csv' } });
const post = (token, path, body, headers) => api('POST', path, { token, body, headers });
const get = (token, path) => api('GET', path, { token });

// A minimal XLSX (a zip of the workbook parts, one sheet of inline strings) of rows.
function xlsx(rows) {
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const col = (i) => String.fromCharCode(65 + i);
  const sheet = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    rows.map((r, i) => `<row r="${i + 1}">` + r.map((v, k) => (v === '' ? '' : `<c r="${col(k)}${i + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`)).join('') + '</row>').join('') +
    '</sheetData></worksheet>';
  const parts = {
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    '_rels/.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml': '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    'xl/worksheets/sheet1.xml': sheet,
  };
  const local = [], central = [];
  let off = 0;
  for (const [name, text] of Object.entries(parts)) {
    const raw = Buffer.from(text), data = deflateRawSync(raw), nm = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt16LE(0x800, 6); h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc32(raw), 14); h.writeUInt32LE(data.length, 18); h.writeUInt32LE(raw.length, 22); h.writeUInt16LE(nm.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(20, 4); c.writeUInt16LE(20, 6); c.writeUInt16LE(0x800, 8); c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc32(raw), 16); c.writeUInt32LE(data.length, 20); c.writeUInt32LE(raw.length, 24); c.writeUInt16LE(nm.length, 28); c.writeUInt32LE(off, 42);
    local.push(h, nm, data);
    central.push(c, nm);
    off += 30 + nm.length + data.length;
  }
  const cd = Buffer.concat(central), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(central.length / 2, 8); end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(off, 16);
  return Buffer.concat([...local, cd, end]);
}
// Media made by ffmpeg in the test, stored through the upload routes.
const work = tempDir('zhibu-learning-');
function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}
async function stored(token, orgId, name, bytes) {
  const u = assertData(await api('POST', '/api/v1/uploads', { token, body: { orgId, name, size: bytes.length } }), 201);
  const headers = { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0',
    'Upload-Checksum': `sha256 ${createHash('sha256').update(bytes).digest('base64')}` };
  const d = assertData(await api('PATCH', `/api/v1/uploads/${u.id}`, { token, body: bytes, headers }));
  assert.ok(d.file, 'one chunk completes the file');
  return d.file;
}
const xlsxBody = (rows) => ({ body: xlsx(rows), headers: { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });

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
  memberId = assertData(await get(tM, '/api/v1/me')).member.id;
  // a member of village A who does not use the app (no account signed in with: every
  // roster member has one, not activated): answers on paper
  const roster = assertData(await get(tS, `/api/v1/members?orgId=${villageA}&limit=200`));
  const withAccounts = new Set(one('SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND activated_at IS NOT NULL').split('\n').map(Number));
  paperMember = roster.items.find((m) => !withAccounts.has(m.id)).id;
});

after(async () => {
  await srv?.stop();
});

let lesson, lesson2, course, audioFile;

describe('lessons and courses: published to a subtree, chosen by members', () => {
  test('township publishes an audio lesson with a length, level, topics and its recording from the file store', async () => {
    audioFile = await stored(tT, township, '党费.mp3', ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=4', '-c:a', 'libmp3lame', '-b:a', '64k'], 'fee.mp3'));
    assert.equal(audioFile.kind, 'audio');
    lesson = assertData(await post(tT, '/api/v1/lessons', {
      orgId: township, kind: 'audio', title: '三分钟听懂党费怎么交', text: '党费按月交纳，农民党员每月交纳0.2元到1元。',
      fileId: audioFile.id, minutes: 3, level: 'intro', topics: ['党费', '党章'],
    }), 201);
    assert.equal(lesson.kind, 'audio');
    assert.equal(lesson.length, '3 分钟');
    assert.equal(lesson.fileId, audioFile.id);
    assert.deepEqual([lesson.file.id, lesson.file.size, lesson.file.kind], [audioFile.id, audioFile.size, 'audio']);
    assert.deepEqual(lesson.topics, ['党费', '党章']);
    assert.equal(lesson.progress, null);
    lesson2 = assertData(await post(tT, '/api/v1/lessons', {
      orgId: township, kind: 'story', title: '图说村里的主题党日', text: '第一幅：大家来到村部。', minutes: 5, level: 'basic',
    }), 201);
  });

  test('a member of a village in the township lists it, filtered by kind, level and topic', async () => {
    const all = assertData(await get(tM, '/api/v1/lessons'));
    assert.ok(all.items.some((l) => l.id === lesson.id) && all.items.some((l) => l.id === lesson2.id));
    const audio = assertData(await get(tM, '/api/v1/lessons?kind=audio'));
    assert.deepEqual(audio.items.map((l) => l.id).filter((id) => id === lesson.id || id === lesson2.id), [lesson.id]);
    const basic = assertData(await get(tM, '/api/v1/lessons?level=basic'));
    assert.ok(!basic.items.some((l) => l.id === lesson.id) && basic.items.some((l) => l.id === lesson2.id));
    const topic = assertData(await get(tM, `/api/v1/lessons?topic=${encodeURIComponent('党费')}`));
    assert.ok(topic.items.some((l) => l.id === lesson.id) && !topic.items.some((l) => l.id === lesson2.id));
    assert.ok(topic.items.every((l) => l.topics.includes('党费')));
    const one_ = assertData(await get(tM, `/api/v1/lessons/${lesson.id}`));
    assert.equal(one_.text, '党费按月交纳，农民党员每月交纳0.2元到1元。');
    assert.equal(one_.canManage, false);
  });

  test('a lesson\'s recording is a stored file of the right kind, referenced by the lesson', async () => {
    const video = await stored(tT, township, '短片.mp4', ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p'], 'clip.mp4'));
    const body = { orgId: township, kind: 'audio', title: '错的文件', text: '文字稿', minutes: 3, level: 'intro' };
    assertError(await post(tT, '/api/v1/lessons', { ...body, fileId: video.id }), 400, 'request.invalid', 'fileId');
    assertError(await post(tT, '/api/v1/lessons', { ...body, kind: 'video', fileId: audioFile.id }), 400, 'request.invalid', 'fileId');
    assertError(await post(tT, '/api/v1/lessons', { ...body, fileId: 99999999 }), 404, 'file.not_found', 'fileId');
    // a village's file is not the township's to publish (nor the village secretary's to
    // give a township): another branch's upload is out of reach
    const villageFile = await stored(tSB, villageB, '村里的.mp3', ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1'], 'b.mp3'));
    assertError(await post(tS, '/api/v1/lessons', { ...body, orgId: villageA, fileId: villageFile.id }), 404, 'file.not_found', 'fileId');
    const v = assertData(await post(tT, '/api/v1/lessons', { ...body, kind: 'video', title: '视频课', fileId: video.id }), 201);
    assert.equal(v.file.kind, 'video');
    // the lesson refers to its file: the store keeps it (file_refs, the sweep's reference)
    assert.equal(one(`SELECT COUNT(*) FROM file_refs WHERE object_kind = 'lesson' AND object_id = ${lesson.id} AND file_id = ${audioFile.id}`), '1');
  });

  test('the recording is read through the lesson: its audience, in its low version, with its size', async () => {
    const path = `/api/v1/lessons/${lesson.id}/files/${audioFile.id}`;
    const whole = await api('GET', path, { token: tM });
    assert.equal(whole.status, 200);
    assert.equal(Number(whole.headers.get('content-length')), audioFile.size);
    const part = await api('GET', path, { token: tM, headers: { Range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    // the media queue makes the 32 kbit/s version; the lesson shows its size before playing
    let l;
    for (let i = 0; i < 100; i++) {
      l = assertData(await get(tM, `/api/v1/lessons/${lesson.id}`));
      if (l.file.processing === 'done' || l.file.processing === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const low = l.file.variants.find((x) => x.name === 'audio');
    assert.ok(low, JSON.stringify(l.file));
    assert.equal(low.type, 'audio/webm');
    const r = await api('GET', `${path}?variant=audio`, { token: tM });
    assert.equal(r.status, 200);
    assert.equal(Number(r.headers.get('content-length')), low.size);
    // outside the lesson's reach the file answers like the lesson: missing
    const out = await api('GET', path, { token: tSB });
    assertError(out, 404, 'lesson.not_found');
    assert.equal(out.text, (await api('GET', `/api/v1/lessons/99999999/files/${audioFile.id}`, { token: tSB })).text);
    // another lesson's file is not this one's
    assertError(await api('GET', `/api/v1/lessons/${lesson2.id}/files/${audioFile.id}`, { token: tM }), 404, 'file.not_found');
  });

  test('outside the subtree a lesson answers exactly like a missing one', async () => {
    const list = assertData(await get(tSB, '/api/v1/lessons'));
    assert.ok(!list.items.some((l) => l.id === lesson.id));
    const r = await get(tSB, `/api/v1/lessons/${lesson.id}`);
    const missing = await get(tSB, '/api/v1/lessons/99999999');
    assertError(r, 404, 'lesson.not_found');
    assert.equal(r.text, missing.text);
    assertError(await post(tSB, `/api/v1/lessons/${lesson.id}/progress`, { position: 5 }), 404, 'lesson.not_found');
  });

  test('a member cannot publish; bad input is refused by field', async () => {
    assertError(await post(tM, '/api/v1/lessons', { orgId: villageA, kind: 'article', title: 'x', text: 'y', minutes: 3, level: 'intro' }), 404, 'org.not_found');
    assertError(await post(tS, '/api/v1/lessons', { orgId: villageA, kind: 'podcast', title: 'x', text: 'y', minutes: 3, level: 'intro' }), 400, 'request.invalid', 'kind');
    assertError(await post(tS, '/api/v1/lessons', { orgId: villageA, kind: 'article', title: 'x', text: 'y', minutes: 0, level: 'intro' }), 400, 'request.invalid', 'minutes');
  });

  test('progress is the member\'s own: position to resume, finished once', async () => {
    const finishedBefore = assertData(await get(tM, '/api/v1/me/learning')).finished;
    let l = assertData(await post(tM, `/api/v1/lessons/${lesson.id}/progress`, { position: 42 }));
    assert.equal(l.progress.position, 42);
    assert.equal(l.progress.finishedAt, null);
    const me = assertData(await get(tM, '/api/v1/me/learning'));
    assert.equal(me.resume[0].id, lesson.id);
    assert.equal(me.resume[0].progress.position, 42);
    l = assertData(await post(tM, `/api/v1/lessons/${lesson.id}/progress`, { position: 180, finished: true }));
    assert.ok(l.progress.finishedAt);
    const first = l.progress.finishedAt;
    l = assertData(await post(tM, `/api/v1/lessons/${lesson.id}/progress`, { position: 10 }));
    assert.equal(l.progress.finishedAt, first, 'finished stays finished');
    // someone else's progress is theirs: the migrant sees none on this lesson
    assert.equal(assertData(await get(tG, `/api/v1/lessons/${lesson.id}`)).progress, null);
    assert.equal(assertData(await get(tM, '/api/v1/me/learning')).finished, finishedBefore + 1);
  });

  test('a course groups lessons in order; a lesson must reach the course\'s audience', async () => {
    const vl = assertData(await post(tS, '/api/v1/lessons', { orgId: villageA, kind: 'article', title: '本村的故事', text: '村史', minutes: 2, level: 'intro' }), 201);
    assertError(await post(tT, '/api/v1/courses', { orgId: township, title: '课程', level: 'intro', lessonIds: [lesson.id, vl.id] }), 409, 'course.lesson', 'lessonIds');
    course = assertData(await post(tT, '/api/v1/courses', { orgId: township, title: '党费小课堂', summary: '两课', level: 'intro', lessonIds: [lesson2.id, lesson.id] }), 201);
    assert.deepEqual(course.lessons.map((l) => l.id), [lesson2.id, lesson.id]);
    const seen = assertData(await get(tM, `/api/v1/courses/${course.id}`));
    assert.equal(seen.finishedLessons, 1);
    assert.equal(seen.completed, false);
    assert.equal(seen.followed, false);
  });

  test('a member chooses to follow; a branch recommends, which is shown and never a task', async () => {
    let c = assertData(await post(tM, `/api/v1/courses/${course.id}/follow`));
    assert.equal(c.followed, true);
    const followed = assertData(await get(tM, '/api/v1/courses?followed=true'));
    assert.deepEqual(followed.items.map((x) => x.id), [course.id]);
    c = assertData(await post(tS, '/api/v1/course-recommendations', { orgId: villageA, courseId: course.id, note: '适合大家听一听' }));
    const m = assertData(await get(tM, `/api/v1/courses/${course.id}`));
    assert.deepEqual(m.recommendedBy.map((r) => [r.orgId, r.note]), [[villageA, '适合大家听一听']]);
    // a branch beyond the course's reach cannot recommend it
    assertError(await post(tSB, '/api/v1/course-recommendations', { orgId: villageB, courseId: course.id }), 404, 'course.not_found');
    c = assertData(await api('DELETE', `/api/v1/courses/${course.id}/follow`, { token: tM }));
    assert.equal(c.followed, false);
  });

  test('a withdrawn lesson is gone for its audience and leaves its courses\' lists and counts', async () => {
    const extra = assertData(await post(tT, '/api/v1/lessons', { orgId: township, kind: 'article', title: '将撤下的课', text: '旧内容', minutes: 2, level: 'intro' }), 201);
    const c = assertData(await post(tT, '/api/v1/courses', { orgId: township, title: '两课', level: 'intro', lessonIds: [lesson2.id, extra.id] }), 201);
    assert.equal(c.lessonCount, 2);
    assertError(await api('DELETE', `/api/v1/lessons/${extra.id}`, { token: tM }), 404, 'lesson.not_found');
    assert.equal(assertData(await api('DELETE', `/api/v1/lessons/${extra.id}`, { token: tT })).state, 'withdrawn');
    assertError(await get(tM, `/api/v1/lessons/${extra.id}`), 404, 'lesson.not_found');
    const after_ = assertData(await get(tM, `/api/v1/courses/${c.id}`));
    assert.deepEqual([after_.lessonCount, after_.lessons.map((l) => l.id)], [1, [lesson2.id]]);
  });

  test('progress follows the member through a transfer (kept with the member record)', async () => {
    assert.equal(one(`SELECT member_id FROM lesson_progress WHERE lesson_id = ${lesson.id} AND account_id = (SELECT id FROM accounts WHERE member_id = ${memberId})`), String(memberId));
  });
});

describe('review where configured', () => {
  test('a township asks for review: its villages\' lessons wait for the organisation above, then publish or go back', async () => {
    assertError(await post(tM, '/api/v1/learning/review', { orgId: township, required: true }), 404, 'org.not_found');
    const on = assertData(await post(tT, '/api/v1/learning/review', { orgId: township, required: true }));
    assert.deepEqual([on.required, on.by], [true, township]);
    assert.deepEqual(assertData(await get(tS, `/api/v1/learning/review?orgId=${villageA}`)), { orgId: villageA, required: true, by: township });
    const body = { orgId: villageA, kind: 'article', title: '待审的课', text: '内容', minutes: 2, level: 'intro' };
    const l = assertData(await post(tS, '/api/v1/lessons', body), 201);
    assert.equal(l.state, 'review');
    // the township's own lessons need no review
    assert.equal(assertData(await post(tT, '/api/v1/lessons', { ...body, orgId: township }), 201).state, 'published');
    const r = await get(tM, `/api/v1/lessons/${l.id}`);
    assertError(r, 404, 'lesson.not_found');
    assert.equal(r.text, (await get(tM, '/api/v1/lessons/99999999')).text);
    assert.ok(!assertData(await get(tM, '/api/v1/lessons?limit=200')).items.some((x) => x.id === l.id));
    assert.equal(assertData(await get(tS, `/api/v1/lessons/${l.id}`)).state, 'review');
    assertError(await post(tS, `/api/v1/lessons/${l.id}/approve`), 404, 'lesson.not_found');
    assert.ok(assertData(await get(tT, `/api/v1/learning/reviews?orgId=${township}`)).items.some((x) => x.id === l.id));
    const back = assertData(await post(tT, `/api/v1/lessons/${l.id}/reject`, { reason: '请补充本村的例子' }));
    assert.deepEqual([back.state, back.reviewNote], ['rejected', '请补充本村的例子']);
    assertError(await post(tT, `/api/v1/lessons/${l.id}/approve`), 409, 'lesson.state');
    assertError(await get(tM, `/api/v1/lessons/${l.id}`), 404, 'lesson.not_found');
    const l2 = assertData(await post(tS, '/api/v1/lessons', { ...body, title: '补充后的课' }), 201);
    assert.equal(assertData(await post(tT, `/api/v1/lessons/${l2.id}/approve`)).state, 'published');
    assert.equal(assertData(await get(tM, `/api/v1/lessons/${l2.id}`)).title, '补充后的课');
    const off = assertData(await post(tT, '/api/v1/learning/review', { orgId: township, required: false }));
    assert.deepEqual([off.required, off.by], [false, null]);
  });
});

describe('review where configured: courses, question banks and quizzes too', () => {
  test('a village\'s course, bank and quiz wait for the township; members never see them until approved', async () => {
    assertData(await post(tT, '/api/v1/learning/review', { orgId: township, required: true }));
    // a course
    const c = assertData(await post(tS, '/api/v1/courses', { orgId: villageA, title: '待审的课程', level: 'intro', lessonIds: [lesson.id] }), 201);
    assert.equal(c.state, 'review');
    const miss = await get(tM, `/api/v1/courses/${c.id}`);
    assertError(miss, 404, 'course.not_found');
    assert.equal(miss.text, (await get(tM, '/api/v1/courses/99999999')).text);
    assertError(await post(tM, `/api/v1/courses/${c.id}/follow`), 404, 'course.not_found');
    assert.ok(!assertData(await get(tM, '/api/v1/courses?limit=200')).items.some((x) => x.id === c.id));
    assert.deepEqual(assertData(await get(tT, `/api/v1/learning/reviews?orgId=${township}&type=course`)).items.map((x) => x.id), [c.id]);
    assertError(await post(tS, `/api/v1/courses/${c.id}/approve`), 404, 'course.not_found');
    const back = assertData(await post(tT, `/api/v1/courses/${c.id}/reject`, { reason: '请再加一课' }));
    assert.deepEqual([back.state, back.reviewNote], ['rejected', '请再加一课']);
    assertError(await post(tT, `/api/v1/courses/${c.id}/approve`), 409, 'course.state');
    assertError(await get(tM, `/api/v1/courses/${c.id}`), 404, 'course.not_found');
    const c2 = assertData(await post(tS, '/api/v1/courses', { orgId: villageA, title: '改好的课程', level: 'intro', lessonIds: [lesson.id] }), 201);
    assert.equal(assertData(await post(tT, `/api/v1/courses/${c2.id}/approve`)).state, 'published');
    assert.equal(assertData(await get(tM, `/api/v1/courses/${c2.id}`)).title, '改好的课程');
    assert.ok(assertData(await get(tM, '/api/v1/courses?limit=200')).items.some((x) => x.id === c2.id));

    // a question bank: no quiz is set from it before it is approved
    const b = assertData(await post(tS, '/api/v1/question-banks', { orgId: villageA, title: '村里的题库',
      questions: [{ type: 'truefalse', stem: '党员应当按月交纳党费。', answer: '对' }] }), 201);
    assert.equal(b.state, 'review');
    const quiz = { orgId: villageA, bankId: b.id, mode: 'practice', title: '村里的练习' };
    assertError(await post(tS, '/api/v1/quizzes', quiz), 409, 'bank.state', 'bankId');
    assert.ok(assertData(await get(tT, `/api/v1/learning/reviews?orgId=${township}&type=bank`)).items.some((x) => x.id === b.id && x.state === 'review'));
    assertError(await post(tS, `/api/v1/question-banks/${b.id}/approve`), 404, 'bank.not_found');
    assert.equal(assertData(await post(tT, `/api/v1/question-banks/${b.id}/approve`)).state, 'published');
    assertError(await post(tT, `/api/v1/question-banks/${b.id}/approve`), 409, 'bank.state');
    // a bank made from a file waits the same way
    const imp = assertData(await api('POST', `/api/v1/question-banks/import?orgId=${villageA}&title=${encodeURIComponent('导入的题库')}`,
      { token: tS, ...csv('题型,题干,答案\n判断,党员应当按月交纳党费。,对') }), 201);
    assert.equal(assertData(await get(tS, `/api/v1/question-banks/${imp.bankId}`)).state, 'review');

    // a quiz: its audience neither lists, opens, starts nor submits it before approval
    const q = assertData(await post(tS, '/api/v1/quizzes', quiz), 201);
    assert.equal(q.state, 'review');
    const qmiss = await get(tM, `/api/v1/quizzes/${q.id}`);
    assertError(qmiss, 404, 'quiz.not_found');
    assert.equal(qmiss.text, (await get(tM, '/api/v1/quizzes/99999999')).text);
    assertError(await post(tM, `/api/v1/quizzes/${q.id}/submit`, { key: 'review-key-1', answers: [] }), 404, 'quiz.not_found');
    assert.ok(!assertData(await get(tM, '/api/v1/quizzes?limit=200')).items.some((x) => x.id === q.id));
    assert.deepEqual(assertData(await get(tT, `/api/v1/learning/reviews?orgId=${township}&type=quiz`)).items.map((x) => x.id), [q.id]);
    assert.equal(assertData(await post(tT, `/api/v1/quizzes/${q.id}/approve`)).state, 'published');
    assertError(await post(tT, `/api/v1/quizzes/${q.id}/reject`, { reason: '晚了' }), 409, 'quiz.state');
    assert.equal(assertData(await get(tM, `/api/v1/quizzes/${q.id}`)).state, 'published');
    assert.ok(assertData(await get(tM, '/api/v1/quizzes?limit=200')).items.some((x) => x.id === q.id));
    // what those above publish needs no review
    const own = assertData(await post(tT, '/api/v1/courses', { orgId: township, title: '乡里的课程', level: 'intro', lessonIds: [lesson.id] }), 201);
    assert.equal(own.state, 'published');
    assertData(await post(tT, '/api/v1/learning/review', { orgId: township, required: false }));
  });
});

describe('the staff track: zhibu\'s own user guide, for those who run the branch', () => {
  test('the guide reaches staff only; its completion is recorded for the staff who took it (demo)', async () => {
    assert.deepEqual(assertData(await get(tM, '/api/v1/courses?track=staff')).items, []);
    const guide = assertData(await get(tS, '/api/v1/courses?track=staff')).items.find((c) => /使用指南/.test(c.title));
    assert.ok(guide, 'the secretary sees the user guide');
    assert.equal(guide.completed, true);
    const r = await get(tM, `/api/v1/courses/${guide.id}`);
    assertError(r, 404, 'course.not_found');
    const t = assertData(await get(tT, `/api/v1/courses/${guide.id}`));
    assert.deepEqual([t.finishedLessons, t.completed], [2, false]);
    assert.ok(t.lessons.every((l) => l.track === 'staff'));
    const f = assertData(await get(tC, `/api/v1/learning/figures?orgId=${who.countyAdmin.orgId}&track=staff`));
    assert.equal(f.courses.find((c) => c.id === guide.id).completed, 1);
  });
});

let bank;

describe('question banks: import from a sheet, all or nothing', () => {
  const HEAD = '题型,题干,选项A,选项B,选项C,选项D,答案,解析';
  test('a bank with questions of each type; a question that does not fit its type is refused', async () => {
    bank = assertData(await post(tT, '/api/v1/question-banks', {
      orgId: township, title: '党章党规题库',
      questions: [
        { type: 'single', stem: '农民党员每月交纳党费多少？', options: ['0.2元到1元', '10元', '100元'], answer: 'A', explanation: '农民党员每月交纳0.2元到1元。' },
        { type: 'multiple', stem: '三会一课包括哪些？', options: ['支部党员大会', '支委会', '党小组会', '运动会'], answer: 'c,a,b', explanation: '还有党课。' },
      ],
    }), 201);
    assert.equal(bank.questions[1].answer, 'ABC');
    assertError(await post(tT, `/api/v1/question-banks/${bank.id}/questions`, { type: 'single', stem: '只有一个选项', options: ['甲'], answer: 'A' }), 400, 'question.invalid', 'options');
    assertError(await post(tT, `/api/v1/question-banks/${bank.id}/questions`, { type: 'truefalse', stem: '判断', answer: '也许' }), 400, 'question.invalid', 'answer');
    const b = assertData(await post(tT, `/api/v1/question-banks/${bank.id}/questions`, { type: 'truefalse', stem: '预备党员的预备期为一年。', answer: '对', explanation: '党章规定预备期为一年。' }), 201);
    assert.equal(b.questions[2].answer, 'true');
  });

  test('bad rows refuse the whole import with a report by row; nothing is stored', async () => {
    const before_ = one(`SELECT COUNT(*) FROM questions WHERE bank_id = ${bank.id}`);
    const file = [HEAD,
      '单选,党的最高领导机关是？,党的全国代表大会和它产生的中央委员会,国务院,,,A,党章第十条',
      '单选,没有答案的题,甲,乙,,,E,',
      '问答,不认识的题型,,,,,对,',
      '填空,党的根本宗旨是全心全意为人民____。,,,,,服务,'].join('\n');
    const r = await api('POST', `/api/v1/question-banks/${bank.id}/import`, { token: tT, ...csv(file) });
    assertError(r, 422, 'import.invalid');
    const report = r.json.error.report;
    assert.equal(report.imported, 0);
    assert.deepEqual(report.errors.map((e) => [e.row, e.column]), [[3, '答案'], [4, '题型']]);
    assert.equal(one(`SELECT COUNT(*) FROM questions WHERE bank_id = ${bank.id}`), before_);
  });

  test('a good file is imported whole: Chinese type names, 对/错, fill-in alternatives', async () => {
    const file = [HEAD,
      '单选,党的最高领导机关是？,党的全国代表大会和它产生的中央委员会,国务院,,,A,党章第十条',
      '判断,党员连续六个月不交党费视为自行脱党。,,,,,对,没有正当理由连续六个月不交纳党费。',
      '填空,党的根本宗旨是全心全意为人民____。,,,,,服务|服务人民,',
      '多选,党员的义务包括？,认真学习,贯彻执行党的路线,只享受权利,,AB,'].join('\n');
    const dry = assertData(await api('POST', `/api/v1/question-banks/${bank.id}/import?dryRun=true`, { token: tT, ...csv(file) }), 200);
    assert.equal(dry.imported, 0);
    const r = assertData(await api('POST', `/api/v1/question-banks/${bank.id}/import`, { token: tT, ...csv(file) }), 201);
    assert.deepEqual([r.rows, r.imported, r.errors.length], [4, 4, 0]);
    const b = assertData(await get(tT, `/api/v1/question-banks/${bank.id}`));
    assert.equal(b.questions.length, 7);
    assert.deepEqual(b.questions.slice(3).map((q) => q.type), ['single', 'truefalse', 'fill', 'multiple']);
  });

  test('an XLSX file: bad rows refuse it whole; the corrected file is imported', async () => {
    const head = ['题型', '题干', '选项A', '选项B', '答案', '解析'];
    const before_ = one(`SELECT COUNT(*) FROM questions WHERE bank_id = ${bank.id}`);
    const bad = await api('POST', `/api/v1/question-banks/${bank.id}/import`, { token: tT, ...xlsxBody([head,
      ['单选', '党小组会多长时间开一次？', '每月', '每年', 'A', '每月一次。'],
      ['多选', '只有一个选项的多选题', '甲', '', 'A', ''],
      ['判断', '', '', '', '对', '']]) });
    assertError(bad, 422, 'import.invalid');
    assert.deepEqual(bad.json.error.report.errors.map((e) => [e.row, e.column]), [[3, '选项A'], [4, '题干']]);
    assert.equal(one(`SELECT COUNT(*) FROM questions WHERE bank_id = ${bank.id}`), before_);
    const ok = assertData(await api('POST', `/api/v1/question-banks/${bank.id}/import`, { token: tT, ...xlsxBody([head,
      ['单选', '党小组会多长时间开一次？', '每月', '每年', 'A', '每月一次。'],
      ['判断', '党员可以不参加组织生活。', '', '', '错', '']]) }), 201);
    assert.equal(ok.imported, 2);
    assert.equal(one(`SELECT COUNT(*) FROM questions WHERE bank_id = ${bank.id}`), String(Number(before_) + 2));
  });

  test('a new bank from a file: created with its questions in one transaction, a refused file leaves no bank', async () => {
    const banks = () => one(`SELECT COUNT(*) FROM question_banks WHERE org_id = ${township}`);
    const before_ = banks(), questions = one('SELECT COUNT(*) FROM questions');
    const title = encodeURIComponent('乡村振兴题库');
    const bad = [HEAD, '单选,党的最高领导机关是？,党的全国代表大会和它产生的中央委员会,国务院,,,A,', '单选,没有答案的题,甲,乙,,,E,'].join('\n');
    const r = await api('POST', `/api/v1/question-banks/import?orgId=${township}&title=${title}`, { token: tT, ...csv(bad) });
    assertError(r, 422, 'import.invalid');
    assert.deepEqual(r.json.error.report.errors.map((e) => [e.row, e.column]), [[3, '答案']]);
    assert.deepEqual([banks(), one('SELECT COUNT(*) FROM questions')], [before_, questions]);
    const good = [HEAD, '单选,党的最高领导机关是？,党的全国代表大会和它产生的中央委员会,国务院,,,A,', '判断,党员应当按月交纳党费。,,,,,对,'].join('\n');
    const dry = assertData(await api('POST', `/api/v1/question-banks/import?orgId=${township}&title=${title}&dryRun=true`, { token: tT, ...csv(good) }), 200);
    assert.deepEqual([dry.bankId, dry.rows, dry.imported], [null, 2, 0]);
    assert.equal(banks(), before_);
    const ok = assertData(await api('POST', `/api/v1/question-banks/import?orgId=${township}&title=${title}`, { token: tT, ...csv(good) }), 201);
    assert.deepEqual([ok.rows, ok.imported], [2, 2]);
    const b = assertData(await get(tT, `/api/v1/question-banks/${ok.bankId}`));
    assert.deepEqual([b.title, b.questions.map((q) => q.type)], ['乡村振兴题库', ['single', 'truefalse']]);
    assert.equal(banks(), String(Number(before_) + 1));
    // the content staff's: a member, or a branch outside the subtree, creates nothing
    assertError(await api('POST', `/api/v1/question-banks/import?orgId=${township}&title=${title}`, { token: tS, ...csv(good) }), 404, 'org.not_found');
    assertError(await api('POST', `/api/v1/question-banks/import?orgId=${township}`, { token: tT, ...csv(good) }), 400, 'request.invalid', 'title');
  });

  test('a bank is the content staff\'s: out of reach it answers like a missing one', async () => {
    const r = await get(tSB, `/api/v1/question-banks/${bank.id}`);
    assertError(r, 404, 'bank.not_found');
    assert.equal(r.text, (await get(tSB, '/api/v1/question-banks/99999999')).text);
    assertError(await get(tM, `/api/v1/question-banks/${bank.id}`), 404, 'bank.not_found');
  });
});

let practice, exam;

describe('quizzes: practice keeps no score, offline submissions count once', () => {
  test('practice: the result shows what was right with explanations; nothing scored is kept', async () => {
    practice = assertData(await post(tT, '/api/v1/quizzes', { orgId: township, bankId: bank.id, mode: 'practice', title: '党费练习' }), 201);
    assert.ok(practice.questions.length >= 3);
    assert.ok(!('answer' in practice.questions[0]), 'a quiz never shows the answers before');
    const q0 = practice.questions[0];
    const r = assertData(await post(tM, `/api/v1/quizzes/${practice.id}/submit`, { key: 'practice-key-0001', answers: [{ questionId: q0.id, answer: 'A' }] }), 201);
    assert.equal(r.scoreKept, false);
    assert.equal(r.score, 1);
    assert.equal(r.items[0].correct, true);
    assert.equal(r.items[0].explanation, '农民党员每月交纳0.2元到1元。');
    assert.equal(r.items[1].correct, false, 'unanswered is not right');
    assert.equal(one(`SELECT score IS NULL FROM quiz_attempts WHERE id = ${r.attemptId}`), '1');
  });

  test('taken offline and sent twice (and twice at once): one attempt, the same result', async () => {
    const body = { key: 'offline-practice-0002', offline: true, answers: [{ questionId: practice.questions[0].id, answer: 'B' }] };
    const first = await post(tM, `/api/v1/quizzes/${practice.id}/submit`, body);
    assertData(first, 201);
    assert.equal(first.json.data.origin, 'offline');
    const again = await Promise.all([1, 2, 3].map(() => post(tM, `/api/v1/quizzes/${practice.id}/submit`, body)));
    for (const a of again) assert.deepEqual(assertData(a, 200), first.json.data);
    assert.equal(one(`SELECT COUNT(*) FROM quiz_attempts WHERE client_key = 'offline-practice-0002'`), '1');
  });

  test('review of wrong answers: the member\'s own attempts', async () => {
    const mine = assertData(await get(tM, `/api/v1/quizzes/${practice.id}/mine`));
    assert.equal(mine.attempts.length, 2);
    assert.equal(mine.review.items[0].correct, false);
    assert.equal(mine.review.items[0].rightAnswer, 'A');
  });
});

describe('exams: time limit, scope, exactly once, paper', () => {
  test('an exam needs a time limit; before its start its questions are hidden', async () => {
    assertError(await post(tT, '/api/v1/quizzes', { orgId: township, bankId: bank.id, mode: 'exam', title: '无时限' }), 400, 'request.invalid', 'timeLimitMinutes');
    exam = assertData(await post(tT, '/api/v1/quizzes', { orgId: township, bankId: bank.id, mode: 'exam', title: '乡镇党章知识测试', timeLimitMinutes: 10 }), 201);
    assert.ok(exam.questions, 'the setter sees the questions (to print the paper)');
    const m = assertData(await get(tM, `/api/v1/quizzes/${exam.id}`));
    assert.equal(m.questions, undefined);
    assert.equal(m.mine, null);
    assertError(await post(tM, `/api/v1/quizzes/${exam.id}/submit`, { answers: [] }), 409, 'quiz.not_started');
  });

  test('an exam outside one\'s scope answers like a missing one', async () => {
    const r = await get(tSB, `/api/v1/quizzes/${exam.id}`);
    assertError(r, 404, 'quiz.not_found');
    assert.equal(r.text, (await get(tSB, '/api/v1/quizzes/99999999')).text);
    const s = await post(tSB, `/api/v1/quizzes/${exam.id}/start`);
    assert.equal(s.text, (await post(tSB, '/api/v1/quizzes/99999999/start')).text);
    assert.ok(!assertData(await get(tSB, '/api/v1/quizzes')).items.some((q) => q.id === exam.id));
  });

  let started;
  test('start: the deadline is the limit from now; starting again keeps it', async () => {
    started = assertData(await post(tM, `/api/v1/quizzes/${exam.id}/start`), 201);
    assert.ok(started.questions.length >= 3);
    const span = Date.parse(started.mine.deadline) - Date.parse(started.mine.startedAt);
    assert.equal(span, 10 * 60 * 1000);
    const again = assertData(await post(tM, `/api/v1/quizzes/${exam.id}/start`), 200);
    assert.equal(again.mine.deadline, started.mine.deadline);
  });

  test('concurrent submissions are scored exactly once; a replay answers the first answer', async () => {
    const answers = started.questions.map((q) => ({ questionId: q.id, answer: q.type === 'truefalse' ? '对' : 'A' }));
    const sends = Array.from({ length: 8 }, (_, i) => post(tM, `/api/v1/quizzes/${exam.id}/submit`, { answers }, { 'Idempotency-Key': `exam-submit-${i}` }));
    const res = await Promise.all(sends);
    const ok = res.filter((r) => r.status === 201);
    assert.equal(ok.length, 1, res.map((r) => r.status).join(','));
    for (const r of res.filter((x) => x.status !== 201)) assertError(r, 409, 'quiz.submitted');
    const winner = res.indexOf(ok[0]);
    const replay = await post(tM, `/api/v1/quizzes/${exam.id}/submit`, { answers }, { 'Idempotency-Key': `exam-submit-${winner}` });
    assert.equal(replay.status, 201);
    assert.equal(replay.text, ok[0].text);
    assert.equal(one(`SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = ${exam.id} AND submitted_at IS NOT NULL`), '1');
    assert.equal(ok[0].json.data.scoreKept, true);
    assertError(await post(tM, `/api/v1/quizzes/${exam.id}/start`), 409, 'quiz.submitted');
  });

  test('a submission after the deadline is refused (test clock)', async () => {
    const s = assertData(await post(tG, `/api/v1/quizzes/${exam.id}/start`), 201);
    await srv.advanceClock(10 * 60 + 31);
    const r = await post(tG, `/api/v1/quizzes/${exam.id}/submit`, { answers: [{ questionId: s.questions[0].id, answer: 'A' }] });
    assertError(r, 409, 'quiz.deadline_passed');
    assert.equal(one(`SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = ${exam.id} AND submitted_at IS NOT NULL`), '1');
  });

  test('a closed exam cannot be started', async () => {
    const closes = new Date(Date.now() + 3600e3).toISOString().slice(0, 19) + 'Z';
    const e = assertData(await post(tT, '/api/v1/quizzes', { orgId: township, bankId: bank.id, mode: 'exam', title: '限期测试', timeLimitMinutes: 30, closesAt: closes }), 201);
    await srv.advanceClock(2 * 3600);
    assertError(await post(tM, `/api/v1/quizzes/${e.id}/start`), 409, 'quiz.closed');
  });

  test('paper: the secretary enters a member\'s answers once, origin paper, no score in the answer', async () => {
    const answers = exam.questions.map((q) => ({ questionId: q.id, answer: 'A' }));
    const r = assertData(await post(tS, `/api/v1/quizzes/${exam.id}/paper`, { memberId: paperMember, answers }), 201);
    assert.equal(r.origin, 'paper');
    assert.ok(!('score' in r));
    assertError(await post(tS, `/api/v1/quizzes/${exam.id}/paper`, { memberId: paperMember, answers }), 409, 'quiz.submitted');
    // a member who submitted online is not entered again from paper
    assertError(await post(tS, `/api/v1/quizzes/${exam.id}/paper`, { memberId, answers }), 409, 'quiz.submitted');
    // another branch's secretary cannot enter for this member; a member cannot at all
    assertError(await post(tSB, `/api/v1/quizzes/${exam.id}/paper`, { memberId: paperMember, answers }), 404, 'quiz.not_found');
    assertError(await post(tM, `/api/v1/quizzes/${exam.id}/paper`, { memberId: paperMember, answers }), 404, 'member.not_found');
    assert.equal(one(`SELECT COUNT(*) || origin FROM quiz_attempts WHERE quiz_id = ${exam.id} AND member_id = ${paperMember}`), '1paper');
  });

  test('figures per branch: participation by origin, questions answered right; no people', async () => {
    const f = assertData(await get(tT, `/api/v1/quizzes/${exam.id}/figures`));
    const total = f.branches.reduce((n, b) => n + b.submitted, 0);
    assert.equal(total, 2);
    assert.equal(f.branches.reduce((n, b) => n + b.paper, 0), 1);
    assert.ok(f.questions.every((q) => q.answered >= q.correct));
    // the village secretary sees their own branch's figures of the township's exam
    const v = assertData(await get(tS, `/api/v1/quizzes/${exam.id}/figures?orgId=${villageA}`));
    assert.equal(v.orgId, villageA);
    // a branch's figures are its own (its party groups' members are counted in it)
    assert.deepEqual(v.branches.map((b) => [b.orgId, b.submitted, b.paper]), [[villageA, 2, 1]]);
    assertError(await get(tS, `/api/v1/quizzes/${exam.id}/figures`), 404, 'quiz.not_found');
    const lf = assertData(await get(tT, `/api/v1/learning/figures?orgId=${township}`));
    const l = lf.lessons.find((x) => x.id === lesson.id);
    assert.deepEqual([l.opened, l.finished], [1, 1]);
    assert.ok(lf.branches.some((b) => b.learners >= 1));
  });
});

describe('no ranking, no per-person scores for anyone but the person', () => {
  const FORBIDDEN_KEYS = /^(score|scores|rank|ranking|points|streak|studyTime|minutesSpent)$/i;
  // Every learning read of the route table, walked as each organiser: an answer about
  // the caller's own learning may hold their own score (they have taken nothing here).
  test('every learning GET as secretary, township and county admin: no score or rank keys', async () => {
    const routes = JSON.parse(run(['routes', '--json']).stdout).routes
      .filter((r) => r.method === 'GET' && /\/(lessons|courses|learning|question-banks|quizzes)/.test(r.path));
    assert.ok(routes.length >= 9, routes.map((r) => r.path).join(' '));
    const ids = { lessons: lesson.id, courses: course.id, 'question-banks': bank.id, quizzes: exam.id };
    const orgOf = { [tS]: villageA, [tT]: township, [tC]: who.countyAdmin.orgId };
    for (const token of [tS, tT, tC]) {
      for (const r of routes) {
        let path = r.path.replace('{id}', (_, i) => ids[r.path.split('/')[3]]);
        if (r.scope === 'query_org' || /figures/.test(path)) path += `?orgId=${orgOf[token]}`;
        const res = await get(token, path);
        if (res.status !== 200) continue; // out of reach: nothing shown
        const bad = [];
        const walk = (v, at) => {
          if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
          else if (v && typeof v === 'object')
            for (const [k, x] of Object.entries(v)) {
              if (FORBIDDEN_KEYS.test(k) && !(path.endsWith('/mine') || path.endsWith('/me/learning'))) bad.push(`${at}.${k}`);
              if (k === 'memberId' || k === 'accountId') bad.push(`${at}.${k} (a person)`);
              walk(x, `${at}.${k}`);
            }
        };
        walk(res.json.data, path);
        assert.deepEqual(bad, [], `${path}: ${res.text.slice(0, 300)}`);
      }
      // the organiser's own answers hold no one else's takings
      const me = assertData(await get(token, '/api/v1/me/learning'));
      assert.deepEqual(me.quizzes, []);
      const mine = assertData(await get(token, `/api/v1/quizzes/${exam.id}/mine`));
      assert.deepEqual(mine.attempts, []);
    }
  });
});

describe('progress belongs to the member: it follows a transfer', () => {
  test('after moving to a branch of another township, the member keeps what they finished; figures count it there', async () => {
    const finished = assertData(await get(tM, '/api/v1/me/learning')).finished;
    const before_ = assertData(await get(tSB, `/api/v1/learning/figures?orgId=${villageB}`)).branches[0];
    const tr = assertData(await post(tS, '/api/v1/transfers', { memberId, toOrgId: villageB, reason: '外出务工定居' }), 201);
    assertData(await post(tT, `/api/v1/transfers/${tr.id}/approve`));
    assertData(await post(tSB, `/api/v1/transfers/${tr.id}/accept`));
    assert.equal(assertData(await get(tM, '/api/v1/me/learning')).finished, finished);
    const after_ = assertData(await get(tSB, `/api/v1/learning/figures?orgId=${villageB}`)).branches[0];
    assert.equal(after_.finishers, before_.finishers + 1);
  });
});
