// authz.test.mjs - the authorization matrix (docs/SECURITY.md #6), generated from the
// route table: every route of `zhibu routes --json` x every role x the targets
// {own organisation, descendant, sibling, ancestor, another county}. The expected
// outcome of a cell is computed from the permission table that `zhibu routes` prints
// (a role in perm_roles(perm) held on the target or an ancestor: allowed), with the
// exceptions listed below as data. A denied cell must answer byte for byte like the
// same request against a missing object. A route without an entry in SPECS fails
// the test, so a new route cannot escape the matrix.
//
// ZHIBU_AUTHZ_VERBOSE=1 prints the routes x roles summary.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { assertData, beijingToday, idNumber, run, sqlite, startServer } from './helpers.mjs';

const VERBOSE = !!process.env.ZHIBU_AUTHZ_VERBOSE;
const MISSING = 99999999;
const TODAY = beijingToday();

let srv, api, table, db;
const O = {}; // organisations by name: A, G, A2, TA, C2, C2b, T2, K2
const PATH = {}; // org id -> materialised path
const T = {}; // tokens: admins
const callers = []; // {label, role, at (org id), token}
const own = {}; // per target org: members, objects

const CAST_PW = 'matrix-pass-1';
const phoneOf = (i) => `1390000${String(4000 + i).padStart(4, '0')}`;

// The five targets, and what they are for a caller on village A.
const TARGETS = { own: 'A', descendant: 'G', sibling: 'A2', ancestor: 'TA', otherCounty: 'C2' };
// Objects (members, transfers, applicants, ...) live in branches only: their targets
// are the own branch, a sibling branch and a branch in another county.
const BRANCH_TARGETS = ['own', 'sibling', 'otherCounty'];
// Organisations as objects (rename, move, close) exist at every level.
const ORG_OBJECT_TARGETS = ['own', 'descendant', 'sibling', 'ancestor', 'otherCounty'];

const within = (orgId, rootId) => PATH[orgId].startsWith(PATH[rootId]);
const strictlyAbove = (orgId, rootId) => within(orgId, rootId) && orgId !== rootId;
const holds = (caller, perm, orgId) => table.permissions[perm].includes(caller.role) && within(orgId, caller.at);
const holdsAbove = (caller, perm, orgId) =>
  table.permissions[perm].includes(caller.role) && strictlyAbove(orgId, caller.at);

const ALLOW = 'allow';
const DENY = 'deny'; // exactly like a missing object
const FORBID = 'forbid'; // 403: the caller sees the object but may not do this

// Request helpers: a cell's request is {method, path, body, headers}.
const q = (method, path, body, headers) => ({ method, path, body, headers });
const tusCreate = (orgId) => ({
  'Tus-Resumable': '1.0.0', 'Upload-Length': '0',
  'Upload-Metadata': `filename ${Buffer.from('矩阵.pdf').toString('base64')},orgId ${Buffer.from(String(orgId)).toString('base64')}`,
});
const csv = (s) => ({ body: Buffer.from(s), headers: { 'Content-Type': 'text/csv' } });

/*
 * The expectation data: one entry per route. Fields:
 *   targets   which targets the matrix builds (default: all five by organisation)
 *   req(t, c) the request against target organisation t (may create a throw-away object)
 *   missing(c) the same request against a missing object
 *   nf        the not-found code of the module
 *   expect(c, t, obj) ALLOW / DENY / FORBID; default: holds(route.perm on t)
 *   after(obj) clean-up after a cell (transfers must not stay open)
 *   write     'harmless' how an allowed write is kept harmless (documentation)
 *   serial    run the cells one at a time
 */
