// Browser test of a meeting's audio room (issue 16): three phones (the secretary who
// hosts and two members, one of them away) join the room with Chromium's fake
// microphone; each receives audio (the stream's bytes grow, from WebRTC getStats); the
// secretary's list shows who is in the room from when; a member who drops (the page
// reloads) and comes back is one attendance with two intervals; a member raises a hand,
// the host gives the word and mutes another for everyone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, apiAs, phonePage, loginUI, chromiumPath } from './harness.mjs';
import { startJanus } from '../api/janus.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

let janus, srv, browser;
const who = {};

before(async () => {
  janus = await startJanus(join(mkdtempSync(join(tmpdir(), 'zhibu-janus-')), 'janus'));
  srv = await startServer({ config: janus.config });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
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
