// Browser tests of the work screens: a cross-township transfer through its three hands
// (secretary A starts it, the township A admin approves, secretary B accepts), the roster
// import wizard (a dry run with a bad row applies nothing; the fixed file is imported), a
// dues payment that brings a member back to 正常, and a new applicant on the pipeline board.
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
  const secs = acc.filter((a) => a.role === 'branch_secretary');
  for (const a of acc.filter((x) => x.role === 'org_admin')) {
    const api = await apiAs(srv.base, a);
    const org = await api.get('/orgs/' + a.orgId);
    if (org.body.data.level === 'township') { info.township = a; info.townshipApi = api; }
  }
  assert.ok(info.township, 'demo has a township org_admin');
  // Secretary A: a village under the township admin's township; B: a village elsewhere.
  for (const s of secs) {
    const api = await apiAs(srv.base, s);
    const org = (await api.get('/orgs/' + s.orgId)).body.data;
    const under = org.path.some((p) => String(p.id) === String(info.township.orgId));
    if (under) { info.secA = s; info.secAApi = api; } else { info.secB = s; info.secBApi = api; }
  }
  assert.ok(info.secA && info.secB, 'demo has secretaries in two townships');
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

async function session(acct, fn) {
  const s = await phonePage(browser, srv.base);
  try {
    await loginUI(s.page, acct);
    await s.page.getByRole('heading', { name: `您好，${acct.name}` }).waitFor();
    await fn(s.page, s);
    assert.deepEqual(s.problems, [], 'no CSP violations or script errors');
  } finally {
    await s.context.close();
  }
}

const memberCount = async (api, orgId) => (await api.get('/orgs/' + orgId)).body.data.memberCount;
const accountIds = () => new Set(srv.accounts.map((a) => a.memberId).filter(Boolean).map(String));

