// web/src/time.js under node: every time and date the client prints is Beijing's, whatever
// the zone of the machine that runs it; the phone's own time only as a note beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repo } from './harness.mjs';

const modPath = join(repo, 'web', 'src', 'time.js');
const T = await import(pathToFileURL(modPath).href);

const at = (s) => Date.parse(s);
// In Beijing, 6 December 2026 02:30 (18:30 UTC the day before): a UTC rendering says 5 December.
const NOW = at('2026-12-05T18:30:00Z');
const zh = { now: NOW, lang: 'zh', local: 'Asia/Shanghai' };
const en = { ...zh, lang: 'en' };

test('today, this month and this quarter are Beijing periods', () => {
  assert.equal(T.today(zh), '2026-12-06');
  assert.equal(T.thisMonth(zh), '2026-12');
  assert.deepEqual(T.thisQuarter(zh), { year: 2026, quarter: 4, from: '2026-10', to: '2026-12' });
  // 31 December 16:00 UTC and later is already 1 January in Beijing: a new year, month, quarter.
  for (const s of ['2026-12-31T16:00:00Z', '2026-12-31T20:15:00Z', '2026-12-31T23:59:59Z']) {
    const o = { now: at(s) };
    assert.equal(T.today(o), '2027-01-01', s);
    assert.equal(T.thisMonth(o), '2027-01', s);
    assert.deepEqual(T.thisQuarter(o), { year: 2027, quarter: 1, from: '2027-01', to: '2027-03' }, s);
  }
  assert.equal(T.today({ now: at('2026-12-31T15:59:59Z') }), '2026-12-31');
  assert.deepEqual(T.thisQuarter({ now: at('2026-06-30T16:00:00Z') }), { year: 2026, quarter: 3, from: '2026-07', to: '2026-09' });
  assert.equal(T.dayOf('2026-12-05T18:30:00Z'), '2026-12-06');
  assert.equal(T.dayOf('2026-12-05'), '2026-12-05', 'a plain day stays the day it is');
  assert.equal(T.addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(T.addDays('2028-03-01', -1), '2028-02-29');
});

test('times: today, yesterday, tomorrow, this year, another year', () => {
  assert.equal(T.fmtTime('2026-12-05T18:30:00Z', zh), '今天 02:30');
  assert.equal(T.fmtTime('2026-12-06T15:59:00Z', zh), '今天 23:59');
  assert.equal(T.fmtTime('2026-12-05T10:00:00Z', zh), '昨天 18:00');
  assert.equal(T.fmtTime('2026-12-04T15:59:00Z', zh), '12月4日 23:59');
  assert.equal(T.fmtTime('2026-12-06T16:00:00Z', zh), '明天 00:00');
  assert.equal(T.fmtTime('2026-12-03T06:30:00Z', zh), '12月3日 14:30');
  assert.equal(T.fmtTime('2026-12-03T06:30:00Z', { ...zh, weekday: true }), '12月3日 周四 14:30');
  assert.equal(T.fmtTime('2025-12-03T06:30:00Z', zh), '2025年12月3日 14:30');
  assert.equal(T.fmtTime('2026-12-05T18:30:00Z', en), 'today 02:30');
  assert.equal(T.fmtTime('2026-12-05T10:00:00Z', en), 'yesterday 18:00');
  assert.equal(T.fmtTime('2026-12-03T06:30:00Z', en), '3 Dec 14:30');
  assert.equal(T.fmtTime('2025-12-03T06:30:00Z', en), '3 Dec 2025 14:30');
  assert.equal(T.fmtTime('', zh), '');
  assert.equal(T.fmtTime(null, zh), '');
  // Across the new year: on 1 January in Beijing, 31 December is yesterday, and last year's.
  const ny = { ...zh, now: at('2026-12-31T17:00:00Z') };
  assert.equal(T.fmtTime('2026-12-31T16:30:00Z', ny), '今天 00:30');
  assert.equal(T.fmtTime('2026-12-31T15:30:00Z', ny), '昨天 23:30');
  assert.equal(T.fmtTime('2026-12-30T15:30:00Z', ny), '2026年12月30日 23:30');
});

test('dates and months', () => {
  assert.equal(T.fmtDate('2026-12-03', zh), '12月3日');
  assert.equal(T.fmtDate('2025-12-03', zh), '2025年12月3日');
  assert.equal(T.fmtDate('2026-12-05T18:30:00Z', zh), '12月6日', 'an instant shows its Beijing day');
  assert.equal(T.fmtDate('2026-12-31T16:00:00Z', zh), '2027年1月1日');
  assert.equal(T.fmtDate('2026-12-03', en), '3 Dec');
  assert.equal(T.fmtDate('2025-12-03', en), '3 Dec 2025');
  assert.equal(T.fmtDate('2026-11', zh), '11月');
  assert.equal(T.fmtMonth('2025-11', zh), '2025年11月');
  assert.equal(T.fmtMonth('2026-11', en), 'Nov');
  assert.equal(T.fmtDate('', zh), '');
});

test('deadlines: time left and time overdue', () => {
  assert.equal(T.fmtDue('2026-12-05T23:30:00Z', zh), '还剩 5 小时');
  assert.equal(T.fmtDue('2026-12-05T18:50:00Z', zh), '还剩 20 分钟');
  assert.equal(T.fmtDue('2026-12-09T18:30:00Z', zh), '还剩 4 天');
  assert.equal(T.fmtDue('2026-12-03T18:00:00Z', zh), '已超时 2 天');
  assert.equal(T.fmtDue('2026-12-05T15:30:00Z', zh), '已超时 3 小时');
  assert.equal(T.fmtDue('2026-12-05T23:30:00Z', en), '5 hours left');
  assert.equal(T.fmtDue('2026-12-04T18:30:00Z', en), '24 hours overdue');
  assert.equal(T.fmtDue('2026-12-02T18:30:00Z', en), '3 days overdue');
});

test('a phone in another zone sees Beijing time with its own time beside it', () => {
  const ny = { ...zh, local: 'America/New_York' };
  // 18:30 UTC: 02:30 on 6 December in Beijing, 13:30 on 5 December in New York.
  assert.equal(T.fmtTime('2026-12-05T18:30:00Z', ny), '今天 02:30（当地 12月5日 13:30）');
  assert.equal(T.fmtTime('2026-12-06T06:30:00Z', ny), '今天 14:30（当地 01:30）');
  assert.equal(T.fmtTime('2026-12-06T06:30:00Z', { ...ny, lang: 'en' }), 'today 14:30 (local 01:30)');
  // A zone with Beijing's offset shows no note; a half-hour zone does.
  assert.equal(T.fmtTime('2026-12-06T06:30:00Z', { ...zh, local: 'Asia/Singapore' }), '今天 14:30');
  assert.equal(T.fmtTime('2026-12-06T06:30:00Z', { ...zh, local: 'Asia/Kolkata' }), '今天 14:30（当地 12:00）');
  assert.equal(T.awayFromBeijing(ny), true);
  assert.equal(T.awayFromBeijing(zh), false);
  assert.equal(T.zoneNote(ny), '（北京时间）');
  assert.equal(T.zoneNote(zh), '');
  // Plain dates never get a note.
  assert.equal(T.fmtDate('2026-12-05T18:30:00Z', ny), '12月6日');
});

test('a Beijing wall time typed in a form goes to the server as the right UTC instant, and back', () => {
  assert.equal(T.fromInput('2026-12-06T02:30'), '2026-12-05T18:30:00Z');
  assert.equal(T.fromInput('2026-12-06', '02:30'), '2026-12-05T18:30:00Z');
  assert.equal(T.fromInput('2027-01-01T00:00'), '2026-12-31T16:00:00Z');
  assert.equal(T.fromInput('2026-07-01T09:00'), '2026-07-01T01:00:00Z');
  assert.equal(T.fromInput(''), '');
  assert.equal(T.toInput('2026-12-05T18:30:00Z'), '2026-12-06T02:30');
  assert.equal(T.toInput('2026-12-31T16:00:00Z'), '2027-01-01T00:00');
  for (const v of ['2026-12-06T02:30', '2027-01-01T00:00', '2026-03-08T02:30', '2026-11-01T01:30', '2026-06-15T23:59']) {
    assert.equal(T.toInput(T.fromInput(v)), v, v);
  }
  for (const s of ['2026-12-05T18:30:00Z', '2026-03-08T07:30:00Z']) assert.equal(T.fromInput(T.toInput(s)), s, s);
});

test('the machine\'s own zone changes nothing but the local note', () => {
  // The same calls in processes whose implicit zone is New York, Kolkata and UTC.
  const script = `
    const T = await import(${JSON.stringify(pathToFileURL(modPath).href)});
    const o = { now: ${NOW}, lang: 'zh', local: 'Asia/Shanghai' };
    console.log(JSON.stringify([T.today(o), T.fmtTime('2026-12-05T18:30:00Z', o), T.fmtDate('2026-12-31T16:00:00Z', o),
      T.fromInput('2026-12-06T02:30'), T.toInput('2026-12-05T18:30:00Z'), T.thisMonth({ now: ${at('2026-12-31T16:00:00Z')} }),
      T.fmtTime('2026-12-06T06:30:00Z', { now: ${NOW}, lang: 'zh' })]));`;
  const run = (tz) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const base = ['2026-12-06', '今天 02:30', '2027年1月1日', '2026-12-05T18:30:00Z', '2026-12-06T02:30', '2027-01'];
  assert.deepEqual(run('America/New_York'), [...base, '今天 14:30（当地 01:30）']);
  assert.deepEqual(run('Asia/Kolkata'), [...base, '今天 14:30（当地 12:00）']);
  assert.deepEqual(run('Asia/Shanghai'), [...base, '今天 14:30']);
  assert.deepEqual(run('UTC'), [...base, '今天 14:30（当地 06:30）']);
});
