// 审计日志 (#/audit/ORG): the rows of GET /api/v1/audit about an organisation's subtree,
// newest first, a page at a time; for auditors and safety officers (audit.read). Filters:
// the kind of action, who (part of a name) and Beijing days from–to, applied together with
// one button. Each row is a small card readable on a phone: what happened in words, when
// (Beijing time), the result, who by name, where, on what, and the detail.
import { useState } from 'preact/hooks';
import { useGet, usePaged } from '../hooks.js';
import { addStrings, t } from '../i18n.js';
import { ErrorBox, Loading, More, TopBar } from '../ui.jsx';
import { fmtTime } from '../time.js';

addStrings({
  auditLog: '审计日志', auditNone: '还没有记录', auditActor: '操作人', auditTarget: '对象', auditSystem: '系统（命令行）',
  auditFrom: '来源', auditRow: '第 {id} 条', auditOrg: '组织',
  auditKind: '操作类别', auditAll: '全部', auditWho: '操作人姓名', auditDayFrom: '从（日期）', auditDayTo: '到（日期）',
  auditApply: '筛选', auditBadRange: '结束日期不能早于开始日期', auditClear: '清除筛选', auditFilters: '筛选条件',
  'ar.ok': '成功', 'ar.denied': '被拒绝', 'ar.refused': '未接受', 'ar.failed': '失败',
  'ad.access': '访问', 'ad.account': '账户', 'ad.activity': '活动', 'ad.applicant': '入党申请', 'ad.audit': '审计',
  'ad.auth': '登录', 'ad.demo': '演示数据', 'ad.dues': '党费', 'ad.meeting': '会议', 'ad.member': '党员', 'ad.notice': '通知',
  'ad.org': '组织', 'ad.poll': '投票', 'ad.post': '资讯', 'ad.role': '职务', 'ad.stats': '统计', 'ad.sync': '离线上传',
  'ad.thread': '留言', 'ad.transfer': '组织关系转接', 'ad.wordlist': '敏感词',
  'aa.access.denied': '无权访问被拦截', 'aa.auth.login': '登录', 'aa.auth.logout': '退出登录',
  'aa.account.password': '修改密码', 'aa.account.totp': '两步验证设置', 'aa.audit.read': '查看审计日志',
  'aa.member.reveal': '查看党员完整证件号、电话或住址', 'aa.member.search': '按证件号或电话查找党员',
  'aa.member.create': '新增党员', 'aa.member.edit': '修改党员信息', 'aa.member.status': '变更党员状态',
  'aa.member.export': '导出党员名册', 'aa.member.import': '导入党员名册',
  'aa.role.grant': '任命职务', 'aa.role.revoke': '撤销职务', 'aa.org.create': '新建组织', 'aa.org.rename': '组织改名',
  'aa.org.move': '调整隶属关系', 'aa.org.close': '撤销组织', 'aa.dues.pay': '登记党费', 'aa.dues.reverse': '冲销党费',
  'aa.meeting.close': '结束会议', 'aa.meeting.create': '安排会议', 'aa.meeting.mark': '登记到会',
  'aa.notice.publish': '发布通知', 'aa.notice.retract': '撤回通知', 'aa.transfer.start': '发起转接',
  'aa.transfer.approve': '同意转接', 'aa.transfer.accept': '接收转接', 'aa.demo.create': '生成演示数据',
}, {
  auditLog: 'Audit log', auditNone: 'Nothing recorded yet', auditActor: 'By', auditTarget: 'On', auditSystem: 'System (command line)',
  auditFrom: 'From', auditRow: 'Row {id}', auditOrg: 'Where',
  auditKind: 'Kind of action', auditAll: 'All', auditWho: "Actor's name", auditDayFrom: 'From (date)', auditDayTo: 'To (date)',
  auditApply: 'Filter', auditBadRange: 'The last day is before the first', auditClear: 'Clear filters', auditFilters: 'Filters',
  'ar.ok': 'Done', 'ar.denied': 'Denied', 'ar.refused': 'Refused', 'ar.failed': 'Failed',
});