describe('work screens', () => {
  test('a cross-township transfer: started by secretary A, approved by township A, accepted by secretary B', async () => {
    const { secA, secB } = info;
    const roster = (await info.secAApi.get(`/members?orgId=${secA.orgId}&limit=50`)).body.data.items;
    // Not the member the demo already has a transfer waiting for.
    const open = (await info.secAApi.get(`/transfers?orgId=${secA.orgId}&state=pending_approval`)).body.data.items;
    const busy = new Set(open.map((t) => String(t.member.id)));
    const m = roster.find((x) => !accountIds().has(String(x.id)) && !busy.has(String(x.id)) && x.status === 'normal');
    assert.ok(m, 'a plain member of village A');

    await session(secA, async (page) => {
      await page.goto(`/#/member/${m.id}`);
      await page.getByRole('link', { name: '转出组织关系' }).click();
      await page.waitForURL(new RegExp(`#/transfer-new/${m.id}$`));
      // A branch secretary sees only their branch: the destination is found by its name.
      await page.getByLabel('党支部名称（至少两个字）').fill(secB.orgName.slice(0, 4));
      await page.getByRole('button', { name: '查找', exact: true }).click();
      await page.locator('li.pick-row', { hasText: secB.orgName }).getByRole('button').click();
      await page.locator('.picked', { hasText: secB.orgName }).waitFor();
      await page.getByLabel('转接原因').fill('随子女迁居李桥村');
      await page.getByRole('button', { name: '提交转接申请' }).click();
      await page.waitForURL(/#\/transfer\/\d+$/);
      await page.locator('.tag', { hasText: '待审批' }).waitFor();
      assert.match(await page.locator('.tr-route').innerText(), new RegExp(secB.orgName));
    });

    await session(info.township, async (page) => {
      await page.goto(`/#/transfers/${info.township.orgId}`);
      const item = page.locator('li.tr-item', { hasText: m.name });
      await item.waitFor();
      assert.match(await item.innerText(), /已等待/);
      await item.getByRole('button', { name: '通过' }).click();
      await item.getByText('已通过，等待接收方接收').waitFor();
    });

    await session(secB, async (page) => {
      // The 待办 card on the home screen leads to the to-do list.
      await page.locator('a[data-todo=transfers]').click();
      await page.waitForURL(new RegExp(`#/transfers/${secB.orgId}$`));
      const item = page.locator('li.tr-item', { hasText: m.name });
      await item.getByRole('button', { name: '接收' }).click();
      await item.getByText('已接收，该党员已转入本支部').waitFor();
      await page.goto(`/#/roster/${secB.orgId}`);
      await page.getByLabel('姓名 / 身份证号 / 手机号').fill(m.name);
      await page.locator('li.member', { hasText: m.name }).waitFor();
    });

    await session(secA, async (page) => {
      await page.goto(`/#/roster/${secA.orgId}`);
      await page.getByLabel('姓名 / 身份证号 / 手机号').fill(m.name);
      await page.getByText('没有找到符合条件的党员').waitFor();
    });
    const after = (await info.secBApi.get(`/members/${m.id}`)).body.data;
    assert.equal(String(after.orgId), String(secB.orgId));
  });

  test('import: the dry run reports the bad row and applies nothing; the fixed file is imported', async () => {
    const org = info.secA.orgId;
    const before = await memberCount(info.secAApi, org);
    const good1 = idNumber('52262319900101015'); // men: the 17th digit odd
    const good2 = idNumber('52262319910202017');
    const head = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别';
    const row = (name, birth, id) => `${name},男,${birth},${id},农民,2015-07-01,2016-07-01,正式党员`;
    const bad = [head, row('导入甲', '1990-01-01', good1), row('导入乙', '1991-02-02', wrongCheck(good2))].join('\r\n') + '\r\n';
    const fixed = [head, row('导入甲', '1990-01-01', good1), row('导入乙', '1991-02-02', good2)].join('\r\n') + '\r\n';

    await session(info.secA, async (page) => {
      await page.goto(`/#/org/${org}`);
      await page.getByRole('link', { name: '导入' }).click();
      await page.waitForURL(new RegExp(`#/import/${org}$`));
      await page.locator('#im-file').setInputFiles({ name: '花名册.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.getByRole('button', { name: '检查文件' }).click();
      const table = page.locator('table.errs');
      await table.waitFor();
      const cells = await table.locator('tbody tr').first().locator('td').allInnerTexts();
      assert.equal(cells[0], '3', 'the bad row as Excel numbers it (the header is row 1)');
      assert.equal(cells[1], '身份证号');
      await page.getByText('一个人也没有导入').waitFor();
      assert.equal(await page.getByRole('button', { name: /^导入 \d+ 人$/ }).count(), 0, 'no import button after errors');
      assert.equal(await memberCount(info.secAApi, org), before, 'nothing applied');

      await page.locator('#im-file').setInputFiles({ name: '花名册.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
      await page.getByRole('button', { name: '检查文件' }).click();
      await page.getByText('检查通过：2 人可以导入').waitFor();
      assert.equal(await memberCount(info.secAApi, org), before, 'a dry run stores nothing');
      await page.getByRole('button', { name: '导入 2 人' }).click();
      await page.getByText('已导入 2 人').waitFor();
      await page.getByRole('link', { name: '查看花名册' }).click();
      await page.waitForURL(new RegExp(`#/roster/${org}$`));
      await page.getByLabel('姓名 / 身份证号 / 手机号').fill('导入乙');
      await page.locator('li.member', { hasText: '导入乙' }).waitFor();
    });
    assert.equal(await memberCount(info.secAApi, org), before + 2);
  });

  test('dues: a payment for a member who is behind brings them back to 正常', async () => {
    const org = info.secA.orgId;
    const behind = (await info.secAApi.get(`/dues?orgId=${org}&level=warning`)).body.data.items;
    const m = behind.find((x) => x.monthsUnpaid <= 12 && x.paidThrough);
    assert.ok(m, 'a member 3+ months behind');
    await session(info.secA, async (page) => {
      await page.goto(`/#/org/${org}`);
      await page.getByRole('link', { name: '党费', exact: true }).click();
      await page.waitForURL(new RegExp(`#/dues/${org}$`));
      await page.getByRole('button', { name: '欠 3 个月以上' }).click();
      const row = page.locator(`li.dues-row[data-member="${m.memberId}"]`);
      await row.locator('.tag', { hasText: /预警|告警|欠半年以上/ }).waitFor();
      await row.getByRole('button', { name: '登记交费' }).click();
      // The amount is the monthly standard times the months owed.
      const yuan = ((m.monthlyFen * m.monthsUnpaid) / 100).toFixed(2);
      await row.locator('.amount strong', { hasText: `${yuan} 元` }).waitFor();
      await row.getByRole('button', { name: '确认登记' }).click();
      await row.locator('.tag.lv-ok', { hasText: '正常' }).waitFor();
      await row.getByText(/已登记，党费交至/).waitFor();
    });
    const d = (await info.secAApi.get(`/dues/members/${m.memberId}`)).body.data;
    assert.equal(d.level, 'ok');
    assert.equal(d.monthsUnpaid, 0);
  });

  test('pipeline: a new applicant (after a field error) is on the board under 申请人', async () => {
    const org = info.secA.orgId;
    await session(info.secA, async (page) => {
      await page.goto(`/#/org/${org}`);
      await page.getByRole('link', { name: '发展党员' }).click();
      await page.waitForURL(new RegExp(`#/pipeline/${org}$`));
      await page.getByRole('link', { name: /新增申请人/ }).click();
      await page.getByLabel('性别').selectOption('female');
      await page.getByLabel('出生日期').fill('1999-05-06');
      await page.getByLabel('职业').selectOption('农民');
      await page.getByRole('button', { name: '添加' }).click();
      const field = page.locator('.field', { has: page.locator('#ap-name') });
      await field.locator('.field-error').getByText('“姓名”填写有误').waitFor();
      await page.getByLabel('姓名').fill('测试申请人');
      await page.getByRole('button', { name: '添加' }).click();
      await page.waitForURL(new RegExp(`#/pipeline/${org}/applicant$`));
      await page.getByRole('heading', { name: '申请人' }).waitFor();
      const row = page.locator('ul.applicants li', { hasText: '测试申请人' });
      await row.waitFor();
      assert.match(await row.innerText(), /下一步：谈话/);
    });
  });
});
