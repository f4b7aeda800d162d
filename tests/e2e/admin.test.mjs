// The admin screens on a phone: a township admin grants a role to a member found by name
// and revokes it (asked once, in place); creates a branch, renames it; the county admin
// moves it to another township and closes it; an auditor filters the audit log by kind
// and actor and sees names, not ids; a secretary is offered none of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, apiAs, launch, phonePage, loginUI } from './harness.mjs';

const SHOTS = process.env.ZHIBU_SHOTS || '/tmp/zhibu-shots';
const TALL = { viewport: { width: 360, height: 780 } };
let srv;
let browser;
const who = {};

before(async () => {
  srv = await startServer();
  browser = await launch();
  const byPhone = (p) => srv.accounts.find((a) => a.phone === p);
  who.county = byPhone('13800000001');
  who.township = byPhone('13800000003');
  who.secA = byPhone('13800000004');
  who.member = byPhone('13800000006');
  who.auditor = srv.accounts.find((a) => a.role === 'auditor');
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(acct, fn) {
  const s = await phonePage(browser, srv.base, TALL);
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page);
    assert.deepEqual(s.problems, []);
  } finally {
    await s.context.close();
  }
}

test('roles: a township admin grants a role to a member found by name, then revokes it', async () => {
  await session(who.township, async (page) => {
    await page.goto(`/#/org/${who.secA.orgId}`);
    await page.getByRole('link', { name: /组织管理/ }).click();
    await page.waitForURL(new RegExp(`#/admin/${who.secA.orgId}$`));
    await page.getByRole('heading', { name: '职务任免' }).waitFor();
    await page.locator('select[name=role]').selectOption('branch_committee');
    await page.getByLabel('党员姓名').fill(who.member.name);
    await page.getByRole('button', { name: '查找党员' }).click();
    await page.getByRole('radio', { name: new RegExp(who.member.name) }).check();
    const grant = page.getByRole('button', { name: '确定任命' });
    await grant.click();
    await page.locator('.said[data-at="grant"]', { hasText: `已任命${who.member.name}为支部委员` }).waitFor();
    const row = page.locator('li.grant[data-role="branch_committee"]', { hasText: who.member.name });
    await row.waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-roles.png') });
    await row.getByRole('button', { name: '撤销' }).click();
    await row.getByRole('alertdialog').getByRole('button', { name: '确认撤销' }).click();
    await row.waitFor({ state: 'detached' });
  });
  const api = await apiAs(srv.base, who.township);
  const grants = (await api.get(`/roles?orgId=${who.secA.orgId}&limit=200`)).body.data.items;
  assert.ok(!grants.some((g) => g.role === 'branch_committee' && g.accountName === who.member.name), 'revoked');
});

test('organisations: create and rename under the township; the county moves it and closes it', async () => {
  const name = '新建测试党支部';
  let newId;
  await session(who.township, async (page) => {
    await page.goto(`/#/admin/${who.township.orgId}`);
    await page.getByLabel('新组织名称').fill(name);
    await page.getByLabel('层级').selectOption('branch');
    await page.getByRole('button', { name: '新建', exact: true }).click();
    await page.locator('.said[data-at="create"]').waitFor();
    assert.equal(await page.locator('.said[data-at="create"]').innerText(), `已新建：${name}`);
    await page.getByRole('link', { name: `打开：${name}` }).click();
    await page.waitForURL(/#\/admin\/\d+$/);
    newId = Number(page.url().match(/admin\/(\d+)$/)[1]);
    await page.getByLabel('新名称').fill('改名测试党支部');
    await page.getByRole('button', { name: '改名', exact: true }).click();
    await page.locator('.said[data-at="rename"]', { hasText: '已改名' }).waitFor();
    await page.getByRole('heading', { name: /改名测试党支部/ }).waitFor();
  });
  // Another township of the county, as its name is typed.
  const county = await apiAs(srv.base, who.county);
  const kids = (await county.get(`/orgs/${who.county.orgId}/children?limit=50`)).body.data.items;
  const other = kids.find((k) => k.level === 'township' && k.id !== who.township.orgId);
  assert.ok(other, 'a second township');
  await session(who.county, async (page) => {
    await page.goto(`/#/admin/${newId}`);
    await page.getByLabel('新的上级组织（输入名称查找）').fill(other.name.slice(0, 3));
    await page.getByRole('button', { name: '查找上级组织' }).click();
    await page.getByRole('button', { name: other.name, exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '确认调整' }).click();
    await page.locator('.said[data-at="move"]', { hasText: '已调整隶属关系' }).waitFor();
    await page.getByRole('button', { name: '撤销组织' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '确认撤销组织' }).click();
    await page.locator('.said[data-at="close"]', { hasText: '已撤销' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'admin-org.png') });
  });
  const o = (await county.get(`/orgs/${newId}`)).body.data;
  assert.equal(o.name, '改名测试党支部');
  assert.equal(o.parentId, other.id);
  assert.equal(o.closed, true);
});

test('audit: filtered by kind and actor, with names; a secretary is offered no admin screen', async () => {
  await session(who.auditor, async (page) => {
    await page.goto(`/#/audit/${who.auditor.orgId}`);
    await page.locator('.audit-row').first().waitFor();
    await page.locator('.audit-filters summary').click();
    await page.getByLabel('操作类别').selectOption('org');
    await page.getByLabel('操作人姓名').fill(who.township.name);
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await page.locator('.audit-row[data-action="org.create"]').first().waitFor();
    const actions = await page.locator('.audit-row').evaluateAll((xs) => xs.map((x) => x.dataset.action));
    assert.ok(actions.length >= 2 && actions.every((a) => a.startsWith('org.')), actions.join());
    const actors = await page.locator('.audit-actor').allInnerTexts();
    assert.ok(actors.every((a) => a === who.township.name), actors.join());
    await page.screenshot({ path: join(SHOTS, 'admin-audit.png') });
  });
  await session(who.secA, async (page) => {
    await page.goto(`/#/org/${who.secA.orgId}`);
    await page.getByRole('link', { name: '打开花名册' }).or(page.locator('.org-no')).first().waitFor();
    assert.equal(await page.locator('a.org-admin').count(), 0);
    await page.goto(`/#/admin/${who.secA.orgId}`);
    await page.getByText('您在这里没有管理权限。').waitFor();
  });
});
