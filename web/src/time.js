// Times and dates for people, in Beijing time whatever the phone's own zone.
//
// The server sends instants as ISO UTC ("2026-12-05T18:30:00Z", already 6 December in
// Beijing) and calendar days as "YYYY-MM-DD" (Beijing days, shown as they are). Every
// screen formats through here: each Intl call names its zone, nothing reads the browser's
// implicit zone. Where the phone's zone differs from Beijing at that instant (a member
// working abroad), the Beijing time gets the local one beside it: "14:30（当地 07:30）".
//
// Plain ESM without JSX or imports, so node can test it. The options `o` of every function
// are for tests and special cases: {lang: 'zh'|'en', now: ms, local: 'Area/City'}.

export const ZONE = 'Asia/Shanghai';

const fmts = {};
// Wall-clock parts of an instant in a zone: {y, m, d, h, mi, wd (0 = Sunday)}.
function wall(ms, zone) {
  const f = fmts[zone] || (fmts[zone] = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', weekday: 'short',
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  }));
  const p = {};
  for (const x of f.formatToParts(ms)) p[x.type] = x.value;
  return {
    y: +p.year, m: +p.month, d: +p.day, h: +p.hour % 24, mi: +p.minute,
    wd: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday),
  };
}

const pad = (n) => String(n).padStart(2, '0');
const ymd = (w) => w.y + '-' + pad(w.m) + '-' + pad(w.d);
const hm = (w) => pad(w.h) + ':' + pad(w.mi);
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const langOf = (o) => (o && o.lang) || (typeof document !== 'undefined' && document.documentElement.lang === 'en' ? 'en' : 'zh');
const nowOf = (o) => (o && o.now != null ? +o.now : Date.now());
// The phone's zone, asked for by name (only ever for the "local" note).
const localOf = (o) => (o && o.local) || Intl.DateTimeFormat().resolvedOptions().timeZone || ZONE;

/** Milliseconds of an instant given as an ISO string (UTC when it names no zone), a number
 * or a Date; NaN when it is none of these. */
export function instant(v) {
  if (v == null || v === '') return NaN;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  const s = String(v);
  return Date.parse(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s) ? s + 'Z' : s);
}

/** The Beijing day "YYYY-MM-DD" of an instant; a plain day is returned as it is. */
export function dayOf(v) {
  if (typeof v === 'string' && DAY.test(v)) return v;
  const ms = instant(v);
  return Number.isNaN(ms) ? '' : ymd(wall(ms, ZONE));
}

/** Today in Beijing, "YYYY-MM-DD". */
export const today = (o) => ymd(wall(nowOf(o), ZONE));
/** This month in Beijing, "YYYY-MM". */
export const thisMonth = (o) => today(o).slice(0, 7);
/** This quarter in Beijing: {year, quarter (1-4), from: "YYYY-MM", to: "YYYY-MM"}. */
export function thisQuarter(o) {
  const [y, m] = today(o).split('-').map(Number);
  const q = Math.floor((m - 1) / 3) + 1;
  return { year: y, quarter: q, from: y + '-' + pad(q * 3 - 2), to: y + '-' + pad(q * 3) };
}

/** A day n days after a "YYYY-MM-DD" day (n may be negative). */
export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n)); // calendar arithmetic only, read back in UTC
  return t.getUTCFullYear() + '-' + pad(t.getUTCMonth() + 1) + '-' + pad(t.getUTCDate());
}

const daysBetween = (a, b) => Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 864e5);

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WD = { zh: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };

// "12月3日" / "2025年12月3日" ("3 Dec" / "3 Dec 2025"); the year when it is not this one.
function dayText(day, lang, thisYear, weekday) {
  const [y, m, d] = day.split('-').map(Number);
  const wd = weekday ? WD[lang][new Date(Date.UTC(y, m - 1, d)).getUTCDay()] : '';
  if (lang === 'en') return (wd ? wd + ' ' : '') + d + ' ' + MON[m - 1] + (y !== thisYear ? ' ' + y : '');
  return (y !== thisYear ? y + '年' : '') + m + '月' + d + '日' + (wd ? ' ' + wd : '');
}

/** A calendar day for people: "12月3日", another year "2025年12月3日"; English "3 Dec",
 * "3 Dec 2025". Takes a "YYYY-MM-DD" day, an instant (its Beijing day) or a month
 * "YYYY-MM" (as fmtMonth). o.weekday adds the day of the week ("12月3日 周三"). */
export function fmtDate(v, o) {
  if (v == null || v === '') return '';
  if (/^\d{4}-\d{2}$/.test(v)) return fmtMonth(v, o);
  const day = dayOf(v);
  if (!day) return String(v);
  return dayText(day, langOf(o), +today(o).slice(0, 4), o && o.weekday);
}

