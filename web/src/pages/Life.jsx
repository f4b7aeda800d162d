// 组织生活: the activities menu (#/activities, #/activities/ORG, #/activity/ID, the editor
// #/activity-new/ORG and #/activity-edit/ID) and polls (#/polls, #/polls/ORG, #/poll/ID,
// the creator #/poll-new/ORG). One lazy chunk with its strings and styles. Nobody is
// ranked here: no scores, no counts per member; sign-up and votes are the member's choice.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { MemberPicker } from '../pick.jsx';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, addStrings, errText } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron, can } from '../ui.jsx';
import { fmtDue, fmtRange, fmtTime, fromInput, toInput, zoneNote } from '../time.js';
import './life.css';

addStrings({
  acts: '活动菜单',
  actsOf: '{name} · 活动',
  actsHint: '选择适合您的活动报名，不强制参加',
  actsEmpty: '暂时没有可报名的活动', actsFar: '家乡支部的活动 {n} 项（您在外地{place}，已收起）',
  actsPast: '往期活动',
  actsUpcoming: '近期活动',
  actNew: '发布活动',
  actEdit: '修改活动',
  actSignup: '我要报名',
  actWithdraw: '取消报名',
  actSigned: '已报名',
  actWaiting: '候补中',
  actWithdrawn: '已取消报名',
  actWalkIn: '现场参加',
  actAttended: '已参加',
  actPlaces: '剩余名额 {n} / {cap}',
  actNoLimit: '不限人数',
  actSignedN: '已报名 {n} 人',
  actWaitingN: '候补 {n} 人',
  actDeadline: '报名截止',
  actCapacity: '名额',
  actWhen: '时间',
  actPlace: '地点',
  actCancel: '取消活动',
  actCancelReason: '取消原因',
  actCancelled: '活动已取消',
  actCancelledWhy: '活动已取消：{why}',
  actRecord: '登记参加人员',
  actRecordHint: '勾选实际参加的党员（包括未报名、现场参加的）',
  actSave: '保存',
  actSaved: '已保存',
  actSignups: '报名名单',
  actNobody: '还没有人报名',
  actNotEligible: '本支部党员（含在本村的流动党员）可报名',
  'st.open': '报名中', 'st.closed': '报名已截止', 'st.started': '进行中', 'st.ended': '已结束', 'st.cancelled': '已取消',
  'kind.volunteer': '志愿服务', 'kind.study': '学习交流', 'kind.elderly_visit': '走访慰问老党员', 'kind.other': '其他',
  fKind: '活动类型', fTitle: '活动名称', fDesc: '活动内容', fPlace: '地点', fStarts: '开始时间', fEnds: '结束时间（可不填）',
  fDeadline: '报名截止时间（可不填，默认开始时间）', fCapacity: '人数上限（可不填）', fWaitlist: '满员后可候补',
  polls: '投票',
  pollsOf: '{name} · 投票',
  pollsEmpty: '暂时没有投票',
  pollNew: '发起投票',
  pollVote: '投票',
  pollSubmit: '提交投票',
  pollVoted: '您已投票，谢谢！',
  pollYouVoted: '已投票',
  pollChooseOne: '单选：请选择一项',
  pollChooseMany: '多选：请选择 {min}–{max} 项',
  pollReviewHint: '请为每位党员选择一个等次（可以不选）',
  pollAnon: '无记名投票：不记录您选了什么',
  pollNamed: '记名投票',
  pollHidden: '投票结束后公布结果',
  pollResults: '结果',
  pollTurnout: '已投 {voted} / 应投 {eligible} 人（{percent}%）',
  pollVotes: '{n} 票',
  pollClose: '结束投票',
  pollExport: '导出结果（Excel）',
  pollNotEligible: '您不在本次投票的名单中',
  pollOpens: '开始',
  pollCloses: '截止',
  pollLeft: '（{left}）',
  'ps.upcoming': '未开始', 'ps.open': '进行中', 'ps.closed': '已结束',
  'pk.choice': '选择', 'pk.review': '民主评议党员', 'pk.activities': '选活动',
  'rt.excellent': '优秀', 'rt.qualified': '合格', 'rt.basically_qualified': '基本合格', 'rt.unqualified': '不合格',
  fPollKind: '投票类型', fOptions: '选项（每行一项）', fActivities: '可选的活动', fReviewees: '参加评议的党员', fChooseVoters: '只让选定的党员投票（不勾选：全体党员）', fVoters: '投票人', lifePicked: '已选 {n} 人', lifeSearch: '按姓名查找',
  fMulti: '可以多选', fMin: '至少选', fMax: '最多选', fAnon: '无记名（不记录谁选了什么）', fHide: '结束后才公布结果',
  fCloses: '截止时间',
  lifeErrField: '{label}：{text}',
  'err.activity.full': '名额已满',
  'err.activity.closed': '报名已截止或活动已取消',
  'err.activity.state': '现在不能这样操作',
  'err.activity.not_eligible': '本支部党员（含在本村的流动党员）才能报名',
  'err.activity.signed_up': '您已报名',
  'err.poll.options': '选项不完整',
  'err.poll.not_open': '投票未开始或已结束',
  'err.poll.not_eligible': '您不在本次投票的名单中',
  'err.poll.voted': '您已经投过票了',
  'err.poll.bad_choice': '选择的项数不符合要求',
  'err.poll.results_hidden': '投票结束后才公布结果',
}, {
  acts: 'Activities',
  actsOf: '{name} · activities',
  actsHint: 'Sign up for what suits you; nothing is compulsory',
  actsEmpty: 'No activities to sign up for', actsFar: 'Your home branch: {n} (you are away{place}, folded)',
  actsPast: 'Past activities',
  actsUpcoming: 'Coming up',
  actNew: 'Offer an activity',
  actEdit: 'Edit activity',
  actSignup: 'Sign up',
  actWithdraw: 'Withdraw',
  actSigned: 'Signed up',
  actWaiting: 'On the waiting list',
  actWithdrawn: 'Withdrawn',
  actWalkIn: 'Came without sign-up',
  actAttended: 'Took part',
  actPlaces: '{n} of {cap} places left',
  actNoLimit: 'No limit',
  actSignedN: '{n} signed up',
  actWaitingN: '{n} waiting',
  actDeadline: 'Sign-up until',
  actCapacity: 'Places',
  actWhen: 'When',
  actPlace: 'Where',
  actCancel: 'Cancel activity',
  actCancelReason: 'Reason',
  actCancelled: 'Cancelled',
  actCancelledWhy: 'Cancelled: {why}',
  actRecord: 'Record who took part',
  actRecordHint: 'Tick everyone who took part (also those who came without signing up)',
  actSave: 'Save',
  actSaved: 'Saved',
  actSignups: 'Sign-ups',
  actNobody: 'Nobody has signed up yet',
  actNotEligible: 'Members of the branch (and migrant members it hosts) sign up',
  'st.open': 'Open', 'st.closed': 'Sign-up closed', 'st.started': 'Under way', 'st.ended': 'Ended', 'st.cancelled': 'Cancelled',
  'kind.volunteer': 'Volunteer service', 'kind.study': 'Study session', 'kind.elderly_visit': 'Visit to elderly members', 'kind.other': 'Other',
  fKind: 'Kind', fTitle: 'Title', fDesc: 'Description', fPlace: 'Place', fStarts: 'Starts', fEnds: 'Ends (optional)',
  fDeadline: 'Sign-up deadline (optional: the start)', fCapacity: 'Capacity (optional)', fWaitlist: 'Keep a waiting list',
  polls: 'Polls',
  pollsOf: '{name} · polls',
  pollsEmpty: 'No polls',
  pollNew: 'New poll',
  pollVote: 'Vote',
  pollSubmit: 'Cast vote',
  pollVoted: 'You have voted. Thank you!',
  pollYouVoted: 'Voted',
  pollChooseOne: 'Choose one',
  pollChooseMany: 'Choose {min} to {max}',
  pollReviewHint: 'Choose one rating for each member (you may skip)',
  pollAnon: 'Secret ballot: your choice is not recorded',
  pollNamed: 'Open ballot',
  pollHidden: 'Results after closing',
  pollResults: 'Results',
  pollTurnout: '{voted} of {eligible} voted ({percent}%)',
  pollVotes: '{n} votes',
  pollClose: 'Close poll',
  pollExport: 'Export results (Excel)',
  pollNotEligible: 'You are not on this poll’s list',
  pollOpens: 'Opens',
  pollCloses: 'Closes',
  pollLeft: ' ({left})',
  'ps.upcoming': 'Not open yet', 'ps.open': 'Open', 'ps.closed': 'Closed',
  'pk.choice': 'Choice', 'pk.review': 'Democratic review', 'pk.activities': 'Choose activities',
  'rt.excellent': 'Excellent', 'rt.qualified': 'Qualified', 'rt.basically_qualified': 'Basically qualified', 'rt.unqualified': 'Unqualified',
  fPollKind: 'Kind', fOptions: 'Options (one a line)', fActivities: 'Activities to choose from', fReviewees: 'Members reviewed', fChooseVoters: 'Only chosen members vote (otherwise: every member)', fVoters: 'Voters', lifePicked: '{n} chosen', lifeSearch: 'Find by name',
  fMulti: 'Several may be chosen', fMin: 'At least', fMax: 'At most', fAnon: 'Secret ballot', fHide: 'Show results only after closing',
  fCloses: 'Closes',
  lifeErrField: '{label}: {text}',
  'err.activity.full': 'All places are taken',
  'err.activity.closed': 'Sign-up is closed or the activity was cancelled',
  'err.activity.state': 'Not possible now',
  'err.activity.not_eligible': 'Only members of the branch (and migrant members it hosts) sign up',
  'err.activity.signed_up': 'You are signed up already',
  'err.poll.options': 'The options are incomplete',
  'err.poll.not_open': 'The poll is not open',
  'err.poll.not_eligible': 'You are not on this poll’s list',
  'err.poll.voted': 'You have voted already',
  'err.poll.bad_choice': 'Choose the number of options asked for',
  'err.poll.results_hidden': 'Results are shown after closing',
});

