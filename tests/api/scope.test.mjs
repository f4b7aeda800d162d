// scope.test.mjs - every demo role reads its subtree and nothing beside or
// above it; an object outside the subtree answers exactly like a missing one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, listAll, run, startServer } from './helpers.mjs';

const MISSING_ORG = 999999;
const MISSING_MEMBER = 99999999;

let srv, api, who;
let tok = {}; // role name -> bearer token
let county, townshipA, townshipB, villageA, villageB, otherCounty;

before(async () => {
  srv = await startServer({
    setup: (dir) => {
      // A second county beside the demo county ("another county" in the matrix).
      const r = run(['org', 'create', '--data', dir, '--name', '邻县县委', '--level', 'county']);
      assert.equal(r.status, 0, r.stderr);
      otherCounty = Number(/created county (\d+)/.exec(r.stdout)?.[1]);
      assert.ok(otherCounty > 0, r.stdout);
    },
  });
  api = srv.api;
  who = srv.who;
  for (const [k, a] of Object.entries(who)) tok[k] = (await srv.login(a)).token;
  county = who.countyAdmin.orgId;
  townshipA = who.townshipAdmin.orgId;
  villageA = who.secretaryA.orgId;
  villageB = who.secretaryB.orgId;
  const vb = assertData(await api('GET', `/api/v1/orgs/${villageB}`, { token: tok.countyAdmin }));
  townshipB = vb.parentId;
  const va = assertData(await api('GET', `/api/v1/orgs/${villageA}`, { token: tok.countyAdmin }));
  // The fixture as the brief describes it.
  assert.equal(va.parentId, townshipA, 'secretary A\'s village lies in the township admin\'s township');
  assert.notEqual(townshipB, townshipA, 'the two secretaries are in different townships');
  assert.equal(who.member.orgId, villageA);
  assert.equal(who.migrant.orgId, villageA);
});

after(async () => {
  await srv?.stop();
});

/** Headers that must match between a hidden and a missing object. */
function comparableHeaders(h) {
  const out = {};
  for (const [k, v] of h) if (!['date', 'x-request-id', 'content-length'].includes(k)) out[k] = v;
  return out;
}

/**
 * GET tmpl(realId) and tmpl(missingId) as token: both 404 with code, and the
 * bodies identical but for the id the caller sent (echoed in the message).
 */
async function looksMissing(token, tmpl, realId, missingId, code) {
  const real = await api('GET', tmpl(realId), { token });
  const missing = await api('GET', tmpl(missingId), { token });
  assertError(real, 404, code);
  assertError(missing, 404, code);
  assert.equal(real.text, missing.text.replaceAll(String(missingId), String(realId)),
    `GET ${tmpl(realId)} must look exactly like GET ${tmpl(missingId)}`);
  assert.deepEqual(comparableHeaders(real.headers), comparableHeaders(missing.headers));
}

const orgPath = (id) => `/api/v1/orgs/${id}`;
const childrenPath = (id) => `/api/v1/orgs/${id}/children`;
const subtreePath = (id) => `/api/v1/orgs/${id}/subtree`;
const rosterPath = (id) => `/api/v1/members?orgId=${id}`;
const memberPath = (id) => `/api/v1/members/${id}`;
const auditPath = (id) => `/api/v1/audit?orgId=${id}`;
const rolesPath = (id) => `/api/v1/roles?orgId=${id}`;

const hiddenOrg = (token, tmpl, id) => looksMissing(token, tmpl, id, MISSING_ORG, 'org.not_found');
const hiddenMember = (token, id) => looksMissing(token, memberPath, id, MISSING_MEMBER, 'member.not_found');