/** A month "YYYY-MM" for people: "12月", another year "2025年12月"; English "Dec", "Dec 2025". */
export function fmtMonth(ym, o) {
  if (!ym) return '';
  const [y, m] = ym.split('-').map(Number);
  const other = y !== +today(o).slice(0, 4);
  return langOf(o) === 'en' ? MON[m - 1] + (other ? ' ' + y : '') : (other ? y + '年' : '') + m + '月';
}

const WORDS = { zh: { '-1': '昨天', 0: '今天', 1: '明天' }, en: { '-1': 'yesterday', 0: 'today', 1: 'tomorrow' } };

/** An instant for people, in Beijing time: "今天 14:30", "昨天 14:30", "明天 14:30",
 * "12月3日 14:30", another year "2025年12月3日 14:30" (English "today 14:30", "3 Dec 14:30",
 * "3 Dec 2025 14:30"). When the phone's zone shows another wall time at that instant, the
 * local time follows: "今天 14:30（当地 07:30）", with its day when that differs too.
 * o.weekday adds the day of the week to dates further than tomorrow. */
export function fmtTime(v, o) {
  const ms = instant(v);
  if (Number.isNaN(ms)) return '';
  const lang = langOf(o);
  const bj = wall(ms, ZONE);
  const now = wall(nowOf(o), ZONE);
  const day = ymd(bj);
  const word = WORDS[lang][daysBetween(ymd(now), day)];
  let s = (word || dayText(day, lang, now.y, o && o.weekday)) + ' ' + hm(bj);
  const lz = localOf(o);
  if (lz !== ZONE) {
    const lw = wall(ms, lz);
    if (lw.h !== bj.h || lw.mi !== bj.mi || ymd(lw) !== day) {
      const lt = (ymd(lw) !== day ? dayText(ymd(lw), lang, now.y) + ' ' : '') + hm(lw);
      s += lang === 'en' ? ' (local ' + lt + ')' : '（当地 ' + lt + '）';
    }
  }
  return s;
}

/** How far a deadline is: "还剩 5 小时", "还剩 2 天", "还剩 20 分钟", past it "已超时 3 小时",
 * "已超时 2 天" (English "5 hours left", "2 days overdue"). */
export function fmtDue(v, o) {
  const ms = instant(v);
  if (Number.isNaN(ms)) return '';
  const lang = langOf(o);
  const left = ms - nowOf(o);
  const a = Math.abs(left);
  let n, unit;
  if (a >= 48 * 3600e3) { n = Math.floor(a / 864e5); unit = 'd'; }
  else if (a >= 3600e3) { n = Math.floor(a / 3600e3); unit = 'h'; }
  else { n = Math.max(1, Math.floor(a / 60e3)); unit = 'm'; }
  if (lang === 'en') {
    const u = { d: 'day', h: 'hour', m: 'minute' }[unit] + (n === 1 ? '' : 's');
    return n + ' ' + u + (left >= 0 ? ' left' : ' overdue');
  }
  return (left >= 0 ? '还剩 ' : '已超时 ') + n + ' ' + { d: '天', h: '小时', m: '分钟' }[unit];
}

/** The Beijing wall time of an instant for <input type=datetime-local>: "YYYY-MM-DDTHH:MM". */
export function toInput(v) {
  const ms = instant(v);
  if (Number.isNaN(ms)) return '';
  const w = wall(ms, ZONE);
  return ymd(w) + 'T' + hm(w);
}

/** A Beijing wall time typed in a form ("YYYY-MM-DDTHH:MM", or a day and "HH:MM") as the ISO
 * UTC instant the server wants: "2026-12-06T02:30" → "2026-12-05T18:30:00Z". '' when empty. */
export function fromInput(v, time) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(time ? v + 'T' + time : v || '');
  if (!m) return '';
  const naive = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
  // Beijing's offset at that instant (UTC+8, no summer time since 1991), asked of Intl.
  const off = (ms) => { const w = wall(ms, ZONE); return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi) - ms; };
  const ms = naive - off(naive - off(naive));
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** True when the phone's zone shows another wall time than Beijing now: the forms then say
 * that their times are Beijing's. */
export const awayFromBeijing = (o) => {
  const lz = localOf(o);
  if (lz === ZONE) return false;
  const n = nowOf(o);
  return toInput(n) !== ((w) => ymd(w) + 'T' + hm(w))(wall(n, lz));
};

/** After the label of a time field: '' in Beijing's zone, else "（北京时间）" (" (Beijing time)"). */
export const zoneNote = (o) => (!awayFromBeijing(o) ? '' : langOf(o) === 'en' ? ' (Beijing time)' : '（北京时间）');

/** From one instant to another: "12月3日 周三 14:00 – 16:00" when both fall on one Beijing day
 * (and the phone is in Beijing's zone), else both in full. */
export function fmtRange(a, b, o) {
  if (!b) return fmtTime(a, o);
  const same = dayOf(a) === dayOf(b) && !awayFromBeijing(o);
  return fmtTime(a, o) + ' – ' + (same ? hm(wall(instant(b), ZONE)) : fmtTime(b, o));
}