const enc = encodeURIComponent;
const KINDS = ['volunteer', 'study', 'elderly_visit', 'other'];
const FIELD_LABEL = {
  title: 'fTitle', startsAt: 'fStarts', endsAt: 'fEnds', signupDeadline: 'fDeadline', capacity: 'fCapacity',
  place: 'fPlace', description: 'fDesc', options: 'fOptions', activityIds: 'fActivities', memberIds: 'fReviewees',
  closesAt: 'fCloses', minChoices: 'fMin', maxChoices: 'fMax', choices: 'pollVote', reason: 'actCancelReason',
};

// "明天 08:00", "12月1日 周二 08:00": Beijing time (time.js).
const when = (iso) => fmtTime(iso, { weekday: true });
// <input type=datetime-local> holds a Beijing wall time; the server gets the UTC instant.
const toLocal = toInput;
const fromLocal = (v) => (v ? fromInput(v) : undefined);

function errLine(e) {
  if (!e) return '';
  const text = errText(e);
  return e.field && FIELD_LABEL[e.field] ? t('lifeErrField', { label: t(FIELD_LABEL[e.field]), text: e.message || text }) : text;
}
const Err = ({ e }) => (e ? <p class="error" role="alert">{errLine(e)}</p> : null);

// ---- activities ----

