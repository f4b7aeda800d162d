// Announcement screens: one notice (#/notice/ID: marks it read, 确认收到, marks of
// correction and retraction, history; for its publishers edit, retract, remind), the
// composer with its audience picker (#/notice-new/ORG), the read/acknowledge report per
// organisation with drill-down and export (#/notice-report/ID/ORG), and the list of what
// was published in an organisation (#/notices/ORG).
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, roleName } from '../i18n.js';
import { refreshUnread } from '../live.js';
import { TopBar, Loading, ErrorBox, More, go } from '../ui.jsx';
import { Field } from '../form.jsx';
import { MemberPicker } from '../pick.jsx';
import { Tags, publishOrgs } from '../noticeStrings.jsx';
import { fmtDate, fmtTime, today } from '../time.js';
import { FileList, Uploader } from '../files.jsx';

export default function NoticeView({ id }) {
  const st = useGet('/notices/' + encodeURIComponent(id));
  const n = st.data;
  useEffect(() => {
    if (n && !n.read) api('/notices/' + n.id + '/read', { method: 'POST', body: {} }).then(refreshUnread, () => {});
  }, [n && n.id]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div>
      <TopBar title={t('notices')} back="#/home" />
      {st.loading && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {n && <Notice n={n} reload={st.reload} />}
    </div>
  );
}

function Notice({ n, reload }) {
  const [msg, setMsg] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const [mode, setMode] = useState(''); // '', 'edit', 'retract', 'history'
  const post = async (path, body, ok) => {
    const done = await w.run(() => api('/notices/' + n.id + path, { method: 'POST', body: body || {} }).then(() => true));
    if (done) {
      setMsg(ok);
      refreshUnread();
      reload();
    }
  };
  const needAck = (n.ackRequired || n.kind === 'reminder') && n.state !== 'retracted';
  return (
    <article class="card">
      {n.state === 'corrected' && <p class="banner fix">{t('correctedBanner')}</p>}
      {n.state === 'retracted' && <p class="banner gone">{t('retractedBanner')}</p>}
      <h2 class="ftitle">{n.title}</h2>
      <p class="fmeta">
        <Tags n={n} />
        <span>{n.org && n.org.name}</span>
        <span class="ftime">{fmtTime(n.publishedAt)}</span>
      </p>
      {n.refId && <p><a href={'#/notice/' + n.refId}>{t('seeOriginal')}</a></p>}
      <div class="notice-text">{n.text}</div>
      {n.attachments && n.attachments.length > 0 && (
        <div>
          <h3>{t('attachments')}</h3>
          <ul class="list">
            {n.attachments.filter((a) => a.url).map((a, i) => (
              <li key={i}><a href={a.url} rel="noopener noreferrer" target="_blank">{a.name}</a></li>
            ))}
          </ul>
          <FileList files={n.files} base={'/notices/' + n.id + '/files/'} />
        </div>
      )}
      {n.ackDeadline && <p class="muted">{t('ackBy', { d: fmtDate(n.ackDeadline) })}</p>}
      {needAck && (n.acked
        ? <p class="ok-text">{t('ackDone')} · {fmtTime(n.ackedAt)}</p>
        : <button type="button" class="btn primary wide" disabled={busy} onClick={() => post('/ack', {}, t('ackDone'))}>{t('ack')}</button>)}
      {msg && <p class="ok-text" role="status">{msg}</p>}
      {err && <p class="error-text" role="alert">{err}</p>}
      {n.version > 1 && (
        <button type="button" class="btn link" onClick={() => setMode(mode === 'history' ? '' : 'history')}>{t('history')}</button>
      )}
      {mode === 'history' && <History id={n.id} />}
      {n.canManage && n.kind === 'notice' && n.state !== 'retracted' && (
        <div class="btn-row">
          <a class="btn secondary" href={'#/notice-report/' + n.id}>{t('report')}</a>
          <button type="button" class="btn secondary" onClick={() => setMode('edit')}>{t('edit')}</button>
          <button type="button" class="btn danger" onClick={() => setMode('retract')}>{t('retract')}</button>
          {n.ackRequired && <button type="button" class="btn secondary" disabled={busy} onClick={() => post('/remind', {}, t('reminded'))}>{t('remind')}</button>}
        </div>
      )}
      {n.canManage && n.kind === 'notice' && n.state === 'retracted' && (
        <div class="btn-row"><a class="btn secondary" href={'#/notice-report/' + n.id}>{t('report')}</a></div>
      )}
      {mode === 'edit' && <Edit n={n} onDone={() => { setMode(''); reload(); }} />}
      {mode === 'retract' && <Retract n={n} onDone={() => { setMode(''); reload(); }} />}
    </article>
  );
}

function History({ id }) {
  const st = useGet('/notices/' + id + '/versions');
  if (!st.data) return st.error ? <ErrorBox error={st.error} /> : <Loading />;
  return (
    <ul class="list sub-form">
      {st.data.items.map((v) => (
        <li key={v.version} class="subrec" style="flex-direction: column">
          <strong>{t('versionN', { n: v.version })} · {fmtTime(v.replacedAt)}</strong>
          {v.note && <span class="muted">{v.note}</span>}
          <span class="ftitle">{v.title}</span>
          <div class="notice-text">{v.text}</div>
        </li>
      ))}
    </ul>
  );
}

function Edit({ n, onDone }) {
  const [title, setTitle] = useState(n.title);
  const [text, setText] = useState(n.text);
  const [note, setNote] = useState('');
  const s = useWrite();
  const save = async (e) => {
    e.preventDefault();
    const r = await s.run(() => api('/notices/' + n.id, { method: 'PATCH', body: { title, text, ...(note.trim() ? { note: note.trim() } : {}) } }));
    if (r) onDone();
  };
  return (
    <form class="form sub-form" onSubmit={save}>
      <Field prefix="ne-" field="title" label={t('nTitle')} value={title} onChange={setTitle} ferr={s.ferr} maxLength={100} />
      <Field prefix="ne-" field="text" label={t('nText')} kind="textarea" rows="8" value={text} onChange={setText} ferr={s.ferr} />
      <Field prefix="ne-" field="note" label={t('editNote')} value={note} onChange={setNote} ferr={s.ferr} maxLength={500} />
      {s.errorText && <p class="error-text" role="alert">{s.errorText}</p>}
      <div class="btn-row">
        <button type="submit" class="btn primary" disabled={s.busy}>{t('save')}</button>
        <button type="button" class="btn secondary" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

function Retract({ n, onDone }) {
  const [reason, setReason] = useState('');
  const s = useWrite();
  const go2 = async (e) => {
    e.preventDefault();
    if (!reason.trim()) { s.setFerr({ field: 'reason', text: t('retractNeed') }); return; }
    const r = await s.run(() => api('/notices/' + n.id + '/retract', { method: 'POST', body: { reason: reason.trim() } }));
    if (r) onDone();
  };
  return (
    <form class="form sub-form" onSubmit={go2}>
      <Field prefix="nr-" field="reason" label={t('retractReason')} value={reason} onChange={setReason} ferr={s.ferr} maxLength={500} />
      {s.errorText && <p class="error-text" role="alert">{s.errorText}</p>}
      <div class="btn-row">
        <button type="submit" class="btn danger" disabled={s.busy}>{t('retractConfirm')}</button>
        <button type="button" class="btn secondary" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

// ---- the composer ----

const ROLE_CHOICES = ['member', 'branch_secretary', 'branch_committee', 'org_admin'];

export function NoticeNew({ orgId, me }) {
  const orgs = publishOrgs();
  const [org, setOrg] = useState(String(orgId || (orgs[0] && orgs[0].orgId) || ''));
  const base = orgs.find((o) => String(o.orgId) === String(orgId)) || orgs[0];
  const children = useGet(base ? '/orgs/' + encodeURIComponent(base.orgId) + '/children?limit=200' : null);
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [aud, setAud] = useState('all');
  const [roles, setRoles] = useState([]);
  const [chosen, setChosen] = useState([]); // member ids
  const [priority, setPriority] = useState('normal');
  const [pinned, setPinned] = useState(false);
  const [ack, setAck] = useState(false);
  const [deadline, setDeadline] = useState('');
  const [att, setAtt] = useState({ name: '', url: '' });
  const [files, setFiles] = useState([]); // stored files to attach (uploaded here)
  const s = useWrite();
  const orgChoices = [];
  if (base) orgChoices.push({ value: String(base.orgId), label: base.orgName });
  for (const c of (children.data && children.data.items) || []) orgChoices.push({ value: String(c.id), label: '— ' + c.name });
  const send = async (e) => {
    e.preventDefault();
    if (!title.trim()) { s.setFerr({ field: 'title', text: t('nNeedTitle') }); return; }
    if (!text.trim()) { s.setFerr({ field: 'text', text: t('nNeedText') }); return; }
    if (aud === 'roles' && !roles.length) { s.setFerr({ field: 'roles', text: t('nNeedRoles') }); return; }
    const ids = chosen;
    if (aud === 'chosen' && !ids.length) { s.setFerr({ field: 'memberIds', text: t('nNeedMembers') }); return; }
    const body = { orgId: Number(org), title: title.trim(), text, priority, pinned, ackRequired: ack };
    if (ack && deadline) body.ackDeadline = deadline;
    if (aud === 'roles') body.roles = roles;
    if (aud === 'chosen') body.memberIds = ids;
    const atts = files.map((f) => ({ name: f.name.slice(0, 100), fileId: f.id }));
    if (att.name.trim() && att.url.trim()) atts.push({ name: att.name.trim(), url: att.url.trim() });
    if (atts.length) body.attachments = atts;
    const r = await s.run(() => api('/notices', { method: 'POST', body }));
    if (r) go('notice/' + r.id);
  };
  return (
    <div>
      <TopBar title={t('newNotice')} back="#/home" />
      <form class="form card" onSubmit={send} noValidate>
        <Field prefix="nn-" field="orgId" label={t('nOrg')} kind="select" value={org} onChange={(v) => { setOrg(v); setChosen([]); }} options={orgChoices} ferr={s.ferr} />
        <fieldset class="choice">
          <legend>{t('nAudience')}</legend>
          <div class="seg" role="radiogroup">
            {['all', 'roles', 'chosen'].map((a) => (
              <button key={a} type="button" role="radio" aria-checked={aud === a} class={aud === a ? 'on' : ''} onClick={() => setAud(a)}>
                {t(a === 'all' ? 'audAll' : a === 'roles' ? 'audRoles' : 'audChosen')}
              </button>
            ))}
          </div>
        </fieldset>
        {aud === 'roles' && (
          <div class="field" id="nn-roles" tabIndex={-1}>
            {ROLE_CHOICES.map((r) => (
              <label key={r} class="check">
                <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.currentTarget.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
                {roleName(r)}
              </label>
            ))}
            {s.ferr && s.ferr.field === 'roles' && <p class="field-error" role="alert">{s.ferr.text}</p>}
          </div>
        )}
        {aud === 'chosen' && (
          <MemberPicker orgId={org} name="notice" id="nn-memberIds" legend={t('audChosen')} value={chosen} onChange={setChosen}
            error={s.ferr && s.ferr.field === 'memberIds' ? s.ferr.text : ''} />
        )}
        <Field prefix="nn-" field="title" label={t('nTitle')} value={title} onChange={setTitle} ferr={s.ferr} maxLength={100} />
        <Field prefix="nn-" field="text" label={t('nText')} kind="textarea" rows="8" value={text} onChange={setText} ferr={s.ferr} />
        <Field prefix="nn-" field="priority" label={t('nPriority')} kind="select" value={priority} onChange={(v) => setPriority(v || 'normal')}
          options={['normal', 'important', 'urgent'].map((p) => ({ value: p, label: t('prio.' + p) }))} ferr={s.ferr} />
        <Field prefix="nn-" field="pinned" label={t('nPinned')} kind="check" value={pinned} onChange={setPinned} ferr={s.ferr} />
        <Field prefix="nn-" field="ackRequired" label={t('nAck')} kind="check" value={ack} onChange={setAck} ferr={s.ferr} />
        {ack && <Field prefix="nn-" field="ackDeadline" label={t('nDeadline')} kind="date" value={deadline} onChange={setDeadline} ferr={s.ferr} min={today()} />}
        <Uploader orgId={org} onDone={(f) => setFiles([...files, f])} />
        {files.length > 0 && <ul class="list">{files.map((f) => <li key={f.id}>{f.name}</li>)}</ul>}
        <div class="two">
          <Field prefix="nn-" field="attachments" label={t('nAttachName')} value={att.name} onChange={(v) => setAtt({ ...att, name: v })} ferr={s.ferr} />
          <Field prefix="nn-" field="attachUrl" label={t('nAttachUrl')} kind="url" value={att.url} onChange={(v) => setAtt({ ...att, url: v })} />
        </div>
        {s.errorText && <p class="error-text" role="alert">{s.errorText}</p>}
        <button type="submit" class="btn primary wide" disabled={s.busy}>{t('nSend')}</button>
      </form>
    </div>
  );
}

// ---- the report ----

const pct = (a, b) => (b ? Math.round((100 * a) / b) : 0);

// One organisation's figures: who it reaches, read, acknowledged, told in person (当面传达:
// recorded by a secretary, never counted as read in the app), not reached yet, and apart
// from them those without an account yet (they cannot have read it: not "unread"). The
// percentage is of the members who can read it; `explain` adds the sentences saying so.
function Row({ r, href, explain }) {
  const done = r.acked || r.read;
  const can = r.total - (r.noAccount || 0);
  const body = (
    <>
      <span class="grow">
        <strong>{r.name}</strong>
        <span class="muted small"> {t('rTotal', { n: r.total })} · {t('rRead', { n: r.read })} · {t('rAcked', { n: r.acked })}
          {r.told > 0 && <span class="told"> · {t('rToldN', { n: r.told })}</span>}
          <span class="not-reached"> · {t('rNotReachedN', { n: r.notReached })}</span>
          {r.noAccount > 0 && <span class="no-account"> · {t('rNoAccountN', { n: r.noAccount })}</span>}</span>
        <span class="meter" aria-hidden="true"><i style={{ width: pct(done, can) + '%' }} /></span>
      </span>
      <span class="pct">{pct(done, can)}%</span>
    </>
  );
  const row = href ? <a class="report-row" href={href} data-org={r.id}>{body}</a> : <div class="report-row" data-org={r.id}>{body}</div>;
  if (!explain) return row;
  return (
    <>
      {row}
      <p class="hint report-explain">
        {t('rExplain', { done, can, what: t(r.acked ? 'rWhatAcked' : 'rWhatRead') })}
        {r.noAccount > 0 ? ' ' + t('rExplainNo', { n: r.noAccount }) : ''}
        {' ' + t('rExplainTold', { told: r.told, nr: r.notReached })}
      </p>
    </>
  );
}

// The members a notice has not reached (or, the other choice, has not read / acknowledged):
// one tap records that the secretary told a member in person, "这 N 人都已当面传达" records
// every one shown (after a second tap to confirm); a record can be undone by who made it
// within a day. The list keeps what was recorded in place (feedback where the finger is)
// until it is refreshed.
function Pending({ id, d, onChange }) {
  const [which, setWhich] = useState('unreached');
  const other = d.notice.ackRequired ? 'unacked' : 'unread';
  const list = usePaged('/notices/' + encodeURIComponent(id) + '/members', { orgId: d.org.id, filter: which }, 50);
  const [done, setDone] = useState({}); // memberId -> {toldAt, canUndoTold} | null (undone)
  const [confirm, setConfirm] = useState(false);
  const w = useWrite({ fields: false });
  useEffect(() => { setDone({}); setConfirm(false); }, [which, d.org.id]);
  const state = (m) => (m.memberId in done ? done[m.memberId] : m.toldAt ? m : null);
  const waiting = list.items.filter((m) => !m.readAt && !state(m));
  const tell = async (ids) => {
    const r = await w.run(() => api('/notices/' + id + '/told', { method: 'POST', body: { memberIds: ids } }));
    if (!r) return;
    setDone((x) => { const y = { ...x }; for (const i of r.items) y[i.memberId] = i; return y; });
    setConfirm(false);
    onChange();
  };
  const undo = async (m) => {
    const r = await w.run(() => api('/notices/' + id + '/told/' + m.memberId, { method: 'DELETE' }));
    if (!r) return;
    setDone((x) => ({ ...x, [m.memberId]: null }));
    onChange();
  };
  return (
    <section class="card told-list">
      <div class="seg" role="radiogroup">
        {['unreached', other].map((f) => (
          <button key={f} type="button" role="radio" aria-checked={which === f} class={which === f ? 'on' : ''} onClick={() => setWhich(f)}>
            {t(f === 'unreached' ? 'rNotReached' : f === 'unacked' ? 'rPending' : 'rUnread')}
          </button>
        ))}
      </div>
      {which === 'unreached' && <p class="hint">{t('rToldHint')}</p>}
      {!list.loading && !list.items.length && <p class="ok-text">{t(which === 'unreached' ? 'rAllReached' : 'rNoneLeft')}</p>}
      {waiting.length > 1 && (confirm
        ? (
          <div class="btn-row told-confirm">
            <button type="button" class="btn primary" disabled={w.busy} onClick={() => tell(waiting.map((m) => m.memberId))}>{t('rToldAllYes', { n: waiting.length })}</button>
            <button type="button" class="btn secondary" onClick={() => setConfirm(false)}>{t('cancel')}</button>
          </div>
        )
        : <button type="button" class="btn secondary wide told-all" onClick={() => setConfirm(true)}>{t('rToldAll', { n: waiting.length })}</button>)}
      {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
      <ul class="list pending">
        {list.items.map((m) => {
          const told = state(m);
          return (
            <li key={m.memberId} class="role told-row" data-member={m.memberId}>
              <span class="told-who">
                <strong>{m.name}</strong>
                <span class="muted">{m.org.name}{m.canSignIn === false ? ' · ' + t('rNoAccount') : ''}{m.readAt ? ' · ' + t('rReadAt', { d: fmtTime(m.readAt) }) : ''}</span>
                {told && <span class="ok-text told-at" role="status">{t('rToldAt', { d: fmtTime(told.toldAt) })}{told.toldBy ? ' · ' + told.toldBy.name : ''}</span>}
              </span>
              {!m.readAt && !told && (
                <button type="button" class="btn secondary told-one" disabled={w.busy} onClick={() => tell([m.memberId])}>{t('rToldOne')}</button>
              )}
              {told && told.canUndoTold && (
                <button type="button" class="btn link told-undo" disabled={w.busy} onClick={() => undo(m)}>{t('rToldUndo')}</button>
              )}
            </li>
          );
        })}
      </ul>
      <More list={list} />
    </section>
  );
}

export function NoticeReport({ id, orgId }) {
  const path = '/notices/' + encodeURIComponent(id) + '/report' + qs({ orgId });
  const st = useGet(path);
  // A reload keeps the figures (and the list below, with what was just recorded) on screen.
  const [last, setLast] = useState(null);
  useEffect(() => { if (st.data) setLast({ path, data: st.data }); }, [st.data, path]);
  const d = st.data || (last && last.path === path ? last.data : null);
  useEffect(() => {
    const h = setInterval(() => { if (!document.hidden) st.reload(); }, 15000);
    return () => clearInterval(h);
  }, [st.reload]);
  const exp = (fmt) => '/api/v1/notices/' + encodeURIComponent(id) + '/report/export' + qs({ orgId: d && d.org.id, format: fmt });
  return (
    <div>
      <TopBar title={t('report')} back={orgId ? '#/notice-report/' + id : '#/notice/' + id} />
      {st.loading && !d && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {d && (
        <>
          <section class="card">
            <p class="ftitle"><a href={'#/notice/' + d.notice.id}>{d.notice.title}</a></p>
            <div class="report-total"><Row r={d.org} explain /></div>
            <div class="btn-row">
              <button type="button" class="btn secondary" onClick={() => st.reload()}>{t('rRefresh')}</button>
              <a class="btn secondary" href={exp('xlsx')} download>{t('rExportX')}</a>
              <a class="btn secondary" href={exp('csv')} download>{t('rExportC')}</a>
            </div>
          </section>
          {d.items.length > 0 && (
            <section class="card report-items">
              {d.items.map((r) => <Row key={r.id} r={r} href={'#/notice-report/' + id + '/' + r.id} />)}
            </section>
          )}
          <Pending id={id} d={d} onChange={st.reload} />
        </>
      )}
    </div>
  );
}

// ---- what was published ----

export function NoticeList({ orgId }) {
  const list = usePaged('/notices', { orgId }, 30);
  return (
    <div>
      <TopBar title={t('published')} back="#/home" />
      <a class="btn primary wide" href={'#/notice-new/' + orgId} style="margin-bottom: 0.8rem">{t('publish')}</a>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      <section class="card">
        {!list.loading && !list.items.length && <p class="muted">{t('noticesEmpty')}</p>}
        {list.items.map((n) => (
          <a key={n.id} class="feed-item feed-link" href={'#/notice/' + n.id}>
            <div class="ftitle">{n.title}</div>
            <div class="fmeta">
              <Tags n={n} />
              <span>{n.org.name}</span>
              <span class="ftime">{fmtTime(n.publishedAt)}</span>
              <span>{t('rRead', { n: n.readCount })}</span>
              {n.ackRequired && <span>{t('rAcked', { n: n.ackCount })}</span>}
            </div>
          </a>
        ))}
        <More list={list} />
      </section>
    </div>
  );
}
