// threads_voice.test.mjs - voice messages in the two-way channel: a phone's
// recording (WebM/Opus as Chromium's MediaRecorder writes it, Ogg/Opus, M4A) is
// stored as audio through the file store (an audio-only WebM is audio, not the
// video libmagic names it), attached to a message or a reply by file id, shown
// with its length and size, and downloaded under the thread's own rule only.
// Bad input: someone else's file, a file that is no recording, lengths.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, sqlite, startServer, tempDir } from './helpers.mjs';

let srv, api, who, db;
let tM, tG, tS, tSB, tT;
let villageA;

const one = (sql) => sqlite(db, sql).stdout.trim();
const b64sha = (b) => createHash('sha256').update(b).digest('base64');
const work = tempDir('zhibu-voice-');
function ffmpeg(args, out) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, join(work, out)]);
  return readFileSync(join(work, out));
}
const tone = (secs) => ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${secs}`];

/** Uploads bytes in one chunk; returns the stored file. */
async function stored(token, orgId, name, bytes) {
  const u = assertData(await api('POST', '/api/v1/uploads', { token, body: { orgId, name, size: bytes.length } }), 201);
  const res = await api('PATCH', `/api/v1/uploads/${u.id}`, {
    token, body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0', 'Upload-Checksum': `sha256 ${b64sha(bytes)}` },
  });
  const d = assertData(res);
  assert.ok(d.file, res.text);
  return d.file;
}
const messages = () => Number(one('SELECT COUNT(*) FROM thread_messages'));
const threads = () => Number(one('SELECT COUNT(*) FROM threads'));
const write = (token, body) => api('POST', '/api/v1/threads', { token, body });
const reply = (token, id, body) => api('POST', `/api/v1/threads/${id}/replies`, { token, body });
const download = (token, thread, file, headers = {}) =>
  fetch(`${srv.base}/api/v1/threads/${thread}/files/${file}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  db = join(srv.dataDir, 'zhibu.db');
  tM = (await srv.login(who.member)).token;
  tG = (await srv.login(who.migrant)).token;
  tS = (await srv.login(who.secretaryA)).token;
  tSB = (await srv.login(who.secretaryB)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  villageA = who.secretaryA.orgId;
});

after(async () => {
  await srv?.stop();
});

