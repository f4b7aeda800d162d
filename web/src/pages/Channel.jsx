// 书记信箱 (the two-way channel), in its own chunk: a member's threads and the form to
// write to the branch leadership (#/threads, #/thread-new), one thread with its replies,
// time to the first answer and escalation (#/thread/ID), a leader's inbox (#/inbox/ORG)
// with the response-time figures, and writing to members (#/thread-send/ORG).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { onLive } from '../live.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, addStrings } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron, go, can } from '../ui.jsx';
import { enc, Tabs } from '../work.jsx';
import { fmtDue, fmtTime } from '../time.js';
import { useDraft } from '../draft.js';
import { MemberPicker } from '../pick.jsx';
import { VoicePlayer, VoiceRecorder } from '../voice.jsx';

addStrings({
  chTitle: '书记信箱',
  chMine: '我的留言',
  chWrite: '给支部书记留言',
  chEmpty: '还没有留言',
  chKind: '类别',
  'chk.question': '咨询',
  'chk.suggestion': '建议',
  'chk.help': '求助',
  'chk.problem': '反映问题',
  'chk.message': '支部来信',
  chSubject: '标题', chSubjectOpt: '标题（可不填）', chSubjectHint: '不填时，用您写的第一句话作标题',
  chText: '内容（不方便打字，可以录语音）', chTextOpt: '文字（可不填）',
  chSend: '发送',
  chSent: '已发送，支部会尽快答复',
  'chs.open': '待答复',
  'chs.escalated': '已上报',
  'chs.answered': '已答复',
  'chs.closed': '已结束',
  chEscalatedTo: '超时未答复，已上报 {name}',
  chDue: '应在 {d} 前答复（{left}）',
  chAnsweredIn: '{h} 内首次答复',
  chLate: '（超时）',
  chReply: '回复',
  chReplyPh: '写下回复…',
  chClose: '结束留言',
  chLeader: '支部',
  chInbox: '留言箱',
  chWaiting: '待答复',
  chAll: '全部',
  chStats: '答复情况',
  chMedian: '答复用时中位数',
  chP90: '九成答复用时',
  chShare: '按时答复率',
  chToMembers: '给党员发消息',
  chTo: '发给',
  chToMigrants: '全部流动党员',
  chToGroup: '党小组',
  chToMember: '一名党员', chNeedMember: '请选择一名党员',
  chCount: '已发给 {n} 名党员',
  chNeed: '请填写内容，或录一段语音',
  chHours: '{n} 小时',
  chMinutes: '{n} 分钟',
  chTarget: '答复时限 {n} 小时',
  chSetTarget: '修改答复时限（小时）',
  chSave: '保存',
  chSaved: '已保存，新留言按此时限计算',
  chByOrg: '各下级组织',
  chThreads: '{n} 条留言',
}, {
  chTitle: 'Message the secretary',
  chMine: 'My messages',
  chWrite: 'Write to the branch',
  chEmpty: 'No messages yet',
  chKind: 'Kind',
  'chk.question': 'Question',
  'chk.suggestion': 'Suggestion',
  'chk.help': 'Request for help',
  'chk.problem': 'Problem',
  'chk.message': 'From the branch',
  chSubject: 'Subject', chSubjectOpt: 'Subject (optional)', chSubjectHint: 'Left empty, your first line is the subject',
  chText: 'Message (or record your voice)', chTextOpt: 'Text (optional)',
  chSend: 'Send',
  chSent: 'Sent; the branch will answer soon',
  'chs.open': 'Waiting',
  'chs.escalated': 'Escalated',
  'chs.answered': 'Answered',
  'chs.closed': 'Closed',
  chEscalatedTo: 'Not answered in time: escalated to {name}',
  chDue: 'Answer due by {d} ({left})',
  chAnsweredIn: 'First answer after {h}',
  chLate: ' (late)',
  chReply: 'Reply',
  chReplyPh: 'Write a reply…',
  chClose: 'Close',
  chLeader: 'Branch',
  chInbox: 'Inbox',
  chWaiting: 'Waiting',
  chAll: 'All',
  chStats: 'Response times',
  chMedian: 'Median first answer',
  chP90: '90% answered within',
  chShare: 'Answered in time',
  chToMembers: 'Message members',
  chTo: 'To',
  chToMigrants: 'All migrant members',
  chToGroup: 'Party group',
  chToMember: 'One member', chNeedMember: 'Choose a member',
  chCount: 'Sent to {n} members',
  chNeed: 'Write the message, or record one',
  chHours: '{n} h',
  chMinutes: '{n} min',
  chTarget: 'Answer within {n} h',
  chSetTarget: 'Change the answer target (hours)',
  chSave: 'Save',
  chSaved: 'Saved; new messages use this target',
  chByOrg: 'By organisation',
  chThreads: '{n} messages',
});