const SPECS = {
  // ---- accounts: no target; every logged-in caller, whatever the role ----
  'POST /api/v1/auth/login': { public: true },
  // signing in by SMS code, a new password by SMS code, activation (tests/api/access.test.mjs)
  'POST /api/v1/auth/sms-code': { public: true },
  'POST /api/v1/auth/sms-login': { public: true },
  'POST /api/v1/auth/reset-password': { public: true },
  'POST /api/v1/auth/activate': { public: true },
  'POST /api/v1/auth/logout': { login: true, fresh: true }, // on a throw-away session per caller
  'GET /api/v1/me': { login: true },
  'POST /api/v1/me/password': { login: true, body: { oldPassword: 'wrong-password', newPassword: 'unused-password-9' } },
  'GET /api/v1/imports/template': { login: true },
  'GET /api/v1/me/transfers': { login: true },
  // names of organisations anywhere (a transfer's destination): without q a 400, never a denial
  'GET /api/v1/orgs/search': { login: true },
  // the caller's own second factor (tests/api/totp.test.mjs). harmless: a pending
  // enrolment is never confirmed, so nothing about logging in changes; the others get
  // an empty code (400 request.invalid before any check, not even a failed attempt).
  'POST /api/v1/me/totp': { login: true },
  'POST /api/v1/me/totp/confirm': { login: true, body: { code: '' } },
  'POST /api/v1/me/totp/recovery-codes': { login: true, body: { code: '' } },
  'DELETE /api/v1/me/totp': { login: true, body: { password: '', code: '' } },

  // ---- organisations ----
  'GET /api/v1/orgs/{id}': { req: (t) => q('GET', `/api/v1/orgs/${t}`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/children': { req: (t) => q('GET', `/api/v1/orgs/${t}/children`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/subtree': { req: (t) => q('GET', `/api/v1/orgs/${t}/subtree?limit=5`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/stats': { req: (t) => q('GET', `/api/v1/orgs/${t}/stats`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/access': { req: (t) => q('GET', `/api/v1/orgs/${t}/access`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/activation': { req: (t) => q('GET', `/api/v1/orgs/${t}/activation?limit=2`), nf: 'org.not_found' },
  // harmless: a member not on this roster is named (409 after the permission check).
  'POST /api/v1/orgs/{id}/activation-codes': {
    req: (t) => q('POST', `/api/v1/orgs/${t}/activation-codes`, { memberIds: [MISSING] }), nf: 'org.not_found',
  },
  // harmless: 'county' is never a valid child of a township, branch or group.
  'POST /api/v1/orgs': { req: (t) => q('POST', '/api/v1/orgs', { parentId: t, name: '矩阵测试', level: 'county' }), nf: 'org.not_found' },
  // EXCEPTION (rename, move, close): org.admin STRICTLY ABOVE the organisation (an
  // admin does not change the organisation they administer); a caller who can see it
  // (org.read) but may not change it gets 403 auth.forbidden.
  // harmless: the name it has already.
  'PATCH /api/v1/orgs/{id}': orgChange((t) => q('PATCH', `/api/v1/orgs/${t}`, { name: own.names[t] ?? '矩阵' })),
  // harmless: moved under itself (a cycle) is refused after the permission check.
  'POST /api/v1/orgs/{id}/move': orgChange((t) => q('POST', `/api/v1/orgs/${t}/move`, { parentId: t })),
  // harmless: every target has members or children, which a close refuses.
  'POST /api/v1/orgs/{id}/close': orgChange((t) => q('POST', `/api/v1/orgs/${t}/close`)),

  // ---- roles ----
  'GET /api/v1/roles': { req: (t) => q('GET', `/api/v1/roles?orgId=${t}`), nf: 'org.not_found' },
  // harmless: the holder already has this grant (409 role.exists).
  'POST /api/v1/roles': { req: (t) => q('POST', '/api/v1/roles', { phone: own.holder[t]?.phone ?? '13900005000', orgId: t, role: 'member' }), nf: 'org.not_found' },
  // a throw-away grant (branch_committee) per cell. Not in the matrix: the admin roles
  // (org_admin, auditor, safety_officer) are granted and revoked only from strictly above,
  // system_admin only by a system_admin (403 otherwise; tests/api/roles.test.mjs).
  'DELETE /api/v1/roles/{id}': {
    targets: ORG_OBJECT_TARGETS,
    req: async (t, c, cell) => {
      cell.grant = { id: await freshGrant(t), org: t };
      return q('DELETE', `/api/v1/roles/${cell.grant.id}`);
    },
    missing: () => q('DELETE', `/api/v1/roles/${MISSING}`),
    // a grant that a denied cell left behind is revoked by the admin
    after: async (cell) => {
      await api('DELETE', `/api/v1/roles/${cell.grant.id}`, { token: adminFor(cell.grant.org) });
    },
    nf: 'role.not_found',
    serial: true,
  },

  // ---- members ----
  'GET /api/v1/members': { req: (t) => q('GET', `/api/v1/members?orgId=${t}&limit=5`), nf: 'org.not_found' },
  // harmless: no name (the record check answers 400 after the scope check).
  'POST /api/v1/members': { req: (t) => q('POST', '/api/v1/members', { orgId: t }), nf: 'org.not_found' },
  'GET /api/v1/members/{id}': member((m) => q('GET', `/api/v1/members/${m}`)),
  // harmless: the name it has already.
  'PATCH /api/v1/members/{id}': member((m) => q('PATCH', `/api/v1/members/${m}`, { name: own.memberName[m] ?? '矩阵' })),
  // harmless: a date in the future is refused after the permission check.
  'POST /api/v1/members/{id}/status': member((m) => q('POST', `/api/v1/members/${m}/status`, { status: 'normal', date: '2099-01-01', reason: '矩阵' })),
  'POST /api/v1/members/{id}/reveal': member((m) => q('POST', `/api/v1/members/${m}/reveal`)),
  // harmless: the matrix's own members use their accounts; without lostPhone a new
  // activation code is refused (409 activation.active) after the permission check.
  'POST /api/v1/members/{id}/activation': member((m) => q('POST', `/api/v1/members/${m}/activation`, {})),
  'GET /api/v1/members/{id}/history': member((m) => q('GET', `/api/v1/members/${m}/history?limit=2`)),
  'GET /api/v1/members/{id}/meetings': member((m) => q('GET', `/api/v1/members/${m}/meetings`)),
  'GET /api/v1/members/{id}/records': member((m) => q('GET', `/api/v1/members/${m}/records`)),
  // harmless: endDate before startDate is refused after the permission check.
  'POST /api/v1/members/{id}/records': member((m) =>
    q('POST', `/api/v1/members/${m}/records`, { kind: 'training', title: '矩阵', startDate: '2025-12-01', endDate: '2025-11-01' })),
  // a throw-away sub-record per cell; the missing one is a missing sub-record of the same member.
  // scans on the record (sealed): as the record's sub-records. harmless: fileId 0 is
  // refused (request.invalid) after the permission check.
  'GET /api/v1/members/{id}/scans': member((m) => q('GET', `/api/v1/members/${m}/scans`)),
  'POST /api/v1/members/{id}/scans': member((m) => q('POST', `/api/v1/members/${m}/scans`, { fileId: 0 })),
  'GET /api/v1/members/{id}/scans/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => {
      const m = own.member[t];
      return q('GET', `/api/v1/members/${m}/scans/${await (scanOf[t] ??= freshScan(t))}`);
    },
    missing: () => q('GET', `/api/v1/members/${MISSING}/scans/${MISSING}`),
    nf: 'member.not_found',
  },
  // a throw-away scan per cell.
  'DELETE /api/v1/members/{id}/scans/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => q('DELETE', `/api/v1/members/${own.member[t]}/scans/${await freshScan(t)}`),
    missing: () => q('DELETE', `/api/v1/members/${MISSING}/scans/${MISSING}`),
    nf: 'member.not_found',
    serial: true,
  },
  'DELETE /api/v1/members/{id}/records/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => {
      const m = own.member[t];
      return q('DELETE', `/api/v1/members/${m}/records/${await freshRecord(m)}`);
    },
    missing: () => q('DELETE', `/api/v1/members/${MISSING}/records/${MISSING}`),
    nf: 'member.not_found',
    serial: true,
  },

  // ---- audit ----
  'GET /api/v1/audit': { req: (t) => q('GET', `/api/v1/audit?orgId=${t}&limit=2`), nf: 'org.not_found' },

  // ---- corrections ----
  // EXCEPTION: only the member whose record it is proposes a correction; nobody else,
  // whatever their roles, sees the record here (member.not_found). Own case: see the
  // separate test below. Harmless: a proposal that changes nothing (400 after the check).
  'POST /api/v1/members/{id}/corrections': {
    ...member((m) => q('POST', `/api/v1/members/${m}/corrections`, { name: own.memberName[m] ?? '矩阵' })),
    expect: () => DENY,
  },
  'GET /api/v1/members/{id}/corrections': member((m) => q('GET', `/api/v1/members/${m}/corrections`)),
  'GET /api/v1/corrections': { req: (t) => q('GET', `/api/v1/corrections?orgId=${t}&limit=2`), nf: 'org.not_found' },
  // a throw-away correction per cell, proposed by the member of the target branch.
  'POST /api/v1/corrections/{id}/accept': {
    targets: BRANCH_TARGETS,
    req: async (t) => q('POST', `/api/v1/corrections/${await freshCorrection(t)}/accept`),
    missing: () => q('POST', `/api/v1/corrections/${MISSING}/accept`),
    nf: 'correction.not_found',
    serial: true,
  },
  'POST /api/v1/corrections/{id}/reject': {
    targets: BRANCH_TARGETS,
    req: async (t) => q('POST', `/api/v1/corrections/${await freshCorrection(t)}/reject`, { reason: '矩阵' }),
    missing: () => q('POST', `/api/v1/corrections/${MISSING}/reject`, { reason: '矩阵' }),
    nf: 'correction.not_found',
    serial: true,
  },

  // ---- transfers ----
  // EXCEPTION: login scope; the handler needs roster.write on the member's branch (or the
  // member themself), else member.not_found (403 when the caller can read the branch but
  // not write it: no role does today). Harmless: toOrgId and toName both given (400).
  'POST /api/v1/transfers': {
    ...member((m) => q('POST', '/api/v1/transfers', { memberId: m, toOrgId: O.A2, toName: 'x', reason: '矩阵' })),
    missing: () => q('POST', '/api/v1/transfers', { memberId: MISSING, toOrgId: O.A2, toName: 'x', reason: '矩阵' }),
    expect: (c, t) => (holds(c, 'roster.write', t) ? ALLOW : holds(c, 'roster.read', t) ? FORBID : DENY),
  },
  'GET /api/v1/transfers': { req: (t) => q('GET', `/api/v1/transfers?orgId=${t}&limit=2`), nf: 'org.not_found' },
  'GET /api/v1/transfers/{id}': transfer('pending_approval', (id) => q('GET', `/api/v1/transfers/${id}`),
    // seen with roster.read on either branch (the member themself too: see below)
    (c, t) => holds(c, 'roster.read', t) || holds(c, 'roster.read', NEIGHBOUR[t])),
  // EXCEPTION: the out-side authority is transfer.approve STRICTLY ABOVE the from-branch
  // (its parent or higher), not on it; a caller who sees the transfer but may not
  // approve gets 403.
  'POST /api/v1/transfers/{id}/approve': transfer('pending_approval', (id) => q('POST', `/api/v1/transfers/${id}/approve`),
    (c, t) => holdsAbove(c, 'transfer.approve', t)),
  'POST /api/v1/transfers/{id}/reject': transfer('pending_approval', (id) => q('POST', `/api/v1/transfers/${id}/reject`, { reason: '矩阵' }),
    (c, t) => holdsAbove(c, 'transfer.approve', t)),
  // EXCEPTION: the in side (the target is the RECEIVING branch here; within a county
  // roster.write on it). The transfer comes from the neighbour branch, so callers who
  // see it through the from-branch get 403.
  'POST /api/v1/transfers/{id}/accept': transfer('pending_acceptance', (id) => q('POST', `/api/v1/transfers/${id}/accept`),
    (c, t) => holds(c, 'roster.write', t), true),
  'POST /api/v1/transfers/{id}/return': transfer('pending_acceptance', (id) => q('POST', `/api/v1/transfers/${id}/return`, { reason: '矩阵' }),
    (c, t) => holds(c, 'roster.write', t), true),
  'POST /api/v1/transfers/{id}/cancel': transfer('pending_approval', (id) => q('POST', `/api/v1/transfers/${id}/cancel`, { reason: '矩阵' }),
    (c, t) => holds(c, 'roster.write', t)),

  // ---- dues ----
  'GET /api/v1/dues': { req: (t) => q('GET', `/api/v1/dues?orgId=${t}&limit=2`), nf: 'org.not_found' },
  'GET /api/v1/dues/summary': { req: (t) => q('GET', `/api/v1/dues/summary?orgId=${t}`), nf: 'org.not_found' },
  'GET /api/v1/dues/members/{id}': member((m) => q('GET', `/api/v1/dues/members/${m}`)),
  // harmless: toMonth before fromMonth (400 after the permission check).
  'POST /api/v1/dues/payments': {
    ...member((m) => q('POST', '/api/v1/dues/payments', { memberId: m, fromMonth: '2025-05', toMonth: '2025-04', amountFen: 100, method: 'in_person', paidOn: TODAY })),
    missing: () => q('POST', '/api/v1/dues/payments', { memberId: MISSING, fromMonth: '2025-05', toMonth: '2025-04', amountFen: 100, method: 'in_person', paidOn: TODAY }),
  },
  // a throw-away payment per cell.
  'DELETE /api/v1/dues/payments/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => q('DELETE', `/api/v1/dues/payments/${await freshPayment(t)}`),
    missing: () => q('DELETE', `/api/v1/dues/payments/${MISSING}`),
    nf: 'dues.not_found',
    serial: true,
  },
  // harmless: basis 'farmer' with a fen is refused (400) after the permission check.
  'PUT /api/v1/dues/standard/{id}': member((m) => q('PUT', `/api/v1/dues/standard/${m}`, { basis: 'farmer', fen: 10 })),

  // ---- development pipeline ----
  'GET /api/v1/applicants': { req: (t) => q('GET', `/api/v1/applicants?orgId=${t}&limit=2`), nf: 'org.not_found' },
  'GET /api/v1/applicants/summary': { req: (t) => q('GET', `/api/v1/applicants/summary?orgId=${t}`), nf: 'org.not_found' },
  'GET /api/v1/applicants/{id}': applicant((a) => q('GET', `/api/v1/applicants/${a}`)),
  // harmless: appliedAt in the future (400 after the scope check).
  'POST /api/v1/applicants': {
    req: (t) => q('POST', '/api/v1/applicants', { orgId: t, name: '矩阵', gender: 'male', birthDate: '1995-05-10', occupation: '农民', appliedAt: '2099-01-01' }),
    nf: 'org.not_found',
  },
  // harmless: a step out of order ('admit' for a new applicant) is refused after the check.
  'POST /api/v1/applicants/{id}/steps': applicant((a) => q('POST', `/api/v1/applicants/${a}/steps`, { step: 'admit', date: TODAY })),

  // harmless: an ID number whose birth date differs from the applicant's is refused (400) after the check.
  'POST /api/v1/applicants/{id}/identity': applicant((a) => q('POST', `/api/v1/applicants/${a}/identity`, { idNumber: '11010519491231002X' })),

  // ---- import and exports ----
  'POST /api/v1/imports': {
    req: (t) => ({ method: 'POST', path: `/api/v1/imports?orgId=${t}&dryRun=true`, ...csv('姓名,性别\n') }),
    nf: 'org.not_found',
  },
  'GET /api/v1/exports/dues': { req: (t) => q('GET', `/api/v1/exports/dues?orgId=${t}`), nf: 'org.not_found' },
  'GET /api/v1/exports/members': { req: (t) => q('GET', `/api/v1/exports/members?orgId=${t}`), nf: 'org.not_found' },
  'POST /api/v1/exports/members': { req: (t) => q('POST', '/api/v1/exports/members', { orgId: t, format: 'csv' }), nf: 'org.not_found' },
  'GET /api/v1/exports/stats': { req: (t) => q('GET', `/api/v1/exports/stats?orgId=${t}`), nf: 'org.not_found' },

  // ---- activities (活动菜单) ----
  // EXCEPTION (menu and reading): org.read on the branch, or the caller's own member
  // record there (the matrix callers have none).
  'GET /api/v1/activities': { req: (t) => q('GET', `/api/v1/activities?orgId=${t}&limit=2`), nf: 'org.not_found', expect: (c, t) => (holds(c, 'org.read', t) ? ALLOW : DENY) },
  // harmless: a start in the past is refused (400) after the scope check.
  'POST /api/v1/activities': { req: (t) => q('POST', '/api/v1/activities', { orgId: t, kind: 'study', title: '矩阵', startsAt: '2000-01-01T08:00:00Z' }), nf: 'org.not_found' },
  'GET /api/v1/activities/{id}': lifeObject('activity', (id) => q('GET', `/api/v1/activities/${id}`), 'org.read'),
  // harmless: an end before the start (400) after the permission check.
  'PATCH /api/v1/activities/{id}': lifeObject('activity', (id) => q('PATCH', `/api/v1/activities/${id}`, { endsAt: '2098-01-01T00:00:00Z' }), 'activity.admin'),
  // harmless: the activity of this cell was cancelled already (409).
  'POST /api/v1/activities/{id}/cancel': lifeObject('cancelled', (id) => q('POST', `/api/v1/activities/${id}/cancel`, { reason: '矩阵' }), 'activity.admin'),
  // EXCEPTION: sign-up is for the branch's own members (and hosted migrants): whoever
  // else sees the activity gets 403 activity.not_eligible.
  'POST /api/v1/activities/{id}/signup': { ...lifeObject('activity', (id) => q('POST', `/api/v1/activities/${id}/signup`), 'org.read'), expect: (c, t) => (holds(c, 'org.read', t) ? FORBID : DENY) },
  // harmless: the caller is not signed up (409) after the check.
  'POST /api/v1/activities/{id}/withdraw': lifeObject('activity', (id) => q('POST', `/api/v1/activities/${id}/withdraw`), 'org.read', false),
  // harmless: the activity has not started (409).
  'PUT /api/v1/activities/{id}/participation': lifeObject('activity', (id) => q('PUT', `/api/v1/activities/${id}/participation`, { memberIds: [] }), 'activity.admin'),

  // ---- polls ----
  'GET /api/v1/polls': { req: (t) => q('GET', `/api/v1/polls?orgId=${t}&limit=2`), nf: 'org.not_found', expect: (c, t) => (holds(c, 'org.read', t) ? ALLOW : DENY) },
  // harmless: closesAt in the past (400) after the scope check.
  'POST /api/v1/polls': { req: (t) => q('POST', '/api/v1/polls', { orgId: t, title: '矩阵', options: ['甲', '乙'], closesAt: '2000-01-01T00:00:00Z' }), nf: 'org.not_found' },
  'GET /api/v1/polls/{id}': lifeObject('poll', (id) => q('GET', `/api/v1/polls/${id}`), 'org.read', false),
  // EXCEPTION: only voters on the poll's list vote; whoever else sees it gets 403
  // poll.not_eligible (the matrix callers are on no list).
  'POST /api/v1/polls/{id}/vote': { ...lifeObject('poll', (id) => q('POST', `/api/v1/polls/${id}/vote`, { choices: [1] }), 'org.read'), expect: (c, t) => (holds(c, 'org.read', t) ? FORBID : DENY) },
  // harmless: the poll of this cell is closed already (409).
  'POST /api/v1/polls/{id}/close': lifeObject('closedPoll', (id) => q('POST', `/api/v1/polls/${id}/close`), 'poll.admin'),
  'GET /api/v1/polls/{id}/export': lifeObject('closedPoll', (id) => q('GET', `/api/v1/polls/${id}/export?format=csv`), 'poll.admin'),
  // ---- meetings ----
  'GET /api/v1/orgs/{id}/meeting-rules': { req: (t) => q('GET', `/api/v1/orgs/${t}/meeting-rules`), nf: 'org.not_found' },
  // harmless: a period of 5 months is refused (400) after the permission check.
  'POST /api/v1/orgs/{id}/meeting-rules': { req: (t) => q('POST', `/api/v1/orgs/${t}/meeting-rules`, { key: 'committee', value: 5 }), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/compliance': { req: (t) => q('GET', `/api/v1/orgs/${t}/compliance`), nf: 'org.not_found' },
  'GET /api/v1/orgs/{id}/meetings': { req: (t) => q('GET', `/api/v1/orgs/${t}/meetings?limit=2`), nf: 'org.not_found' },
  'GET /api/v1/me/meetings': { login: true },
  // harmless: neither a place nor a link (or not a branch): 400 after the scope check.
  'POST /api/v1/meetings': {
    req: (t) => q('POST', '/api/v1/meetings', { orgId: t, type: 'committee', title: '矩阵', startsAt: '2099-01-01T00:00:00Z', attendees: 'branch' }),
    nf: 'org.not_found',
  },
  // On a closed throw-away meeting of the target branch (one per branch): every write
  // of meeting.run is refused as locked (409) after the permission check.
  'GET /api/v1/meetings/{id}': meetingSpec((id) => q('GET', `/api/v1/meetings/${id}`),
    // EXCEPTION: roster.read on the branch, or an expected member (the matrix callers
    // have no member records: see meetings.test.mjs).
    (c, t) => (holds(c, 'roster.read', t) ? ALLOW : DENY)),
  'PATCH /api/v1/meetings/{id}': meetingSpec((id) => q('PATCH', `/api/v1/meetings/${id}`, { title: '矩阵' })),
  'GET /api/v1/meetings/{id}/code': meetingSpec((id) => q('GET', `/api/v1/meetings/${id}/code`)),
  'POST /api/v1/meetings/{id}/leave-decision': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/leave-decision`, { memberId: MISSING, approve: false })),
  'POST /api/v1/meetings/{id}/attendance': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/attendance`, { memberId: MISSING, status: 'remote' })),
  // a photo of the target branch's published post: as the post is seen.
  'GET /api/v1/posts/{id}/files/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => {
      const { post: p, file } = await photoPost(t);
      return q('GET', `/api/v1/posts/${p}/files/${file}`);
    },
    missing: () => q('GET', `/api/v1/posts/${MISSING}/files/${MISSING}`),
    nf: 'post.not_found',
    expect: (c, t) => (seesPost(c, t) ? ALLOW : DENY),
  },
  // a stored file attached to an open meeting of the target branch: as the meeting is seen.
  'GET /api/v1/meetings/{id}/files/{id}': {
    targets: BRANCH_TARGETS,
    req: async (t) => {
      const { meeting, file } = await fileMeeting(t);
      return q('GET', `/api/v1/meetings/${meeting}/files/${file}`);
    },
    missing: () => q('GET', `/api/v1/meetings/${MISSING}/files/${MISSING}`),
    nf: 'meeting.not_found',
    expect: (c, t) => (holds(c, 'roster.read', t) ? ALLOW : DENY),
  },
  'POST /api/v1/meetings/{id}/files': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/files`, { kind: 'photo', ref: 'matrix://x' })),
  'POST /api/v1/meetings/{id}/close': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/close`)),
  // appended to the throw-away meeting (a closed record takes notes).
  'POST /api/v1/meetings/{id}/notes': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/notes`, { text: '矩阵' })),
  // EXCEPTION (check-in, leave, confirm): only expected members; a caller who can read
  // the meeting but is not expected gets 403 meeting.not_expected.
  'POST /api/v1/meetings/{id}/checkin': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/checkin`, { code: '000000' }), attendOnly),
  'POST /api/v1/meetings/{id}/leave': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/leave`, { reason: '矩阵' }), attendOnly),
  'POST /api/v1/meetings/{id}/confirm': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/confirm`), attendOnly),
  // The audio room: the throw-away meeting has none (409 room.off after the check).
  'POST /api/v1/meetings/{id}/room': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/room`)),
  // EXCEPTION: as the meeting itself (roster.read, or an expected member).
  'GET /api/v1/meetings/{id}/room': meetingSpec((id) => q('GET', `/api/v1/meetings/${id}/room`),
    (c, t) => (holds(c, 'roster.read', t) ? ALLOW : DENY)),
  'GET /api/v1/meetings/{id}/room/intervals': meetingSpec((id) => q('GET', `/api/v1/meetings/${id}/room/intervals`)),
  // The throw-away meeting has no room (409 room.off after the check).
  'POST /api/v1/meetings/{id}/room/mute': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/room/mute`, { participantId: 1, muted: true })),
  // EXCEPTION: expected members too; a caller who sees the meeting but neither runs it
  // nor is expected gets 403 meeting.not_expected.
  'POST /api/v1/meetings/{id}/room/hand': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/room/hand`, { raised: true })),
  // The throw-away meeting has no room (409 room.off after the check).
  'POST /api/v1/meetings/{id}/room/video': meetingSpec((id) => q('POST', `/api/v1/meetings/${id}/room/video`, { on: true })),
  // Janus's event handler: public, refused without its secret exactly like a missing page
  // (rooms.test.mjs).
  'POST /api/v1/rooms/events': { public: true },
  // ---- offline capture: any caller; each change is judged on its own (sync.test.mjs) ----
  'POST /api/v1/sync': { login: true, body: { changes: [] } },

  // ---- threads (the two-way channel) ----
  // harmless: a blank text (400 for everyone; without a member record 409 would follow).
  'POST /api/v1/threads': { login: true, body: { kind: 'question', subject: '矩阵', text: ' ' } },
  'GET /api/v1/me/threads': { login: true },
  'GET /api/v1/me/waiting': { login: true },
  'GET /api/v1/threads': { req: (t) => q('GET', `/api/v1/threads?orgId=${t}&limit=2`), nf: 'org.not_found' },
  'GET /api/v1/threads/stats': { req: (t) => q('GET', `/api/v1/threads/stats?orgId=${t}`), nf: 'org.not_found' },
  // harmless: no recipient named (400 after the permission check).
  'POST /api/v1/threads/send': { req: (t) => q('POST', '/api/v1/threads/send', { orgId: t, subject: '矩阵', text: '矩阵' }), nf: 'org.not_found' },
  // a thread written by the member of the target branch; its member is not in the cast.
  'GET /api/v1/threads/{id}': thread((id) => q('GET', `/api/v1/threads/${id}`)),
  // the recording of a voice message written by the member of the target branch.
  'GET /api/v1/threads/{id}/files/{id}': {
    ...thread(() => null),
    req: async (t) => {
      const { thread: id, file } = await voiceThread(t);
      return q('GET', `/api/v1/threads/${id}/files/${file}`);
    },
    missing: () => q('GET', `/api/v1/threads/${MISSING}/files/${MISSING}`),
  },
  // harmless: a blank reply (400 after the check).
  'POST /api/v1/threads/{id}/replies': thread((id) => q('POST', `/api/v1/threads/${id}/replies`, { text: ' ' })),
  // harmless: the thread is closed already (409 after the check).
  'POST /api/v1/threads/{id}/close': thread((id) => q('POST', `/api/v1/threads/${id}/close`), true),
  'GET /api/v1/orgs/{id}/response-target': { req: (t) => q('GET', `/api/v1/orgs/${t}/response-target`), nf: 'org.not_found' },
  // harmless: the default 48 hours.
  'PUT /api/v1/orgs/{id}/response-target': { req: (t) => q('PUT', `/api/v1/orgs/${t}/response-target`, { targetHours: 48 }), nf: 'org.not_found' },

  // ---- posts, review, corrections, word list ----
  // EXCEPTION: login scope; the handler needs channel.answer on orgId (news also from the
  // branch's own members, none in the cast); who sees the organisation but may not post
  // gets 403. Harmless: news for the county (400 "news is for the branch only" after the check).
  'POST /api/v1/posts': {
    req: (t) => q('POST', '/api/v1/posts', { orgId: t, kind: 'news', visibility: 'county', title: '矩阵', text: '矩阵' }),
    nf: 'org.not_found',
    expect: (c, t) => (holds(c, 'channel.answer', t) ? ALLOW : holds(c, 'org.read', t) ? FORBID : DENY),
  },
  'GET /api/v1/posts': { login: true },
  // EXCEPTION (the posts on one object): a published news post of the target branch is
  // seen by roles inside the branch or above it (its audience), whatever the role.
  'GET /api/v1/posts/{id}': post((id) => q('GET', `/api/v1/posts/${id}`)),
  // harmless: blank text / reason (400 after the check).
  'POST /api/v1/posts/{id}/comments': post((id) => q('POST', `/api/v1/posts/${id}/comments`, { text: ' ' })),
  'POST /api/v1/posts/{id}/reports': post((id) => q('POST', `/api/v1/posts/${id}/reports`, { reason: ' ' })),
  // post.review on the branch; who sees the post but may not review gets 403. Harmless:
  // approve a published post without reports (409 post.state).
  'POST /api/v1/posts/{id}/review': {
    ...post((id) => q('POST', `/api/v1/posts/${id}/review`, { decision: 'approve' })),
    expect: (c, t) => (holds(c, 'post.review', t) ? ALLOW : seesPost(c, t) ? FORBID : DENY),
  },
  'GET /api/v1/reviews': { req: (t) => q('GET', `/api/v1/reviews?orgId=${t}&limit=2`), nf: 'org.not_found' },
  'GET /api/v1/me/corrections': { login: true },
  // EXCEPTION: only one's own corrections exist for a caller; anyone else's is missing.
  'POST /api/v1/me/corrections/{id}/read': {
    targets: ['own'],
    req: () => q('POST', `/api/v1/me/corrections/${MISSING}/read`),
    nf: 'post.correction_not_found',
    expect: () => DENY,
  },
  // EXCEPTION (word list): wordlist.admin anywhere, no target; others 403.
  'GET /api/v1/wordlist': wordlist(() => q('GET', '/api/v1/wordlist')),
  // harmless: a word on the list already (409 wordlist.exists).
  'POST /api/v1/wordlist': wordlist(async () => {
    await ensureWord();
    return q('POST', '/api/v1/wordlist', { word: '矩阵词' });
  }),
  // a throw-away word per cell (a denied cell's word is deleted after).
  'DELETE /api/v1/wordlist/{id}': {
    ...wordlist(async (t, c, cell) => {
      cell.word = await freshWord();
      return q('DELETE', `/api/v1/wordlist/${cell.word}`);
    }),
    after: async (cell) => {
      await api('DELETE', `/api/v1/wordlist/${cell.word}`, { token: safetyToken() });
    },
    serial: true,
  },

  // ---- search ----
  // any logged-in caller; the results are scoped (tests/api/search.test.mjs).
  'GET /api/v1/search': { login: true },

  // ---- announcements and live updates ----
  // the caller's own feed and stream: any logged-in caller. The stream is asked in
  // poll mode (it answers and ends) so that the matrix can read the whole answer.
  'GET /api/v1/feed': { login: true },
  'GET /api/v1/feed/unread': { login: true },
  'GET /api/v1/events': { login: true, path: '/api/v1/events?poll=true' },
  // harmless: a deadline without ackRequired is refused (request.invalid, field
  // ackDeadline) by the handler, after the scope check.
  'POST /api/v1/notices': { req: (t) => q('POST', '/api/v1/notices', { orgId: t, title: '矩阵', text: '矩阵', ackDeadline: '2099-01-01' }), nf: 'org.not_found' },
  'GET /api/v1/notices': { req: (t) => q('GET', `/api/v1/notices?orgId=${t}&limit=2`), nf: 'org.not_found' },
  // EXCEPTION (read side): a notice is seen by those it reaches and by notice.publish
  // on its organisation. The matrix's notice on the target goes to every role there
  // (roles audience), so a caller receives it when their role sits in the target's subtree.
  'GET /api/v1/notices/{id}': notice((n) => q('GET', `/api/v1/notices/${n}`), receivesOrManages),
  'GET /api/v1/notices/{id}/versions': notice((n) => q('GET', `/api/v1/notices/${n}/versions`), receivesOrManages),
  // read: recipients only (the marker is theirs); harmless: a read marker.
  'POST /api/v1/notices/{id}/read': notice((n) => q('POST', `/api/v1/notices/${n}/read`), (c, t) => within(c.at, t)),
  // harmless: the matrix's notice asks for no acknowledgement (409 notice.no_ack).
  'POST /api/v1/notices/{id}/ack': notice((n) => q('POST', `/api/v1/notices/${n}/ack`), (c, t) => within(c.at, t)),
  // ---- SMS (tests/api/sms.test.mjs) ----
  // the gateway's callbacks and the demo page: public, each refuses without its secret
  // (or outside demo mode) exactly like a missing page
  'GET /api/v1/sms/dlr': { public: true },
  'GET /api/v1/sms/incoming': { public: true },
  'POST /api/v1/sms/tencent/{key}/status': { public: true },
  'POST /api/v1/sms/tencent/{key}/reply': { public: true },
  'GET /api/v1/sms/demo': { public: true },
  // the caller's own choice; harmless: a mode that is not one is refused before anything
  'GET /api/v1/me/sms': { login: true },
  'PUT /api/v1/me/sms': { login: true, body: { mode: 'none' } },
  'GET /api/v1/members/{id}/sms': member((m) => q('GET', `/api/v1/members/${m}/sms`)),
  // harmless: 'app' asks no phone, and the matrix sends no SMS
  'PUT /api/v1/members/{id}/sms': member((m) => q('PUT', `/api/v1/members/${m}/sms`, { mode: 'app' })),
  'GET /api/v1/orgs/{id}/sms': { req: (t) => q('GET', `/api/v1/orgs/${t}/sms`), nf: 'org.not_found' },
  // harmless: no dailyCap removes the organisation's own cap, which none has
  'PUT /api/v1/orgs/{id}/sms': { req: (t) => q('PUT', `/api/v1/orgs/${t}/sms`, {}), nf: 'org.not_found' },
  // managing: notice.publish on its organisation. Harmless: a blank title / reason is
  // refused after the check; a reminder of a notice that asks for no acknowledgement is 409.
  'PATCH /api/v1/notices/{id}': notice((n) => q('PATCH', `/api/v1/notices/${n}`, { title: '   ' })),
  'POST /api/v1/notices/{id}/retract': notice((n) => q('POST', `/api/v1/notices/${n}/retract`, { reason: '   ' })),
  'POST /api/v1/notices/{id}/remind': notice((n) => q('POST', `/api/v1/notices/${n}/remind`)),
  'GET /api/v1/notices/{id}/report': notice((n) => q('GET', `/api/v1/notices/${n}/report`)),
  'GET /api/v1/notices/{id}/members': notice((n) => q('GET', `/api/v1/notices/${n}/members?limit=2`)),
  // harmless: an empty list (400 after the check).
  'POST /api/v1/notices/{id}/told': notice((n) => q('POST', `/api/v1/notices/${n}/told`, { memberIds: [] })),
  // harmless: the branch's member was never recorded as told (200, nothing changes).
  'DELETE /api/v1/notices/{id}/told/{id}': {
    ...notice((n) => q('DELETE', `/api/v1/notices/${n}/told/${MISSING}`)),
    targets: BRANCH_TARGETS,
    req: async (t) => q('DELETE', `/api/v1/notices/${await matrixNotice(t)}/told/${own.member[t]}`),
  },
  'GET /api/v1/notices/{id}/report/export': notice((n) => q('GET', `/api/v1/notices/${n}/report/export?format=csv`)),

  // ---- learning ----
  // the caller's own lists and learning: any logged-in caller (tests/api/learning.test.mjs
  // checks what each sees).
  'GET /api/v1/lessons': { login: true },
  'GET /api/v1/courses': { login: true },
  'GET /api/v1/quizzes': { login: true },
  'GET /api/v1/me/learning': { login: true },
  // publishing: learning.publish on orgId. A lesson and a course are published (throw-away
  // items); a bank with a question that does not fit its type and a practice quiz with a
  // time limit are refused after the check.
  'POST /api/v1/lessons': { req: (t) => q('POST', '/api/v1/lessons', { orgId: t, kind: 'article', title: '矩阵', text: '矩阵', minutes: 1, level: 'intro' }), nf: 'org.not_found' },
  'POST /api/v1/courses': { req: async (t) => q('POST', '/api/v1/courses', { orgId: t, title: '矩阵', level: 'intro', lessonIds: [t === MISSING ? MISSING : await matrixLesson(t)] }), nf: 'org.not_found' },
  'POST /api/v1/course-recommendations': { req: async (t) => q('POST', '/api/v1/course-recommendations', { orgId: t, courseId: t === MISSING ? MISSING : await matrixLearning(t, 'course') }), nf: 'org.not_found' },
  'GET /api/v1/learning/figures': { req: (t) => q('GET', `/api/v1/learning/figures?orgId=${t}`), nf: 'org.not_found' },
  'POST /api/v1/question-banks': { req: (t) => q('POST', '/api/v1/question-banks', { orgId: t, title: '矩阵', questions: [{ type: 'single', stem: '矩阵', options: ['甲'], answer: 'A' }] }), nf: 'org.not_found' },
  'GET /api/v1/question-banks': { req: (t) => q('GET', `/api/v1/question-banks?orgId=${t}`), nf: 'org.not_found' },
  'POST /api/v1/quizzes': { req: async (t) => q('POST', '/api/v1/quizzes', { orgId: t, bankId: t === MISSING ? MISSING : await matrixLearning(t, 'bank'), mode: 'practice', title: '矩阵', timeLimitMinutes: 5 }), nf: 'org.not_found' },
  // a bank is the content staff's: learning.publish on its organisation. Harmless: a
  // question that does not fit its type; a file with a bad row (nothing imported).
  'GET /api/v1/question-banks/{id}': learning('bank', (n) => q('GET', `/api/v1/question-banks/${n}`)),
  'POST /api/v1/question-banks/{id}/questions': learning('bank', (n) => q('POST', `/api/v1/question-banks/${n}/questions`, { type: 'truefalse', stem: '矩阵', answer: '也许' })),
  // a new bank from a file: learning.publish on orgId; harmless: a bad row refuses the
  // file and no bank is made.
  'POST /api/v1/question-banks/import': { req: (t) => ({ method: 'POST', path: `/api/v1/question-banks/import?orgId=${t}&title=${encodeURIComponent('矩阵')}`, ...csv('题型,题干,答案\n问答,矩阵,对\n') }), nf: 'org.not_found' },
  'POST /api/v1/question-banks/{id}/import': learning('bank', (n) => ({ method: 'POST', path: `/api/v1/question-banks/${n}/import`, ...csv('题型,题干,答案\n问答,矩阵,对\n') })),
  // EXCEPTION (read side): a lesson, course or quiz is seen by everyone inside the
  // subtree of its organisation and by learning.publish there. Harmless: a progress
  // marker, a follow, a start of a practice quiz (nothing stored), a submission to a
  // question not in the quiz, paper answers for a quiz that is no exam (quiz.not_exam).
  'GET /api/v1/lessons/{id}': learning('lesson', (n) => q('GET', `/api/v1/lessons/${n}`), insideOrPublishes),
  // the picture of the matrix's picture story: as the lesson is seen.
  'GET /api/v1/lessons/{id}/files/{id}': {
    req: async (t) => {
      const { lesson, file } = await fileLesson(t);
      return q('GET', `/api/v1/lessons/${lesson}/files/${file}`);
    },
    missing: () => q('GET', `/api/v1/lessons/${MISSING}/files/${MISSING}`),
    nf: 'lesson.not_found',
    expect: (c, t) => (insideOrPublishes(c, t) ? ALLOW : DENY),
  },
  'POST /api/v1/lessons/{id}/progress': learning('lesson', (n) => q('POST', `/api/v1/lessons/${n}/progress`, { position: 1 }), insideOrPublishes),
  // withdrawing: learning.publish on its organisation, a throw-away lesson per cell.
  'DELETE /api/v1/lessons/{id}': {
    req: async (t) => q('DELETE', `/api/v1/lessons/${await freshLesson(t)}`),
    missing: () => q('DELETE', `/api/v1/lessons/${MISSING}`),
    nf: 'lesson.not_found',
  },
  // review: learning.publish on the organisation above the lesson's. Harmless: the
  // matrix's lesson is published, so a decision answers 409 lesson.state.
  'POST /api/v1/lessons/{id}/approve': learning('lesson', (n) => q('POST', `/api/v1/lessons/${n}/approve`), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/lessons/{id}/reject': learning('lesson', (n) => q('POST', `/api/v1/lessons/${n}/reject`, { reason: '矩阵' }), (c, t) => holdsAbove(c, 'learning.publish', t)),
  // courses, banks and quizzes are reviewed the same way; the matrix's are published (409).
  'POST /api/v1/courses/{id}/approve': learning('course', (n) => q('POST', `/api/v1/courses/${n}/approve`), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/courses/{id}/reject': learning('course', (n) => q('POST', `/api/v1/courses/${n}/reject`, { reason: '矩阵' }), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/question-banks/{id}/approve': learning('bank', (n) => q('POST', `/api/v1/question-banks/${n}/approve`), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/question-banks/{id}/reject': learning('bank', (n) => q('POST', `/api/v1/question-banks/${n}/reject`, { reason: '矩阵' }), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/quizzes/{id}/approve': learning('quiz', (n) => q('POST', `/api/v1/quizzes/${n}/approve`), (c, t) => holdsAbove(c, 'learning.publish', t)),
  'POST /api/v1/quizzes/{id}/reject': learning('quiz', (n) => q('POST', `/api/v1/quizzes/${n}/reject`, { reason: '矩阵' }), (c, t) => holdsAbove(c, 'learning.publish', t)),
  // harmless: "no review" (a row that changes nothing).
  'POST /api/v1/learning/review': { req: (t) => q('POST', '/api/v1/learning/review', { orgId: t, required: false }), nf: 'org.not_found' },
  'GET /api/v1/learning/review': { req: (t) => q('GET', `/api/v1/learning/review?orgId=${t}`), nf: 'org.not_found' },
  'GET /api/v1/learning/reviews': { req: (t) => q('GET', `/api/v1/learning/reviews?orgId=${t}`), nf: 'org.not_found' },
  'GET /api/v1/courses/{id}': learning('course', (n) => q('GET', `/api/v1/courses/${n}`), insideOrPublishes),
  'POST /api/v1/courses/{id}/follow': learning('course', (n) => q('POST', `/api/v1/courses/${n}/follow`), insideOrPublishes),
  'DELETE /api/v1/courses/{id}/follow': learning('course', (n) => q('DELETE', `/api/v1/courses/${n}/follow`), insideOrPublishes),
  'GET /api/v1/quizzes/{id}': learning('quiz', (n) => q('GET', `/api/v1/quizzes/${n}`), insideOrPublishes),
  'POST /api/v1/quizzes/{id}/start': learning('quiz', (n) => q('POST', `/api/v1/quizzes/${n}/start`), insideOrPublishes),
  'POST /api/v1/quizzes/{id}/submit': learning('quiz', (n) => q('POST', `/api/v1/quizzes/${n}/submit`, { answers: [{ questionId: MISSING, answer: 'A' }] }), insideOrPublishes),
  'GET /api/v1/quizzes/{id}/mine': learning('quiz', (n) => q('GET', `/api/v1/quizzes/${n}/mine`), insideOrPublishes),
  'POST /api/v1/quizzes/{id}/paper': learning('quiz', (n) => q('POST', `/api/v1/quizzes/${n}/paper`, { memberId: MISSING, answers: [] }), insideOrPublishes),
  // EXCEPTION: a quiz's figures for its own organisation need learning.publish there
  // (someone inside who may not see them gets the same not-found).
  'GET /api/v1/quizzes/{id}/figures': learning('quiz', (n) => q('GET', `/api/v1/quizzes/${n}/figures`)),
  // the file attached to the matrix's notice with a file: as the notice is seen.
  'GET /api/v1/notices/{id}/files/{id}': {
    req: async (t) => {
      const { notice: n, file } = await fileNotice(t);
      return q('GET', `/api/v1/notices/${n}/files/${file}`);
    },
    missing: () => q('GET', `/api/v1/notices/${MISSING}/files/${MISSING}`),
    nf: 'notice.not_found',
    expect: (c, t) => (receivesOrManages(c, t) ? ALLOW : DENY),
  },

  // ---- files ----
  // EXCEPTION: a member to their own branch (checked by the handler: a member's account
  // may hold no role), else org.read on the organisation. The matrix callers hold roles.
  // harmless: an empty file is refused (file.empty) after that check.
  'POST /api/v1/uploads': { req: (t) => q('POST', '/api/v1/uploads', { orgId: t, name: '矩阵.pdf', size: 0 }), missing: () => q('POST', '/api/v1/uploads', { orgId: MISSING, name: '矩阵.pdf', size: 0 }), nf: 'org.not_found', expect: (c, t) => holds(c, 'org.read', t) },
  // the tus protocol's endpoint: its capabilities are public; a creation as POST /uploads,
  // the organisation named in Upload-Metadata (harmless: Upload-Length 0 is file.empty).
  'OPTIONS /api/v1/tus/uploads': { public: true },
  'POST /api/v1/tus/uploads': {
    req: (t) => q('POST', '/api/v1/tus/uploads', undefined, tusCreate(t)),
    missing: () => q('POST', '/api/v1/tus/uploads', undefined, tusCreate(MISSING)),
    nf: 'org.not_found',
    expect: (c, t) => holds(c, 'org.read', t),
  },
  // EXCEPTION: an upload in progress is its uploader's alone (the target's member here,
  // no caller of the matrix): everyone else finds nothing.
  'GET /api/v1/uploads/{id}': uploadSpec((u) => q('GET', `/api/v1/uploads/${u}`)),
  'PATCH /api/v1/uploads/{id}': uploadSpec((u) => q('PATCH', `/api/v1/uploads/${u}`, Buffer.from('x'), { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' })),
  'DELETE /api/v1/uploads/{id}': uploadSpec((u) => q('DELETE', `/api/v1/uploads/${u}`)),
  // the caller's own uploads and media settings: any logged-in caller.
  'GET /api/v1/files': { login: true },
  'GET /api/v1/me/media': { login: true },
  'PUT /api/v1/me/media': { login: true, body: {} },
  // a stored file of the target branch's member: its uploader and roster.read there.
  'GET /api/v1/files/{id}': fileSpec((f) => q('GET', `/api/v1/files/${f}`), (c, t) => holds(c, 'roster.read', t)),
  'GET /api/v1/files/{id}/content': fileSpec((f) => q('GET', `/api/v1/files/${f}/content`), (c, t) => holds(c, 'roster.read', t)),
  // EXCEPTION: withdrawn by its uploader only (no caller of the matrix).
  'DELETE /api/v1/files/{id}': fileSpec((f) => q('DELETE', `/api/v1/files/${f}`), () => false),
};


function insideOrPublishes(c, t) {
  return within(c.at, t) || holds(c, 'learning.publish', t);
}

// A route on the matrix's learning item of a kind on the target organisation (one per
// target: a lesson, a course of it, a bank with a question, a practice quiz of the bank);
// expect(c, t) defaults to learning.publish on the target.
const learningOf = {};
function learning(kind, build, expect = (c, t) => holds(c, 'learning.publish', t)) {
  return {
    req: async (t) => build(await matrixLearning(t, kind)),
    missing: () => build(MISSING),
    nf: `${kind}.not_found`,
    expect: (c, t) => (expect(c, t) ? ALLOW : DENY),
  };
}

async function matrixLesson(orgId) {
  return matrixLearning(orgId, 'lesson');
}

async function matrixLearning(orgId, kind) {
  learningOf[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const lesson = (await must(await api('POST', '/api/v1/lessons', { token, body: { orgId, kind: 'audio', title: '矩阵课', text: '矩阵', minutes: 3, level: 'intro' } }), 201, 'lesson')).id;
    const course = (await must(await api('POST', '/api/v1/courses', { token, body: { orgId, title: '矩阵课程', level: 'intro', lessonIds: [lesson] } }), 201, 'course')).id;
    const bank = (await must(await api('POST', '/api/v1/question-banks', { token, body: { orgId, title: '矩阵题库', questions: [{ type: 'truefalse', stem: '矩阵', answer: '对' }] } }), 201, 'bank')).id;
    const quiz = (await must(await api('POST', '/api/v1/quizzes', { token, body: { orgId, bankId: bank, mode: 'practice', title: '矩阵练习' } }), 201, 'quiz')).id;
    return { lesson, course, bank, quiz };
  })();
  return (await learningOf[orgId])[kind];
}

// A picture story with its picture (a 1x1 PNG stored by the target's admin), one per target.
const fileLessonOf = {};
async function fileLesson(orgId) {
  fileLessonOf[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const bytes = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const u = await must(await api('POST', '/api/v1/uploads', { token, body: { orgId, name: '矩阵图.png', size: bytes.length } }), 201, 'upload');
    const file = (await must(await api('PATCH', `/api/v1/uploads/${u.id}`, {
      token, body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' },
    }), 200, 'chunk')).file.id;
    const lesson = (await must(await api('POST', '/api/v1/lessons', { token, body: { orgId, kind: 'story', title: '矩阵图文', text: '矩阵', fileId: file, minutes: 1, level: 'intro' } }), 201, 'lesson')).id;
    return { lesson, file };
  })();
  return fileLessonOf[orgId];
}

async function freshLesson(orgId) {
  return (await must(await api('POST', '/api/v1/lessons', { token: adminFor(orgId), body: { orgId, kind: 'article', title: '矩阵', text: '矩阵', minutes: 1, level: 'intro' } }), 201, 'lesson')).id;
}


// A one-page PDF, stored by token in orgId through an upload of one chunk.
async function storeFile(token, orgId, label) {
  const bytes = Buffer.from(`%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% ${label}\ntrailer<</Root 1 0 R>>\n%%EOF\n`);
  const u = await must(await api('POST', '/api/v1/uploads', { token, body: { orgId, name: `${label}.pdf`, size: bytes.length } }), 201, 'upload');
  const d = await must(await api('PATCH', `/api/v1/uploads/${u.id}`, {
    token, body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' },
  }), 200, 'chunk');
  return d.file.id;
}

// A scan sealed onto the record of the target branch's member (by its admin).
const scanOf = {};
let scanSeq = 0;
async function freshScan(orgId) {
  const token = adminFor(orgId);
  const file = await storeFile(token, orgId, `矩阵扫描${orgId}-${++scanSeq}`);
  return (await must(await api('POST', `/api/v1/members/${own.member[orgId]}/scans`, { token, body: { fileId: file } }), 201, 'scan')).id;
}

const uploadsOf = {};
function uploadSpec(build) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t) => {
      uploadsOf[t] ??= must(await api('POST', '/api/v1/uploads', { token: own.memberToken[t], body: { orgId: t, name: '矩阵.pdf', size: 100 } }), 201, 'upload').then((u) => u.id);
      return build(await uploadsOf[t]);
    },
    missing: () => build(MISSING),
    nf: 'upload.not_found',
    expect: () => DENY,
  };
}

const filesOf = {};
function fileSpec(build, expect) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t) => build(await (filesOf[t] ??= storeFile(own.memberToken[t], t, `矩阵文件${t}`))),
    missing: () => build(MISSING),
    nf: 'file.not_found',
    expect: (c, t) => (expect(c, t) ? ALLOW : DENY),
  };
}

// An open meeting of the target branch with a stored file attached (a photo).
const fileMeetingOf = {};
function fileMeeting(orgId) {
  fileMeetingOf[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const file = await storeFile(token, orgId, `矩阵会议附件${orgId}`);
    const startsAt = new Date(Date.now() + 86400e3).toISOString();
    const m = await must(await api('POST', '/api/v1/meetings', {
      token, body: { orgId, type: 'committee', title: '矩阵会议（附件）', startsAt, place: '矩阵', attendees: 'branch' },
    }), 201, 'meeting');
    await must(await api('POST', `/api/v1/meetings/${m.id}/files`, { token, body: { kind: 'agenda', fileId: file } }), 201, 'meeting file');
    return { meeting: m.id, file };
  })();
  return fileMeetingOf[orgId];
}

// A voice message to the target branch's leadership by its member: a stored recording
// (a short silent WAV) and the thread that carries it.
const voiceThreadOf = {};
function voiceThread(orgId) {
  voiceThreadOf[orgId] ??= (async () => {
    const token = own.memberToken[orgId];
    const pcm = Buffer.alloc(800);
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.alloc(24), Buffer.from('data'), Buffer.alloc(4), pcm]);
    wav.writeUInt32LE(wav.length - 8, 4);
    wav.writeUInt32LE(16, 16); // fmt chunk: PCM, mono, 8000 Hz, 8 bits
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(8000, 24);
    wav.writeUInt32LE(8000, 28);
    wav.writeUInt16LE(1, 32);
    wav.writeUInt16LE(8, 34);
    wav.writeUInt32LE(pcm.length, 40);
    const u = await must(await api('POST', '/api/v1/uploads', { token, body: { orgId, name: '矩阵语音.wav', size: wav.length } }), 201, 'upload');
    const d = await must(await api('PATCH', `/api/v1/uploads/${u.id}`, {
      token, body: wav, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' },
    }), 200, 'chunk');
    const th = await must(await api('POST', '/api/v1/threads', {
      token, body: { kind: 'question', voiceFileId: d.file.id, voiceSeconds: 1 },
    }), 201, 'voice thread');
    return { thread: th.id, file: d.file.id };
  })();
  return voiceThreadOf[orgId];
}

// The matrix's notice on the target with a stored file attached (to every role there).
const fileNoticeOf = {};
function fileNotice(orgId) {
  fileNoticeOf[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const file = await storeFile(token, orgId, `矩阵附件${orgId}`);
    const d = await must(await api('POST', '/api/v1/notices', {
      token, body: { orgId, title: '矩阵附件通知', text: '矩阵', roles: table.roles, attachments: [{ name: '附件.pdf', fileId: file }] },
    }), 201, 'notice');
    return { notice: d.id, file };
  })();
  return fileNoticeOf[orgId];
}

function attendOnly(c, t) {
  return holds(c, 'roster.read', t) ? FORBID : DENY;
}

// A route on the closed throw-away meeting of the target branch.
function meetingSpec(build, expect) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t) => build(await closedMeeting(t)),
    missing: () => build(MISSING),
    nf: 'meeting.not_found',
    ...(expect ? { expect } : {}),
  };
}

const meetings = {};
function closedMeeting(orgId) {
  meetings[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const startsAt = new Date(Date.now() - 3600e3).toISOString();
    const m = await must(await api('POST', '/api/v1/meetings', {
      token, body: { orgId, type: 'committee', title: '矩阵会议', startsAt, place: '矩阵', attendees: 'branch' },
    }), 201, 'meeting');
    await must(await api('PATCH', `/api/v1/meetings/${m.id}`, { token, body: { minutes: '矩阵纪要' } }), 200, 'minutes');
    await must(await api('POST', `/api/v1/meetings/${m.id}/close`, { token }), 200, 'close');
    return m.id;
  })();
  return meetings[orgId];
}

// A route on a thread of the target branch, written by its member (closed: closed first).
function thread(build, closed = false) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t) => build(await threadOf(t, closed)),
    missing: () => build(MISSING),
    nf: 'thread.not_found',
    expect: (c, t) => holds(c, 'channel.answer', t),
  };
}

const threads = {};
async function threadOf(orgId, closed) {
  const k = `${orgId}:${closed}`;
  if (!threads[k]) {
    threads[k] = (async () => {
      const d = await must(await api('POST', '/api/v1/threads', {
        token: own.memberToken[orgId], body: { kind: 'question', subject: '矩阵', text: '矩阵' },
      }), 201, 'thread');
      if (closed) await must(await api('POST', `/api/v1/threads/${d.id}/close`, { token: own.memberToken[orgId] }), 200, 'close');
      return d.id;
    })();
  }
  return threads[k];
}

// A published news post of the target branch is seen inside the branch and above it.
const seesPost = (c, t) => within(c.at, t) || within(t, c.at);
function post(build) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t) => build(await postOf(t)),
    missing: () => build(MISSING),
    nf: 'post.not_found',
    expect: (c, t) => seesPost(c, t),
  };
}

// A published news post of the target branch with a stored photo (a tiny PNG).
const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const photoPosts = {};
function photoPost(orgId) {
  photoPosts[orgId] ??= (async () => {
    const token = adminFor(orgId);
    const u = await must(await api('POST', '/api/v1/uploads', { token, body: { orgId, name: '矩阵.png', size: PNG_1x1.length } }), 201, 'upload');
    const f = (await must(await api('PATCH', `/api/v1/uploads/${u.id}`, {
      token, body: PNG_1x1, headers: { 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0' },
    }), 200, 'chunk')).file;
    const d = await must(await api('POST', '/api/v1/posts', {
      token, body: { orgId, kind: 'news', title: '矩阵照片', text: '矩阵', photoIds: [f.id] },
    }), 201, 'post');
    assert.equal(d.state, 'published');
    return { post: d.id, file: f.id };
  })();
  return photoPosts[orgId];
}

const posts = {};
async function postOf(orgId) {
  posts[orgId] ??= (async () => {
    const d = await must(await api('POST', '/api/v1/posts', {
      token: adminFor(orgId), body: { orgId, kind: 'news', title: '矩阵', text: '矩阵' },
    }), 201, 'post');
    assert.equal(d.state, 'published');
    return d.id;
  })();
  return posts[orgId];
}

function wordlist(build) {
  return {
    targets: ['own'],
    req: build,
    missing: () => q('DELETE', `/api/v1/wordlist/${MISSING}`), // never compared: no cell is denied
    nf: 'wordlist.not_found',
    expect: (c) => (table.permissions['wordlist.admin'].includes(c.role) ? ALLOW : FORBID),
  };
}

const safetyToken = () => callers.find((c) => c.role === 'safety_officer').token;
let wordSeq = 0;
async function freshWord() {
  return (await must(await api('POST', '/api/v1/wordlist', { token: safetyToken(), body: { word: `矩阵删${++wordSeq}` } }), 201, 'word')).id;
}
let wordReady;
function ensureWord() {
  wordReady ??= api('POST', '/api/v1/wordlist', { token: safetyToken(), body: { word: '矩阵词' } });
  return wordReady;
}

function receivesOrManages(c, t) {
  return within(c.at, t) || holds(c, 'notice.publish', t);
}

// A route on the matrix's notice on the target organisation (one per target, to every
// role there); expect(c, t) defaults to notice.publish on the target.
const noticeOf = {};
function notice(build, expect = (c, t) => holds(c, 'notice.publish', t)) {
  return {
    req: async (t) => build(await matrixNotice(t)),
    missing: () => build(MISSING),
    nf: 'notice.not_found',
    expect: (c, t) => (expect(c, t) ? ALLOW : DENY),
  };
}

async function matrixNotice(orgId) {
  noticeOf[orgId] ??= (async () => {
    const d = await must(await api('POST', '/api/v1/notices', {
      token: adminFor(orgId), body: { orgId, title: '矩阵通知', text: '矩阵', roles: table.roles },
    }), 201, 'notice');
    return d.id;
  })();
  return noticeOf[orgId];
}

function orgChange(build) {
  return {
    targets: ORG_OBJECT_TARGETS,
    req: build,
    nf: 'org.not_found',
    expect: (c, t) => (holdsAbove(c, 'org.admin', t) ? ALLOW : holds(c, 'org.read', t) ? FORBID : DENY),
  };
}

// A route on a member of the target branch.
function member(build) {
  return {
    targets: BRANCH_TARGETS,
    req: (t) => build(own.member[t]),
    missing: () => build(MISSING),
    nf: 'member.not_found',
  };
}

// A route on an activity or poll of the target branch (own.life[kind][t]). perm: the
// permission it needs; a caller who sees the object (org.read) without it gets 403.
function lifeObject(kind, build, perm, forbid = true) {
  const nf = kind === 'poll' || kind === 'closedPoll' ? 'poll.not_found' : 'activity.not_found';
  return {
    targets: BRANCH_TARGETS,
    req: (t) => build(own.life[kind][t]),
    missing: () => build(MISSING),
    nf,
    expect: (c, t) => (holds(c, perm, t) ? ALLOW : forbid && holds(c, 'org.read', t) ? FORBID : DENY),
  };
}

function applicant(build) {
  return {
    targets: BRANCH_TARGETS,
    req: (t) => build(own.applicant[t]),
    missing: () => build(MISSING),
    nf: 'applicant.not_found',
  };
}

/*
 * A route on a throw-away transfer per cell, from the target branch (toSide: into
 * it, from its neighbour), in state. may(c, t): the step's own rule; a caller who
 * may not but sees the transfer (roster.read on either branch) gets 403.
 */
function transfer(state, build, may, toSide = false) {
  return {
    targets: BRANCH_TARGETS,
    req: async (t, c, cell) => {
      cell.tr = await freshTransfer(t, state, toSide);
      return build(cell.tr.id);
    },
    missing: () => build(MISSING),
    nf: 'transfer.not_found',
    expect: (c, t) => {
      const other = NEIGHBOUR[t];
      if (may(c, t)) return ALLOW;
      return holds(c, 'roster.read', t) || holds(c, 'roster.read', other) ? FORBID : DENY;
    },
    after: (cell) => closeTransfer(cell.tr),
    serial: true,
  };
}

let NEIGHBOUR = {}; // branch -> another branch of the same county (transfers go there)

// ---- throw-away objects ----

function adminFor(orgId) {
  return within(orgId, O.K2) ? T.k2 : T.county;
}

async function must(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  return res.json.data;
}

async function freshGrant(orgId) {
  const h = own.grantee[orgId];
  const d = await must(await api('POST', '/api/v1/roles', { token: adminFor(orgId), body: { phone: h.phone, orgId, role: 'branch_committee' } }), 201, 'grant');
  return d.id;
}

async function freshRecord(memberId) {
  const org = own.memberOrg[memberId];
  const d = await must(await api('POST', `/api/v1/members/${memberId}/records`, {
    token: adminFor(org), body: { kind: 'training', title: '矩阵', startDate: '2025-12-01' },
  }), 201, 'record');
  return d.id;
}

let correctionSeq = 0;
async function freshCorrection(orgId) {
  const m = own.member[orgId];
  const d = await must(await api('POST', `/api/v1/members/${m}/corrections`, {
    token: own.memberToken[orgId], body: { nativePlace: `矩阵${++correctionSeq}` },
  }), 201, 'correction');
  return d.id;
}

async function freshPayment(orgId) {
  const m = own.member[orgId];
  const d = await must(await api('GET', `/api/v1/dues/members/${m}`, { token: adminFor(orgId) }), 200, 'dues');
  const [y, mo] = d.nextMonth.split('-').map(Number);
  const p = await must(await api('POST', '/api/v1/dues/payments', {
    token: adminFor(orgId),
    body: { memberId: m, fromMonth: d.nextMonth, toMonth: d.nextMonth, amountFen: d.monthlyFen, method: 'in_person', paidOn: TODAY },
  }), 201, `payment ${y}-${mo}`);
  return p.id;
}

async function freshTransfer(orgId, state, toSide) {
  const from = toSide ? NEIGHBOUR[orgId] : orgId;
  const to = toSide ? orgId : NEIGHBOUR[orgId];
  const admin = adminFor(orgId);
  const tr = await must(await api('POST', '/api/v1/transfers', {
    token: admin, body: { memberId: own.transferMember[from], toOrgId: to, reason: '矩阵' },
  }), 201, 'transfer');
  if (state === 'pending_acceptance') await must(await api('POST', `/api/v1/transfers/${tr.id}/approve`, { token: admin }), 200, 'approve');
  return { id: tr.id, admin, member: own.transferMember[from], from };
}

// Ends an open transfer (or moves the member back after an accept), so the member can
// start the next one.
async function closeTransfer(tr) {
  const r = await api('GET', `/api/v1/transfers/${tr.id}`, { token: tr.admin });
  const st = r.json.data.state;
  if (st === 'pending_approval' || st === 'pending_acceptance')
    await must(await api('POST', `/api/v1/transfers/${tr.id}/cancel`, { token: tr.admin, body: { reason: '矩阵' } }), 200, 'cancel');
  if (st === 'completed') {
    // An allowed accept moved the member: bring them back the same way.
    const back = await must(await api('POST', '/api/v1/transfers', {
      token: tr.admin, body: { memberId: tr.member, toOrgId: tr.from, reason: '矩阵' },
    }), 201, 'transfer back');
    await must(await api('POST', `/api/v1/transfers/${back.id}/approve`, { token: tr.admin }), 200, 'approve back');
    await must(await api('POST', `/api/v1/transfers/${back.id}/accept`, { token: tr.admin }), 200, 'accept back');
  }
}

// ---- the cast ----

before(async () => {
  const routes = run(['routes', '--json']);
  assert.equal(routes.status, 0, routes.stderr);
  table = JSON.parse(routes.stdout);
  srv = await startServer({
    // Every cell proposes its own throw-away correction and dry-runs imports:
    // far more an hour than the per-account limits allow a person.
    config: ['proposals_per_hour = 10000', 'imports_per_hour = 10000'],
    setup: (dir) => {
      const cli = (...args) => {
        const r = run([...args, '--data', dir]);
        assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      // Another county: a root made from the command line, with a township and two branches.
      cli('org', 'create', '--name', '矩阵县委', '--level', 'county');
    },
  });
  api = srv.api;
  db = join(srv.dataDir, 'zhibu.db');
  const who = srv.who;
  const one = (sql) => sqlite(db, sql).stdout.trim();
  O.A = who.secretaryA.orgId;
  O.TA = who.townshipAdmin.orgId;
  O.K = who.countyAdmin.orgId;
  O.G = Number(one(`SELECT id FROM orgs WHERE parent_id = ${O.A} AND level = 'group' ORDER BY id LIMIT 1`));
  O.A2 = Number(one(`SELECT id FROM orgs WHERE parent_id = ${O.TA} AND level = 'branch' AND id <> ${O.A} ORDER BY id LIMIT 1`));
  O.K2 = Number(one(`SELECT id FROM orgs WHERE name = '矩阵县委'`));
  T.county = (await srv.login(who.countyAdmin)).token;

  // An admin of the other county (granted from the command line, as a root's first admin is).
  const k2 = { phone: '13900005001', password: CAST_PW };
  srv.run(['user', 'create', '--data', srv.dataDir, '--phone', k2.phone, '--name', '矩阵县管理员', '--password', CAST_PW, '--org', String(O.K2), '--role', 'org_admin']);
  T.k2 = (await srv.login(k2)).token;
  const mk = async (parentId, name, level) =>
    (await must(await api('POST', '/api/v1/orgs', { token: T.k2, body: { parentId, name, level } }), 201, `org ${name}`)).id;
  O.T2 = await mk(O.K2, '矩阵镇', 'township');
  O.C2 = await mk(O.T2, '矩阵一村党支部', 'branch');
  O.C2b = await mk(O.T2, '矩阵二村党支部', 'branch');
  await mk(O.C2, '矩阵党小组', 'group');
  for (const line of one('SELECT id, path FROM orgs').split('\n')) {
    const [id, path] = line.split('|');
    PATH[Number(id)] = path;
  }
  own.names = {};
  for (const id of [O.A, O.G, O.A2, O.TA, O.C2]) own.names[id] = (await must(await api('GET', `/api/v1/orgs/${id}`, { token: adminFor(id) }), 200, 'org')).name;
  NEIGHBOUR = { [O.A]: O.A2, [O.A2]: O.A, [O.C2]: O.C2b, [O.C2b]: O.C2 };

  // Members: two in each branch of the other county.
  let seq = 300;
  const newMember = async (orgId, name) =>
    (await must(await api('POST', '/api/v1/members', {
      token: T.k2,
      body: { orgId, name, gender: 'male', birthDate: '1980-01-01', idNumber: idNumber('1980-01-01', true, seq++), occupation: '农民', joinedAt: '2005-07-01', fullAt: '2006-07-01', category: 'full' },
    }), 201, 'member')).id;
  for (const org of [O.C2, O.C2b]) for (const n of ['甲', '乙']) await newMember(org, `矩阵${n}`);

  // Per branch: the member the matrix reads and writes, one for transfers, an applicant.
  own.member = {};
  own.transferMember = {};
  own.memberName = {};
  own.memberOrg = {};
  own.applicant = {};
  own.memberToken = {};
  const openTransfer = `SELECT member_id FROM transfers WHERE state IN ('pending_approval', 'pending_acceptance')`;
  for (const org of [O.A, O.A2, O.C2, O.C2b]) {
    const ids = one(`SELECT id FROM members WHERE org_id = ${org} AND status = 'normal' AND id NOT IN (${openTransfer}) ` +
      `AND id NOT IN (SELECT member_id FROM accounts WHERE member_id IS NOT NULL AND activated_at IS NOT NULL) ORDER BY id LIMIT 2`).split('\n').map(Number);
    assert.equal(ids.length, 2, `two members in ${org}`);
    [own.member[org], own.transferMember[org]] = ids;
  }
  // The member of village A is the demo member (their own account proposes corrections).
  own.member[O.A] = who.member.memberId;
  let acct = 5100;
  for (const org of [O.A, O.A2, O.C2]) {
    const m = own.member[org];
    own.memberOrg[m] = org;
    own.memberName[m] = (await must(await api('GET', `/api/v1/members/${m}`, { token: adminFor(org) }), 200, 'member')).name;
    if (org === O.A) {
      own.memberToken[org] = (await srv.login(who.member)).token;
    } else {
      const a = { phone: `1390000${acct++}`, password: CAST_PW };
      const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', '矩阵党员', '--password', CAST_PW, '--member', String(m)]);
      assert.equal(r.status, 0, r.stderr);
      own.memberToken[org] = (await srv.login(a)).token;
    }
    own.applicant[org] = (await must(await api('POST', '/api/v1/applicants', {
      token: adminFor(org),
      body: { orgId: org, name: '矩阵申请人', gender: 'female', birthDate: '1996-02-03', occupation: '农民', appliedAt: '2024-03-01' },
    }), 201, 'applicant')).id;
  }

  // Per branch: an activity, a cancelled one, an open poll and a closed poll.
  own.life = { activity: {}, cancelled: {}, poll: {}, closedPoll: {} };
  for (const org of [O.A, O.A2, O.C2]) {
    const token = adminFor(org);
    const act = async () => (await must(await api('POST', '/api/v1/activities', {
      token, body: { orgId: org, kind: 'study', title: '矩阵活动', startsAt: '2099-01-01T08:00:00Z' },
    }), 201, 'activity')).id;
    own.life.activity[org] = await act();
    own.life.cancelled[org] = await act();
    await must(await api('POST', `/api/v1/activities/${own.life.cancelled[org]}/cancel`, { token, body: { reason: '矩阵' } }), 200, 'cancel');
    const poll = async () => (await must(await api('POST', '/api/v1/polls', {
      token, body: { orgId: org, title: '矩阵投票', options: ['甲', '乙'], closesAt: '2099-01-01T00:00:00Z' },
    }), 201, 'poll')).id;
    own.life.poll[org] = await poll();
    own.life.closedPoll[org] = await poll();
    await must(await api('POST', `/api/v1/polls/${own.life.closedPoll[org]}/close`, { token }), 200, 'close');
  }

  // Per organisation target: an account holding 'member' there (POST /roles answers
  // role.exists for it) and one that receives throw-away grants.
  own.holder = {};
  own.grantee = {};
  for (const org of [O.A, O.G, O.A2, O.TA, O.C2]) {
    for (const kind of ['holder', 'grantee']) {
      const a = { phone: `1390000${acct++}`, password: CAST_PW };
      const args = ['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', '矩阵账户', '--password', CAST_PW];
      if (kind === 'holder') args.push('--org', String(org), '--role', 'member');
      const r = srv.run(args);
      assert.equal(r.status, 0, r.stderr);
      own[kind][org] = a;
    }
  }

  // The callers: each role on village A; org_admin and auditor on township A.
  const cast = [...table.roles.map((role) => [role, O.A, 'A']), ['org_admin', O.TA, 'TA'], ['auditor', O.TA, 'TA']];
  let i = 0;
  for (const [role, at, atName] of cast) {
    const a = { phone: phoneOf(i++), password: CAST_PW };
    const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', `矩阵${role}`, '--password', CAST_PW, '--org', String(at), '--role', role]);
    assert.equal(r.status, 0, r.stderr);
    const s = await srv.login(a);
    callers.push({ label: `${role}@${atName}`, role, at, token: s.token, account: a });
  }
});

after(async () => {
  await srv?.stop();
});

const key = (r) => `${r.method} ${r.path}`;

test('every route of `zhibu routes --json` has an expectation in the matrix (and nothing else does)', () => {
  const keys = table.routes.map(key);
  const missing = keys.filter((k) => !(k in SPECS));
  assert.deepEqual(missing, [], `routes without an authorization expectation: ${missing.join(', ')}`);
  const stale = Object.keys(SPECS).filter((k) => !keys.includes(k));
  assert.deepEqual(stale, [], `expectations for routes that do not exist: ${stale.join(', ')}`);
});

/*
 * What the route table declares for an object route, for a caller who is no
 * party to the object (callers of the matrix hold roles; parties are the
 * members an object is about or addressed to): perm on the declared side of
 * the object's organisation; a caller who only sees it gets 403 when the
 * route says seen_forbids. null when being a party may decide (the route
 * or its kind's seeing names parties): the spec's expectation covers that.
 */
function declaredExpect(rt, c, t) {
  const o = rt.object;
  if (!o || o.parties.length) return null;
  const allowed = o.side === 'parent' ? holdsAbove(c, rt.perm, t) : holds(c, rt.perm, t);
  if (allowed) return ALLOW;
  if (rt.flags.includes('seen_forbids')) {
    if (holds(c, o.seePerm, t)) return FORBID;
    if (o.seeParties.length) return null; // seeing it as a party: the spec knows
  }
  return DENY;
}

test('every object route declares its kind, and the declared permission is the one the matrix checks', () => {
  const off = [];
  let compared = 0;
  for (const rt of table.routes.filter((r) => r.scope === 'object')) {
    const k = key(rt);
    assert.ok(rt.object, `${k}: an object route names its kind`);
    assert.ok(rt.perm !== 'none' || rt.object.parties.length, `${k}: a permission or a party`);
    const spec = SPECS[k];
    if (spec.nf) assert.equal(rt.object.notFound, spec.nf, `${k}: the kind's not-found code`);
    const targets = (spec.targets || Object.keys(TARGETS)).map((t) => O[TARGETS[t]]);
    for (const c of callers)
      for (const t of targets) {
        const declared = declaredExpect(rt, c, t);
        if (declared === null) continue;
        const e = spec.expect ? spec.expect(c, t) : holds(c, rt.perm, t) ? ALLOW : DENY;
        const expect = e === true ? ALLOW : e === false ? DENY : e;
        compared++;
        if (expect !== declared) off.push(`${k} as ${c.label} on ${t}: the table says ${declared}, the matrix expects ${expect}`);
      }
  }
  assert.ok(compared > 500, `${compared} cells compared`);
  assert.deepEqual(off, [], off.join('\n'));
});

