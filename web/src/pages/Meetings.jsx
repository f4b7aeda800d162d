// Organisational life (三会一课): the compliance calendar of a branch and the roll-up of a
// township or county with drill-down, a meeting's page (agenda, check-in with the rotating
// code, leave, attendance, minutes, close, notes), scheduling, the member's own meetings,
// and offline capture (offline.js) for secretaries without a signal.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { useGet, useWrite } from '../hooks.js';
import { addStrings, errText, t } from '../i18n.js';
import { Chevron, ErrorBox, Loading, TopBar, can, canAny } from '../ui.jsx';
import { MemberPicker } from '../pick.jsx';
import { dismissRejected, enqueue, flush, subscribe, watch } from '../offline.js';
import { addDays, fmtDate, fmtMonth, fmtRange, fmtTime, fromInput, today, zoneNote } from '../time.js';
import { FileList, Uploader } from '../files.jsx';

const TYPES = ['branch_assembly', 'committee', 'group_meeting', 'party_lecture', 'theme_day', 'life_meeting', 'democratic_review'];
const ITEMS = TYPES.concat(['secretary_lecture']); // what the calendar tracks

addStrings({
  'mt.branch_assembly': '支部党员大会', 'mt.committee': '支委会', 'mt.group_meeting': '党小组会',
  'mt.party_lecture': '党课', 'mt.theme_day': '主题党日', 'mt.life_meeting': '组织生活会', 'mt.democratic_review': '民主评议党员', 'mt.secretary_lecture': '书记讲党课', mtgBySecretary: '由支部书记讲授',
  'mc.green': '已完成', 'mc.amber': '待召开', 'mc.red': '已逾期',
  'ma.expected': '未签到', 'ma.present': '已到会', 'ma.remote': '线上参会', 'ma.leave': '请假', 'ma.absent': '缺席',
  'ms.scheduled': '未结束', 'ms.closed': '已结束',
  'ml.pending': '请假待批', 'ml.approved': '请假已批准', 'ml.refused': '请假未批准',
  mtgCalendar: '三会一课', mtgCompliance: '三会一课 · {name}', mtgPeriod: '本期 {from} 至 {to}',
  mtgEvery: '每 {n} 个月', mtgNotRequired: '不要求', mtgLast: '上次：{date}', mtgNever: '尚无记录',
  mtgHeld: '本期已开 {n} 次', mtgNext: '下次：{at}', mtgNew: '安排会议', mtgList: '会议记录',
  mtgBranches: '{n} 个支部', mtgDrill: '各下级组织', mtgMine: '我的会议', mtgNone: '暂无会议',
  mtgType: '会议类型', mtgTitle: '会议名称', mtgDate: '日期', mtgTime: '开始时间', mtgDuration: '时长（分钟）',
  mtgPlace: '地点', mtgLink: '线上会议链接', mtgRoom: '开设语音会议室（外出党员用手机参加）', mtgRoomEnter: '进入语音会议室', mtgWithHosted: '也请在本支部活动的流入党员参加', mtgHosted: '流入党员', mtgAgenda: '议程', mtgWho: '参会人员', mtgWhoBranch: '全体党员',
  mtgWhoGroup: '党小组', mtgWhoMembers: '指定党员', mtgSave: '保存', mtgCreate: '确定安排',
  mtgCode: '签到码', mtgCodeHint: '党员用手机相机扫二维码即可签到，或在会议页输入签到码（每 {n} 秒更换）',
  mtgCheckin: '签到', mtgCheckinCode: '输入签到码', mtgCheckinRemote: '线上参会签到', mtgCheckedIn: '已签到',
  mtgLeave: '请假', mtgLeaveBy: '请假截止：{at}', mtgCheckinWhen: '签到时间：{range}', mtgLeaveReason: '请假事由', mtgLeaveAsk: '提交请假', mtgApprove: '批准', mtgRefuse: '不批准',
  mtgAttendance: '到会情况', mtgCounts: '应到 {e} · 实到 {p} · 线上 {r} · 请假 {l} · 缺席 {a}',
  mtgMinutes: '会议记录', mtgResolutions: '会议决议', mtgSaveMinutes: '保存会议记录', mtgClose: '结束会议并归档',
  mtgClosed: '会议已结束，记录已锁定', mtgNotes: '更正说明', mtgAddNote: '追加更正', mtgNoteText: '更正内容',
  mtgConfirm: '我已阅读会议记录', mtgConfirmed: '已确认阅读', mtgFiles: '材料与照片', mtgFileRef: '照片或文件（文件名或链接）',
  mtgFileKind: '类别', 'mf.material': '会议材料', 'mf.photo': '会议照片', 'mf.signin_sheet': '纸质签到表照片', 'mf.agenda': '会议议程', 'mf.minutes': '会议记录',
  mtgAddFile: '添加', mtgPaper: '按纸质签到表', mtgOffline: '离线记录', mtgCapturedOffline: '离线记录 · {at} 记录，{rcv} 上传',
  mtgQueue: '有 {n} 条记录待上传', mtgSyncNow: '立即上传', mtgSyncing: '正在上传 {done}/{total}', mtgSynced: '已全部上传',
  mtgRejected: '以下记录未被接受', mtgDismiss: '知道了', mtgMe: '我的状态', mtgConfirmCount: '{n} 人已补学会议记录',
  mtgOnline: '线上', mtgWhere: '地点', mtgOpenLink: '打开会议链接',
  mtgRules: '会议要求设置（本组织及下级）', mtgEveryN: '每 {n} 个月一次', mtgCutoff: '请假截止（会前分钟）',
  mtgWindow: '签到时间（会议开始前后分钟）', mtgDefault: '（默认）', mtgSet: '已保存',
  'err.meeting.window': '不在签到时间内', 'err.meeting.code': '签到码不正确或已过期',
  'err.meeting.code_throttled': '签到码错误次数过多，请几分钟后再试',
  'err.meeting.leave_cutoff': '已过请假截止时间', 'err.meeting.closed': '会议已结束，记录已锁定',
  'err.meeting.no_minutes': '请先填写会议记录', 'err.meeting.state': '当前状态下不能这样操作',
  'err.meeting.not_expected': '您不在本次会议的参会名单中', 'err.sync.no_role_then': '记录时您还没有主持本支部会议的职务',
  'err.meeting.not_found': '会议不存在', 'err.meeting.open': '会议尚未结束',
  mtgCloseAsk: '结束会议前请核对', mtgCloseAsPresent: '记为到会 {n} 人（主持人、记录人）：{names}',
  mtgCloseAsAbsent: '记为缺席 {n} 人（尚未签到、也未请假）：{names}', mtgCloseNoneAbsent: '没有人会被记为缺席。',
  mtgCloseKept: '已经记录的到会、请假和缺席不变。结束后记录锁定，只能追加更正。',
  mtgCloseYes: '确认结束', mtgCloseNo: '返回修改', mtgCloseNeedsMinutes: '请先填写并保存会议记录，再结束会议。',
  'mtgErr.place': '填写地点、会议链接，或开设语音会议室（至少一项）', 'mtgErr.onlineLink': '会议链接要以 https:// 开头',
  'mtgErr.startsAt': '填写会议的日期和开始时间', 'mtgErr.memberIds': '至少选择一名党员', 'mtgErr.groupId': '选择一个党小组',
  'mtgErr.title': '会议名称最多 100 个字', 'mtgErr.durationMin': '会议时长填写分钟数，如 90',
  rjAttendance: '{name}记为“{status}”', rjFile: '添加的{kind}', 'rj.minutes': '离线填写的会议记录', 'rj.note': '离线填写的更正说明',
  'rj.close': '结束会议', rjNotSaved: '没有保存：', rjOther: '服务器没有接受这条记录',
  rjKept: '您填写的内容还在这里，没有丢失：', rjCopyMinutes: '复制到会议记录', rjCopyNote: '复制到新的更正说明',
  rjCopied: '已复制到下方的输入框（也已复制到剪贴板），检查后保存即可。', rjDrop: '已另存，删除这条',
  mtgPhases: '会议进程', 'mph.before': '会前', 'mph.during': '会中', 'mph.after': '会后',
  mtgLeaveRequests: '请假申请（{n} 条待批）', mtgExpected: '应到人员（{n}）', mtgMarked: '{name}：{status}，已保存',
  mtgRest: '其余 {n} 人标为出席', mtgRestAsk: '把其余 {n} 人标为“已到会”？', mtgRestYes: '确认标为出席',
  mtgRestBusy: '正在标记 {done}/{total}', mtgRestDone: '已将 {n} 人标为已到会', mtgFind: '查找党员（输入姓名）', mtgFindNone: '没有找到这个名字',
  mtgMinutesSaved: '会议记录已保存', mtgFileAdded: '已添加', mtgNoteAdded: '更正已追加',
  mtgQrAlt: '签到二维码：用手机相机扫一扫即可签到', mtgCheckinDone: '签到成功，已到会', mtgToMeeting: '查看会议',
}, {
  'mt.branch_assembly': 'Branch assembly', 'mt.committee': 'Committee meeting', 'mt.group_meeting': 'Party group meeting',
  'mt.party_lecture': 'Party lecture', 'mt.theme_day': 'Theme party day', 'mt.life_meeting': 'Organisational life meeting', 'mt.democratic_review': 'Democratic review', 'mt.secretary_lecture': "Secretary's lecture", mtgBySecretary: 'Given by the branch secretary',
  'mc.green': 'Done', 'mc.amber': 'Due', 'mc.red': 'Overdue',
  'ma.expected': 'Not checked in', 'ma.present': 'Present', 'ma.remote': 'Remote', 'ma.leave': 'On leave', 'ma.absent': 'Absent',
  'ms.scheduled': 'Open', 'ms.closed': 'Closed',
  'ml.pending': 'Leave pending', 'ml.approved': 'Leave approved', 'ml.refused': 'Leave refused',
  mtgCalendar: 'Meetings', mtgCompliance: 'Meetings · {name}', mtgPeriod: 'Period {from} to {to}',
  mtgEvery: 'every {n} months', mtgNotRequired: 'not required', mtgLast: 'Last: {date}', mtgNever: 'none yet',
  mtgHeld: '{n} held this period', mtgNext: 'Next: {at}', mtgNew: 'Schedule a meeting', mtgList: 'Meetings',
  mtgBranches: '{n} branches', mtgDrill: 'Organisations below', mtgMine: 'My meetings', mtgNone: 'No meetings',
  mtgType: 'Type', mtgTitle: 'Title', mtgDate: 'Date', mtgTime: 'Start time', mtgDuration: 'Duration (min)',
  mtgPlace: 'Place', mtgLink: 'Online link', mtgAgenda: 'Agenda', mtgWho: 'Attendees', mtgWhoBranch: 'All members',
  mtgWhoGroup: 'Party group', mtgWhoMembers: 'Chosen members', mtgSave: 'Save', mtgCreate: 'Schedule',
  mtgCode: 'Check-in code', mtgCodeHint: 'Members scan the QR code with their phone camera, or type the code on the meeting page (changes every {n} s)',
  mtgCheckin: 'Check in', mtgCheckinCode: 'Check-in code', mtgCheckinRemote: 'Check in remotely', mtgCheckedIn: 'Checked in',
  mtgLeave: 'Leave', mtgLeaveBy: 'Leave requests until {at}', mtgCheckinWhen: 'Check-in: {range}', mtgLeaveReason: 'Reason', mtgLeaveAsk: 'Ask for leave', mtgApprove: 'Approve', mtgRefuse: 'Refuse',
  mtgAttendance: 'Attendance', mtgCounts: 'Expected {e} · present {p} · remote {r} · leave {l} · absent {a}',
  mtgMinutes: 'Minutes', mtgResolutions: 'Resolutions', mtgSaveMinutes: 'Save minutes', mtgClose: 'Close and lock',
  mtgClosed: 'Closed: the record is locked', mtgNotes: 'Corrections', mtgAddNote: 'Append a correction', mtgNoteText: 'Correction',
  mtgConfirm: 'I have read the minutes', mtgConfirmed: 'Read', mtgFiles: 'Materials and photos', mtgFileRef: 'Photo or file (name or link)',
  mtgFileKind: 'Kind', 'mf.material': 'Material', 'mf.photo': 'Photo', 'mf.signin_sheet': 'Paper sign-in sheet', 'mf.agenda': 'Agenda', 'mf.minutes': 'Minutes',
  mtgAddFile: 'Add', mtgPaper: 'From the paper sheet', mtgOffline: 'Captured offline', mtgCapturedOffline: 'Captured offline {at}, uploaded {rcv}',
  mtgQueue: '{n} changes waiting to upload', mtgSyncNow: 'Upload now', mtgSyncing: 'Uploading {done}/{total}', mtgSynced: 'All uploaded',
  mtgRejected: 'These changes were refused', mtgDismiss: 'Dismiss', mtgMe: 'My status', mtgConfirmCount: '{n} read the minutes later',
  mtgOnline: 'Online', mtgWhere: 'Place', mtgOpenLink: 'Open the meeting link',
  mtgCloseAsk: 'Check before closing', mtgCloseAsPresent: 'Marked present, {n} (host, minute-taker): {names}',
  mtgCloseAsAbsent: 'Marked absent, {n} (not checked in, no leave): {names}', mtgCloseNoneAbsent: 'Nobody will be marked absent.',
  mtgCloseKept: 'Marks already made stay. The record is then locked; corrections are appended.',
  mtgCloseYes: 'Close the meeting', mtgCloseNo: 'Go back', mtgCloseNeedsMinutes: 'Write and save the minutes before closing.',
  'mtgErr.place': 'Give a place, an online link or an audio room', 'mtgErr.onlineLink': 'The link starts with https://',
  'mtgErr.startsAt': 'Give the date and start time', 'mtgErr.memberIds': 'Choose at least one member', 'mtgErr.groupId': 'Choose a party group',
  'mtgErr.title': 'The title takes at most 100 characters', 'mtgErr.durationMin': 'The length in minutes, e.g. 90',
  rjAttendance: '{name} marked "{status}"', rjFile: 'The {kind} added', 'rj.minutes': 'Minutes written offline', 'rj.note': 'Correction written offline',
  'rj.close': 'Closing the meeting', rjNotSaved: ' was not saved: ', rjOther: 'the server did not accept it',
  rjKept: 'What you wrote is still here:', rjCopyMinutes: 'Copy into the minutes', rjCopyNote: 'Copy into a new correction',
  rjCopied: 'Copied into the field below (and the clipboard): check it and save.', rjDrop: 'Saved elsewhere: remove',
  mtgPhases: 'Meeting stage', 'mph.before': 'Before', 'mph.during': 'During', 'mph.after': 'After',
  mtgLeaveRequests: 'Leave requests ({n} waiting)', mtgExpected: 'Expected ({n})', mtgMarked: '{name}: {status}, saved',
  mtgRest: 'Mark the other {n} present', mtgRestAsk: 'Mark the other {n} "present"?', mtgRestYes: 'Mark present',
  mtgRestBusy: 'Marking {done}/{total}', mtgRestDone: '{n} marked present', mtgFind: 'Find a member (name)', mtgFindNone: 'No such name',
  mtgMinutesSaved: 'Minutes saved', mtgFileAdded: 'Added', mtgNoteAdded: 'Correction appended',
  mtgQrAlt: 'Check-in QR code: scan with the phone camera', mtgCheckinDone: 'Checked in: present', mtgToMeeting: 'Open the meeting',
});

