// Browser test of a meeting's audio room (issue 16): three phones (the secretary who
// hosts and two members, one of them away) join the room with Chromium's fake
// microphone; each receives audio (the stream's bytes grow, from WebRTC getStats); the
// secretary's list shows who is in the room from when; a member who drops (the page
// reloads) and comes back is one attendance with two intervals; a member raises a hand,
// the host gives the word and mutes another for everyone. Joins and leaves come from
// Janus's event handler (the look at the room is ten minutes away). Who is talking shows
// on the speaker's row (the AudioBridge's audio level events), with a voice-like signal
// as the fake microphone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, apiAs, phonePage, loginUI, chromiumPath, freePort } from './harness.mjs';
import { startJanus } from '../api/janus.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

let janus, srv, browser;
const who = {};

// A voice-like signal for the fake microphone (Chromium loops it): a 140 Hz voice with its
// harmonics, its loudness rising and falling four times a second like syllables.
function voiceWav(path) {
  const rate = 48000, secs = 4, n = rate * secs;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f = 140 * (1 + 0.1 * Math.sin(2 * Math.PI * 0.7 * t));
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f * h * t) / h;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, 0.3 * v * env)) * 32767), 44 + i * 2);
  }
  writeFileSync(path, b);
}

before(async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'zhibu-janus-'));
  const port = await freePort();
  janus = await startJanus(join(tmp, 'janus'), { events: `http://127.0.0.1:${port}/api/v1/rooms/events`, reconcileS: 600 });
  srv = await startServer({ config: janus.config, port });
  const wav = join(tmp, 'voice.wav');
  voiceWav(wav);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required'],
  });
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  who.secA = byPhone('13800000004');
  who.member = byPhone('13800000006');
  who.migrant = byPhone('13800000007');
  assert.ok(who.secA && who.member && who.migrant, 'demo accounts');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (janus) await janus.stop();
});

async function enter(acct, meetingId) {
  const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 }, permissions: ['microphone'] });
  await loginUI(s.page, acct);
  await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
  await s.page.goto(`/#/room/${meetingId}`);
  await s.page.getByRole('button', { name: '进入会议室' }).click();
  await s.page.getByRole('status').filter({ hasText: '已在会议室中' }).waitFor({ timeout: 20000 });
  return s;
}

// The bytes of audio the phone has received so far (getStats, shown by the page).
async function received(page) {
  const q = page.locator('.room-quality');
  await q.waitFor({ timeout: 10000 });
  return Number(await q.getAttribute('data-bytes'));
}

