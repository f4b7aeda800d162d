// One member's record (#/member/ID), and a member's own record (#/my): the fields in
// groups, an audited reveal of the sealed ones, history, sub-records, status change;
// for the member themself, proposing a correction and seeing what became of it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { addStrings, t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Crumbs, Lazy } from '../ui.jsx';
import { Field, useFocusError } from '../form.jsx';
import { fmtDate, fmtTime, today } from '../time.js';
import { Slip } from './Slips.jsx';
import { Scans } from '../files.jsx';
import '../slipStrings.js';
import {
  ON_ROSTER, STATUS_CHANGES, RECORD_KINDS, EDUCATIONS, OCCUPATIONS, ETHNICITIES, opts, plain, v, showValue, fieldLabel, yuan,
} from '../vocab.js';

const enc = encodeURIComponent;
const MyTransfers = () => import('./Transfers.jsx').then((m) => ({ default: m.MyTransfers }));

function KV({ rows }) {
  return (
    <dl class="kv rec">
      {rows.filter(Boolean).map(([label, value, extra]) => [
        <dt key={label + 'k'}>{label}</dt>,
        <dd key={label + 'v'}>{value == null || value === '' ? '—' : value}{extra}</dd>,
      ])}
    </dl>
  );
}

// The sealed fields: masks, and the full values for REVEAL_SECONDS after 显示 (audited by the
// server).
const REVEAL_SECONDS = 30;
function useReveal(id) {
  const [full, setFull] = useState(null);
  const w = useWrite({ fields: false });
  const timer = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  const show = async () => {
    const d = await w.run(() => api('/members/' + enc(id) + '/reveal', { method: 'POST', body: {} }));
    if (!d) return;
    setFull(d);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setFull(null), REVEAL_SECONDS * 1000);
  };
  const hide = () => { clearTimeout(timer.current); setFull(null); };
  return { full, busy: w.busy, error: w.error, show, hide };
}

export default function Member({ id, me, own }) {
  const mid = own ? me.member && me.member.id : id;
  const rec = useGet(mid ? '/members/' + enc(mid) : null);
  const r = rec.data;
  const title = own ? t('myRecord') : t('member');
  const back = own ? '#/home' : r ? '#/roster/' + r.orgId : null;
  if (!mid) return <div><TopBar title={title} back="#/home" /><p class="muted center">{t('noHome')}</p></div>;
  if (rec.loading) return <div><TopBar title={title} back={back} /><Loading /></div>;
  if (rec.error) return <div><TopBar title={title} back={back} /><ErrorBox error={rec.error} onRetry={rec.reload} /></div>;
  return <Record r={r} reload={rec.reload} title={title} back={back} />;
}