const KINDS = ['question', 'suggestion', 'help', 'problem'];

export function dur(secs) {
  if (secs == null) return '—';
  if (secs < 3600) return t('chMinutes', { n: Math.max(1, Math.round(secs / 60)) });
  return t('chHours', { n: Math.round(secs / 360) / 10 });
}

function Status({ x }) {
  return <span class={'tag st-' + x.status}>{t('chs.' + x.status)}</span>;
}

function Row({ x, showMember }) {
  return (
    <a class="bigrow" href={'#/thread/' + x.id}>
      <span class="grow">
        <strong>{x.subject}</strong>
        <span class="muted">
          {t('chk.' + x.kind)} · {showMember ? x.memberName + ' · ' : ''}{fmtTime(x.lastMessageAt)}
        </span>
        {x.escalated && x.escalatedTo && <span class="warn-text">{t('chEscalatedTo', { name: x.escalatedTo.name })}</span>}
      </span>
      <Status x={x} />
      <Chevron />
    </a>
  );
}

// #/threads: the member's own threads, newest first, and the button to write.
export default function MyThreads() {
  const list = usePaged('/me/threads', {}, 30);
  return (
    <div>
      <TopBar title={t('chTitle')} back="#/home" />
      <a class="btn primary wide gap" href="#/thread-new">{t('chWrite')}</a>
      <h2 class="sub">{t('chMine')}</h2>
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('chEmpty')}</p>}
      <ul class="list rows card-list">
        {list.items.map((x) => <li key={x.id}><Row x={x} /></li>)}
      </ul>
      <More list={list} />
    </div>
  );
}

// A message's text (when there is any) and its recording (when there is one).
function voiceBody(text, voice) {
  const body = {};
  if (text.trim()) body.text = text;
  if (voice) Object.assign(body, { voiceFileId: voice.fileId, voiceSeconds: voice.seconds });
  return body;
}

// #/thread-new: kind, text, and a subject if the member wants one (the server takes the
// text's first line otherwise). The draft survives a tab change or a reload (draft.js).
export function WriteThread() {
  const [d, set, clear] = useDraft('thread-new', { kind: 'question', subject: '', text: '' });
  const { kind, subject, text } = d;
  const me = useGet('/me');
  const [voice, setVoice] = useState(null);
  const w = useWrite({ fields: false });
  const send = async (e) => {
    e.preventDefault();
    if (!text.trim() && !voice) { w.fail(t('chNeed')); return; }
    const body = { kind, ...voiceBody(text, voice) };
    if (subject.trim()) body.subject = subject.trim();
    const r = await w.run(() => api('/threads', { method: 'POST', body }));
    if (r) { clear(); go('thread/' + r.id); }
  };
  return (
    <div>
      <TopBar title={t('chWrite')} back="#/threads" />
      <form class="form card" onSubmit={send}>
        <fieldset class="kinds">
          <legend>{t('chKind')}</legend>
          {KINDS.map((k) => (
            <label key={k} class="check">
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => set({ kind: k })} />
              {t('chk.' + k)}
            </label>
          ))}
        </fieldset>
        {me.data && me.data.member && <VoiceRecorder orgId={me.data.member.orgId} value={voice} onChange={setVoice} disabled={w.busy} />}
        <label for="th-text">{voice ? t('chTextOpt') : t('chText')}</label>
        <textarea id="th-text" rows="6" maxLength={2000} value={text} onInput={(e) => set({ text: e.currentTarget.value })} />
        <label for="th-subject">{t('chSubjectOpt')}</label>
        <input id="th-subject" type="text" maxLength={60} value={subject} onInput={(e) => set({ subject: e.currentTarget.value })} />
        <p class="hint">{t('chSubjectHint')}</p>
        {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
        <button type="submit" class="btn primary wide" disabled={w.busy}>{t('chSend')}</button>
      </form>
    </div>
  );
}