const State = ({ s, prefix = 'st.' }) => <span class={'tag life-' + s}>{t(prefix + s)}</span>;

function Mine({ a }) {
  if (!a.mine || a.mine === 'withdrawn') return null;
  const k = a.attended ? 'actAttended' : { signed_up: 'actSigned', waitlisted: 'actWaiting', walk_in: 'actWalkIn' }[a.mine];
  return <span class="tag life-mine">{t(k)}</span>;
}

function ActivityRow({ a }) {
  return (
    <li>
      <a class="bigrow" href={'#/activity/' + a.id} data-activity={a.id}>
        <span class="grow">
          <strong>{a.title}</strong>
          <span class="muted">{t('kind.' + a.kind)} · {when(a.startsAt)}{a.place ? ' · ' + a.place : ''}</span>
          <span class="facts"><State s={a.state} /><Mine a={a} />
            <span class="muted">{a.capacity == null ? t('actSignedN', { n: a.signedUp }) : t('actPlaces', { n: a.placesLeft, cap: a.capacity })}</span>
          </span>
        </span>
        <Chevron />
      </a>
    </li>
  );
}

export default function Activities({ id, me }) {
  const [past, setPast] = useState(false);
  const list = usePaged('/activities', { orgId: id || undefined, when: past ? 'past' : 'upcoming' }, 30);
  const org = useGet(id ? '/orgs/' + enc(id) : null);
  const admin = id && org.data && can('activity.admin', org.data);
  // A member working away (migrant) is shown the host branch's activities; the village's
  // upcoming ones, far from where they are, fold away instead of being offered.
  const away = !id && !past && me && me.member && me.member.migrant;
  const far = away ? list.items.filter((a) => a.orgId === me.member.orgId) : [];
  const near = away ? list.items.filter((a) => a.orgId !== me.member.orgId) : list.items;
  return (
    <div class="life">
      <TopBar title={id && org.data ? t('actsOf', { name: org.data.name }) : t('acts')} back="#/home" />
      <p class="muted">{t('actsHint')}</p>
      {admin && <a class="btn primary wide" href={'#/activity-new/' + id}>{t('actNew')}</a>}
      <div class="btn-row life-tabs" role="tablist">
        <button type="button" role="tab" aria-selected={!past} class={'btn ' + (past ? 'secondary' : 'primary')} onClick={() => setPast(false)}>{t('actsUpcoming')}</button>
        <button type="button" role="tab" aria-selected={past} class={'btn ' + (past ? 'primary' : 'secondary')} onClick={() => setPast(true)}>{t('actsPast')}</button>
      </div>
      <section class="card">
        {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
        {list.loading && !list.items.length && <Loading />}
        {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('actsEmpty')}</p>}
        <ul class="list rows">{near.map((a) => <ActivityRow key={a.id} a={a} />)}</ul>
        <More list={list} />
      </section>
      {far.length > 0 && (
        <details class="card far-acts">
          <summary>{t('actsFar', { n: far.length, place: me.member.migrantPlace || '' })}</summary>
          <ul class="list rows">{far.map((a) => <ActivityRow key={a.id} a={a} />)}</ul>
        </details>
      )}
    </div>
  );
}