function Record({ r, reload, title, back }) {
  const rv = useReveal(r.id);
  const full = rv.full;
  const [msg, setMsg] = useState('');
  const sealed = (field) => (full ? full[field] : r[field]) || '—';
  const done = (text) => { setMsg(text); reload(); };
  return (
    <div>
      <TopBar title={title} back={back} />
      <section class="card mtop">
        <h2 class="mbig">{r.name}</h2>
        <p class="facts">
          <span class={'tag ' + (r.category === 'probationary' ? 'prob' : 'full')}>{v('category', r.category)}</span>
          {r.status !== 'normal' && <span class="tag warn">{v('status', r.status)}</span>}
          {r.migrant && <span class="tag migrant">{t('migrant')}</span>}
          {r.lostContact && <span class="tag lost">{t('lostContact')}</span>}
        </p>
        {r.path && <Crumbs path={r.path} from={r.path.length} last />}
        {r.canEdit && r.pendingCorrections > 0 && (
          <p><a href={'#/corrections/' + r.orgId}>{t('pendingCorrectionsN', { n: r.pendingCorrections })}</a></p>
        )}
        {r.canEdit && <a class="btn secondary wide" href={'#/member-edit/' + r.id}>{t('edit')}</a>}
        {r.canEdit && ON_ROSTER.includes(r.status) && (
          <a class="btn secondary wide" href={'#/transfer-new/' + r.id}>{t('memberTransfer')}</a>
        )}
        {r.canEdit && ON_ROSTER.includes(r.status) && !r.self && <Reissue r={r} />}
      </section>
      {msg && <p class="ok-text center" role="status">{msg}</p>}

      <section class="card" aria-labelledby="s-basic">
        <h2 id="s-basic">{t('secBasic')}</h2>
        <KV rows={[
          [t('f.gender'), v('gender', r.gender)],
          [t('f.birthDate'), r.birthDate ? fmtDate(r.birthDate) + (r.age != null ? '（' + t('ageN', { n: r.age }) + '）' : '') : ''],
          [t('f.ethnicity'), r.ethnicity],
          [t('f.nativePlace'), r.nativePlace],
          [t('f.education'), r.education],
          [t('f.occupation'), r.occupation],
          [t('f.idNumber'), <span class="sealed" data-field="idNumber">{sealed('idNumber')}</span>],
          [t('f.phone'), <span class="sealed" data-field="phone">{sealed('phone')}</span>],
          [t('f.address'), <span class="sealed" data-field="address">{sealed('address')}</span>],
        ]} />
        {r.canReveal && (
          <div class="reveal">
            {full ? (
              <>
                <button type="button" class="btn secondary" onClick={rv.hide}>{t('hide')}</button>
                <span class="muted">{t('revealed', { n: REVEAL_SECONDS })}</span>
              </>
            ) : (
              <>
                <button type="button" class="btn secondary" onClick={rv.show} disabled={rv.busy}>{t('show')}</button>
                <span class="muted">{t('revealNote')}</span>
              </>
            )}
            {rv.error && <ErrorBox error={rv.error} />}
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="s-party">
        <h2 id="s-party">{t('secParty')}</h2>
        <KV rows={[
          [t('f.category'), v('category', r.category)],
          [t('f.joinedAt'), fmtDate(r.joinedAt)],
          r.category !== 'probationary' && [t('f.fullAt'), fmtDate(r.fullAt)],
          [t('f.status'), v('status', r.status) + (r.statusSince ? '（' + fmtDate(r.statusSince) + '）' : '')],
          [t('f.addedHow'), v('addedHow', r.addedHow)],
          [t('f.orgId'), r.orgName],
          [t('f.groupId'), r.groupName],
        ]} />
        {r.canEdit && <StatusChange r={r} onDone={() => done(t('statusChanged'))} />}
      </section>

      <section class="card" aria-labelledby="s-mig">
        <h2 id="s-mig">{t('secMigrant')}</h2>
        <KV rows={[
          [t('f.migrant'), showValue('migrant', r.migrant)],
          r.migrant && [t('f.migrantPlace'), r.migrantPlace],
          r.migrant && [t('f.migrantSince'), fmtDate(r.migrantSince)],
          r.migrant && r.hostOrgName && [t('f.hostOrgId'), r.hostOrgName],
          [t('f.lostContact'), showValue('lostContact', r.lostContact)],
          r.lostContact && [t('f.lostContactSince'), fmtDate(r.lostContactSince)],
        ]} />
        {r.canEdit && r.migrant && <HostOrg r={r} onDone={() => done(t('saved'))} />}
      </section>

      <section class="card" aria-labelledby="s-dues">
        <h2 id="s-dues">{t('secDues')}</h2>
        <KV rows={[
          [t('f.duesBasis'), v('duesBasis', r.duesBasis)],
          [t('f.duesFen').replace(/（元）|\s*\(yuan\)/, ''), r.duesFen != null ? yuan(r.duesFen) : ''],
          [t('f.duesPaidThrough'), fmtDate(r.duesPaidThrough)],
        ]} />
        {(r.canEdit || r.self) && <a class="btn secondary wide" href={'#/dues-member/' + r.id}>{t('memberDues')}</a>}
      </section>

      {r.self && <Lazy load={MyTransfers} props={{ r }} quiet />}
      {r.self && <Corrections r={r} onSent={() => setMsg(t('correctionSent'))} />}
      <SubRecords r={r} />
      <Scans r={r} />
      <MemberMeetings r={r} />
      <History r={r} />
    </div>
  );
}

// A migrant member's host organisation: found by name anywhere (GET /orgs/search), set or
// removed with PATCH /members/{id} {hostOrgId}.
function HostOrg({ r, onDone }) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [res, setRes] = useState(null);
  const sub = useWrite();
  const save = async (hostOrgId) => {
    const x = await sub.run(() => api('/members/' + encodeURIComponent(r.id), { method: 'PATCH', body: { hostOrgId } }));
    if (x) { setOpen(false); setRes(null); onDone(); }
  };
  const search = async (e) => {
    e.preventDefault();
    if (q.trim().length < 2) return;
    const d = await sub.run(() => api('/orgs/search?q=' + encodeURIComponent(q.trim())));
    if (d) setRes(d.items.filter((o) => o.id !== r.orgId && o.level !== 'township' && o.level !== 'county'));
  };
  if (!open) {
    return (
      <div class="btn-row">
        <button type="button" class="btn secondary" onClick={() => setOpen(true)}>{r.hostOrgId ? t('hostChange') : t('hostSet')}</button>
        {r.hostOrgId && <button type="button" class="btn link" disabled={sub.busy} onClick={() => save(null)}>{t('hostClear')}</button>}
      </div>
    );
  }
  return (
    <form class="form" onSubmit={search} novalidate>
      <p class="muted">{t('hostHint')}</p>
      <label class="field">
        <span>{t('hostSearch')}</span>
        <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      <div class="btn-row">
        <button type="button" class="btn secondary" onClick={() => setOpen(false)}>{t('cancel')}</button>
        <button type="submit" class="btn primary" disabled={sub.busy || q.trim().length < 2}>{t('search')}</button>
      </div>
      {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
      {res && !res.length && <p class="muted">{t('hostNone')}</p>}
      {res && res.length > 0 && (
        <ul class="list rows">
          {res.map((o) => (
            <li key={o.id} class="pick-row">
              <span class="bigrow"><span class="grow"><strong>{o.name}</strong><span class="muted">{o.pathNames}</span></span></span>
              <button type="button" class="btn secondary" disabled={sub.busy} onClick={() => save(o.id)}>{t('hostPick')}</button>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}

function StatusChange({ r, onDone }) {
  const [open, setOpen] = useState(false);
  const [f, setF] = useState({ status: '', date: today(), reason: '' });
  const sub = useWrite();
  useFocusError(sub.ferr, 'st-');
  if (!open) {
    return <button type="button" class="btn secondary wide" onClick={() => setOpen(true)}>{t('changeStatus')}</button>;
  }
  const submit = async (e) => {
    e.preventDefault();
    if (!f.status) { sub.setFerr({ field: 'status', text: t('fieldBad', { label: t('newStatus') }) }); return; }
    const body = { status: f.status, date: f.date };
    if (f.reason.trim()) body.reason = f.reason.trim();
    const d = await sub.run(() => api('/members/' + enc(r.id) + '/status', { method: 'POST', body }));
    if (d) { setOpen(false); onDone(); }
  };
  const set = (k) => (val) => setF({ ...f, [k]: val });
  return (
    <form class="form sub-form" onSubmit={submit} novalidate>
      <h3>{t('changeStatus')}</h3>
      <p class="muted">{t('statusNow', { s: v('status', r.status) })}</p>
      <Field prefix="st-" field="status" label={t('newStatus')} kind="select" ferr={sub.ferr} value={f.status}
        onChange={set('status')} options={opts('status', STATUS_CHANGES.filter((s) => s !== r.status))} />
      <Field prefix="st-" field="date" kind="date" ferr={sub.ferr} value={f.date} onChange={set('date')} />
      <Field prefix="st-" field="reason" kind="textarea" ferr={sub.ferr} value={f.reason} onChange={set('reason')} />
      {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
      <div class="btn-row">
        <button type="button" class="btn secondary" onClick={() => setOpen(false)}>{t('cancel')}</button>
        <button type="submit" class="btn primary" disabled={sub.busy}>{t('confirmStatus')}</button>
      </div>
    </form>
  );
}

function SubRecords({ r }) {
  const list = useGet('/members/' + enc(r.id) + '/records');
  const [open, setOpen] = useState(false);
  const empty = { kind: '', title: '', issuer: '', startDate: '', endDate: '', note: '' };
  const [f, setF] = useState(empty);
  const sub = useWrite();
  const [delErr, setDelErr] = useState(null);
  useFocusError(sub.ferr, 'rec-');
  const items = (list.data && list.data.items) || [];
  if (!r.canEdit && !items.length) return null;
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const add = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k in f) if (f[k].trim()) body[k] = f[k].trim();
    const d = await sub.run(() => api('/members/' + enc(r.id) + '/records', { method: 'POST', body }));
    if (d) { setF(empty); setOpen(false); list.reload(); }
  };
  const del = async (x) => {
    if (!window.confirm(t('confirmRemove'))) return;
    setDelErr(null);
    try {
      await api('/members/' + enc(r.id) + '/records/' + enc(x.id), { method: 'DELETE' });
      list.reload();
    } catch (err) { setDelErr(err); }
  };
  return (
    <section class="card" aria-labelledby="s-recs">
      <h2 id="s-recs">{t('subRecords')}</h2>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {delErr && <ErrorBox error={delErr} />}
      {!list.loading && !items.length && <p class="muted">{t('empty')}</p>}
      <ul class="list">
        {items.map((x) => (
          <li key={x.id} class="subrec">
            <div class="grow">
              <span class="tag">{v('kind', x.kind)}</span> <strong>{x.title}</strong>
              <p class="muted">{[x.issuer, [x.startDate, x.endDate].filter(Boolean).map((d) => fmtDate(d)).join(' – ')].filter(Boolean).join(' · ')}</p>
              {x.note && <p>{x.note}</p>}
            </div>
            {r.canEdit && <button type="button" class="btn link" onClick={() => del(x)}>{t('remove')}</button>}
          </li>
        ))}
      </ul>
      {r.canEdit && !open && (
        <button type="button" class="btn secondary wide" onClick={() => setOpen(true)}>＋ {t('addRecord')}</button>
      )}
      {r.canEdit && open && (
        <form class="form sub-form" onSubmit={add} novalidate>
          <Field prefix="rec-" field="kind" kind="select" ferr={sub.ferr} value={f.kind} onChange={set('kind')} options={opts('kind', RECORD_KINDS)} />
          <Field prefix="rec-" field="title" ferr={sub.ferr} value={f.title} onChange={set('title')} />
          <Field prefix="rec-" field="issuer" ferr={sub.ferr} value={f.issuer} onChange={set('issuer')} />
          <Field prefix="rec-" field="startDate" kind="date" ferr={sub.ferr} value={f.startDate} onChange={set('startDate')} />
          <Field prefix="rec-" field="endDate" kind="date" ferr={sub.ferr} value={f.endDate} onChange={set('endDate')} />
          <Field prefix="rec-" field="note" kind="textarea" ferr={sub.ferr} value={f.note} onChange={set('note')} />
          {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
          <div class="btn-row">
            <button type="button" class="btn secondary" onClick={() => setOpen(false)}>{t('cancel')}</button>
            <button type="submit" class="btn primary" disabled={sub.busy}>{t('save')}</button>
          </div>
        </form>
      )}
    </section>
  );
}

addStrings({
  memberMeetings: '组织生活', memberMeetingsNone: '近一年没有要求参加的会议',
  memberMeetingAway: '在{org}参加', 'mma.expected': '未签到', 'mma.present': '已到会', 'mma.remote': '线上参会',
  'mma.leave': '请假', 'mma.absent': '缺席', memberMeetingRoom: '（语音会议室）',
});

// The meetings the member was expected at: at home, and at the branch hosting a migrant
// ("在某某支部参加"), so the home branch sees that a member far away still takes part.
function MemberMeetings({ r }) {
  const list = useGet('/members/' + enc(r.id) + '/meetings');
  const items = (list.data && list.data.items) || [];
  return (
    <section class="card" aria-labelledby="s-mtg">
      <h2 id="s-mtg">{t('memberMeetings')}</h2>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && <Loading />}
      {!list.loading && !list.error && !items.length && <p class="muted">{t('memberMeetingsNone')}</p>}
      <ul class="list">
        {items.slice(0, 12).map((x) => (
          <li key={x.meetingId}>
            <a href={'#/meeting/' + x.meetingId}>{x.title}</a>
            <span class="muted htime"> {fmtDate(x.startsAt)}</span>
            <p>
              {t('mma.' + x.status)}{x.source === 'room' ? t('memberMeetingRoom') : ''}
              {x.away && <span class="muted"> · {t('memberMeetingAway', { org: x.orgName })}</span>}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function History({ r }) {
  const list = usePaged('/members/' + enc(r.id) + '/history', {}, 20);
  return (
    <section class="card" aria-labelledby="s-hist">
      <h2 id="s-hist">{t('history')}</h2>
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      <ul class="list hist">
        {list.items.map((h) => (
          <li key={h.id}>
            <strong>{t('h.' + h.kind) === 'h.' + h.kind ? h.kind : t('h.' + h.kind)}</strong>
            <span class="muted htime"> {fmtTime(h.at)}</span>
            {h.detail && <p>{String(h.detail).split(',').map((x) => fieldLabel(x.trim())).join('、')}</p>}
            {h.reason && <p class="muted">{t('f.reason')}：{h.reason}</p>}
          </li>
        ))}
      </ul>
      <More list={list} />
    </section>
  );
}

// The fields a member may propose to correct (a subset of what the server accepts).
const CORRECTABLE = ['phone', 'address', 'name', 'education', 'occupation', 'ethnicity', 'nativePlace', 'migrantPlace'];

function Corrections({ r, onSent }) {
  const list = useGet('/members/' + enc(r.id) + '/corrections');
  const [open, setOpen] = useState(false);
  const blank = { phone: '', address: '', name: '', education: '', occupation: '', ethnicity: '', nativePlace: '', migrantPlace: '', note: '' };
  const [f, setF] = useState(blank);
  const sub = useWrite();
  useFocusError(sub.ferr, 'c-');
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const send = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of CORRECTABLE) if (f[k].trim()) body[k] = f[k].trim();
    if (!Object.keys(body).length) { sub.setFerr({ field: 'phone', text: t('nothingChanged') }); return; }
    if (body.phone) body.phone = body.phone.replace(/\s+/g, '');
    if (body.migrantPlace) body.migrant = true;
    if (f.note.trim()) body.note = f.note.trim();
    const d = await sub.run(() => api('/members/' + enc(r.id) + '/corrections', { method: 'POST', body }));
    if (d) { setF(blank); setOpen(false); list.reload(); onSent(); }
  };
  const items = (list.data && list.data.items) || [];
  const C = (p) => <Field prefix="c-" ferr={sub.ferr} value={f[p.field]} onChange={set(p.field)} {...p} />;
  return (
    <section class="card" aria-labelledby="s-corr">
      <h2 id="s-corr">{t('myCorrections')}</h2>
      {!open && <button type="button" class="btn primary wide" onClick={() => setOpen(true)}>{t('proposeCorrection')}</button>}
      {open && (
        <form class="form sub-form" onSubmit={send} novalidate>
          <h3>{t('proposeCorrection')}</h3>
          <p class="muted">{t('correctionHint')}</p>
          <C field="phone" kind="tel" maxlength="11" placeholder={r.phone || ''} />
          <C field="address" maxlength="120" />
          <C field="name" maxlength="30" placeholder={r.name} />
          <C field="education" kind="select" options={plain(EDUCATIONS)} placeholder={r.education ? t('unchanged', { v: r.education }) : t('choose')} />
          <C field="occupation" kind="select" options={plain(OCCUPATIONS)} placeholder={r.occupation ? t('unchanged', { v: r.occupation }) : t('choose')} />
          <C field="ethnicity" kind="select" options={plain(ETHNICITIES)} placeholder={r.ethnicity ? t('unchanged', { v: r.ethnicity }) : t('choose')} />
          <C field="nativePlace" maxlength="60" placeholder={r.nativePlace || ''} />
          <C field="migrantPlace" maxlength="60" placeholder={r.migrantPlace || ''} />
          <C field="note" kind="textarea" />
          {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
          <div class="btn-row">
            <button type="button" class="btn secondary" onClick={() => setOpen(false)}>{t('cancel')}</button>
            <button type="submit" class="btn primary" disabled={sub.busy}>{sub.busy ? t('sending') : t('send')}</button>
          </div>
        </form>
      )}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      <ul class="list corr">
        {items.map((c) => (
          <li key={c.id}>
            <p><span class={'tag state-' + c.state}>{t('c.' + c.state)}</span> <span class="muted ctime">{t('proposedAt', { d: fmtTime(c.createdAt) })}</span></p>
            <Changes c={c} />
            {c.decisionReason && <p class="muted">{t('f.reason')}：{c.decisionReason}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Changes({ c }) {
  const ch = c.changes || {};
  return (
    <dl class="kv changes">
      {Object.keys(ch).map((k) => [
        <dt key={k + 'k'}>{fieldLabel(k)}</dt>,
        <dd key={k + 'v'}>{showValue(k, ch[k])}</dd>,
      ])}
      {c.note && [<dt key="nk">{t('f.note')}</dt>, <dd key="nv">{c.note}</dd>]}
    </dl>
  );
}

// 重新发放激活码: a new activation slip for this member (the old code is void). A member
// who uses the account is signed out everywhere: the secretary confirms the lost phone.
function Reissue({ r }) {
  const w = useWrite({ fields: false });
  const [slip, setSlip] = useState(null);
  const issue = async (lostPhone) => {
    const body = lostPhone ? { lostPhone: true } : {};
    const d = await w.run(() => api('/members/' + r.id + '/activation', { method: 'POST', body }));
    if (d) setSlip(d.items[0]);
  };
  const active = w.error && w.error.code === 'activation.active';
  return (
    <div class="reissue">
      {!slip && !active && (
        <button type="button" class="btn secondary wide" id="reissue" disabled={w.busy} onClick={() => issue(false)}>
          {t('reissue')}
        </button>
      )}
      {active && (
        <div class="card">
          <p>{t('reissueConfirm')}</p>
          <div class="btn-row">
            <button type="button" class="btn primary" id="reissue-confirm" onClick={() => issue(true)}>{t('reissue')}</button>
            <button type="button" class="btn" onClick={() => w.fail('')}>{t('cancel')}</button>
          </div>
        </div>
      )}
      {w.errorText && !active && <p class="error-text" role="alert">{w.errorText}</p>}
      {slip && (
        <div class="card">
          <p role="status">{t('reissueDone')}</p>
          <button type="button" class="btn primary wide no-print" onClick={() => window.print()}>{t('slipsPrint')}</button>
          <div class="slips"><Slip s={slip} /></div>
        </div>
      )}
    </div>
  );
}