describe('recordings are stored as audio', () => {
  test('WebM/Opus (a phone recording), Ogg/Opus and M4A: kind audio; a WebM with a picture stays a video', async () => {
    const webm = await stored(tM, villageA, '语音.webm', ffmpeg([...tone(2), '-c:a', 'libopus'], 'v.webm'));
    assert.deepEqual([webm.kind, webm.type], ['audio', 'audio/webm']);
    const ogg = await stored(tM, villageA, '语音.ogg', ffmpeg([...tone(2), '-c:a', 'libopus'], 'v.ogg'));
    assert.deepEqual([ogg.kind, ogg.type], ['audio', 'audio/ogg']);
    const m4a = await stored(tM, villageA, '语音.m4a', ffmpeg([...tone(2), '-c:a', 'aac'], 'v.m4a'));
    assert.deepEqual([m4a.kind, m4a.type], ['audio', 'audio/x-m4a']);
    const mka = await stored(tM, villageA, '语音.mka', ffmpeg([...tone(1), '-c:a', 'libopus', '-f', 'matroska'], 'v.mka'));
    assert.deepEqual([mka.kind, mka.type], ['audio', 'audio/webm']);
    const av = await stored(tM, villageA, '视频.webm', ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1', ...tone(1), '-c:v', 'libvpx', '-c:a', 'libopus'], 'av.webm'));
    assert.deepEqual([av.kind, av.type], ['video', 'video/webm']);
  });
});

describe('a voice message and a voice reply', () => {
  let voice, bytes, thread, leaderVoice;

  before(async () => {
    bytes = ffmpeg([...tone(3), '-c:a', 'libopus'], 'msg.webm');
    voice = await stored(tM, villageA, 'recording.webm', bytes);
  });

  test('a member sends a recording without text: 201, subject 语音留言, the voice with its length and size', async () => {
    thread = assertData(await write(tM, { kind: 'question', voiceFileId: voice.id, voiceSeconds: 3 }), 201);
    assert.equal(thread.subject, '语音留言');
    assert.equal(thread.items.length, 1);
    assert.equal(thread.items[0].text, '');
    assert.deepEqual(thread.items[0].voice, { fileId: voice.id, seconds: 3, size: bytes.length, type: 'audio/webm' });
  });

  test('the secretary of the branch sees it and plays it: the whole file, and a range', async () => {
    const t = assertData(await api('GET', `/api/v1/threads/${thread.id}`, { token: tS }));
    assert.deepEqual(t.items[0].voice, { fileId: voice.id, seconds: 3, size: bytes.length, type: 'audio/webm' });
    const res = await download(tS, thread.id, voice.id);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/webm');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
    const part = await download(tS, thread.id, voice.id, { Range: 'bytes=0-99' });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    // The member who sent it too.
    assert.equal((await download(tM, thread.id, voice.id)).status, 200);
  });

  test('nobody else: another branch, another member, a file the thread does not carry', async () => {
    for (const token of [tSB, tG]) {
      const res = await download(token, thread.id, voice.id);
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, 'thread.not_found');
    }
    const other = await stored(tM, villageA, 'other.webm', ffmpeg([...tone(1), '-c:a', 'libopus'], 'other.webm'));
    const res = await download(tS, thread.id, other.id);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, 'file.not_found');
  });

  test('the secretary answers with a recording and text: a first answer, both shown', async () => {
    const b = ffmpeg([...tone(5), '-c:a', 'libopus'], 'answer.ogg');
    leaderVoice = await stored(tS, villageA, 'answer.ogg', b);
    const t = assertData(await reply(tS, thread.id, { text: '听到了，明天来办。', voiceFileId: leaderVoice.id, voiceSeconds: 5 }), 201);
    assert.equal(t.status, 'answered');
    const last = t.items.at(-1);
    assert.equal(last.fromLeader, true);
    assert.equal(last.text, '听到了，明天来办。');
    assert.deepEqual(last.voice, { fileId: leaderVoice.id, seconds: 5, size: b.length, type: 'audio/ogg' });
    assert.equal((await download(tM, thread.id, leaderVoice.id)).status, 200);
    // A text message has no voice.
    const u = assertData(await reply(tM, thread.id, { text: '好的' }), 201);
    assert.equal(u.items.at(-1).voice, null);
  });

  test('a withdrawn recording: the message stays, without its voice; the download is gone', async () => {
    const gone = await stored(tM, villageA, 'gone.webm', ffmpeg([...tone(1), '-c:a', 'libopus'], 'gone.webm'));
    assertData(await reply(tM, thread.id, { voiceFileId: gone.id, voiceSeconds: 1 }), 201);
    assertData(await api('DELETE', `/api/v1/files/${gone.id}`, { token: tM }));
    const t = assertData(await api('GET', `/api/v1/threads/${thread.id}`, { token: tS }));
    assert.equal(t.items.at(-1).voice, null);
    assert.equal((await download(tS, thread.id, gone.id)).status, 404);
  });

  test('bad input: someone else\'s recording, a file that is no recording, lengths, nothing at all: refused, nothing stored', async () => {
    const png = await stored(tM, villageA, 'photo.png', ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:duration=1', '-frames:v', '1'], 'p.png'));
    const before = [threads(), messages()];
    // The secretary's recording, pointed at by the member (and the other way round).
    assertError(await write(tM, { kind: 'question', voiceFileId: leaderVoice.id, voiceSeconds: 5 }), 404, 'file.not_found', 'voiceFileId');
    assertError(await reply(tS, thread.id, { voiceFileId: voice.id, voiceSeconds: 3 }), 404, 'file.not_found', 'voiceFileId');
    assertError(await reply(tM, thread.id, { voiceFileId: 99999999, voiceSeconds: 3 }), 404, 'file.not_found', 'voiceFileId');
    // Not audio.
    const r = await write(tM, { kind: 'question', text: '看图', voiceFileId: png.id, voiceSeconds: 3 });
    assertError(r, 409, 'thread.voice_not_audio', 'voiceFileId');
    assert.match(r.json.error.message, /image\/png/);
    // Lengths: none, over a minute, zero; a length without a recording; neither text nor voice.
    assertError(await reply(tM, thread.id, { voiceFileId: voice.id }), 400, 'request.invalid', 'voiceSeconds');
    assertError(await reply(tM, thread.id, { voiceFileId: voice.id, voiceSeconds: 61 }), 400, 'request.invalid', 'voiceSeconds');
    assertError(await reply(tM, thread.id, { voiceFileId: voice.id, voiceSeconds: 0 }), 400, 'request.invalid', 'voiceSeconds');
    assertError(await reply(tM, thread.id, { text: '好', voiceSeconds: 3 }), 400, 'request.invalid', 'voiceSeconds');
    assertError(await reply(tM, thread.id, {}), 400, 'request.invalid', 'text');
    assertError(await write(tM, { kind: 'question' }), 400, 'request.invalid', 'text');
    assertError(await reply(tM, thread.id, { text: '   ' }), 400, 'request.invalid', 'text');
    assert.deepEqual([threads(), messages()], before, 'nothing stored');
  });
});