// Every write of the matrix carries a fresh Idempotency-Key, so that every
// write route that stores answers stores one here (checked sealed below).
let idemSeq = 0;
function send(req, token) {
  const headers = req.method === 'GET' ? req.headers : { 'Idempotency-Key': `matrix-${++idemSeq}`, ...req.headers };
  return api(req.method, req.path, { token, body: req.body, headers });
}

const code = (res) => res.json?.error?.code;

function checkCell(cell, res, missingRes) {
  const ctx = `${cell.route} as ${cell.caller.label} on ${cell.target}: expected ${cell.expect}, got ${res.status} ${res.text.slice(0, 300)}`;
  if (cell.expect === ALLOW) {
    // Allowed: past the permission check; the harmless writes end in their own 4xx.
    assert.ok(![401, 403, 404].includes(res.status) && res.status < 500, ctx);
  } else if (cell.expect === FORBID) {
    assert.equal(res.status, 403, ctx);
  } else {
    assert.equal(res.status, 404, ctx);
    assert.equal(code(res), cell.nf, ctx);
    assert.equal(res.text, missingRes.text, `outside the subtree must answer like a missing object: ${ctx} vs missing ${missingRes.text}`);
  }
}

const summary = {};
let cells = 0;

function tally(route, caller, outcome) {
  summary[route] ??= {};
  const s = (summary[route][caller.label] ??= { allow: 0, deny: 0, forbid: 0 });
  s[outcome]++;
  cells++;
}

