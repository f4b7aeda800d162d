// A new branch is not overdue before its first period has ended: every meeting type is
// 待召开 (amber) while the branch is younger than one whole period, and turns red only once
// a whole period of its life passed without one — checked on the branch's calendar and in
// the township's roll-up, in the last minute and at the first second of months, quarters
// and years (Beijing time), with the server's test clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, startServer } from './helpers.mjs';

const PERIOD = { branch_assembly: 3, committee: 1, group_meeting: 1, party_lecture: 3, theme_day: 1, life_meeting: 12, democratic_review: 12, secretary_lecture: 12 };
const BJ = 8 * 3600;

let srv, api, tT, township;
const now = async () => Math.floor(Date.parse((await api('GET', '/test/clock')).json.now) / 1000);
const monthOf = (t) => { const d = new Date((t + BJ) * 1000); return d.getUTCFullYear() * 12 + d.getUTCMonth(); };
// The first second (UTC epoch) of Beijing month index m.
const monthStart = (m) => Date.UTC(Math.floor(m / 12), m % 12, 1) / 1000 - BJ;
const moveTo = async (t) => { const d = t - (await now()); assert.ok(d >= 0, 'the clock only moves forward'); if (d) await srv.advanceClock(d); };

// What the colour must be for a branch born in month `born` that never held type `type`.
function expected(type, born, month) {
  const p = PERIOD[type];
  const start = month - (month % p);
  return born >= start - p ? 'amber' : 'red';
}

before(async () => {
  srv = await startServer({ testHooks: true });
  api = srv.api;
  tT = (await srv.login(srv.who.townshipAdmin)).token;
  township = srv.who.townshipAdmin.orgId;
});
after(async () => {
  await srv?.stop();
});

test('a new branch: amber until a whole period of its life passed, then red, at every boundary', async () => {
  const born = monthOf(await now());
  const b = assertData(await api('POST', '/api/v1/orgs', { token: tT, body: { parentId: township, name: '新成立党支部', level: 'branch' } }), 201);
  const check = async (label) => {
    tT = (await srv.login(srv.who.townshipAdmin)).token; // an admin session lasts hours, the clock moves months
    const month = monthOf(await now());
    const cal = assertData(await api('GET', `/api/v1/orgs/${b.id}/compliance`, { token: tT }));
    const roll = assertData(await api('GET', `/api/v1/orgs/${township}/compliance`, { token: tT }));
    const child = roll.children.find((c) => c.id === b.id);
    assert.ok(child, 'the branch is in the roll-up');
    for (const x of cal.types) {
      const want = expected(x.type, born, month);
      assert.equal(x.status, want, `${label}: ${x.type} on the calendar`);
      const c = child.types.find((y) => y.type === x.type);
      assert.deepEqual([c.green, c.amber, c.red], want === 'amber' ? [0, 1, 0] : [0, 0, 1], `${label}: ${x.type} in the roll-up`);
    }
  };
  await check('the day it is founded');
  const quarterEnd = (m) => m - (m % 3) + 3;
  const yearEnd = (m) => m - (m % 12) + 12;
  const marks = [];
  for (const next of [born + 1, born + 2, quarterEnd(born), quarterEnd(born) + 3, quarterEnd(born) + 6, yearEnd(born), yearEnd(born) + 12, yearEnd(born) + 13]) {
    // The server's clock goes on ticking while a check signs in and reads (a second or
    // more on a loaded machine): the check before a boundary starts a minute before it.
    marks.push(['the last minute before ' + next, monthStart(next) - 60], ['first second of ' + next, monthStart(next)]);
  }
  marks.sort((x, y) => x[1] - y[1]);
  for (const [label, t] of marks) {
    if (t <= (await now())) continue;
    await moveTo(t);
    await check(label);
  }
  // By the end, two years on, every type is overdue.
  const cal = assertData(await api('GET', `/api/v1/orgs/${b.id}/compliance`, { token: tT }));
  assert.ok(cal.types.every((x) => x.status === 'red'), JSON.stringify(cal.types.map((x) => [x.type, x.status])));
});

test('the demo county\'s branches are old: a type never held there is red', async () => {
  const c = assertData(await api('GET', `/api/v1/orgs/${srv.who.secretaryB.orgId}/compliance`, { token: (await srv.login(srv.who.countyAdmin)).token }));
  assert.ok(c.types.some((x) => x.status === 'red'));
});