const enc = encodeURIComponent;
const when = (iso) => fmtTime(iso, { weekday: true }); // Beijing time (time.js)
const typeName = (x) => t('mt.' + x);

function Chip({ c }) {
  return <span class={'tag mc mc-' + c} data-colour={c}>{t('mc.' + c)}</span>;
}

// ---- compliance ----

function BranchCalendar({ d }) {
  return (
    <div>
      <a class="btn primary wide" href={'#/meeting-new/' + d.orgId}>{t('mtgNew')}</a>
      <section class="card">
      <ul class="list rows" aria-label={t('mtgCalendar')}>
        {d.types.map((x) => (
          <li key={x.type} class="mtg-type" data-type={x.type} data-status={x.status}>
            <div class="mline">
              <strong>{typeName(x.type)}</strong>
              <Chip c={x.status} />
            </div>
            <span class="muted small-line">
              {x.periodMonths ? t('mtgEvery', { n: x.periodMonths }) : t('mtgNotRequired')}
              {' · '}{t('mtgPeriod', { from: fmtMonth(x.periodStart), to: fmtMonth(x.periodEnd) })}
              {' · '}{x.lastHeld ? t('mtgLast', { date: fmtDate(x.lastHeld) }) : t('mtgNever')}
              {x.nextId ? <> · <a href={'#/meeting/' + x.nextId}>{t('mtgNext', { at: when(x.nextAt) })}</a></> : null}
            </span>
          </li>
        ))}
      </ul>
      </section>
      <MeetingList orgId={d.orgId} />
    </div>
  );
}