function Participation({ a, onDone }) {
  const [ticked, setTicked] = useState(() => new Set(a.signups.filter((s) => s.attended).map((s) => s.memberId)));
  const act = useWrite({ fields: false });
  const rows = a.signups.filter((s) => s.state !== 'withdrawn');
  const toggle = (m) => setTicked((s) => { const n = new Set(s); if (n.has(m)) n.delete(m); else n.add(m); return n; });
  return (
    <section class="card">
      <h2>{t('actRecord')}</h2>
      <p class="muted">{t('actRecordHint')}</p>
      <ul class="list life-checks">
        {rows.map((s) => (
          <li key={s.memberId}>
            <label class="check big"><input type="checkbox" checked={ticked.has(s.memberId)} onChange={() => toggle(s.memberId)} /> {s.name}</label>
          </li>
        ))}
      </ul>
      <Err e={act.error} />
      <button type="button" class="btn primary wide" disabled={act.busy}
        onClick={() => act.run(async () => onDone(await api('/activities/' + a.id + '/participation', { method: 'PUT', body: { memberIds: [...ticked] } })))}>
        {t('actSave')}
      </button>
    </section>
  );
}

export function ActivityDetail({ id }) {
  const g = useGet('/activities/' + enc(id));
  const [a, setA] = useState(null);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const act = useWrite({ fields: false });
  const x = a || g.data;
  if (g.error) return <div><TopBar title={t('acts')} back="#/activities" /><ErrorBox error={g.error} onRetry={g.reload} /></div>;
  if (!x) return <Loading />;
  const post = (path, body) => act.run(async () => setA(await api('/activities/' + x.id + path, { method: 'POST', body })));
  const started = x.state === 'started' || x.state === 'ended';
  return (
    <div class="life">
      <TopBar title={x.title} back={x.canEdit ? '#/activities/' + x.orgId : '#/activities'} />
      <section class="card">
        <p class="facts"><State s={x.state} /><Mine a={x} /><span class="tag">{t('kind.' + x.kind)}</span></p>
        {x.state === 'cancelled' && <p class="life-cancelled" role="status">{x.cancelReason ? t('actCancelledWhy', { why: x.cancelReason }) : t('actCancelled')}</p>}
        <dl class="life-facts">
          <div><dt>{t('actWhen')}</dt><dd>{fmtRange(x.startsAt, x.endsAt, { weekday: true })}</dd></div>
          {x.place && <div><dt>{t('actPlace')}</dt><dd>{x.place}</dd></div>}
          <div><dt>{t('actDeadline')}</dt><dd>{when(x.signupDeadline)}</dd></div>
          <div><dt>{t('actCapacity')}</dt><dd>{x.capacity == null ? t('actNoLimit') + ' · ' + t('actSignedN', { n: x.signedUp }) : t('actPlaces', { n: x.placesLeft, cap: x.capacity })}{x.waiting ? ' · ' + t('actWaitingN', { n: x.waiting }) : ''}</dd></div>
        </dl>
        {x.description && <p class="life-desc">{x.description}</p>}
        <Err e={act.error} />
        {x.canSignUp && <button type="button" class="btn primary wide big" disabled={act.busy} onClick={() => post('/signup')}>{t('actSignup')}</button>}
        {x.canWithdraw && <button type="button" class="btn secondary wide big" disabled={act.busy} onClick={() => post('/withdraw')}>{t('actWithdraw')}</button>}
      </section>
      {x.canEdit && (
        <>
          <section class="card">
            <h2>{t('actSignups')}</h2>
            {!x.signups.length && <p class="muted">{t('actNobody')}</p>}
            <ul class="list">
              {x.signups.map((s) => (
                <li key={s.memberId} class="role"><strong>{s.name}</strong>
                  <span class="muted">{t({ signed_up: 'actSigned', waitlisted: 'actWaiting', withdrawn: 'actWithdrawn', walk_in: 'actWalkIn' }[s.state])}{s.attended ? ' · ' + t('actAttended') : ''}</span>
                </li>
              ))}
            </ul>
          </section>
          {started && <Participation a={x} onDone={setA} />}
          {!started && x.state !== 'cancelled' && (
            <section class="actions">
              <a class="btn secondary wide" href={'#/activity-edit/' + x.id}>{t('actEdit')}</a>
              {!cancelling && <button type="button" class="btn danger wide" onClick={() => setCancelling(true)}>{t('actCancel')}</button>}
              {cancelling && (
                <div class="card">
                  <label for="cancel-why">{t('actCancelReason')}</label>
                  <input id="cancel-why" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                  <button type="button" class="btn danger wide" disabled={act.busy} onClick={() => post('/cancel', { reason })}>{t('actCancel')}</button>
                </div>
              )}
            </section>
          )}
        </>
      )}
    </div>
  );
}