// The action in words: its own label, else its domain's label and the code.
function actionText(action) {
  const own = t('aa.' + action);
  if (own !== 'aa.' + action) return own;
  const domain = action.split('.')[0];
  const d = t('ad.' + domain);
  return d !== 'ad.' + domain ? d + ' · ' + action : action;
}

const resultText = (r) => (t('ar.' + r) !== 'ar.' + r ? t('ar.' + r) : r);

// The domains a filter offers (those with a label above).
const DOMAINS = ['auth', 'access', 'role', 'org', 'member', 'account', 'audit', 'notice', 'meeting', 'transfer', 'dues',
  'applicant', 'post', 'thread', 'wordlist', 'activity', 'poll', 'sync', 'stats', 'demo'];

export default function Audit({ id }) {
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const blank = { action: '', actor: '', from: '', to: '' };
  const [form, setForm] = useState(blank);
  const [applied, setApplied] = useState(blank);
  const list = usePaged('/audit', { orgId: id, ...applied }, 30);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const apply = (e) => { e.preventDefault(); setApplied({ ...form, actor: form.actor.trim() }); };
  const any = Object.values(applied).some(Boolean);
  const badTo = list.error && list.error.field;
  return (
    <div>
      <TopBar title={t('auditLog')} back="#/home" />
      {org.data && <p class="muted sub">{org.data.name}</p>}
      <details class="card audit-filters" open={any}>
        <summary>{t('auditFilters')}{any ? ' ✓' : ''}</summary>
        <form class="form" onSubmit={apply}>
          <label class="field"><span>{t('auditKind')}</span>
            <select class="fsel block" value={form.action} onChange={set('action')} name="action">
              <option value="">{t('auditAll')}</option>
              {DOMAINS.map((d) => <option key={d} value={d}>{t('ad.' + d)}</option>)}
            </select>
          </label>
          <label class="field"><span>{t('auditWho')}</span>
            <input value={form.actor} onInput={set('actor')} maxLength={30} name="actor" />
          </label>
          <div class="two">
            <label class={'field' + (badTo === 'from' ? ' bad' : '')}><span>{t('auditDayFrom')}</span>
              <input type="date" value={form.from} onInput={set('from')} name="from" />
            </label>
            <label class={'field' + (badTo === 'to' ? ' bad' : '')}><span>{t('auditDayTo')}</span>
              <input type="date" value={form.to} onInput={set('to')} name="to" />
              {badTo === 'to' && <span class="field-error" role="alert">{t('auditBadRange')}</span>}
            </label>
          </div>
          <div class="btn-row">
            <button type="submit" class="btn primary">{t('auditApply')}</button>
            {any && <button type="button" class="btn secondary" onClick={() => { setForm(blank); setApplied(blank); }}>{t('auditClear')}</button>}
          </div>
        </form>
      </details>
      {list.error && !list.items.length && !badTo && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted">{t('auditNone')}</p>}
      <ul class="list audit-list">
        {list.items.map((a) => (
          <li key={a.id} class="card audit-row" data-action={a.action} data-result={a.result}>
            <p class="mline">
              <strong>{actionText(a.action)}</strong>
              <span class={'tag audit-' + a.result}>{resultText(a.result)}</span>
            </p>
            <p class="muted">{fmtTime(a.at)} · {t('auditRow', { id: a.id })}</p>
            <dl class="audit-kv">
              <dt>{t('auditActor')}</dt><dd class="audit-actor">{a.actorId ? (a.actorName || '#' + a.actorId) : t('auditSystem')}</dd>
              {a.orgName && <><dt>{t('auditOrg')}</dt><dd>{a.orgName}</dd></>}
              {a.target && <><dt>{t('auditTarget')}</dt><dd>{a.target}</dd></>}
              {a.ip && <><dt>{t('auditFrom')}</dt><dd>{a.ip}</dd></>}
            </dl>
            {a.detail && <p class="audit-detail">{a.detail}</p>}
          </li>
        ))}
      </ul>
      <More list={list} />
    </div>
  );
}