describe('branch secretary (village A)', () => {
  test('reads their village, its groups and its roster', async () => {
    const t = tok.secretaryA;
    const v = assertData(await api('GET', orgPath(villageA), { token: t }));
    assert.equal(v.id, villageA);
    assert.equal(v.level, 'branch');
    const groups = assertData(await api('GET', childrenPath(villageA), { token: t }));
    assert.ok(groups.items.length > 0);
    for (const g of groups.items) {
      assert.equal(g.parentId, villageA);
      assertData(await api('GET', orgPath(g.id), { token: t }));
    }
    const sub = assertData(await api('GET', subtreePath(villageA), { token: t }));
    assert.equal(sub.items[0].id, villageA);
    assert.equal(sub.items.length, 1 + groups.items.length);

    const roster = await listAll(api, t, rosterPath(villageA), 20);
    assert.ok(roster.length >= 30, `a village has 30+ members, got ${roster.length}`);
    for (const m of roster) assert.equal(m.orgId, villageA, `member ${m.id} is in village A`);
    const ids = roster.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    for (const a of [who.secretaryA, who.member, who.migrant]) assert.ok(ids.includes(a.memberId));
    assert.ok(!ids.includes(who.secretaryB.memberId));
    const migrant = roster.find((m) => m.id === who.migrant.memberId);
    assert.equal(migrant.migrant, true);

    for (const a of [who.secretaryA, who.member, who.migrant]) {
      const m = assertData(await api('GET', memberPath(a.memberId), { token: t }));
      assert.equal(m.id, a.memberId);
      assert.equal(m.orgId, villageA);
    }
  });

  test('the roster filter q narrows to names containing it, still inside the village', async () => {
    const t = tok.secretaryA;
    const q = who.secretaryA.name.slice(1); // a part of the name
    const items = await listAll(api, t, `${rosterPath(villageA)}&q=${encodeURIComponent(q)}`);
    assert.ok(items.some((m) => m.id === who.secretaryA.memberId));
    for (const m of items) {
      assert.ok(m.name.includes(q), `${m.name} contains ${q}`);
      assert.equal(m.orgId, villageA);
    }
    const none = assertData(await api('GET', `${rosterPath(villageA)}&q=${encodeURIComponent('%')}`, { token: t }));
    assert.deepEqual(none.items, [], '% is literal, not a wildcard');
  });

  test('village B, its roster, their own township, the county and another county look missing', async () => {
    const t = tok.secretaryA;
    await hiddenOrg(t, orgPath, villageB);
    await hiddenOrg(t, rosterPath, villageB);
    await hiddenOrg(t, orgPath, townshipA);
    await hiddenOrg(t, orgPath, townshipB);
    await hiddenOrg(t, orgPath, county);
    await hiddenOrg(t, orgPath, otherCounty);
    await hiddenOrg(t, childrenPath, townshipA);
    await hiddenOrg(t, subtreePath, county);
    await hiddenOrg(t, rosterPath, townshipA);
    await hiddenOrg(t, rosterPath, county);
  });

  test('a member of village B looks like a missing member', async () => {
    await hiddenMember(tok.secretaryA, who.secretaryB.memberId);
  });

  test('no audit log and no role list, even of their own village', async () => {
    await hiddenOrg(tok.secretaryA, auditPath, villageA);
    await hiddenOrg(tok.secretaryA, auditPath, county);
    await hiddenOrg(tok.secretaryA, rolesPath, villageA);
  });

  test('secretary B is symmetric: sees village B, not village A', async () => {
    const t = tok.secretaryB;
    assertData(await api('GET', orgPath(villageB), { token: t }));
    const roster = await listAll(api, t, rosterPath(villageB));
    for (const m of roster) assert.equal(m.orgId, villageB);
    await hiddenOrg(t, orgPath, villageA);
    await hiddenOrg(t, rosterPath, villageA);
    await hiddenMember(t, who.member.memberId);
  });
});

describe('township admin', () => {
  test('sees the township, its villages and their rosters', async () => {
    const t = tok.townshipAdmin;
    const tw = assertData(await api('GET', orgPath(townshipA), { token: t }));
    assert.equal(tw.level, 'township');
    const villages = assertData(await api('GET', `${childrenPath(townshipA)}?limit=200`, { token: t }));
    assert.ok(villages.items.length >= 8);
    assert.ok(villages.items.some((v) => v.id === villageA));
    for (const v of villages.items) {
      assert.equal(v.parentId, townshipA);
      assertData(await api('GET', orgPath(v.id), { token: t }));
      const r = assertData(await api('GET', `${rosterPath(v.id)}&limit=5`, { token: t }));
      for (const m of r.items) assert.equal(m.orgId, v.id);
    }
    const all = await listAll(api, t, rosterPath(townshipA));
    const villageIds = new Set(villages.items.map((v) => v.id));
    for (const m of all) assert.ok(villageIds.has(m.orgId), `member ${m.id} of org ${m.orgId} is in the township`);
    assert.equal(all.length, tw.memberCount, 'the township roster matches its memberCount');
    assertData(await api('GET', memberPath(who.secretaryA.memberId), { token: t }));
  });

  test('the other township, its village, the county and another county look missing', async () => {
    const t = tok.townshipAdmin;
    await hiddenOrg(t, orgPath, townshipB);
    await hiddenOrg(t, orgPath, villageB);
    await hiddenOrg(t, orgPath, county);
    await hiddenOrg(t, orgPath, otherCounty);
    await hiddenOrg(t, childrenPath, county);
    await hiddenOrg(t, rosterPath, villageB);
    await hiddenOrg(t, rosterPath, county);
    await hiddenMember(t, who.secretaryB.memberId);
    await hiddenOrg(t, auditPath, townshipA);
  });
});