function Input({ id, label, ...rest }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {rest.kind === 'textarea' ? <textarea id={id} rows="3" {...rest} /> : <input id={id} {...rest} />}
    </div>
  );
}

export function ActivityForm({ orgId, activityId }) {
  const old = useGet(activityId ? '/activities/' + enc(activityId) : null);
  const o = old.data;
  if (activityId && !o) return old.error ? <ErrorBox error={old.error} /> : <Loading />;
  return <ActivityFormBody orgId={orgId || (o && o.orgId)} o={o} />;
}

function ActivityFormBody({ orgId, o }) {
  const [f, setF] = useState(() => ({
    kind: o ? o.kind : 'volunteer', title: o ? o.title : '', description: o?.description || '', place: o?.place || '',
    startsAt: toLocal(o?.startsAt), endsAt: toLocal(o?.endsAt), signupDeadline: toLocal(o?.signupDeadline),
    capacity: o && o.capacity != null ? String(o.capacity) : '', waitlist: o ? o.waitlist : false,
  }));
  const act = useWrite({ fields: false });
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const save = () => act.run(async () => {
    const body = {
      kind: f.kind, title: f.title, description: f.description || (o ? null : undefined), place: f.place || (o ? null : undefined),
      startsAt: fromLocal(f.startsAt), endsAt: f.endsAt ? fromLocal(f.endsAt) : (o ? null : undefined),
      signupDeadline: fromLocal(f.signupDeadline), capacity: f.capacity ? Number(f.capacity) : (o ? null : undefined), waitlist: f.waitlist,
    };
    if (!o) body.orgId = Number(orgId);
    const a = await api(o ? '/activities/' + o.id : '/activities', { method: o ? 'PATCH' : 'POST', body });
    location.hash = '#/activity/' + a.id;
  });
  return (
    <div class="life">
      <TopBar title={o ? t('actEdit') : t('actNew')} back={o ? '#/activity/' + o.id : '#/activities/' + orgId} />
      <form class="card form" onSubmit={(e) => { e.preventDefault(); save(); }}>
        <fieldset class="life-kinds">
          <legend>{t('fKind')}</legend>
          {KINDS.map((k) => (
            <label key={k} class="check big"><input type="radio" name="kind" value={k} checked={f.kind === k} onChange={() => setF({ ...f, kind: k })} /> {t('kind.' + k)}</label>
          ))}
        </fieldset>
        <Input id="a-title" label={t('fTitle')} value={f.title} onInput={set('title')} required maxLength={100} />
        <Input id="a-place" label={t('fPlace')} value={f.place} onInput={set('place')} />
        <Input id="a-starts" name="startsAt" label={t('fStarts') + zoneNote()} type="datetime-local" value={f.startsAt} onInput={set('startsAt')} required />
        <Input id="a-ends" name="endsAt" label={t('fEnds') + zoneNote()} type="datetime-local" value={f.endsAt} onInput={set('endsAt')} />
        <Input id="a-deadline" name="signupDeadline" label={t('fDeadline') + zoneNote()} type="datetime-local" value={f.signupDeadline} onInput={set('signupDeadline')} />
        <Input id="a-cap" name="capacity" label={t('fCapacity')} type="number" inputmode="numeric" min="1" value={f.capacity} onInput={set('capacity')} />
        <label class="check big"><input type="checkbox" checked={f.waitlist} onChange={set('waitlist')} /> {t('fWaitlist')}</label>
        <Input id="a-desc" name="description" kind="textarea" label={t('fDesc')} value={f.description} onInput={set('description')} />
        <Err e={act.error} />
        <button type="submit" class="btn primary wide" disabled={act.busy}>{t('actSave')}</button>
      </form>
    </div>
  );
}

