// Browser tests of the member registry screens: creating a record with field errors,
// the audited reveal, a member's correction through the secretary's inbox, and the
// statistics dashboard with its drill-down.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, apiAs, launch, phonePage, loginUI, idNumber, wrongCheck } from './harness.mjs';

let srv;
let browser;
const info = {};


before(async () => {
  srv = await startServer();
  browser = await launch();
  const acc = srv.accounts;
  info.sec = acc.find((a) => a.role === 'branch_secretary');
  info.member = acc.find((a) => a.role === 'member' && String(a.orgId) === String(info.sec.orgId));
  assert.ok(info.sec && info.member, 'demo has a secretary and a member of their village');
  info.secApi = await apiAs(srv.base, info.sec);
  for (const a of acc.filter((x) => x.role === 'org_admin')) {
    const api = await apiAs(srv.base, a);
    const org = await api.get('/orgs/' + a.orgId);
    if (org.body.data.level !== 'township') { info.county = a; info.countyApi = api; }
  }
  assert.ok(info.county, 'demo has a county org_admin');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(fn) {
  const s = await phonePage(browser, srv.base);
  try {
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

const memberCount = async (api, orgId) => (await api.get('/orgs/' + orgId)).body.data.memberCount;
const sealedText = (page, field) => page.locator(`.sealed[data-field=${field}]`).innerText();

describe('member registry screens', () => {
  const good = idNumber('52262319850412003'); // a man (17th digit odd) born 1985-04-12

  test('a bad ID number is shown at the ID field and nothing is created; fixed, the record is created', async () => {
    const org = info.sec.orgId;
    const before = await memberCount(info.secApi, org);
    await session(async (page) => {
      await loginUI(page, info.sec);
      await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
      await page.goto(`/#/roster/${org}`);
      await page.getByRole('link', { name: /添加党员/ }).click();
      await page.waitForURL(new RegExp(`#/member-new/${org}$`));
      await page.getByLabel('姓名').fill('测试新党员');
      await page.getByLabel('性别').selectOption('male');
      await page.getByLabel('出生日期').fill('1985-04-12');
      await page.getByLabel('身份证号').fill(wrongCheck(good));
      await page.getByLabel('学历').selectOption('高中');
      await page.getByLabel('职业').selectOption('农民');
      await page.getByLabel('入党日期').fill('2010-07-01');
      await page.getByLabel('转正日期').fill('2011-07-01');
      await page.getByRole('button', { name: '保存' }).click();

      // The error sits in the ID number's own field, which has the focus; input is kept.
      const field = page.locator('.field', { has: page.locator('#f-idNumber') });
      await field.locator('.field-error').getByText('“身份证号”填写有误').waitFor();
      assert.match(await field.locator('.field-error').innerText(), /校验码/);
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'f-idNumber');
      assert.equal(await page.locator('#f-idNumber').inputValue(), wrongCheck(good));
      assert.equal(await page.locator('#f-name').inputValue(), '测试新党员');
      assert.equal(await page.locator('.field-error').count(), 1, 'only the ID field shows an error');
      assert.equal(await memberCount(info.secApi, org), before, 'nothing was created');
      assert.match(page.url(), /#\/member-new\//);

      await page.getByLabel('身份证号').fill(good);
      await page.getByRole('button', { name: '保存' }).click();
      await page.waitForURL(/#\/member\/\d+$/);
      info.createdId = page.url().match(/#\/member\/(\d+)$/)[1];
      await page.getByRole('heading', { name: '测试新党员' }).waitFor();
      await page.locator('.sealed[data-field=idNumber]').getByText(/\*/).waitFor();
      const masked = await sealedText(page, 'idNumber');
      assert.equal(masked, good.slice(0, 4) + '*'.repeat(14));
      assert.equal(await memberCount(info.secApi, org), before + 1);
    });
  });

  test('the secretary presses 显示 and sees the full ID number, noted as recorded', async () => {
    assert.ok(info.createdId, 'the record of the previous test');
    await session(async (page) => {
      await loginUI(page, info.sec);
      await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
      await page.goto(`/#/member/${info.createdId}`);
      await page.getByText('查看将被记录').waitFor();
      assert.notEqual(await sealedText(page, 'idNumber'), good);
      await page.getByRole('button', { name: '显示', exact: true }).click();
      await page.locator('.sealed[data-field=idNumber]').getByText(good, { exact: true }).waitFor();
      await page.getByRole('button', { name: '隐藏', exact: true }).click();
      await page.locator('.sealed[data-field=idNumber]').getByText(/\*/).waitFor();
    });
    const audit = await info.countyApi.get(`/audit?orgId=${info.county.orgId}&limit=50`);
    if (audit.status === 200) {
      assert.ok(audit.body.data.items.some((x) => x.action === 'member.reveal'), 'the reveal is audited');
    }
  });

  test('a member proposes a new phone; the secretary accepts it from the inbox; the record shows it', async () => {
    const newPhone = '13912345678';
    await session(async (page) => {
      await loginUI(page, info.member);
      await page.getByRole('link', { name: /我的档案/ }).click();
      await page.waitForURL(/#\/my$/);
      await page.getByRole('heading', { name: info.member.name }).waitFor();
      await page.getByRole('button', { name: '申请更正' }).click();
      await page.getByLabel('手机号').fill(newPhone);
      await page.getByLabel('说明').fill('换了新号码');
      await page.getByRole('button', { name: '提交' }).click();
      await page.getByText('更正申请已提交，等待支部审核').waitFor();
      await page.locator('.corr .tag', { hasText: '待审核' }).first().waitFor();
    });
    await session(async (page) => {
      await loginUI(page, info.sec);
      const link = page.getByRole('link', { name: /更正申请/ });
      await link.locator('.badge').filter({ hasText: /^[1-9]/ }).waitFor();
      await link.click();
      await page.waitForURL(new RegExp(`#/corrections/${info.sec.orgId}$`));
      const item = page.locator('li.corr-item', { hasText: info.member.name });
      await item.getByText('换了新号码').waitFor();
      await item.getByRole('button', { name: '通过' }).click();
      await item.getByText('已通过，档案已更新').waitFor();
    });
    await session(async (page) => {
      await loginUI(page, info.member);
      await page.getByRole('heading', { name: `您好，${info.member.name}` }).waitFor();
      await page.goto('/#/my');
      await page.locator('.sealed[data-field=phone]').getByText('139****5678').waitFor();
      await page.locator('.corr .tag', { hasText: '已通过' }).first().waitFor();
    });
  });

  test('statistics: the county total, one more after a new member, and a drill-down to a township', async () => {
    const county = info.county;
    const stats = await info.countyApi.get(`/orgs/${county.orgId}/stats`);
    assert.equal(stats.status, 200);
    const total = stats.body.data.members;
    const town = stats.body.data.children[0];
    assert.ok(town, 'the county has a child organisation');
    await session(async (page) => {
      await loginUI(page, county);
      await page.getByRole('heading', { name: `您好，${county.name}` }).waitFor();
      await page.goto(`/#/org/${county.orgId}`);
      await page.getByRole('link', { name: '统计', exact: true }).click();
      await page.waitForURL(new RegExp(`#/stats/${county.orgId}$`));
      const head = page.locator('.head-hTotal dd');
      await head.getByText(String(total), { exact: true }).waitFor();
      await page.locator('canvas').first().waitFor();

      const r = await info.countyApi.post('/members', {
        orgId: Number(info.sec.orgId), name: '统计测试', gender: 'female', birthDate: '1990-05-06',
        idNumber: idNumber('52262319900506002'), joinedAt: '2012-07-01', fullAt: '2013-07-01',
        category: 'full', education: '初中', occupation: '农民',
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const townNow = (await info.countyApi.get(`/orgs/${town.id}/stats`)).body.data.members;
      await page.reload();
      await page.locator('.head-hTotal dd').getByText(String(total + 1), { exact: true }).waitFor();

      await page.locator('table.drill').getByRole('link', { name: town.name }).click();
      await page.waitForURL(new RegExp(`#/stats/${town.id}$`));
      await page.getByRole('heading', { name: new RegExp(town.name) }).waitFor();
      await page.locator('.head-hTotal dd').getByText(String(townNow), { exact: true }).waitFor();
      // Breadcrumbs lead back up to the county's dashboard.
      await page.locator('.crumbs').getByRole('link', { name: county.orgName }).click();
      await page.waitForURL(new RegExp(`#/stats/${county.orgId}$`));
    });
  });

  test('a migrant member is attached to a host branch found by name, and detached', async () => {
    const migrant = srv.accounts.find((a) => a.role === 'member' && a !== info.member && String(a.orgId) === String(info.sec.orgId));
    const host = srv.accounts.filter((a) => a.role === 'branch_secretary').find((a) => String(a.orgId) !== String(info.sec.orgId));
    assert.ok(migrant && host);
    await session(async (page) => {
      await loginUI(page, info.sec);
      await page.getByRole('heading', { name: `您好，${info.sec.name}` }).waitFor();
      await page.goto(`/#/member/${migrant.memberId}`);
      await page.getByRole('button', { name: '设置流入地党组织' }).click();
      await page.getByLabel('流入地党组织名称').fill(host.orgName.slice(0, 4));
      await page.getByRole('button', { name: '查找', exact: true }).click();
      await page.locator('li.pick-row', { hasText: host.orgName }).getByRole('button', { name: '选这个' }).click();
      await page.getByRole('button', { name: '更换流入地党组织' }).waitFor();
      const rec = (await info.secApi.get('/members/' + migrant.memberId)).body.data;
      assert.equal(String(rec.hostOrgId), String(host.orgId));
      assert.equal(rec.orgId, info.sec.orgId, 'the membership stays home');
      await page.getByRole('button', { name: '解除' }).click();
      await page.getByRole('button', { name: '设置流入地党组织' }).waitFor();
      assert.equal((await info.secApi.get('/members/' + migrant.memberId)).body.data.hostOrgId, null);
    });
  });
});