async function inGroups(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

test('the matrix: every route x role x target answers as the permission table says', async () => {
  const failures = [];
  for (const rt of table.routes) {
    const k = key(rt);
    const spec = SPECS[k];
    if (spec.public) {
      // No login needed: a wrong password answers 401 auth.failed for everyone alike.
      const r = await api('POST', '/api/v1/auth/login', { body: { phone: '13900009999', password: 'wrong-password' } });
      assert.equal(r.status, 401, r.text);
      continue;
    }
    if (spec.login) {
      // Any logged-in caller; none without a session.
      const build = () => q(rt.method, spec.path ?? rt.path, spec.body);
      const anon = await send(build(), undefined);
      assert.equal(anon.status, 401, `${k} without a session: ${anon.text}`);
      await inGroups(callers, 3, async (c) => {
        const token = spec.fresh ? (await srv.login(c.account)).token : c.token;
        const r = await send(build(), token);
        if (['auth.required', 'auth.forbidden'].includes(code(r)) || r.status === 404) failures.push(`${k} as ${c.label}: ${r.status} ${r.text}`);
        tally(k, c, ALLOW);
      });
      continue;
    }
    const targets = (spec.targets || Object.keys(TARGETS)).map((t) => [t, O[TARGETS[t]]]);
    const missingRes = {};
    for (const c of callers) {
      const m = spec.missing ? spec.missing(c) : await spec.req(MISSING, c, {});
      missingRes[c.label] = await send(m, c.token);
    }
    const work = [];
    for (const c of callers)
      for (const [tname, t] of targets) {
        const expect = spec.expect ? spec.expect(c, t) : holds(c, rt.perm, t) ? ALLOW : DENY;
        work.push({ route: k, caller: c, target: tname, org: t, expect: expect === true ? ALLOW : expect === false ? DENY : expect, nf: spec.nf });
      }
    // transfer steps: may() returns a boolean; FORBID is decided by the spec's expect.
    await inGroups(work, spec.serial ? 1 : 4, async (cell) => {
      const req = await spec.req(cell.org, cell.caller, cell);
      const res = await send(req, cell.caller.token);
      try {
        checkCell(cell, res, missingRes[cell.caller.label]);
      } catch (e) {
        failures.push(e.message);
      }
      if (spec.after) await spec.after(cell);
      tally(k, cell.caller, cell.expect);
    });
  }
  if (VERBOSE) printSummary();
  test.diagnostic?.(`${cells} cells checked`);
  console.log(`# authorization matrix: ${cells} cells over ${table.routes.length} routes and ${callers.length} callers`);
  assert.deepEqual(failures, [], `${failures.length} cells off the matrix:\n${failures.join('\n')}`);
});

test('every answer stored for an Idempotency-Key in the matrix is sealed: nothing in plain text', () => {
  const one = (sql) => Number(sqlite(db, sql).stdout.trim());
  const stored = one('SELECT COUNT(*) FROM idempotency');
  assert.ok(stored > 100, `${stored} answers stored`);
  assert.equal(one("SELECT COUNT(*) FROM idempotency WHERE body <> '' OR body_sealed IS NULL"), 0);
});

function printSummary() {
  const labels = callers.map((c) => c.label);
  const w = Math.max(...Object.keys(summary).map((k) => k.length));
  console.log(`${'route'.padEnd(w)}  ${labels.map((l) => l.padStart(20)).join('')}`);
  for (const [k, row] of Object.entries(summary)) {
    const cellsTxt = labels.map((l) => {
      const s = row[l] || { allow: 0, deny: 0, forbid: 0 };
      return `${s.allow}a/${s.deny}d${s.forbid ? `/${s.forbid}f` : ''}`.padStart(20);
    });
    console.log(`${k.padEnd(w)}  ${cellsTxt.join('')}`);
  }
}

test("a member's own record: they propose corrections and start their own transfer", async () => {
  const m = own.member[O.A];
  const tok = own.memberToken[O.A];
  // Their own record: a correction that changes nothing is refused as such (400), not hidden.
  const r = await api('POST', `/api/v1/members/${m}/corrections`, { token: tok, body: { name: own.memberName[m] } });
  assert.equal(r.status, 400, r.text);
  // Someone else's record in the same branch: like a missing member.
  const other = own.transferMember[O.A];
  const r2 = await api('POST', `/api/v1/members/${other}/corrections`, { token: tok, body: { name: 'x' } });
  const r3 = await api('POST', `/api/v1/members/${MISSING}/corrections`, { token: tok, body: { name: 'x' } });
  assert.equal(r2.status, 404);
  assert.equal(r2.text, r3.text);
  // Their own transfer: passes the permission check (400 for the both-destinations body).
  const t = await api('POST', '/api/v1/transfers', { token: tok, body: { memberId: m, toOrgId: O.A2, toName: 'x', reason: '矩阵' } });
  assert.equal(t.status, 400, t.text);
});

test('a revoked role takes effect on the very next request with the same token', async () => {
  const a = { phone: '13900005999', password: CAST_PW };
  const r = srv.run(['user', 'create', '--data', srv.dataDir, '--phone', a.phone, '--name', '矩阵撤销', '--password', CAST_PW]);
  assert.equal(r.status, 0, r.stderr);
  const s = await srv.login(a);
  const missing = await api('GET', `/api/v1/members?orgId=${MISSING}`, { token: s.token });
  const before = await api('GET', `/api/v1/members?orgId=${O.A}&limit=1`, { token: s.token });
  assert.equal(before.text, missing.text, 'no role yet: like a missing organisation');
  const g = assertData(await api('POST', '/api/v1/roles', { token: T.county, body: { phone: a.phone, orgId: O.A, role: 'branch_committee' } }), 201);
  assertData(await api('GET', `/api/v1/members?orgId=${O.A}&limit=1`, { token: s.token }));
  assertData(await api('DELETE', `/api/v1/roles/${g.id}`, { token: T.county }));
  const afterRes = await api('GET', `/api/v1/members?orgId=${O.A}&limit=1`, { token: s.token });
  assert.equal(afterRes.status, 404);
  assert.equal(afterRes.text, missing.text, 'revoked: like a missing organisation at once');
  // The same for an object route.
  const m = await api('GET', `/api/v1/members/${own.member[O.A]}`, { token: s.token });
  const mm = await api('GET', `/api/v1/members/${MISSING}`, { token: s.token });
  assert.equal(m.status, 404);
  assert.equal(m.text, mm.text);
});
