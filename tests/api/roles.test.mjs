// roles.test.mjs - granting and revoking roles through the API and the CLI;
// a role change takes effect on the grantee's very next request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertData, assertError, startServer } from './helpers.mjs';

let srv, api, who;
let tC, tT, tS;
let county, townshipA, villageA, villageB;
const NEW = { phone: '13900000201', name: '新任书记', password: 'new-secretary-1' };
const NEW2 = { phone: '13900000202', name: '新任委员', password: 'new-committee-1' };

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
  villageB = who.secretaryB.orgId;
  // Accounts created from the command line while the server runs, without a role.
  for (const a of [NEW, NEW2]) {
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', a.name, '--password', a.password]);
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  await srv?.stop();
});

describe('grant and revoke through the API', () => {
  let s, grant;

  test('a new account without a role sees no organisation', async () => {
    s = await srv.login(NEW);
    assert.deepEqual(s.user.roles, []);
    assert.equal(s.user.member, null);
    assertError(await api('GET', `/api/v1/orgs/${villageA}`, { token: s.token }), 404, 'org.not_found');
  });

  test('county admin grants branch_secretary on village A: 201, and the grantee\'s next request has it', async () => {
    const res = await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: villageA, role: 'branch_secretary' } });
    grant = assertData(res, 201);
    assert.equal(typeof grant.id, 'number');
    assert.equal(grant.role, 'branch_secretary');
    assert.equal(grant.orgId, villageA);
    assert.equal(grant.accountName, NEW.name);
    assert.notEqual(grant.phone, NEW.phone, 'the phone is masked');
    assert.ok(grant.phone.endsWith(NEW.phone.slice(-4)));

    // Same session as before the grant: no new login needed.
    const me = assertData(await api('GET', '/api/v1/me', { token: s.token }));
    assert.deepEqual(me.roles.map((r) => [r.id, r.role, r.orgId]), [[grant.id, 'branch_secretary', villageA]]);
    assert.equal(me.home?.id, villageA);
    assertData(await api('GET', `/api/v1/orgs/${villageA}`, { token: s.token }));
    assertData(await api('GET', `/api/v1/members?orgId=${villageA}`, { token: s.token }));
  });

  test('the grant is listed under the village, the township and the county', async () => {
    for (const [org, token] of [[villageA, tC], [townshipA, tT], [county, tC]]) {
      const items = assertData(await api('GET', `/api/v1/roles?orgId=${org}&limit=200`, { token })).items;
      const g = items.find((i) => i.id === grant.id);
      assert.ok(g, `grant ${grant.id} listed under org ${org}`);
      assert.notEqual(g.phone, NEW.phone);
    }
  });

  test('a duplicate grant: 409 role.exists', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: villageA, role: 'branch_secretary' } }),
      409, 'role.exists');
  });

  test('an unknown phone: 404 account.not_found', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tC, body: { phone: '13911112222', orgId: villageA, role: 'member' } }),
      404, 'account.not_found');
  });

  test('an unknown role or org: 400 request.invalid / 404 org.not_found', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: villageA, role: 'king' } }),
      400, 'request.invalid', 'role');
    assertError(await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: 999999, role: 'member' } }),
      404, 'org.not_found');
  });

  test('revoke: 200, and the grantee\'s very next request no longer sees the org (404)', async () => {
    assertData(await api('DELETE', `/api/v1/roles/${grant.id}`, { token: tC }), 200);
    assertError(await api('GET', `/api/v1/orgs/${villageA}`, { token: s.token }), 404, 'org.not_found');
    assertError(await api('GET', `/api/v1/members?orgId=${villageA}`, { token: s.token }), 404, 'org.not_found');
    const me = assertData(await api('GET', '/api/v1/me', { token: s.token }));
    assert.deepEqual(me.roles, []);
    // Revoking it again: it no longer exists.
    assertError(await api('DELETE', `/api/v1/roles/${grant.id}`, { token: tC }), 404, 'role.not_found');
    // And it can be granted afresh.
    const again = assertData(await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW.phone, orgId: villageA, role: 'member' } }), 201);
    assert.notEqual(again.id, grant.id);
  });
});

