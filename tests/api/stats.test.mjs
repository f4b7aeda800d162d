// stats.test.mjs - GET /orgs/{id}/stats: live figures of a subtree, for those
// who may read its roster, and nothing for anyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertData, assertError, listAll, startServer } from './helpers.mjs';

let srv, api, who;
const tok = {};

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  for (const [k, a] of Object.entries(who)) tok[k] = (await srv.login(a)).token;
});

after(async () => {
  await srv?.stop();
});

test('stats: a village secretary sees figures that agree with the roster', async () => {
  const village = who.secretaryA.orgId;
  const s = assertData(await api('GET', `/api/v1/orgs/${village}/stats`, { token: tok.secretaryA }));
  const roster = await listAll(api, tok.secretaryA, `/api/v1/members?orgId=${village}`);
  const normal = roster.filter((m) => m.status === 'normal');
  assert.equal(s.orgId, village);
  assert.equal(s.members, normal.length);
  assert.equal(s.full + s.probationary, s.members);
  assert.equal(s.probationary, normal.filter((m) => m.category === 'probationary').length);
  assert.equal(s.female, normal.filter((m) => m.gender === 'female').length);
  assert.equal(s.male + s.female, s.members);
  assert.equal(s.migrant, normal.filter((m) => m.migrant).length);
  assert.ok(s.migrant >= 1, 'the demo village has members working away');
  assert.equal(s.branches, 1);
  assert.deepEqual(s.ageBands.map((b) => b.band), ['under35', '35to45', '46to60', 'over60']);
  assert.equal(s.ageBands.reduce((n, b) => n + b.count, 0), s.members);
  const under35 = normal.filter((m) => m.age < 35).length;
  assert.equal(s.ageBands[0].count, under35);
  assert.equal(s.occupations.reduce((n, o) => n + o.count, 0), s.members);
});

test('stats: a township adds up its villages', async () => {
  const township = who.townshipAdmin.orgId;
  const s = assertData(await api('GET', `/api/v1/orgs/${township}/stats`, { token: tok.townshipAdmin }));
  const kids = await listAll(api, tok.townshipAdmin, `/api/v1/orgs/${township}/children`);
  let sum = 0;
  for (const k of kids) {
    const ks = assertData(await api('GET', `/api/v1/orgs/${k.id}/stats`, { token: tok.townshipAdmin }));
    sum += ks.members;
  }
  assert.equal(s.members, sum);
  assert.equal(s.branches, kids.filter((k) => k.level === 'branch' && !k.closed).length);
});

test('stats: outside the roster scope it answers like a missing organisation', async () => {
  const other = who.secretaryB.orgId;
  assertError(await api('GET', `/api/v1/orgs/${other}/stats`, { token: tok.secretaryA }), 404, 'org.not_found');
  assertError(await api('GET', `/api/v1/orgs/999999/stats`, { token: tok.secretaryA }), 404, 'org.not_found');
  // A plain member may see their branch but not its figures.
  assertError(await api('GET', `/api/v1/orgs/${who.member.orgId}/stats`, { token: tok.member }), 404, 'org.not_found');
  assertError(await api('GET', `/api/v1/orgs/${who.townshipAdmin.orgId}/stats`), 401, 'auth.required');
});