// ---- polls ----

function PollRow({ p }) {
  return (
    <li>
      <a class="bigrow" href={'#/poll/' + p.id} data-poll={p.id}>
        <span class="grow">
          <strong>{p.title}</strong>
          <span class="muted">{t('pk.' + p.kind)} · {t('pollCloses')} {when(p.closesAt)}</span>
          <span class="facts"><State s={p.state} prefix="ps." />{p.voted && <span class="tag life-mine">{t('pollYouVoted')}</span>}</span>
        </span>
        <Chevron />
      </a>
    </li>
  );
}

export function Polls({ id, me }) {
  const list = usePaged('/polls', { orgId: id || undefined }, 30);
  const org = useGet(id ? '/orgs/' + enc(id) : null);
  const admin = id && org.data && can('poll.admin', org.data);
  return (
    <div class="life">
      <TopBar title={id && org.data ? t('pollsOf', { name: org.data.name }) : t('polls')} back="#/home" />
      {admin && <a class="btn primary wide" href={'#/poll-new/' + id}>{t('pollNew')}</a>}
      <section class="card">
        {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
        {list.loading && !list.items.length && <Loading />}
        {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('pollsEmpty')}</p>}
        <ul class="list rows">{list.items.map((p) => <PollRow key={p.id} p={p} />)}</ul>
        <More list={list} />
      </section>
    </div>
  );
}

// Groups a review poll's options by the member reviewed.
function bySubject(options) {
  const out = [];
  for (const o of options) {
    let g = out.find((x) => x.memberId === o.memberId);
    if (!g) out.push(g = { memberId: o.memberId, label: o.label, options: [] });
    g.options.push(o);
  }
  return out;
}