describe('county admin', () => {
  test('sees everything in the county', async () => {
    const t = tok.countyAdmin;
    for (const id of [county, townshipA, townshipB, villageA, villageB])
      assertData(await api('GET', orgPath(id), { token: t }));
    for (const id of [villageA, villageB]) {
      const r = assertData(await api('GET', `${rosterPath(id)}&limit=200`, { token: t }));
      assert.ok(r.items.length >= 30);
      for (const m of r.items) assert.equal(m.orgId, id);
    }
    assertData(await api('GET', `${rosterPath(county)}&limit=10`, { token: t }));
    for (const a of [who.secretaryA, who.secretaryB, who.member, who.migrant])
      assertData(await api('GET', memberPath(a.memberId), { token: t }));
    assertData(await api('GET', rolesPath(county), { token: t }));
  });

  test('another county looks missing; an org admin reads no audit log', async () => {
    const t = tok.countyAdmin;
    await hiddenOrg(t, orgPath, otherCounty);
    await hiddenOrg(t, rosterPath, otherCounty);
    await hiddenOrg(t, auditPath, county);
  });
});

describe('plain member', () => {
  for (const key of ['member', 'migrant']) {
    test(`${key}: their branch and own record, not the roster nor another member`, async () => {
      const t = tok[key];
      const me = who[key];
      const other = key === 'member' ? who.migrant : who.member;
      const v = assertData(await api('GET', orgPath(villageA), { token: t }));
      assert.equal(v.id, villageA);
      const rec = assertData(await api('GET', memberPath(me.memberId), { token: t }));
      assert.equal(rec.id, me.memberId);
      assert.equal(rec.name, me.name);
      await hiddenOrg(t, rosterPath, villageA);
      await hiddenMember(t, other.memberId);
      await hiddenMember(t, who.secretaryA.memberId);
      await hiddenMember(t, who.secretaryB.memberId);
      await hiddenOrg(t, orgPath, townshipA);
      await hiddenOrg(t, orgPath, villageB);
      await hiddenOrg(t, auditPath, villageA);
    });
  }
});

describe('auditor', () => {
  test('reads the audit log of the county and the org tree', async () => {
    const t = tok.auditor;
    const d = assertData(await api('GET', auditPath(county), { token: t }));
    assert.ok(Array.isArray(d.items));
    assertData(await api('GET', auditPath(villageB), { token: t }));
    assertData(await api('GET', orgPath(county), { token: t }));
    assertData(await api('GET', orgPath(villageB), { token: t }));
  });

  test('no roster, no member records, no other county', async () => {
    const t = tok.auditor;
    await hiddenOrg(t, rosterPath, county);
    await hiddenOrg(t, rosterPath, villageA);
    await hiddenMember(t, who.secretaryA.memberId);
    await hiddenOrg(t, auditPath, otherCounty);
    await hiddenOrg(t, orgPath, otherCounty);
  });

  test('a secretary gets 404 on the county audit log', async () => {
    assertError(await api('GET', auditPath(county), { token: tok.secretaryA }), 404, 'org.not_found');
    assertError(await api('GET', auditPath(county), { token: tok.townshipAdmin }), 404, 'org.not_found');
  });
});

test('an out-of-scope read takes as long as a missing one (its denial is audited after the answer, and still listed for the auditor)', async () => {
  const times = { missing: [], hidden: [] };
  const t = async (kind, id) => {
    const t0 = performance.now();
    const r = await api('GET', orgPath(id), { token: tok.secretaryA });
    times[kind].push(performance.now() - t0);
    assertError(r, 404, 'org.not_found');
  };
  for (let i = 0; i < 60; i++) {
    await t('missing', MISSING_ORG + i);
    await t('hidden', villageB);
  }
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  const ratio = median(times.hidden) / median(times.missing);
  // Before: the denial's fsync'd audit write came first, about 3 times as
  // long on a quiet machine; a margin for a loaded one.
  assert.ok(ratio < 2, `out of scope ${median(times.hidden).toFixed(2)} ms vs missing ${median(times.missing).toFixed(2)} ms`);
  // Read at once by the auditor: the denials are there.
  const rows = assertData(await api('GET', `/api/v1/audit?orgId=${county}&limit=200`, { token: tok.auditor }));
  const denials = rows.items.filter((r) => r.action === 'access.denied' && r.orgId === villageB && r.detail?.includes(orgPath(villageB)));
  assert.ok(denials.length >= 30, `${denials.length} denials listed`);
});