function MeetingList({ orgId }) {
  const st = useGet('/orgs/' + enc(orgId) + '/meetings?limit=50');
  if (st.loading) return <Loading />;
  if (st.error) return <ErrorBox error={st.error} onRetry={st.reload} />;
  const items = st.data.items || [];
  return (
    <section class="card">
      <h2>{t('mtgList')}</h2>
      {!items.length && <p class="muted">{t('mtgNone')}</p>}
      <ul class="list rows">
        {items.map((m) => (
          <li key={m.id}>
            <a class="bigrow" href={'#/meeting/' + m.id}>
              <span class="grow"><strong>{m.title}</strong><span class="muted">{typeName(m.type)} · {when(m.startsAt)} · {t('ms.' + m.state)}</span></span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Counts({ types }) {
  return (
    <table class="nums mtg-grid">
      <thead><tr><th>{t('mtgType')}</th><th>{t('mc.green')}</th><th>{t('mc.amber')}</th><th>{t('mc.red')}</th></tr></thead>
      <tbody>
        {types.map((x) => (
          <tr key={x.type} data-type={x.type}>
            <th>{typeName(x.type)}</th>
            <td class="mc-green">{x.green}</td><td class="mc-amber">{x.amber}</td><td class={'mc-red' + (x.red ? ' hot' : '')}>{x.red}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Rollup({ d }) {
  const [type, setType] = useState('committee');
  return (
    <div>
      <section class="card">
        <p class="muted">{t('mtgBranches', { n: d.branches })}</p>
        <div class="table-wrap"><Counts types={d.types} /></div>
      </section>
      <section class="card">
        <h2>{t('mtgDrill')}</h2>
        <label class="field">
          <span>{t('mtgType')}</span>
          <select class="fsel block" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {ITEMS.map((x) => <option key={x} value={x}>{typeName(x)}</option>)}
          </select>
        </label>
        <ul class="list rows">
          {d.children.map((c) => {
            const x = c.types.find((y) => y.type === type) || {};
            return (
              <li key={c.id} data-org={c.id}>
                <a class="bigrow" href={'#/compliance/' + c.id}>
                  <span class="grow">
                    <strong>{c.name}</strong>
                    <span class="muted">{t('mtgBranches', { n: c.branches })}</span>
                  </span>
                  <span class="mtg-tally" data-red={x.red} data-amber={x.amber} data-green={x.green}>
                    <span class="tag mc mc-red">{x.red}</span>
                    <span class="tag mc mc-amber">{x.amber}</span>
                    <span class="tag mc mc-green">{x.green}</span>
                  </span>
                  <Chevron />
                </a>
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}

const PERIODS = [1, 2, 3, 4, 6, 12, 0];

// The rules an organisation's admin sets for its subtree (the nearest setting wins).
function Rules({ id, onChange }) {
  const st = useGet('/orgs/' + enc(id) + '/meeting-rules');
  const [mine, setMine] = useState(null); // the answer of the last change
  const w = useWrite({ fields: false });
  const err = w.error;
  const [ok, setOk] = useState('');
  const save = async (key, value) => {
    setOk('');
    const r = await w.run(() => api('/orgs/' + enc(id) + '/meeting-rules', { method: 'POST', body: { key, value } }));
    if (r) {
      setMine(r);
      setOk(t('mtgSet'));
      onChange();
    }
  };
  const r = mine || st.data;
  if (!r) return null;
  return (
    <details class="card rules">
      <summary>{t('mtgRules')}</summary>
      <div class="form">
        {r.types.map((x) => (
          <label key={x.type} class="field">
            <span>{typeName(x.type)}</span>
            <select class="fsel block" value={String(x.periodMonths)} data-rule={x.type}
              onChange={(e) => save(x.type, Number(e.currentTarget.value))}>
              {PERIODS.map((p) => (
                <option key={p} value={String(p)}>
                  {p ? t('mtgEveryN', { n: p }) : t('mtgNotRequired')}{p === x.defaultMonths ? t('mtgDefault') : ''}
                </option>
              ))}
            </select>
          </label>
        ))}
        <label class="field"><span>{t('mtgCutoff')}</span>
          <input type="number" inputMode="numeric" min="0" max="1440" value={r.leaveCutoffMin}
            onChange={(e) => save('leaveCutoffMin', Number(e.currentTarget.value))} />
        </label>
        <label class="field"><span>{t('mtgWindow')}</span>
          <input type="number" inputMode="numeric" min="0" max="1440" value={r.checkinWindowMin}
            onChange={(e) => save('checkinWindowMin', Number(e.currentTarget.value))} />
        </label>
        {ok && <p class="ok-text" role="status">{ok}</p>}
        {err && <ErrorBox error={err} />}
      </div>
    </details>
  );
}

export default function Compliance({ id, me }) {
  const st = useGet('/orgs/' + enc(id) + '/compliance');
  const admin = canAny('org.admin');
  const org = useGet(admin ? '/orgs/' + enc(id) : null);
  const d = st.data;
  const mayRule = admin && org.data && can('org.admin', org.data);
  return (
    <div>
      <TopBar title={d ? t('mtgCompliance', { name: d.name }) : t('mtgCalendar')} back={'#/org/' + id} />
      {st.loading && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {d && (d.branch ? <BranchCalendar d={d} /> : <Rollup d={d} />)}
      {mayRule && <Rules id={id} onChange={st.reload} />}
    </div>
  );
}

// ---- scheduling ----

export function MeetingNew({ orgId }) {
  const [f, setF] = useState({
    type: 'committee', title: '', date: addDays(today(), 1),
    time: '09:00', durationMin: '90', place: '', onlineLink: '', agenda: '', attendees: 'branch', groupId: '', bySecretary: false, audioRoom: false, withHosted: false,
  });
  // Field errors stay with the error (errText) under the field they name.
  const w = useWrite({ fields: false });
  const { busy, error: err } = w;
  const groups = useGet('/orgs/' + enc(orgId) + '/children?limit=50');
  // Migrants the branch hosts: all of them with withHosted (the picker offers them too).
  const hosted = useGet('/members?orgId=' + enc(orgId) + '&hosted=true&limit=200');
  const hostedItems = (hosted.data && hosted.data.items) || [];
  const [chosen, setChosen] = useState([]); // member ids (the one name picker, pick.jsx)
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    const m = await w.run(() => {
      // The day and time are Beijing's, whatever the phone's zone.
      const body = {
        orgId: Number(orgId), type: f.type, title: f.title.trim() || typeName(f.type), startsAt: fromInput(f.date, f.time),
        durationMin: Number(f.durationMin) || 90, attendees: f.attendees,
      };
      if (f.place.trim()) body.place = f.place.trim();
      if (f.onlineLink.trim()) body.onlineLink = f.onlineLink.trim();
      if (f.agenda.trim()) body.agenda = f.agenda.trim();
      if (f.attendees === 'group') body.groupId = Number(f.groupId);
      if (f.attendees === 'members') body.memberIds = chosen;
      if (f.type === 'party_lecture' && f.bySecretary) body.bySecretary = true;
      if (f.audioRoom) body.audioRoom = true;
      if (f.withHosted && f.attendees !== 'members') body.withHosted = true;
      return api('/meetings', { method: 'POST', body });
    });
    if (m) location.replace('#/meeting/' + m.id);
  };
  const groupItems = ((groups.data && groups.data.items) || []).filter((g) => g.level === 'group');
  // What is wrong, said for the field the server names; the page goes to it.
  const fieldText = (e) => (t('mtgErr.' + e.field) !== 'mtgErr.' + e.field ? t('mtgErr.' + e.field) : errText(e));
  useEffect(() => {
    if (!err || !err.field) return;
    const el = document.querySelector('.field.bad, .member-picker .field-error');
    if (el) el.scrollIntoView({ block: 'center' });
    const input = el && el.querySelector('input, select, textarea');
    if (input) input.focus({ preventScroll: true });
  }, [err]);
  const field = (k, label, input) => (
    <label class={'field' + (err && err.field === k ? ' bad' : '')}>
      <span>{label}</span>{input}
      {err && err.field === k && <span class="field-error" role="alert">{fieldText(err)}</span>}
    </label>
  );
  return (
    <div>
      <TopBar title={t('mtgNew')} back={'#/compliance/' + orgId} />
      <form class="form card" onSubmit={submit}>
        {field('type', t('mtgType'), <select class="fsel block" value={f.type} onChange={set('type')}>{TYPES.map((x) => <option key={x} value={x}>{typeName(x)}</option>)}</select>)}
        {f.type === 'party_lecture' && (
          <label class="check"><input type="checkbox" checked={f.bySecretary} onChange={(e) => setF({ ...f, bySecretary: e.currentTarget.checked })} /> {t('mtgBySecretary')}</label>
        )}
        {field('title', t('mtgTitle'), <input value={f.title} placeholder={typeName(f.type)} onInput={set('title')} maxLength={100} />)}
        <div class="two">
          {field('startsAt', t('mtgDate'), <input type="date" value={f.date} onInput={set('date')} required />)}
          {field('time', t('mtgTime') + zoneNote(), <input type="time" value={f.time} onInput={set('time')} required />)}
        </div>
        {field('durationMin', t('mtgDuration'), <input type="number" inputMode="numeric" value={f.durationMin} onInput={set('durationMin')} />)}
        {field('place', t('mtgPlace'), <input value={f.place} onInput={set('place')} maxLength={200} />)}
        {field('onlineLink', t('mtgLink'), <input type="url" value={f.onlineLink} placeholder="https://" onInput={set('onlineLink')} />)}
        <label class="check"><input type="checkbox" checked={f.audioRoom} onChange={(e) => setF({ ...f, audioRoom: e.currentTarget.checked })} /> {t('mtgRoom')}</label>
        {field('agenda', t('mtgAgenda'), <textarea rows={4} value={f.agenda} onInput={set('agenda')} />)}
        {field('attendees', t('mtgWho'), (
          <select class="fsel block" value={f.attendees} onChange={set('attendees')}>
            <option value="branch">{t('mtgWhoBranch')}</option>
            {groupItems.length > 0 && <option value="group">{t('mtgWhoGroup')}</option>}
            <option value="members">{t('mtgWhoMembers')}</option>
          </select>
        ))}
        {f.attendees !== 'members' && hostedItems.length > 0 && (
          <label class="check"><input type="checkbox" checked={f.withHosted} onChange={(e) => setF({ ...f, withHosted: e.currentTarget.checked })} /> {t('mtgWithHosted')}（{hostedItems.length}）</label>
        )}
        {f.attendees === 'members' && (
          <MemberPicker orgId={orgId} name="attendees" legend={t('mtgWhoMembers')} value={chosen} onChange={setChosen} extra={hostedItems}
            error={err && err.field === 'memberIds' ? fieldText(err) : ''} />
        )}
        {f.attendees === 'group' && field('groupId', t('mtgWhoGroup'), (
          <select class="fsel block" value={f.groupId} onChange={set('groupId')} required>
            <option value="" />
            {groupItems.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
          </select>
        ))}
        {err && !err.field && <ErrorBox error={err} />}
        <button class="btn primary wide" type="submit" disabled={busy}>{t('mtgCreate')}</button>
      </form>
    </div>
  );
}

// ---- my meetings ----

export function MyMeetings() {
  const st = useGet('/me/meetings');
  return (
    <div>
      <TopBar title={t('mtgMine')} back="#/home" />
      {st.loading && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {st.data && (
        <section class="card">
          {!st.data.items.length && <p class="muted">{t('mtgNone')}</p>}
          <ul class="list rows">
            {st.data.items.map((m) => (
              <li key={m.id}>
                <a class="bigrow" href={'#/meeting/' + m.id}>
                  <span class="grow">
                    <strong>{m.title}</strong>
                    <span class="muted">{typeName(m.type)} · {when(m.startsAt)} · {t('ma.' + m.myStatus)}{m.leaveState ? ' · ' + t('ml.' + m.leaveState) : ''}</span>
                  </span>
                  {m.needsConfirm && <span class="badge">!</span>}
                  <Chevron />
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

// ---- the meeting page ----

const cacheKey = (id) => 'zhibu.mtg.' + id;
function cacheGet(id) { try { return JSON.parse(localStorage.getItem(cacheKey(id)) || 'null'); } catch (e) { return null; } }
function cachePut(m) { try { if (m.canRun) localStorage.setItem(cacheKey(m.id), JSON.stringify(m)); } catch (e) { /* full */ } }

// The meeting, live when online; a secretary's saved copy when not.
function useMeeting(id) {
  const [st, setSt] = useState({ data: null, error: null, loading: true, stale: false });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    api('/meetings/' + enc(id)).then(
      (m) => { cachePut(m); if (live) setSt({ data: m, error: null, loading: false, stale: false }); },
      (e) => {
        const c = e.code === 'network' ? cacheGet(id) : null;
        if (live) setSt(c ? { data: c, error: null, loading: false, stale: true } : { data: null, error: e, loading: false, stale: false });
      },
    );
    return () => { live = false; };
  }, [id, n]);
  return { ...st, reload: () => setN((x) => x + 1), set: (m) => { cachePut(m); setSt({ data: m, error: null, loading: false, stale: false }); } };
}

function useSync() {
  const [s, setS] = useState({ queue: [], rejected: [], running: false, done: 0, total: 0 });
  useEffect(() => { watch(); return subscribe(setS); }, []);
  return s;
}

// What a refused offline change was, in words: the mark, the minutes, the file, the note.
function changeText(c, m) {
  if (c.kind === 'attendance') {
    const a = m && m.attendance.find((x) => x.memberId === c.memberId);
    return t('rjAttendance', { name: a ? a.name : '#' + c.memberId, status: t('ma.' + c.status) });
  }
  if (c.kind === 'file') return t('rjFile', { kind: t('mf.' + c.fileKind) });
  return t('rj.' + c.kind);
}

// The text a refused change carried (typed offline): kept until the secretary has it again.
const changeContent = (c) => [c.minutes, c.resolutions, c.text, c.ref].filter((x) => x && x.trim()).join('\n\n');

// Why the server refused it, in the interface's words (never its English message).
function refusalText(r) {
  const key = 'err.' + r.reason;
  return t(key) !== key ? t(key) : t('rjOther');
}

function Refused({ r, m, onCopy }) {
  const content = changeContent(r);
  const [copied, setCopied] = useState(false);
  const copy = () => {
    onCopy(r);
    navigator.clipboard?.writeText(content).catch(() => {});
    setCopied(true);
  };
  return (
    <li class="refused" data-kind={r.kind}>
      <p><strong>{changeText(r, m)}</strong>{t('rjNotSaved')}{refusalText(r)}</p>
      {content ? (
        <>
          <p class="hint">{t('rjKept')}</p>
          <p class="minutes refused-content">{content}</p>
          <div class="btn-row">
            <button type="button" class="btn primary" onClick={copy}>{t(m && m.state === 'closed' ? 'rjCopyNote' : 'rjCopyMinutes')}</button>
            {copied && <button type="button" class="btn secondary" onClick={() => dismissRejected(r.key)}>{t('rjDrop')}</button>}
          </div>
          {copied && <p class="ok-text" role="status">{t('rjCopied')}</p>}
        </>
      ) : (
        <button type="button" class="btn secondary" onClick={() => dismissRejected(r.key)}>{t('mtgDismiss')}</button>
      )}
    </li>
  );
}

function SyncBar({ sync, m, onSynced, onCopy }) {
  const meetingId = m.id;
  const mine = sync.queue.filter((c) => c.meetingId === meetingId);
  const rej = sync.rejected.filter((c) => c.meetingId === meetingId);
  const [was, setWas] = useState(0);
  useEffect(() => {
    if (was && !mine.length && !sync.running) onSynced();
    setWas(mine.length);
  }, [mine.length, sync.running]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!mine.length && !rej.length && !sync.running) return null;
  return (
    <section class="card sync" aria-live="polite">
      {sync.running && <p class="sync-progress" role="status">{t('mtgSyncing', { done: sync.done, total: sync.total })}</p>}
      {!sync.running && mine.length > 0 && (
        <div class="btn-row">
          <p class="sync-queue">{t('mtgQueue', { n: mine.length })}</p>
          <button type="button" class="btn secondary" onClick={() => flush()}>{t('mtgSyncNow')}</button>
        </div>
      )}
      {rej.length > 0 && (
        <div class="error sync-rejected" role="alert">
          <p>{t('mtgRejected')}</p>
          <ul class="list">
            {rej.map((r) => <Refused key={r.key} r={r} m={m} onCopy={onCopy} />)}
          </ul>
        </div>
      )}
    </section>
  );
}

// The code the room sees, large, and its QR code: a member's phone camera opens the
// check-in link (#/checkin/ID/CODE) which checks them in; both change with the code.
function CodeScreen({ id }) {
  const [c, setC] = useState(null); // {code, stepSeconds, checkinUrl, svg}: the server says how often it changes
  const code = c && c.code;
  useEffect(() => {
    let live = true;
    const load = () => api('/meetings/' + enc(id) + '/code?origin=' + enc(location.origin)).then((d) => live && setC(d), () => {});
    load();
    const h = setInterval(load, 3000);
    return () => { live = false; clearInterval(h); };
  }, [id]);
  if (!code) return null;
  return (
    <section class="card code-card" aria-labelledby="code-h">
      <h2 id="code-h">{t('mtgCode')}</h2>
      <p class="mtg-code" data-code={code}>{code}</p>
      {c.svg && (
        <img class="qr mtg-qr" alt={t('mtgQrAlt')} width="220" height="220" data-url={c.checkinUrl}
          src={'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(c.svg)} />
      )}
      <p class="muted">{t('mtgCodeHint', { n: c.stepSeconds })}</p>
    </section>
  );
}

// The page a member's camera opens from the QR code: checks in with the code it carries
// and says so in large type; on a refusal, why, and the way to the meeting page.
export function CheckinLink({ id, code }) {
  const [st, setSt] = useState({ busy: true });
  useEffect(() => {
    api('/meetings/' + enc(id) + '/checkin', { method: 'POST', body: { code } }).then(
      (a) => setSt({ row: a }), (e) => setSt({ error: e }));
  }, [id, code]);
  return (
    <div>
      <TopBar title={t('mtgCheckin')} back={'#/meeting/' + id} />
      <section class="card checkin-result">
        {st.busy && <Loading />}
        {st.row && <p class="my-status big-ok" data-status={st.row.status} role="status"><strong>{t('mtgCheckinDone')}</strong></p>}
        {st.error && <p class="field-error" role="alert">{errText(st.error)}</p>}
        {!st.busy && <a class="btn primary wide" href={'#/meeting/' + id}>{t('mtgToMeeting')}</a>}
      </section>
    </div>
  );
}

function MemberBox({ m, mine, onChange }) {
  const [code, setCode] = useState('');
  const [reason, setReason] = useState('');
  const w = useWrite();
  const act = async (path, body) => {
    const done = await w.run(() => api('/meetings/' + m.id + path, { method: 'POST', body }).then(() => true));
    if (done) onChange();
  };
  if (!mine) return null;
  const open = m.state === 'scheduled';
  // Before check-in opens (a meeting tomorrow), someone who attends from afar needs the
  // online link: then it is the main button, and checking in with the code comes second.
  const early = open && m.checkinFrom && Date.now() < Date.parse(m.checkinFrom);
  const linkFirst = !!(m.onlineLink && early && mine.status === 'expected');
  return (
    <section class="card" aria-labelledby="me-h">
      <h2 id="me-h">{t('mtgMe')}</h2>
      <p class="my-status" data-status={mine.status}>
        <strong>{t('ma.' + mine.status)}</strong>
        {mine.leaveState && <span class="muted"> · {t('ml.' + mine.leaveState)}</span>}
      </p>
      {open && m.audioRoom && (
        <a class={'btn wide room-link ' + (early || mine.status === 'expected' ? 'primary' : 'secondary')} href={'#/room/' + m.id}>{t('mtgRoomEnter')}</a>
      )}
      {open && m.onlineLink && (
        <a class={'btn wide open-link ' + (linkFirst ? 'primary' : 'secondary')} href={m.onlineLink} rel="noopener noreferrer" target="_blank">{t('mtgOpenLink')}</a>
      )}
      {open && (mine.status === 'expected' || mine.status === 'leave' || mine.status === 'absent') && (
        <form class="form" onSubmit={(e) => { e.preventDefault(); act('/checkin', { code: code.trim() }); }}>
          <label class="field"><span>{t('mtgCheckinCode')}</span>
            <input class="code-input" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </label>
          {m.checkinFrom && <p class="hint">{t('mtgCheckinWhen', { range: fmtRange(m.checkinFrom, m.checkinUntil) })}</p>}
          <button class={'btn wide ' + (linkFirst ? 'secondary' : 'primary')} type="submit" disabled={w.busy}>{t('mtgCheckin')}</button>
          {m.onlineLink && <button class="btn secondary wide" type="button" disabled={w.busy} onClick={() => act('/checkin', { remote: true })}>{t('mtgCheckinRemote')}</button>}
        </form>
      )}
      {open && mine.status === 'expected' && mine.leaveState !== 'pending' && mine.leaveState !== 'approved' && (
        <form class="form" onSubmit={(e) => { e.preventDefault(); act('/leave', { reason: reason.trim() }); }}>
          <label class="field"><span>{t('mtgLeaveReason')}</span>
            <textarea rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required minLength={2} />
          </label>
          {m.leaveUntil && <p class="hint">{t('mtgLeaveBy', { at: when(m.leaveUntil) })}</p>}
          <button class="btn secondary wide" type="submit" disabled={w.busy}>{t('mtgLeaveAsk')}</button>
        </form>
      )}
      {!open && (mine.status === 'absent' || mine.status === 'leave') && (
        mine.minutesReadAt ? <p class="ok-text">{t('mtgConfirmed')}</p>
          : <button class="btn primary wide" type="button" disabled={w.busy} onClick={() => act('/confirm')}>{t('mtgConfirm')}</button>
      )}
      {w.error && <ErrorBox error={w.error} />}
      {w.ferr && <p class="field-error" role="alert">{w.ferr.text}{w.ferr.detail && <span class="detail">{w.ferr.detail}</span>}</p>}
    </section>
  );
}

// Offline: the queued changes of this meeting shown over the saved copy.
function overlay(m, queue) {
  if (!m) return m;
  const out = { ...m, attendance: m.attendance.map((a) => ({ ...a })) };
  for (const c of queue) {
    if (c.meetingId !== m.id) continue;
    if (c.kind === 'attendance') {
      const a = out.attendance.find((x) => x.memberId === c.memberId);
      if (a) Object.assign(a, { status: c.status, source: c.paper ? 'paper' : 'offline', pending: true });
    } else if (c.kind === 'minutes') {
      if (c.minutes) out.minutes = c.minutes;
      if (c.resolutions) out.resolutions = c.resolutions;
      out.minutesPending = true;
    }
  }
  return out;
}

const MARKS = ['present', 'absent', 'leave'];

// The three moments of a meeting, the secretary's page shows one at a time: before
// (who is expected, leave requests), during (the code and QR for the room, who is here,
// marks by exception), after (minutes, files, close). The clock chooses; a tap changes.
const PHASES = ['before', 'during', 'after'];
function phaseOf(m) {
  if (m.state === 'closed') return 'after';
  const now = Date.now();
  if (m.checkinFrom && now < Date.parse(m.checkinFrom)) return 'before';
  const end = Math.max(Date.parse(m.checkinUntil || m.startsAt), Date.parse(m.startsAt) + (m.durationMin || 90) * 60000);
  return now <= end ? 'during' : 'after';
}

// Feedback where the finger is: a short line beside what was tapped (`at` names the
// place: 'row:ID', 'bulk', 'minutes', 'file', 'close', 'note').
function Said({ said, at }) {
  if (!said || said.at !== at) return null;
  return said.error
    ? <p class="field-error said" role="alert" data-at={at}>{errText(said.error)}</p>
    : <p class="ok-text said" role="status" data-at={at}>{said.text}</p>;
}

// Attendance as names by status, the exceptions first (absent, on leave, not yet
// marked) and the present folded away: a closed meeting of 58 fits on a screen.
const BY = ['absent', 'leave', 'expected', 'remote', 'present'];
function ByStatus({ list }) {
  return (
    <div class="by-status">
      {BY.map((x) => {
        const xs = list.filter((a) => a.status === x);
        if (!xs.length) return null;
        const names = (
          <ul class="name-tags">
            {xs.map((a) => (
              <li key={a.memberId} class={'tag att-' + x} data-member={a.memberId} data-status={x}>
                {a.name}{(a.capturedOffline || a.pending) ? ' · ' + t('mtgOffline') : ''}
              </li>
            ))}
          </ul>
        );
        return x === 'present'
          ? <details key={x} class="by" data-status={x}><summary>{t('ma.' + x)} {xs.length}</summary>{names}</details>
          : <div key={x} class="by" data-status={x}><h3>{t('ma.' + x)} {xs.length}</h3>{names}</div>;
      })}
    </div>
  );
}

// Everyone still expected, without a pending or approved leave request: the rest.
const restOf = (m) => m.attendance.filter((a) => a.status === 'expected' && a.leaveState !== 'pending' && a.leaveState !== 'approved');

function RunnerBox({ m, onMeeting, onReload, draft, onDraftDone }) {
  const [phase, setPhase] = useState(() => phaseOf(m));
  const [minutes, setMinutes] = useState(m.minutes || '');
  const [res, setRes] = useState(m.resolutions || '');
  const [paper, setPaper] = useState(false);
  const [ref, setRef] = useState('');
  const [kind, setKind] = useState('signin_sheet');
  const [note, setNote] = useState('');
  const [said, setSaid] = useState(null); // {at, text} or {at, error}
  const [find, setFind] = useState('');
  const [bulk, setBulk] = useState(null); // null, 'ask', or {done, total}
  useEffect(() => { setMinutes(m.minutes || ''); setRes(m.resolutions || ''); }, [m.id, m.minutes, m.resolutions]);
  const open = m.state === 'scheduled';
  const shown = open ? phase : 'after';
  // A refused offline change copied back (SyncBar): into the minutes while the meeting is
  // open, into a new correction once it is closed.
  useEffect(() => {
    if (!draft) return;
    let field;
    setPhase('after');
    if (open && draft.kind === 'minutes') {
      if (draft.minutes) setMinutes(draft.minutes);
      if (draft.resolutions) setRes(draft.resolutions);
      field = 'mtg-minutes';
    } else if (open) {
      setMinutes((x) => (x ? x + '\n' : '') + changeContent(draft));
      field = 'mtg-minutes';
    } else {
      setNote((n) => (n ? n + '\n' : '') + changeContent(draft));
      field = 'mtg-note';
    }
    requestAnimationFrame(() => document.getElementById(field)?.scrollIntoView({ block: 'center' }));
  }, [draft]); // eslint-disable-line react-hooks/exhaustive-deps
  // Online: the write itself; offline (or when the network fails): queued for /sync.
  // What happened is said at `at`, beside the button tapped.
  const write = async (at, okText, online, change) => {
    setSaid(null);
    if (navigator.onLine !== false) {
      try {
        const d = await online();
        if (d) onMeeting(d);
        setSaid({ at, text: okText });
        return true;
      } catch (e) {
        if (e.code !== 'network') { setSaid({ at, error: e }); return false; }
      }
    }
    if (!change) { setSaid({ at, error: new ApiError(0, 'network', '') }); return false; }
    enqueue({ meetingId: m.id, ...change });
    setSaid({ at, text: t('mtgOffline') });
    return true;
  };
  const nameOf = (id) => (m.attendance.find((a) => a.memberId === id) || {}).name || '';
  const mark = (memberId, status) => write('row:' + memberId, t('mtgMarked', { name: nameOf(memberId), status: t('ma.' + status) }),
    () => api('/meetings/' + m.id + '/attendance', { method: 'POST', body: { memberId, status, paper } }),
    { kind: 'attendance', memberId, status, paper },
  );
  // 其余标为出席: one confirmation, then each of the rest marked present (offline: queued).
  const markRest = async () => {
    const rest = restOf(m);
    setSaid(null);
    let done = 0;
    setBulk({ done, total: rest.length });
    for (const a of rest) {
      let ok = false;
      if (navigator.onLine !== false) {
        try {
          const d = await api('/meetings/' + m.id + '/attendance', { method: 'POST', body: { memberId: a.memberId, status: 'present', paper } });
          if (d) onMeeting(d);
          ok = true;
        } catch (e) {
          if (e.code !== 'network') { setBulk(null); setSaid({ at: 'bulk', error: e }); return; }
        }
      }
      if (!ok) enqueue({ meetingId: m.id, kind: 'attendance', memberId: a.memberId, status: 'present', paper });
      setBulk({ done: ++done, total: rest.length });
    }
    setBulk(null);
    setSaid({ at: 'bulk', text: t('mtgRestDone', { n: done }) });
  };
  const saveMinutes = () => {
    const body = {};
    if (minutes.trim()) body.minutes = minutes;
    if (res.trim()) body.resolutions = res;
    if (!body.minutes && !body.resolutions) { setSaid({ at: 'minutes', error: { code: 'meeting.no_minutes' } }); return; }
    write('minutes', t('mtgMinutesSaved'), () => api('/meetings/' + m.id, { method: 'PATCH', body }), { kind: 'minutes', ...body })
      .then((ok) => { if (ok) onDraftDone(); });
  };
  const addFile = (e) => {
    e.preventDefault();
    if (!ref.trim()) return;
    write('file', t('mtgFileAdded'), () => api('/meetings/' + m.id + '/files', { method: 'POST', body: { kind, ref: ref.trim() } }),
      { kind: 'file', fileKind: kind, ref: ref.trim() }).then((ok) => { if (ok) setRef(''); });
  };
  const [asking, setAsking] = useState(false);
  const close = () => write('close', t('mtgClosed'), () => api('/meetings/' + m.id + '/close', { method: 'POST' }), { kind: 'close' })
    .then(() => setAsking(false));
  const addNote = (e) => {
    e.preventDefault();
    if (!note.trim()) return;
    write('note', t('mtgNoteAdded'), () => api('/meetings/' + m.id + '/notes', { method: 'POST', body: { text: note } }), { kind: 'note', text: note })
      .then((ok) => { if (ok) { setNote(''); onDraftDone(); } });
  };
  const decide = (memberId, approve) => write('row:' + memberId, t(approve ? 'ml.approved' : 'ml.refused'),
    () => api('/meetings/' + m.id + '/leave-decision', { method: 'POST', body: { memberId, approve } }), null,
  );
  const c = m.counts || {};
  const counts = <p class="muted mtg-counts">{t('mtgCounts', { e: c.expected, p: c.present, r: c.remote, l: c.leave, a: c.absent })}</p>;
  // Leave requests and decisions, the ones waiting first (a decided one stays, with its answer).
  const asked = m.attendance.filter((a) => a.leaveState).sort((a, b) => (b.leaveState === 'pending') - (a.leaveState === 'pending'));
  const pending = asked.filter((a) => a.leaveState === 'pending');
  const q = find.trim();
  const rows = q ? m.attendance.filter((a) => a.name.includes(q)) : m.attendance;
  const rest = open ? restOf(m) : [];
  const tags = (a) => (
    <>
      <span class={'tag att-' + a.status}>{t('ma.' + a.status)}</span>
      {(a.capturedOffline || a.pending) && <span class="tag warn">{t('mtgOffline')}</span>}
      {a.source === 'paper' && <span class="tag">{t('mf.signin_sheet')}</span>}
    </>
  );
  const leaveButtons = (a) => (
    <div class="btn-row">
      <button type="button" class="btn primary" onClick={() => decide(a.memberId, true)}>{t('mtgApprove')}</button>
      <button type="button" class="btn secondary" onClick={() => decide(a.memberId, false)}>{t('mtgRefuse')}</button>
    </div>
  );
  return (
    <div class="runner" data-phase={shown}>
      {open && (
        <div class="seg wide-seg mtg-phases" role="tablist" aria-label={t('mtgPhases')}>
          {PHASES.map((p) => (
            <button key={p} type="button" role="tab" aria-selected={shown === p} class={shown === p ? 'on' : ''}
              onClick={() => { setSaid(null); setAsking(false); setPhase(p); }}>{t('mph.' + p)}</button>
          ))}
        </div>
      )}

      {shown === 'before' && (
        <>
          {asked.length > 0 && (
            <section class="card" aria-labelledby="leave-h">
              <h2 id="leave-h">{t('mtgLeaveRequests', { n: pending.length })}</h2>
              <ul class="list att-list">
                {asked.map((a) => (
                  <li key={a.memberId} class="att" data-member={a.memberId} data-status={a.status}>
                    <div class="mline"><strong>{a.name}</strong><span class={'tag leave-' + a.leaveState}>{t('ml.' + a.leaveState)}</span></div>
                    {a.leaveReason && <span class="muted small-line">{a.leaveReason}</span>}
                    {a.leaveState === 'pending' && leaveButtons(a)}
                    <Said said={said} at={'row:' + a.memberId} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section class="card" aria-labelledby="att-h">
            <h2 id="att-h">{t('mtgExpected', { n: m.attendance.length })}</h2>
            {counts}
            <ul class="name-tags" aria-label={t('mtgExpected', { n: m.attendance.length })}>
              {m.attendance.map((a) => (
                <li key={a.memberId} class={'tag att-' + a.status} data-member={a.memberId} data-status={a.status}>
                  {a.name}{a.leaveState ? ' · ' + t('ml.' + a.leaveState) : ''}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}

      {shown === 'during' && (
        <>
          <CodeScreen id={m.id} />
          <section class="card" aria-labelledby="att-h">
            <h2 id="att-h">{t('mtgAttendance')}</h2>
            {counts}
            {rest.length > 0 && bulk !== 'ask' && !(bulk && bulk.total) && (
              <button type="button" class="btn secondary wide" onClick={() => { setSaid(null); setBulk('ask'); }}>{t('mtgRest', { n: rest.length })}</button>
            )}
            {bulk === 'ask' && (
              <div class="close-ask rest-ask" role="alertdialog" aria-labelledby="rest-h">
                <p id="rest-h"><strong>{t('mtgRestAsk', { n: rest.length })}</strong></p>
                <p class="muted">{rest.map((a) => a.name).join('、')}</p>
                <div class="btn-row">
                  <button type="button" class="btn primary" onClick={markRest}>{t('mtgRestYes')}</button>
                  <button type="button" class="btn secondary" onClick={() => setBulk(null)}>{t('mtgCloseNo')}</button>
                </div>
              </div>
            )}
            {bulk && bulk.total > 0 && <p class="sync-progress" role="status">{t('mtgRestBusy', { done: bulk.done, total: bulk.total })}</p>}
            <Said said={said} at="bulk" />
            <label class="field"><span>{t('mtgFind')}</span>
              <input type="search" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
            </label>
            <label class="check"><input type="checkbox" checked={paper} onChange={(e) => setPaper(e.currentTarget.checked)} /> {t('mtgPaper')}</label>
            <ul class="list att-list">
              {rows.map((a) => (
                <li key={a.memberId} class="att" data-member={a.memberId} data-status={a.status}>
                  <div class="mline"><strong>{a.name}</strong>{tags(a)}</div>
                  {a.leaveState && <span class="muted small-line">{t('ml.' + a.leaveState)}{a.leaveReason ? '：' + a.leaveReason : ''}</span>}
                  {a.leaveState === 'pending' && leaveButtons(a)}
                  <div class="att-marks" role="group" aria-label={a.name}>
                    {MARKS.map((x) => (
                      <button key={x} type="button" class={'chip' + (a.status === x ? ' on' : '')} aria-pressed={a.status === x}
                        onClick={() => mark(a.memberId, x)}>{t('ma.' + x)}</button>
                    ))}
                  </div>
                  <Said said={said} at={'row:' + a.memberId} />
                </li>
              ))}
              {q && !rows.length && <li class="muted">{t('mtgFindNone')}</li>}
            </ul>
          </section>
        </>
      )}

      {shown === 'after' && (
        <>
          <section class="card" aria-labelledby="att-h">
            <h2 id="att-h">{t('mtgAttendance')}</h2>
            {counts}
            {!open && c.confirmed > 0 && <p class="muted">{t('mtgConfirmCount', { n: c.confirmed })}</p>}
            <ByStatus list={m.attendance} />
          </section>

          <section class="card" aria-labelledby="min-h">
            <h2 id="min-h">{t('mtgMinutes')}</h2>
            {m.minutesCapturedOffline && <p class="muted">{t('mtgCapturedOffline', { at: fmtTime(m.minutesCapturedAt), rcv: fmtTime(m.minutesReceivedAt) })}</p>}
            {open ? (
              <div class="form">
                <label class="field"><span>{t('mtgMinutes')}</span>
                  <textarea id="mtg-minutes" rows={6} value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />
                </label>
                <label class="field"><span>{t('mtgResolutions')}</span>
                  <textarea rows={3} value={res} onInput={(e) => setRes(e.currentTarget.value)} />
                </label>
                <button type="button" class="btn primary wide" onClick={saveMinutes}>{t('mtgSaveMinutes')}</button>
                <Said said={said} at="minutes" />
              </div>
            ) : (
              <div>
                <p class="minutes">{m.minutes}</p>
                {m.resolutions && <><h3>{t('mtgResolutions')}</h3><p class="minutes">{m.resolutions}</p></>}
              </div>
            )}
          </section>

          <section class="card" aria-labelledby="files-h">
            <h2 id="files-h">{t('mtgFiles')}</h2>
            <ul class="list">
              {(m.files || []).filter((f) => !f.file).map((f) => (
                <li key={f.id}>{t('mf.' + f.kind)}：{f.name || f.ref}{f.capturedOffline && <span class="tag warn">{t('mtgOffline')}</span>}</li>
              ))}
            </ul>
            <FileList files={(m.files || []).filter((f) => f.file).map((f) => ({ ...f.file, name: t('mf.' + f.kind) + '：' + (f.name || f.file.name) }))}
              base={'/meetings/' + m.id + '/files/'} />
            {open && (
              <form class="form" onSubmit={addFile}>
                <label class="field"><span>{t('mtgFileKind')}</span>
                  <select class="fsel block" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                    {['signin_sheet', 'photo', 'agenda', 'minutes', 'material'].map((k) => <option key={k} value={k}>{t('mf.' + k)}</option>)}
                  </select>
                </label>
                <label class="field"><span>{t('mtgFileRef')}</span>
                  <input value={ref} onInput={(e) => setRef(e.currentTarget.value)} maxLength={500} />
                </label>
                <button type="submit" class="btn secondary wide">{t('mtgAddFile')}</button>
                <Uploader orgId={m.orgId} onDone={(f) => write('file', t('mtgFileAdded'),
                  () => api('/meetings/' + m.id + '/files', { method: 'POST', body: { kind, fileId: f.id, name: f.name.slice(0, 200) } }), null)} />
                <Said said={said} at="file" />
              </form>
            )}
          </section>

          {open ? (
            <>
              {asking ? <CloseAsk m={m} onYes={close} onNo={() => setAsking(false)} />
                : <button type="button" class="btn danger wide" onClick={() => { setSaid(null); setAsking(true); }}>{t('mtgClose')}</button>}
              <Said said={said} at="close" />
            </>
          ) : (
            <section class="card" aria-labelledby="notes-h">
              <h2 id="notes-h">{t('mtgNotes')}</h2>
              <ul class="list">
                {(m.notes || []).map((n) => <li key={n.id}><span>{n.body}</span> <span class="muted">— {n.authorName} · {fmtTime(n.createdAt)}</span></li>)}
              </ul>
              <form class="form" onSubmit={addNote}>
                <label class="field"><span>{t('mtgNoteText')}</span>
                  <textarea id="mtg-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
                </label>
                <button type="submit" class="btn secondary wide">{t('mtgAddNote')}</button>
                <Said said={said} at="note" />
              </form>
            </section>
          )}
        </>
      )}
      {said && said.error && said.error.code === 'network' && <ErrorBox error={said.error} onRetry={onReload} />}
    </div>
  );
}

// The one confirmation before closing: who closing marks present (the host and the
// minute-taker, as the server decides: closeMarksPresent) and who absent (the rest of
// those still expected); marks already made stay.
function CloseAsk({ m, onYes, onNo }) {
  const ref = useRef(null);
  useEffect(() => { ref.current?.scrollIntoView({ block: 'center' }); ref.current?.focus(); }, []);
  const host = new Set(m.closeMarksPresent || []);
  const waiting = m.attendance.filter((a) => a.status === 'expected');
  const present = waiting.filter((a) => host.has(a.memberId));
  const absent = waiting.filter((a) => !host.has(a.memberId));
  const names = (xs) => xs.map((a) => a.name).join('、');
  const noMinutes = !(m.minutes || '').trim();
  return (
    <section class="card close-ask" role="alertdialog" aria-labelledby="close-h" tabIndex={-1} ref={ref}>
      <h2 id="close-h">{t('mtgCloseAsk')}</h2>
      {noMinutes ? <p class="field-error">{t('mtgCloseNeedsMinutes')}</p> : (
        <>
          {present.length > 0 && <p class="close-present">{t('mtgCloseAsPresent', { n: present.length, names: names(present) })}</p>}
          <p class="close-absent">{absent.length ? t('mtgCloseAsAbsent', { n: absent.length, names: names(absent) }) : t('mtgCloseNoneAbsent')}</p>
          <p class="muted">{t('mtgCloseKept')}</p>
        </>
      )}
      <div class="btn-row">
        {!noMinutes && <button type="button" class="btn danger" onClick={onYes}>{t('mtgCloseYes')}</button>}
        <button type="button" class="btn secondary" onClick={onNo}>{t('mtgCloseNo')}</button>
      </div>
    </section>
  );
}

export function Meeting({ id, me }) {
  const st = useMeeting(id);
  const sync = useSync();
  const [draft, setDraft] = useState(null);
  const m = st.data && (st.stale || sync.queue.length ? overlay(st.data, sync.queue) : st.data);
  const mine = m && me.member && m.attendance.find((a) => a.memberId === me.member.id);
  // While the room checks in, the secretary's screen is the code: the agenda folds away.
  const during = m && m.canRun && phaseOf(m) === 'during';
  return (
    <div>
      <TopBar title={m ? m.title : t('mtgCalendar')} back={m && m.canRun ? '#/compliance/' + m.orgId : '#/meetings'} />
      {st.loading && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {m && (
        <div>
          <section class="card mtg-head">
            <p><span class="tag">{typeName(m.type)}</span> {m.bySecretary && <span class="tag">{typeName('secretary_lecture')}</span>} <span class={'tag state-' + m.state}>{t('ms.' + m.state)}</span></p>
            <p><strong class="mtg-when">{when(m.startsAt)}</strong>{m.place && <> · {m.place}</>}</p>
            {m.onlineLink && (!mine || m.state !== 'scheduled') && <p><a class="plain-link" href={m.onlineLink} rel="noopener noreferrer" target="_blank">{t('mtgOpenLink')}</a></p>}
            {m.agenda && (during
              ? <details class="mtg-agenda"><summary>{t('mtgAgenda')}</summary><p class="minutes">{m.agenda}</p></details>
              : <><h2>{t('mtgAgenda')}</h2><p class="minutes">{m.agenda}</p></>)}
            {m.state === 'closed' && <p class="muted">{t('mtgClosed')}</p>}
          </section>
          {m.canRun && <SyncBar sync={sync} m={m} onSynced={st.reload} onCopy={(r) => setDraft({ ...r })} />}
          {!m.canRun && <MemberBox m={m} mine={mine} onChange={st.reload} />}
          {!m.canRun && m.state === 'closed' && m.minutes && (
            <section class="card"><h2>{t('mtgMinutes')}</h2><p class="minutes">{m.minutes}</p></section>
          )}
          {m.canRun && <RunnerBox m={m} onMeeting={st.set} onReload={st.reload} draft={draft} onDraftDone={() => setDraft(null)} />}
          {m.canRun && phaseOf(m) !== 'during' && <MemberBox m={m} mine={mine} onChange={st.reload} />}
        </div>
      )}
    </div>
  );
}