function Ballot({ p, onDone }) {
  const [chosen, setChosen] = useState([]);
  const act = useWrite({ fields: false });
  const single = p.kind !== 'review' && p.maxChoices === 1;
  const pick = (o) => {
    if (p.kind === 'review') {
      const others = p.options.filter((x) => x.memberId === o.memberId).map((x) => x.id);
      setChosen((c) => (c.includes(o.id) ? c.filter((x) => x !== o.id) : c.filter((x) => !others.includes(x)).concat(o.id)));
    } else if (single) setChosen([o.id]);
    else setChosen((c) => (c.includes(o.id) ? c.filter((x) => x !== o.id) : c.concat(o.id)));
  };
  const ok = p.kind === 'review' ? chosen.length > 0 : chosen.length >= p.minChoices && chosen.length <= p.maxChoices;
  const opt = (o, label) => (
    <label key={o.id} class={'life-option' + (chosen.includes(o.id) ? ' on' : '')}>
      <input type={single || p.kind === 'review' ? 'radio' : 'checkbox'} name={p.kind === 'review' ? 'm' + o.memberId : 'choice'}
        checked={chosen.includes(o.id)} onClick={() => pick(o)} onChange={() => {}} />
      <span>{label}</span>
    </label>
  );
  return (
    <section class="card">
      <h2>{t('pollVote')}</h2>
      <p class="life-how">{p.kind === 'review' ? t('pollReviewHint') : single ? t('pollChooseOne') : t('pollChooseMany', { min: p.minChoices, max: p.maxChoices })}</p>
      {p.kind === 'review'
        ? bySubject(p.options).map((g) => (
          <fieldset key={g.memberId} class="life-review"><legend>{g.label}</legend>
            <div class="life-ratings">{g.options.map((o) => opt(o, t('rt.' + o.rating)))}</div>
          </fieldset>
        ))
        : <div class="life-options" role={single ? 'radiogroup' : 'group'}>{p.options.map((o) => opt(o, o.label))}</div>}
      <Err e={act.error} />
      <button type="button" class="btn primary wide big" disabled={!ok || act.busy}
        onClick={() => act.run(async () => { await api('/polls/' + p.id + '/vote', { method: 'POST', body: { choices: chosen } }); onDone(); })}>
        {t('pollSubmit')}
      </button>
    </section>
  );
}

function Bars({ options, voted }) {
  return (
    <ul class="list life-bars">
      {options.map((o) => {
        const pct = voted ? Math.round((o.votes * 100) / voted) : 0;
        return (
          <li key={o.id}>
            <div class="life-bar-label"><span>{o.rating ? t('rt.' + o.rating) : o.label}</span><strong>{t('pollVotes', { n: o.votes })}</strong></div>
            <div class="life-bar" aria-hidden="true"><span style={{ width: pct + '%' }} /></div>
          </li>
        );
      })}
    </ul>
  );
}

export function PollPage({ id }) {
  const g = useGet('/polls/' + enc(id));
  const act = useWrite({ fields: false });
  const p = g.data;
  if (g.error) return <div><TopBar title={t('polls')} back="#/polls" /><ErrorBox error={g.error} onRetry={g.reload} /></div>;
  if (!p) return <Loading />;
  return (
    <div class="life">
      <TopBar title={p.title} back={p.canClose ? '#/polls/' + p.orgId : '#/polls'} />
      <section class="card">
        <p class="facts"><State s={p.state} prefix="ps." /><span class="tag">{t('pk.' + p.kind)}</span>
          <span class="tag">{p.anonymous ? t('pollAnon') : t('pollNamed')}</span>{p.hideResults && <span class="tag">{t('pollHidden')}</span>}</p>
        {p.description && <p class="life-desc">{p.description}</p>}
        <p class="muted poll-times">{t('pollOpens')} {when(p.opensAt)} · {t('pollCloses')} {when(p.closesAt)}{p.state === 'open' ? t('pollLeft', { left: fmtDue(p.closesAt) }) : ''}</p>
        <p class="life-turnout">{t('pollTurnout', p.turnout)}</p>
        {p.voted && <p class="life-done" role="status">{t('pollVoted')}</p>}
        {!p.eligible && p.state === 'open' && <p class="muted">{t('pollNotEligible')}</p>}
      </section>
      {p.canVote && <Ballot p={p} onDone={g.reload} />}
      {p.resultsVisible && (
        <section class="card" aria-labelledby="res-h">
          <h2 id="res-h">{t('pollResults')}</h2>
          {p.kind === 'review'
            ? bySubject(p.options).map((s) => <div key={s.memberId}><h3>{s.label}</h3><Bars options={s.options} voted={p.turnout.voted} /></div>)
            : <Bars options={p.options} voted={p.turnout.voted} />}
        </section>
      )}
      {p.canClose !== undefined && p.orgId && (p.canClose || p.state === 'closed') && (
        <section class="actions">
          <Err e={act.error} />
          {p.canClose && <button type="button" class="btn danger wide" disabled={act.busy}
            onClick={() => act.run(async () => { await api('/polls/' + p.id + '/close', { method: 'POST' }); g.reload(); })}>{t('pollClose')}</button>}
          {p.resultsVisible && (p.canClose || p.state === 'closed') && <a class="btn link" href={'/api/v1/polls/' + p.id + '/export?format=xlsx'} download>{t('pollExport')}</a>}
        </section>
      )}
    </div>
  );
}