describe('who may grant what', () => {
  test('township admin granting org_admin on its own township: 403 auth.forbidden (no peers)', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tT, body: { phone: NEW2.phone, orgId: townshipA, role: 'org_admin' } }),
      403, 'auth.forbidden');
    assertError(await api('POST', '/api/v1/roles', { token: tT, body: { phone: NEW2.phone, orgId: townshipA, role: 'auditor' } }),
      403, 'auth.forbidden');
    const me = assertData(await api('GET', '/api/v1/me', { token: (await srv.login(NEW2)).token }));
    assert.deepEqual(me.roles, []);
  });

  test('township admin granting branch_secretary on a village of its township: 201', async () => {
    const g = assertData(await api('POST', '/api/v1/roles', {
      token: tT, body: { phone: NEW2.phone, orgId: villageA, role: 'branch_secretary' },
    }), 201);
    assert.equal(g.orgId, villageA);
    // and org_admin from above is allowed on a village below the township
    assertData(await api('POST', '/api/v1/roles', { token: tT, body: { phone: NEW2.phone, orgId: villageA, role: 'org_admin' } }), 201);
  });

  test('township admin granting on another township\'s village: 404 org.not_found', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tT, body: { phone: NEW2.phone, orgId: villageB, role: 'member' } }),
      404, 'org.not_found');
  });

  test('a secretary cannot grant, not even on their own village: 404 org.not_found', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tS, body: { phone: NEW2.phone, orgId: villageA, role: 'member' } }),
      404, 'org.not_found');
  });

  test('only a system admin grants system_admin', async () => {
    assertError(await api('POST', '/api/v1/roles', { token: tC, body: { phone: NEW2.phone, orgId: villageA, role: 'system_admin' } }),
      403, 'auth.forbidden');
  });

  test('revoking outside the caller\'s subtree looks like a missing grant; a peer role cannot be revoked', async () => {
    const itemsB = assertData(await api('GET', `/api/v1/roles?orgId=${villageB}`, { token: tC })).items;
    const secB = itemsB.find((i) => i.role === 'branch_secretary' && i.orgId === villageB);
    assert.ok(secB);
    const hidden = await api('DELETE', `/api/v1/roles/${secB.id}`, { token: tT });
    const missing = await api('DELETE', '/api/v1/roles/999999', { token: tT });
    assertError(hidden, 404, 'role.not_found');
    assertError(missing, 404, 'role.not_found');
    assert.equal(hidden.text, missing.text.replaceAll('999999', String(secB.id)));
    assertError(await api('DELETE', `/api/v1/roles/${secB.id}`, { token: tS }), 404, 'role.not_found');
    // The township admin's own grant is a peer of itself: 403.
    const own = assertData(await api('GET', `/api/v1/roles?orgId=${townshipA}&limit=200`, { token: tT })).items
      .find((i) => i.role === 'org_admin' && i.orgId === townshipA);
    assert.ok(own);
    assertError(await api('DELETE', `/api/v1/roles/${own.id}`, { token: tT }), 403, 'auth.forbidden');
    // Secretary B still works.
    const sB = await srv.login(who.secretaryB);
    assertData(await api('GET', `/api/v1/orgs/${villageB}`, { token: sB.token }));
  });
});

describe('granting to a member found by name (memberId)', () => {
  test('the member\'s account gets the role; out of scope looks missing; no account says so', async () => {
    const g = assertData(await api('POST', '/api/v1/roles', { token: tT, body: { memberId: who.member.memberId, orgId: villageA, role: 'branch_committee' } }), 201);
    assert.equal(g.accountName, who.member.name);
    assert.equal(g.role, 'branch_committee');
    assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: tT }));
    // A member of another township's village: as if there were none.
    const bMembers = assertData(await api('GET', `/api/v1/members?orgId=${villageB}&limit=5`, { token: tC })).items;
    assert.ok(bMembers.length);
    const out = await api('POST', '/api/v1/roles', { token: tT, body: { memberId: bMembers[0].id, orgId: villageA, role: 'branch_committee' } });
    const none = await api('POST', '/api/v1/roles', { token: tT, body: { memberId: 99999999, orgId: villageA, role: 'branch_committee' } });
    assertError(out, 404, 'member.not_found', 'memberId');
    assertError(none, 404, 'member.not_found', 'memberId');
    // A member on the roster without an account.
    const withAccount = new Set(srv.accounts.map((a) => a.memberId).filter(Boolean));
    const aMembers = assertData(await api('GET', `/api/v1/members?orgId=${villageA}&limit=100`, { token: tT })).items;
    const bare = aMembers.find((m) => !withAccount.has(m.id));
    if (bare) {
      const r = await api('POST', '/api/v1/roles', { token: tT, body: { memberId: bare.id, orgId: villageA, role: 'branch_committee' } });
      if (r.status !== 201) assertError(r, 404, 'account.not_found', 'memberId');
      else assertData(await api('DELETE', `/api/v1/roles/${r.json.data.id}`, { token: tT })); // another helper gave every member an account
    }
    // One of phone and memberId, not both, not neither.
    assertError(await api('POST', '/api/v1/roles', { token: tT, body: { phone: who.member.phone, memberId: who.member.memberId, orgId: villageA, role: 'branch_committee' } }), 400, 'request.invalid', 'memberId');
    assertError(await api('POST', '/api/v1/roles', { token: tT, body: { orgId: villageA, role: 'branch_committee' } }), 400, 'request.invalid', 'phone');
    // The permission check comes first: a secretary may not grant at all.
    assertError(await api('POST', '/api/v1/roles', { token: tS, body: { memberId: who.member.memberId, orgId: villageA, role: 'branch_committee' } }), 404, 'org.not_found');
  });
});