test('three phones in one audio room hear each other; presence comes from the room', async () => {
  const sec = await apiAs(srv.base, who.secA);
  const t = Math.floor(Date.now() / 1000);
  const r = await sec.post('/meetings', {
    orgId: who.secA.orgId, type: 'branch_assembly', title: '十二月党员大会', startsAt: iso(t + 600), durationMin: 60,
    place: '村委会议室', attendees: 'branch', audioRoom: true,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const m = r.body.data;

  const phones = [];
  try {
    for (const acct of [who.secA, who.member, who.migrant]) phones.push(await enter(acct, m.id));
    // Each phone receives audio, and more of it a few seconds later.
    const first = await Promise.all(phones.map((p) => received(p.page)));
    await sleep(4000);
    const later = await Promise.all(phones.map((p) => received(p.page)));
    for (let i = 0; i < phones.length; i++) {
      assert.ok(later[i] > first[i] && later[i] > 1000, `phone ${i} received ${first[i]} then ${later[i]} bytes`);
    }
    // Everyone sees the three in the room.
    await phones[1].page.getByRole('heading', { name: '会议室里的人（3）' }).waitFor({ timeout: 10000 });
    mkdirSync(SHOTS, { recursive: true });
    await phones[2].page.screenshot({ path: join(SHOTS, 'room-member.png') });
    // A member raises a hand; the host (the secretary's phone) gives the word.
    await phones[1].page.getByRole('button', { name: '举手发言' }).click();
    await phones[1].page.getByText('已举手，请等主持人请您发言').waitFor();
    const host = phones[0].page;
    await host.getByRole('heading', { name: '举手的人（1）' }).waitFor({ timeout: 10000 });
    await host.screenshot({ path: join(SHOTS, 'room-host.png') });
    await host.getByRole('button', { name: '请发言' }).first().click();
    await host.getByRole('heading', { name: /举手的人/ }).waitFor({ state: 'detached', timeout: 10000 });
    // The host mutes the migrant for everyone: her phone says so.
    await host.locator('.room-row', { hasText: who.migrant.name }).getByRole('button', { name: '静音' }).click();
    await phones[2].page.getByText('主持人已将您静音').waitFor({ timeout: 10000 });
    // The server saw them in the room.
    let items = [];
    for (let i = 0; i < 60; i++) {
      items = (await sec.get(`/meetings/${m.id}/room/intervals`)).body.data.items;
      if (new Set(items.map((x) => x.memberId)).size === 3) break;
      await sleep(200);
    }
    assert.deepEqual(new Set(items.map((x) => x.memberId)), new Set([who.secA.memberId, who.member.memberId, who.migrant.memberId]));

    // The migrant's phone drops (the page goes away without leaving) and comes back.
    const drop = phones[2];
    await drop.page.goto('about:blank');
    for (let i = 0; i < 100; i++) {
      items = (await sec.get(`/meetings/${m.id}/room/intervals`)).body.data.items;
      if (items.some((x) => x.memberId === who.migrant.memberId && x.leftAt)) break;
      await sleep(300);
    }
    await drop.page.goto(`/#/room/${m.id}`);
    await drop.page.getByRole('button', { name: '进入会议室' }).click();
    await drop.page.getByRole('status').filter({ hasText: '已在会议室中' }).waitFor({ timeout: 20000 });
    for (let i = 0; i < 60; i++) {
      items = (await sec.get(`/meetings/${m.id}/room/intervals`)).body.data.items;
      if (items.filter((x) => x.memberId === who.migrant.memberId).length === 2) break;
      await sleep(200);
    }
    const mine = items.filter((x) => x.memberId === who.migrant.memberId);
    assert.equal(mine.length, 2, JSON.stringify(items));
    assert.ok(mine[0].leftAt && !mine[1].leftAt);
    // One attendance row for the member all the same.
    const meeting = (await sec.get(`/meetings/${m.id}`)).body.data;
    assert.equal(meeting.attendance.filter((a) => a.memberId === who.migrant.memberId).length, 1);
    assert.ok(meeting.attendance.find((a) => a.memberId === who.migrant.memberId).roomSeconds >= 0);
    for (const p of phones) assert.deepEqual(p.problems, [], 'no CSP violations or script errors');
  } finally {
    for (const p of phones) await p.context.close();
  }
});

test('who is talking shows on the speaker, and not on a phone that is muted', async () => {
  const sec = await apiAs(srv.base, who.secA);
  const t = Math.floor(Date.now() / 1000);
  const r = await sec.post('/meetings', {
    orgId: who.secA.orgId, type: 'committee', title: '支委会（线上）', startsAt: iso(t + 600), durationMin: 60,
    attendees: 'branch', audioRoom: true,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const m = r.body.data;
  const phones = [];
  try {
    phones.push(await enter(who.secA, m.id));
    // The member mutes herself before anyone speaks: her phone sends silence.
    const s = await phonePage(browser, srv.base, { viewport: { width: 360, height: 780 }, permissions: ['microphone'] });
    phones.push(s);
    await loginUI(s.page, who.member);
    await s.page.getByRole('heading', { name: `您好，${who.member.name}` }).waitFor();
    await s.page.goto(`/#/room/${m.id}`);
    await s.page.getByRole('button', { name: '进入会议室' }).click();
    await s.page.getByRole('status').filter({ hasText: '已在会议室中' }).waitFor({ timeout: 20000 });
    await s.page.getByRole('button', { name: '静音' }).click();
    // On the member's phone, the secretary's row says she is talking.
    const secRow = s.page.locator('.room-row', { hasText: who.secA.name });
    await secRow.locator('.room-talking').waitFor({ timeout: 15000 });
    assert.equal(await secRow.getAttribute('data-talking'), '1');
    mkdirSync(SHOTS, { recursive: true });
    await s.page.screenshot({ path: join(SHOTS, 'room-talking.png') });
    // On the secretary's phone: she is talking, the muted member is not.
    const host = phones[0].page;
    await host.locator('li.me[data-talking="1"]').waitFor({ timeout: 15000 });
    const memberRow = host.locator('.room-row', { hasText: who.member.name });
    await memberRow.waitFor();
    assert.equal(await memberRow.getAttribute('data-talking'), '0');
    assert.equal(await memberRow.locator('.room-talking').count(), 0);
    for (const p of phones) assert.deepEqual(p.problems, [], 'no CSP violations or script errors');
  } finally {
    for (const p of phones) await p.context.close();
  }
});

test('the host turns video on: two phones show their cameras and see each other at 240p, a third stays audio-only', async () => {
  const sec = await apiAs(srv.base, who.secA);
  const t = Math.floor(Date.now() / 1000);
  const r = await sec.post('/meetings', {
    orgId: who.secA.orgId, type: 'branch_assembly', title: '视频党员大会', startsAt: iso(t + 600), durationMin: 60,
    attendees: 'branch', audioRoom: true,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const m = r.body.data;
  const phones = [];
  try {
    for (const acct of [who.secA, who.member, who.migrant]) phones.push(await enter(acct, m.id));
    const [host, member, migrant] = phones.map((p) => p.page);
    await host.getByRole('button', { name: '开启视频会议' }).click();
    await host.getByRole('button', { name: '关闭视频会议（只保留声音）' }).waitFor();
    // The members' pages learn it from the room (within a few seconds) and offer the camera.
    await member.getByRole('button', { name: '打开视频' }).click({ timeout: 15000 });
    await host.getByRole('button', { name: '打开视频' }).click();
    await migrant.getByText('主持人已开启视频').waitFor({ timeout: 15000 });
    // Each of the two sees the other's camera, and the frames decoded grow (getStats).
    const grid = (page) => page.locator('.room-videos');
    const seen = async (page) => ({ frames: Number(await grid(page).getAttribute('data-frames')), bytes: Number(await grid(page).getAttribute('data-bytes')) });
    for (const page of [member, host]) {
      await page.locator('.room-video video').first().waitFor({ timeout: 20000 });
      for (let i = 0; i < 50 && (await seen(page)).frames === 0; i++) await sleep(300);
    }
    const first = await Promise.all([member, host].map(seen));
    await sleep(4000);
    const later = await Promise.all([member, host].map(seen));
    for (let i = 0; i < 2; i++) {
      assert.ok(later[i].frames > first[i].frames && first[i].frames > 0, `phone ${i} decoded ${first[i].frames} then ${later[i].frames} frames`);
      const kbps = ((later[i].bytes - first[i].bytes) * 8) / 4000;
      assert.ok(kbps > 0 && kbps < 250, `phone ${i} received ${kbps.toFixed(0)} kbit/s of video`);
      console.log(`# video: phone ${i} decoded ${((later[i].frames - first[i].frames) / 4).toFixed(1)} frames/s, ${kbps.toFixed(0)} kbit/s received`);
    }
    // One camera each: the migrant who stayed audio-only sends none.
    assert.equal(await member.locator('.room-video').count(), 1);
    assert.equal(await host.locator('.room-video').count(), 1);
    assert.match(await member.locator('.room-video figcaption').textContent(), new RegExp(who.secA.name));
    const size = await member.locator('.room-video video').evaluate((v) => [v.videoWidth, v.videoHeight]);
    assert.ok(size[0] > 0 && size[0] <= 320 && size[1] <= 240, `a 240p picture: ${size}`);
    assert.equal(await migrant.locator('.room-videos').count(), 0);
    mkdirSync(SHOTS, { recursive: true });
    await member.screenshot({ path: join(SHOTS, 'room-video.png') });
    // The host turns it off: the cameras stop, the audio goes on.
    await host.getByRole('button', { name: '关闭视频会议（只保留声音）' }).click();
    await member.locator('.room-videos').waitFor({ state: 'detached', timeout: 15000 });
    await member.getByRole('status').filter({ hasText: '已在会议室中' }).waitFor();
    for (const p of phones) assert.deepEqual(p.problems, [], 'no CSP violations or script errors');
  } finally {
    for (const p of phones) await p.context.close();
  }
});