export function PollForm({ orgId }) {
  const acts = useGet('/activities?orgId=' + enc(orgId) + '&limit=50');
  const [f, setF] = useState({ kind: 'choice', title: '', options: '', activityIds: [], memberIds: [], chooseVoters: false, voterIds: [], multi: false, min: '1', max: '2', anonymous: true, hideResults: true, closesAt: '' });
  const act = useWrite({ fields: false });
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const save = () => act.run(async () => {
    const body = { orgId: Number(orgId), kind: f.kind, title: f.title, anonymous: f.anonymous, hideResults: f.hideResults, closesAt: fromLocal(f.closesAt) };
    if (f.kind === 'choice') body.options = f.options.split('\n').map((s) => s.trim()).filter(Boolean);
    if (f.kind === 'activities') body.activityIds = f.activityIds;
    if (f.kind === 'review') body.memberIds = f.memberIds;
    if (f.chooseVoters) body.voterIds = f.voterIds;
    if (f.kind !== 'review' && f.multi) { body.minChoices = Number(f.min) || 1; body.maxChoices = Number(f.max) || 1; }
    const p = await api('/polls', { method: 'POST', body });
    location.hash = '#/poll/' + p.id;
  });
  const toggleAct = (id) => setF({ ...f, activityIds: f.activityIds.includes(id) ? f.activityIds.filter((x) => x !== id) : f.activityIds.concat(id) });
  return (
    <div class="life">
      <TopBar title={t('pollNew')} back={'#/polls/' + orgId} />
      <form class="card form" onSubmit={(e) => { e.preventDefault(); save(); }}>
        <fieldset class="life-kinds">
          <legend>{t('fPollKind')}</legend>
          {['choice', 'activities', 'review'].map((k) => (
            <label key={k} class="check big"><input type="radio" name="pkind" checked={f.kind === k} onChange={() => setF({ ...f, kind: k })} /> {t('pk.' + k)}</label>
          ))}
        </fieldset>
        <Input id="p-title" label={t('fTitle')} value={f.title} onInput={set('title')} required maxLength={100} />
        {f.kind === 'choice' && <Input id="p-options" name="options" kind="textarea" label={t('fOptions')} value={f.options} onInput={set('options')} />}
        {f.kind === 'activities' && (
          <fieldset><legend>{t('fActivities')}</legend>
            {(acts.data?.items || []).map((a) => (
              <label key={a.id} class="check big"><input type="checkbox" checked={f.activityIds.includes(a.id)} onChange={() => toggleAct(a.id)} /> {a.title}</label>
            ))}
          </fieldset>
        )}
        {f.kind === 'review' && <MemberPicker orgId={orgId} name="review" legend={t('fReviewees')} value={f.memberIds} onChange={(v) => setF({ ...f, memberIds: v })} />}
        {f.kind !== 'review' && <label class="check big"><input type="checkbox" checked={f.multi} onChange={set('multi')} /> {t('fMulti')}</label>}
        {f.kind !== 'review' && f.multi && (
          <div class="btn-row">
            <Input id="p-min" name="minChoices" label={t('fMin')} type="number" min="1" value={f.min} onInput={set('min')} />
            <Input id="p-max" name="maxChoices" label={t('fMax')} type="number" min="1" value={f.max} onInput={set('max')} />
          </div>
        )}
        <label class="check big"><input type="checkbox" checked={f.anonymous} onChange={set('anonymous')} /> {t('fAnon')}</label>
        <label class="check big"><input type="checkbox" checked={f.hideResults} onChange={set('hideResults')} /> {t('fHide')}</label>
        <label class="check big"><input type="checkbox" checked={f.chooseVoters} onChange={set('chooseVoters')} /> {t('fChooseVoters')}</label>
        {f.chooseVoters && <MemberPicker orgId={orgId} name="voters" legend={t('fVoters')} value={f.voterIds} onChange={(v) => setF({ ...f, voterIds: v })} />}
        <Input id="p-closes" name="closesAt" label={t('fCloses') + zoneNote()} type="datetime-local" value={f.closesAt} onInput={set('closesAt')} required />
        <Err e={act.error} />
        <button type="submit" class="btn primary wide" disabled={act.busy}>{t('pollNew')}</button>
      </form>
    </div>
  );
}