describe('grant and revoke from the command line while the server runs', () => {
  test('zhibu user grant / revoke take effect on the next request', async () => {
    const s = await srv.login(NEW2);
    assertError(await api('GET', `/api/v1/orgs/${villageB}`, { token: s.token }), 404, 'org.not_found');
    let r = srv.run(['user', 'grant', '--data', srv.dataDir, '--phone', NEW2.phone, '--org', String(villageB), '--role', 'branch_committee']);
    assert.equal(r.status, 0, r.stderr);
    assertData(await api('GET', `/api/v1/orgs/${villageB}`, { token: s.token }));
    assertData(await api('GET', `/api/v1/members?orgId=${villageB}`, { token: s.token }));
    r = srv.run(['user', 'grant', '--data', srv.dataDir, '--phone', NEW2.phone, '--org', String(villageB), '--role', 'branch_committee']);
    assert.notEqual(r.status, 0, 'a duplicate grant fails');
    r = srv.run(['user', 'revoke', '--data', srv.dataDir, '--phone', NEW2.phone, '--org', String(villageB), '--role', 'branch_committee']);
    assert.equal(r.status, 0, r.stderr);
    assertError(await api('GET', `/api/v1/orgs/${villageB}`, { token: s.token }), 404, 'org.not_found');
  });
});

describe('GET /me can: what the server allows, per permission and organisation', () => {
  // A permission holds on an organisation when one of its listed paths is a prefix of the
  // organisation's path (a role reaches its subtree).
  const covers = (me, perm, path) => (me.can?.[perm] || []).some((p) => path.startsWith(p));
  const pathOf = (org) => '/' + org.path.map((o) => o.id).join('/') + '/';
  const iso = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

  test('org.read, roster.read and meeting.run agree with the answers for every demo account', async () => {
    const orgs = {};
    for (const id of [county, townshipA, villageA, villageB]) {
      orgs[id] = pathOf(assertData(await api('GET', `/api/v1/orgs/${id}`, { token: tC })));
    }
    const branches = [villageA, villageB];
    const start = iso(Math.floor(Date.now() / 1000) + 86400 * 3);
    let seen = 0;
    for (const [name, acct] of Object.entries(who)) {
      const s = await srv.login(acct);
      const me = assertData(await api('GET', '/api/v1/me', { token: s.token }));
      assert.equal(typeof me.can, 'object', name);
      for (const paths of Object.values(me.can)) {
        assert.ok(Array.isArray(paths) && paths.length > 0, `${name}: a listed permission has paths`);
        assert.equal(new Set(paths).size, paths.length, `${name}: each path once`);
        for (const p of paths) assert.ok(me.roles.some((r) => r.orgPath === p), `${name}: ${p} is a role's organisation`);
      }
      for (const [id, path] of Object.entries(orgs)) {
        const org = await api('GET', `/api/v1/orgs/${id}`, { token: s.token });
        assert.equal(org.status === 200, covers(me, 'org.read', path), `${name} org.read on ${path}: ${org.status}`);
        const roster = await api('GET', `/api/v1/members?orgId=${id}`, { token: s.token });
        assert.equal(roster.status === 200, covers(me, 'roster.read', path), `${name} roster.read on ${path}: ${roster.status}`);
        if (!branches.includes(Number(id))) continue;
        const res = await api('POST', '/api/v1/meetings', {
          token: s.token,
          body: { orgId: Number(id), type: 'committee', title: '支委会', startsAt: start, place: '村委会议室', attendees: 'branch' },
        });
        const allowed = res.status !== 403 && res.status !== 404;
        assert.equal(allowed, covers(me, 'meeting.run', path), `${name} meeting.run on ${path}: ${res.status} ${res.text}`);
        if (allowed) assert.equal(res.status, 201, res.text);
        seen += allowed ? 1 : 0;
      }
    }
    assert.ok(seen > 0, 'some account may schedule a meeting');
  });
});
