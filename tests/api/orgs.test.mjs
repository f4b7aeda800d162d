// orgs.test.mjs - the organisation tree: subtree paging, create, rename,
// close and move, with the level rules and the admin-above rule.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, countByChildren, startServer } from './helpers.mjs';

let srv, api, who;
let tC, tT, tS; // county admin, township admin, secretary A
let county, townshipA, townshipB, villageA;

before(async () => {
  srv = await startServer();
  api = srv.api;
  who = srv.who;
  tC = (await srv.login(who.countyAdmin)).token;
  tT = (await srv.login(who.townshipAdmin)).token;
  tS = (await srv.login(who.secretaryA)).token;
  county = who.countyAdmin.orgId;
  townshipA = who.townshipAdmin.orgId;
  villageA = who.secretaryA.orgId;
  townshipB = assertData(await api('GET', `/api/v1/orgs/${who.secretaryB.orgId}`, { token: tC })).parentId;
});

after(async () => {
  await srv?.stop();
});

const getOrg = async (id, token = tC) => assertData(await api('GET', `/api/v1/orgs/${id}`, { token }));

describe('reading the tree', () => {
  test('GET /orgs/{id} has the documented shape', async () => {
    const v = await getOrg(villageA);
    for (const k of ['id', 'parentId', 'name', 'level', 'depth', 'closed', 'createdAt', 'updatedAt',
      'childCount', 'memberCount', 'path'])
      assert.ok(k in v, `field ${k}`);
    assert.equal(v.parentId, townshipA);
    assert.equal(v.closed, false);
    assert.match(v.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.deepEqual(v.path.map((p) => p.id), [county, townshipA, villageA]);
    const c = await getOrg(county);
    assert.equal(c.parentId, null);
    assert.equal(c.level, 'county');
  });

  test('subtree pages with a cursor until next is null: no duplicates, every org once, parents first', async () => {
    const seen = [];
    let after = null;
    let pages = 0;
    do {
      const q = `/api/v1/orgs/${county}/subtree?limit=50` + (after ? `&after=${encodeURIComponent(after)}` : '');
      const d = assertData(await api('GET', q, { token: tC }));
      assert.ok(d.items.length <= 50, `page ${pages} has ${d.items.length} items`);
      if (d.next !== null) {
        assert.equal(typeof d.next, 'string');
        assert.equal(d.items.length, 50, 'a page with a next cursor is full');
      }
      seen.push(...d.items);
      after = d.next;
      pages++;
      assert.ok(pages < 100, 'paging ends');
    } while (after);
    assert.ok(pages > 2, `several pages (${pages})`);
    const ids = seen.map((o) => o.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    assert.equal(ids[0], county, 'the root comes first');
    const total = await countByChildren(api, tC, county);
    assert.equal(ids.length, total, 'the subtree has every organisation found by walking /children');
    const pos = new Map(ids.map((id, i) => [id, i]));
    for (const o of seen.slice(1)) assert.ok(pos.get(o.parentId) < pos.get(o.id), `parent of ${o.id} listed before it`);
  });

  test('children pages with a cursor too', async () => {
    const d1 = assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=3`, { token: tC }));
    assert.equal(d1.items.length, 3);
    assert.equal(typeof d1.next, 'string');
    const d2 = assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=3&after=${encodeURIComponent(d1.next)}`, { token: tC }));
    const ids = [...d1.items, ...d2.items].map((o) => o.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('an invalid cursor: 400 request.invalid, field after', async () => {
    const bad = ['!!!!', 'not base64 at all', Buffer.from('/999999/').toString('base64url'), 'Zm9v'];
    for (const c of bad) {
      assertError(await api('GET', `/api/v1/orgs/${county}/subtree?after=${encodeURIComponent(c)}`, { token: tC }),
        400, 'request.invalid', 'after');
    }
    assertError(await api('GET', `/api/v1/orgs/${townshipA}/children?after=${encodeURIComponent('!!!!')}`, { token: tC }),
      400, 'request.invalid', 'after');
    assertError(await api('GET', `/api/v1/members?orgId=${villageA}&after=${encodeURIComponent('@@')}`, { token: tC }),
      400, 'request.invalid', 'after');
  });

  test('limit out of range: 400 request.invalid, field limit', async () => {
    for (const l of ['0', '201', '-1', 'ten'])
      assertError(await api('GET', `/api/v1/orgs/${county}/subtree?limit=${l}`, { token: tC }), 400, 'request.invalid', 'limit');
  });
});

describe('township admin writes', () => {
  let created;

  test('creates a branch under the township: 201', async () => {
    const before = (await getOrg(townshipA)).childCount;
    const res = await api('POST', '/api/v1/orgs', {
      token: tT, body: { parentId: townshipA, name: '测试新村党支部', level: 'branch' },
    });
    created = assertData(res, 201);
    assert.equal(created.parentId, townshipA);
    assert.equal(created.name, '测试新村党支部');
    assert.equal(created.level, 'branch');
    assert.equal(created.closed, false);
    assert.equal(created.childCount, 0);
    assert.equal(created.memberCount, 0);
    assert.deepEqual(created.path.map((p) => p.id), [county, townshipA, created.id]);
    assert.deepEqual(await getOrg(created.id, tT), created);
    assert.equal((await getOrg(townshipA)).childCount, before + 1);
  });

  test('a level that does not fit the parent: 409 org.bad_parent', async () => {
    for (const level of ['county', 'township', 'group', 'province'])
      assertError(await api('POST', '/api/v1/orgs', { token: tT, body: { parentId: townshipA, name: 'x', level } }),
        409, 'org.bad_parent');
    assertError(await api('POST', '/api/v1/orgs', { token: tC, body: { parentId: county, name: 'x', level: 'branch' } }),
      409, 'org.bad_parent');
  });

  test('renames it: 200', async () => {
    const r = assertData(await api('PATCH', `/api/v1/orgs/${created.id}`, { token: tT, body: { name: '改名村党支部' } }));
    assert.equal(r.id, created.id);
    assert.equal(r.name, '改名村党支部');
    assert.equal((await getOrg(created.id)).name, '改名村党支部');
  });

  test('closes it: 200 closed:true; nothing can be created under a closed org', async () => {
    const r = assertData(await api('POST', `/api/v1/orgs/${created.id}/close`, { token: tT }));
    assert.equal(r.closed, true);
    assert.equal((await getOrg(created.id)).closed, true);
    assertError(await api('POST', '/api/v1/orgs', { token: tT, body: { parentId: created.id, name: '小组', level: 'group' } }),
      409, 'org.closed');
  });

  test('closing a village with members: 409 org.not_empty', async () => {
    assertError(await api('POST', `/api/v1/orgs/${villageA}/close`, { token: tT }), 409, 'org.not_empty');
    assert.equal((await getOrg(villageA)).closed, false);
  });

  test('a township with open villages does not close: 409 org.not_empty', async () => {
    assertError(await api('POST', `/api/v1/orgs/${townshipA}/close`, { token: tC }), 409, 'org.not_empty');
    assert.equal((await getOrg(townshipA)).closed, false);
  });

  test('the county admin may not change the county itself (a root needs a system admin)', async () => {
    assertError(await api('PATCH', `/api/v1/orgs/${county}`, { token: tC, body: { name: 'x' } }), 403, 'auth.forbidden');
    assert.notEqual((await getOrg(county)).name, 'x');
  });

  test('the township admin may not change its own township (only what is below it) nor the county', async () => {
    assertError(await api('PATCH', `/api/v1/orgs/${townshipA}`, { token: tT, body: { name: 'x' } }), 403, 'auth.forbidden');
    assertError(await api('POST', `/api/v1/orgs/${townshipA}/close`, { token: tT }), 403, 'auth.forbidden');
    assertError(await api('PATCH', `/api/v1/orgs/${county}`, { token: tT, body: { name: 'x' } }), 404, 'org.not_found');
    assertError(await api('PATCH', `/api/v1/orgs/${townshipB}`, { token: tT, body: { name: 'x' } }), 404, 'org.not_found');
    assertError(await api('POST', '/api/v1/orgs', { token: tT, body: { parentId: townshipB, name: 'x', level: 'branch' } }),
      404, 'org.not_found');
    assert.notEqual((await getOrg(townshipA)).name, 'x');
  });
});

describe('a secretary cannot administer the tree', () => {
  test('creating an org under their own village: 404 org.not_found; nothing created', async () => {
    const before = (await getOrg(villageA)).childCount;
    assertError(await api('POST', '/api/v1/orgs', { token: tS, body: { parentId: villageA, name: '第四党小组', level: 'group' } }),
      404, 'org.not_found');
    assertError(await api('POST', '/api/v1/orgs', { token: tS, body: { parentId: townshipA, name: 'x', level: 'branch' } }),
      404, 'org.not_found');
    assert.equal((await getOrg(villageA)).childCount, before);
  });

  test('renaming or closing: 403 on what they can see, 404 on what they cannot', async () => {
    assertError(await api('PATCH', `/api/v1/orgs/${villageA}`, { token: tS, body: { name: 'x' } }), 403, 'auth.forbidden');
    assertError(await api('POST', `/api/v1/orgs/${villageA}/close`, { token: tS }), 403, 'auth.forbidden');
    assertError(await api('PATCH', `/api/v1/orgs/${who.secretaryB.orgId}`, { token: tS, body: { name: 'x' } }), 404, 'org.not_found');
    assertError(await api('POST', `/api/v1/orgs/${townshipA}/move`, { token: tS, body: { parentId: county } }), 404, 'org.not_found');
  });
});

describe('county admin moves', () => {
  let branch, group;

  test('moves a new branch (with its group) from township A to township B: 200, paths change', async () => {
    branch = assertData(await api('POST', '/api/v1/orgs', {
      token: tC, body: { parentId: townshipA, name: '待迁村党支部', level: 'branch' },
    }), 201);
    group = assertData(await api('POST', '/api/v1/orgs', {
      token: tC, body: { parentId: branch.id, name: '第一党小组', level: 'group' },
    }), 201);
    assert.deepEqual(group.path.map((p) => p.id), [county, townshipA, branch.id, group.id]);

    const moved = assertData(await api('POST', `/api/v1/orgs/${branch.id}/move`, { token: tC, body: { parentId: townshipB } }));
    assert.equal(moved.parentId, townshipB);
    assert.deepEqual(moved.path.map((p) => p.id), [county, townshipB, branch.id]);
    assert.equal(moved.depth, branch.depth);
    const g = await getOrg(group.id);
    assert.deepEqual(g.path.map((p) => p.id), [county, townshipB, branch.id, group.id]);
    assert.equal(g.depth, group.depth);

    const childrenB = assertData(await api('GET', `/api/v1/orgs/${townshipB}/children?limit=200`, { token: tC })).items;
    assert.ok(childrenB.some((o) => o.id === branch.id));
    const childrenA = assertData(await api('GET', `/api/v1/orgs/${townshipA}/children?limit=200`, { token: tC })).items;
    assert.ok(!childrenA.some((o) => o.id === branch.id));
    // The township A admin no longer reaches it, on the very next request.
    assertError(await api('GET', `/api/v1/orgs/${branch.id}`, { token: tT }), 404, 'org.not_found');
    assertError(await api('GET', `/api/v1/orgs/${group.id}`, { token: tT }), 404, 'org.not_found');
  });

  test('a village moves with its members: the counts of both townships and the county follow', async () => {
    const before = { a: (await getOrg(townshipA)).memberCount, b: (await getOrg(townshipB)).memberCount,
      c: (await getOrg(county)).memberCount, v: (await getOrg(villageA)).memberCount };
    assert.ok(before.v > 0, 'the village has members');
    const sumChildren = async (id) => assertData(await api('GET', `/api/v1/orgs/${id}/children?limit=200`, { token: tC }))
      .items.filter((o) => o.level !== 'group').reduce((n, o) => n + o.memberCount, 0);
    assert.equal(before.a, await sumChildren(townshipA));
    assert.equal(before.c, await sumChildren(county));

    assertData(await api('POST', `/api/v1/orgs/${villageA}/move`, { token: tC, body: { parentId: townshipB } }));
    assert.equal((await getOrg(townshipA)).memberCount, before.a - before.v);
    assert.equal((await getOrg(townshipB)).memberCount, before.b + before.v);
    assert.equal((await getOrg(county)).memberCount, before.c);
    assert.equal((await getOrg(villageA)).memberCount, before.v);
    const stats = assertData(await api('GET', `/api/v1/orgs/${townshipB}/stats`, { token: tC }));
    assert.equal(stats.members, before.b + before.v, 'the stored count agrees with a fresh count');

    assertData(await api('POST', `/api/v1/orgs/${villageA}/move`, { token: tC, body: { parentId: townshipA } }));
    assert.equal((await getOrg(townshipA)).memberCount, before.a);
    assert.equal((await getOrg(townshipB)).memberCount, before.b);
  });

  test('moving a township under its own village: 409 org.cycle', async () => {
    assertError(await api('POST', `/api/v1/orgs/${townshipA}/move`, { token: tC, body: { parentId: villageA } }), 409, 'org.cycle');
    assertError(await api('POST', `/api/v1/orgs/${townshipA}/move`, { token: tC, body: { parentId: townshipA } }), 409, 'org.cycle');
    assertError(await api('POST', `/api/v1/orgs/${branch.id}/move`, { token: tC, body: { parentId: group.id } }), 409, 'org.cycle');
    assert.deepEqual((await getOrg(townshipA)).path.map((p) => p.id), [county, townshipA]);
  });

  test('moving under a level that does not fit: 409 org.bad_parent', async () => {
    assertError(await api('POST', `/api/v1/orgs/${branch.id}/move`, { token: tC, body: { parentId: county } }), 409, 'org.bad_parent');
    assertError(await api('POST', `/api/v1/orgs/${branch.id}/move`, { token: tC, body: { parentId: villageA } }), 409, 'org.bad_parent');
    await assertEqualParent(branch.id, townshipB);
  });

  test('a township admin cannot move its branch out of its township (404 on the target)', async () => {
    const mine = assertData(await api('POST', '/api/v1/orgs', {
      token: tT, body: { parentId: townshipA, name: '不能迁走党支部', level: 'branch' },
    }), 201);
    assertError(await api('POST', `/api/v1/orgs/${mine.id}/move`, { token: tT, body: { parentId: townshipB } }), 404, 'org.not_found');
    assertError(await api('POST', `/api/v1/orgs/${mine.id}/move`, { token: tT, body: { parentId: 999999 } }), 404, 'org.not_found');
    await assertEqualParent(mine.id, townshipA);
  });

  async function assertEqualParent(id, parent) {
    assert.equal((await getOrg(id)).parentId, parent);
  }
});

describe('search for a destination anywhere in the deployment', () => {
  test('names with their path, open branches only, for any logged-in caller', async () => {
    const mine = (await srv.login(srv.who.member)).token;
    const target = srv.who.secretaryB.orgName;
    const res = await srv.api('GET', `/api/v1/orgs/search?q=${encodeURIComponent(target.slice(0, 3))}&level=branch`, { token: mine });
    assert.equal(res.status, 200, res.text);
    const items = res.json.data.items;
    assert.ok(items.some((o) => o.id === srv.who.secretaryB.orgId && o.pathNames.endsWith(target)));
    assert.ok(items.every((o) => o.level === 'branch' && o.name.includes(target.slice(0, 3))));
    assert.equal((await srv.api('GET', '/api/v1/orgs/search?q=x', { token: mine })).status, 400);
    assert.equal((await srv.api('GET', '/api/v1/orgs/search?q=%25%25')).status, 401);
    const pct = await srv.api('GET', '/api/v1/orgs/search?q=%25%25', { token: mine });
    assert.deepEqual(pct.json.data.items, [], 'a % is a character, not a wildcard');
  });
});