// #/thread/ID: the messages, status, answer time, escalation; reply and close.
export function ThreadView({ id }) {
  const st = useGet('/threads/' + enc(id));
  const [draft, setDraft, clearDraft] = useDraft('reply.' + id, { text: '' });
  const text = draft.text;
  const setText = (v) => (v ? setDraft({ text: v }) : clearDraft());
  const w = useWrite({ fields: false });
  const [voice, setVoice] = useState(null);
  const [data, setData] = useState(null);
  // A reply from the other side arrives live.
  useEffect(() => onLive((ev) => {
    if (ev.type === 'reset' || (ev.type === 'thread' && ev.data && String(ev.data.threadId) === String(id))) {
      setData(null);
      st.reload();
    }
  }), [id]);
  const x = data || st.data;
  const post = async (path, body) => {
    const d = await w.run(() => api('/threads/' + enc(id) + path, { method: 'POST', body }));
    if (d) {
      setData(d);
      setText('');
      setVoice(null);
    }
  };
  if (st.error) return <div><TopBar title={t('chTitle')} back="#/threads" /><ErrorBox error={st.error} onRetry={st.reload} /></div>;
  if (!x) return <div><TopBar title={t('chTitle')} back="#/threads" /><Loading /></div>;
  return (
    <div>
      <TopBar title={x.subject} back={'#/threads'} />
      <section class="card thread-head">
        <p class="facts"><Status x={x} /><span class="tag warn">{t('chk.' + x.kind)}</span></p>
        <p class="muted">{x.memberName} · {x.orgName}</p>
        {x.direction === 'to_leaders' && !x.firstAnswerAt && x.status !== 'closed' && (
          <p class="muted due">{t('chDue', { d: fmtTime(x.dueAt), left: fmtDue(x.dueAt) })}</p>
        )}
        {x.firstAnswerSecs != null && x.direction === 'to_leaders' && (
          <p class="muted answer-time">
            {t('chAnsweredIn', { h: dur(x.firstAnswerSecs) })}{x.withinTarget === false ? t('chLate') : ''}
          </p>
        )}
        {x.escalated && x.escalatedTo && (
          <p class="warn-text escalated" role="status">{t('chEscalatedTo', { name: x.escalatedTo.name })}</p>
        )}
      </section>
      <ul class="list msgs">
        {(x.items || []).map((m) => (
          <li key={m.id} class={'msg' + (m.fromLeader ? ' leader' : '')}>
            <p class="muted">{m.fromLeader ? t('chLeader') + ' · ' : ''}{m.authorName} · <span class="mtime">{fmtTime(m.createdAt)}</span></p>
            {m.text && <p class="msg-text">{m.text}</p>}
            {m.voice && <VoicePlayer src={'/api/v1/threads/' + enc(id) + '/files/' + m.voice.fileId} voice={m.voice} />}
          </li>
        ))}
      </ul>
      {x.status !== 'closed' && (
        <form class="form card" onSubmit={(e) => { e.preventDefault(); if (text.trim() || voice) post('/replies', voiceBody(text, voice)); }}>
          <label for="th-reply">{t('chReply')}</label>
          <textarea id="th-reply" rows="3" maxLength={2000} placeholder={t('chReplyPh')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <VoiceRecorder orgId={x.orgId} value={voice} onChange={setVoice} disabled={w.busy} />
          {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
          <button type="submit" class="btn primary wide" disabled={w.busy || (!text.trim() && !voice)}>{t('chReply')}</button>
          <button type="button" class="btn secondary wide thread-close" disabled={w.busy} onClick={() => post('/close')}>{t('chClose')}</button>
        </form>
      )}
    </div>
  );
}


// The response figures of the organisation, one row per child organisation (drill-down:
// each row opens that organisation's inbox), and the target for an admin to change.
function StatsCard({ id, me }) {
  const st = useGet('/threads/stats?orgId=' + enc(id));
  const org = useGet('/orgs/' + enc(id));
  const [hours, setHours] = useState('');
  const [saved, setSaved] = useState(false);
  const w = useWrite({ fields: false });
  const s = st.data;
  if (!s) return null;
  const admin = !!org.data && can('org.admin', org.data);
  const save = async (e) => {
    e.preventDefault();
    setSaved(false);
    const ok = await w.run(() => api('/orgs/' + enc(id) + '/response-target', { method: 'PUT', body: { targetHours: Number(hours) } }).then(() => true));
    if (ok) {
      setSaved(true);
      st.reload();
    }
  };
  const msg = saved ? t('chSaved') : w.errorText;
  const kids = (s.children || []).filter((c) => c.threads > 0);
  return (
    <section class="card" aria-label={t('chStats')}>
      <h2>{t('chStats')} <small class="muted">{t('chTarget', { n: s.targetHours })}</small></h2>
      <div class="stats">
        <div><strong>{dur(s.medianSecs)}</strong><span>{t('chMedian')}</span></div>
        <div><strong>{dur(s.p90Secs)}</strong><span>{t('chP90')}</span></div>
        <div><strong>{s.shareWithinTarget == null ? '—' : Math.round(s.shareWithinTarget * 100) + '%'}</strong><span>{t('chShare')}</span></div>
      </div>
      {kids.length > 0 && (
        <>
          <h3>{t('chByOrg')}</h3>
          <ul class="list rows">
            {kids.map((c) => (
              <li key={c.orgId}>
                <a class="bigrow" href={'#/inbox/' + c.orgId}>
                  <span class="grow">
                    <strong>{c.name}</strong>
                    <span class="muted">
                      {t('chThreads', { n: c.threads })} · {t('chMedian')} {dur(c.medianSecs)} · {t('chShare')} {c.shareWithinTarget == null ? '—' : Math.round(c.shareWithinTarget * 100) + '%'}
                    </span>
                  </span>
                  <Chevron />
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      {admin && (
        <form class="form" onSubmit={save}>
          <label for="tg-hours">{t('chSetTarget')}</label>
          <input id="tg-hours" type="number" min="1" max="720" value={hours} placeholder={String(s.targetHours)} onInput={(e) => setHours(e.currentTarget.value)} />
          <button type="submit" class="btn secondary" disabled={!hours}>{t('chSave')}</button>
          {msg && <p class="muted" role="status">{msg}</p>}
        </form>
      )}
    </section>
  );
}

// #/inbox/ORG: the organisation's inbox (threads that reached it), waiting first.
export function Inbox({ id, me }) {
  const org = useGet('/orgs/' + enc(id));
  const [tab, setTab] = useState('waiting');
  const list = usePaged('/threads', { orgId: id, status: tab === 'waiting' ? 'waiting' : '' }, 30);
  useEffect(() => onLive((ev) => { if (ev.type === 'thread' || ev.type === 'reset') list.reload(); }), [id, tab]);
  return (
    <div>
      <TopBar title={t('chInbox')} back="#/home" />
      {org.data && <p class="muted sub">{org.data.name}</p>}
      <StatsCard id={id} me={me} />
      <a class="btn secondary wide gap" href={'#/thread-send/' + id}>{t('chToMembers')}</a>
      <Tabs value={tab} onChange={setTab} items={[['waiting', t('chWaiting')], ['all', t('chAll')]]} />
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('chEmpty')}</p>}
      <ul class="list rows card-list">
        {list.items.map((x) => <li key={x.id}><Row x={x} showMember /></li>)}
      </ul>
      <More list={list} />
    </div>
  );
}

// #/thread-send/ORG: a leader writes to the migrant members, a party group or one member.
export function SendThread({ id }) {
  const groups = useGet('/orgs/' + enc(id) + '/children');
  const [to, setTo] = useState('migrants');
  const [group, setGroup] = useState('');
  const [member, setMember] = useState([]); // one member id (pick.jsx)
  const [d, set, clear] = useDraft('thread-send.' + id, { subject: '', text: '' });
  const { subject, text } = d;
  const [msg, setMsg] = useState('');
  const w = useWrite({ fields: false });
  const send = async (e) => {
    e.preventDefault();
    if (!text.trim()) { w.fail(t('chNeed')); return; }
    const body = { orgId: Number(id), text };
    if (subject.trim()) body.subject = subject.trim();
    if (to === 'migrants') body.migrants = true;
    if (to === 'group') body.groupId = Number(group);
    if (to === 'member') {
      if (!member.length) { w.fail(t('chNeedMember')); return; }
      body.memberId = member[0];
    }
    setMsg('');
    const r = await w.run(() => api('/threads/send', { method: 'POST', body }));
    if (r) { clear(); setMsg(t('chCount', { n: r.count })); }
  };
  const gs = ((groups.data && groups.data.items) || []).filter((g) => g.level === 'group');
  return (
    <div>
      <TopBar title={t('chToMembers')} back={'#/inbox/' + id} />
      <form class="form card" onSubmit={send}>
        <label for="ts-to">{t('chTo')}</label>
        <select id="ts-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
          <option value="migrants">{t('chToMigrants')}</option>
          {gs.length > 0 && <option value="group">{t('chToGroup')}</option>}
          <option value="member">{t('chToMember')}</option>
        </select>
        {to === 'group' && (
          <select aria-label={t('chToGroup')} value={group} onChange={(e) => setGroup(e.currentTarget.value)}>
            <option value="" />
            {gs.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
          </select>
        )}
        {to === 'member' && (
          <MemberPicker orgId={id} single name="send" legend={t('chToMember')} value={member} onChange={setMember} />
        )}
        <label for="ts-text">{t('chText')}</label>
        <textarea id="ts-text" rows="5" maxLength={2000} value={text} onInput={(e) => set({ text: e.currentTarget.value })} />
        <label for="ts-subject">{t('chSubjectOpt')}</label>
        <input id="ts-subject" type="text" maxLength={60} value={subject} onInput={(e) => set({ subject: e.currentTarget.value })} />
        <p class="hint">{t('chSubjectHint')}</p>
        {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
        {msg && <p class="ok-text" role="status">{msg}</p>}
        <button type="submit" class="btn primary wide" disabled={w.busy}>{t('chSend')}</button>
      </form>
    </div>
  );
}
