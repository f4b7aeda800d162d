// 发展党员: the board of an organisation (#/pipeline/ORG[/STAGE]) — counts per stage and
// the overdue ones, a drill-down to the child organisations, the list of one stage with
// 逾期 marks and due dates — one applicant with the steps and ONE "next step" action
// (#/applicant/ID), and the form for a new applicant (#/applicant-new/BRANCH).
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron, can } from '../ui.jsx';
import { Field, useFocusError } from '../form.jsx';
import { GENDERS, EDUCATIONS, OCCUPATIONS, ETHNICITIES, opts, plain, v } from '../vocab.js';
import { enc, lab } from '../work.jsx';
import { fmtDate, fmtTime, today } from '../time.js';

const ACTIVE = ['applicant', 'activist', 'target', 'probationary'];
const ENDED = ['full', 'cancelled', 'withdrawn'];

export default function Board({ id, stage, me }) {
  const sum = useGet('/applicants/summary?orgId=' + enc(id));
  const org = useGet('/orgs/' + enc(id));
  const cur = stage || 'applicant';
  const list = usePaged('/applicants', cur === 'overdue' ? { orgId: id, overdue: 'true' } : { orgId: id, stage: cur }, 50);
  const o = org.data;
  const s = sum.data;
  const canAdd = o && o.level === 'branch' && can('roster.write', o);
  const tile = (k, n, label, extra = '') => (
    <a key={k} href={'#/pipeline/' + id + '/' + k} class={'tile' + (cur === k ? ' on' : '') + extra}
      aria-current={cur === k ? 'true' : undefined}>
      <strong>{n}</strong><span>{label}</span>
    </a>
  );
  return (
    <div>
      <TopBar title={t('plBoard')} back={'#/org/' + id} />
      {o && <p class="muted sub">{o.name}</p>}
      {canAdd && <a class="btn primary wide add" href={'#/applicant-new/' + id}>＋ {t('plNew')}</a>}
      {sum.error && <ErrorBox error={sum.error} onRetry={sum.reload} />}
      {sum.loading && <Loading />}
      {s && (
        <section class="card">
          <div class="tiles">
            {ACTIVE.map((k) => tile(k, s.stages[k] || 0, lab('st.', k)))}
            {tile('overdue', s.overdue, t('plOverdue'), s.overdue ? ' bad' : '')}
          </div>
          <p class="muted small-line">
            {ENDED.map((k) => <a key={k} href={'#/pipeline/' + id + '/' + k}>{lab('st.', k)} {s.stages[k] || 0}</a>)}
          </p>
        </section>
      )}
      {s && s.children && s.children.length > 0 && (
        <section class="card" aria-labelledby="pl-drill">
          <h2 id="pl-drill">{t('drill')}</h2>
          <div class="table-wrap">
            <table class="nums drill wd">
              <thead><tr><th>{t('colName')}</th>{ACTIVE.map((k) => <th key={k}>{lab('st.', k)}</th>)}</tr></thead>
              <tbody>
                {s.children.map((c) => (
                  <tr key={c.orgId}>
                    <th scope="row"><a href={'#/pipeline/' + c.orgId}>{c.name}</a></th>
                    {ACTIVE.map((k) => <td key={k}>{(c.stages && c.stages[k]) || 0}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <h2 class="section-title">{cur === 'overdue' ? t('plOverdue') : lab('st.', cur)}</h2>
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('plEmpty')}</p>}
      <ul class="list members applicants">
        {list.items.map((a) => <Row key={a.id} a={a} />)}
      </ul>
      <More list={list} />
    </div>
  );
}

function Row({ a }) {
  return (
    <li class="member card">
      <a class="mlink" href={'#/applicant/' + a.id}>
        <span class="grow">
          <span class="mhead">
            <strong class="mname">{a.name}</strong>
            <span class="tag">{lab('st.', a.stage)}</span>
            {a.overdue && <span class="tag overdue">{t('plOverdue')}</span>}
          </span>
          {a.nextStep && <span class="mline">{t('plNext', { s: lab('sp.', a.nextStep) })}</span>}
          {a.dueDate && <span class={'mline' + (a.overdue ? ' warnnum' : ' muted')}>{a.overdue ? t('plDueWas', { d: fmtDate(a.dueDate) }) : t('plDue', { d: fmtDate(a.dueDate) })}</span>}
          <span class="mline muted">{a.orgName} · {t('plApplied', { d: fmtDate(a.appliedAt) })}</span>
        </span>
        <Chevron />
      </a>
    </li>
  );
}

// The server's refusal of a step, in Chinese where the sentence is a known one.
function refusal(e) {
  const m = e.message || '';
  let x = m.match(/earliest date is (\d{4}-\d{2}-\d{2})/);
  if (x) return '最早可在 ' + fmtDate(x[1]) + ' 办理（列为发展对象须在确定为积极分子一年以后）';
  x = m.match(/cannot be dated before (?:the application \()?(\d{4}-\d{2}-\d{2})/);
  if (x) return '日期不能早于 ' + fmtDate(x[1]);
  x = m.match(/probation ends on (\d{4}-\d{2}-\d{2})/);
  if (x) return '预备期到 ' + fmtDate(x[1]) + ' 才满，之后才能转正';
  return m;
}

export function Applicant({ id }) {
  const st = useGet('/applicants/' + enc(id));
  const [a, setA] = useState(null);
  const cur = a || st.data;
  const back = cur ? '#/pipeline/' + cur.orgId + '/' + (ACTIVE.includes(cur.stage) ? cur.stage : '') : '#/home';
  if (st.loading) return <div><TopBar title={t('pipeline')} back={back} /><Loading /></div>;
  if (st.error) return <div><TopBar title={t('pipeline')} back={back} /><ErrorBox error={st.error} onRetry={st.reload} /></div>;
  return (
    <div>
      <TopBar title={cur.name} back={back} />
      <section class="card mtop">
        <p class="facts">
          <span class="tag">{lab('st.', cur.stage)}</span>
          {cur.overdue && <span class="tag overdue">{t('plOverdue')}</span>}
        </p>
        <p class="muted">{[v('gender', cur.gender), fmtDate(cur.birthDate), cur.occupation, cur.orgName].filter(Boolean).join(' · ')}</p>
        {cur.nextStep && <p><strong>{t('plNext', { s: lab('sp.', cur.nextStep) })}</strong></p>}
        {cur.dueDate && <p class={cur.overdue ? 'warnnum' : 'muted'}>{cur.overdue ? t('plDueWas', { d: fmtDate(cur.dueDate) }) : t('plDue', { d: fmtDate(cur.dueDate) })}</p>}
        {cur.earliestDate && <p class="muted">{t('plEarliest', { d: fmtDate(cur.earliestDate) })}</p>}
        {cur.memberId && <p><a href={'#/member/' + cur.memberId}>{t('member')} ›</a></p>}
        {cur.contacts && cur.contacts.length > 0 && <p class="muted">{t('plContacts')}：{cur.contacts.map((c) => c.name).join('、')}</p>}
      </section>
      {cur.nextStep && <StepForm key={cur.nextStep + (cur.steps || []).length} a={cur} step={cur.nextStep} primary onDone={setA} />}
      {!cur.idNumber && !cur.memberId && !ENDED.includes(cur.stage) && <Identity a={cur} onDone={setA} />}
      {!ENDED.includes(cur.stage) && <Other a={cur} onDone={setA} />}
      <section class="card" aria-labelledby="pl-steps">
        <h2 id="pl-steps">{t('plSteps')}</h2>
        <ol class="list hist steps">
          {(cur.steps || []).slice().reverse().map((s) => (
            <li key={s.id}>
              <strong>{lab('sp.', s.step)}</strong> <span class="muted sdate">{fmtDate(s.date)}</span>
              {s.responsible && <p class="muted">{t('plResponsible')}：{s.responsible}</p>}
              {s.note && <p>{s.note}</p>}
              <p class="muted small stime">{fmtTime(s.at)}</p>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

function StepForm({ a, step, primary, onDone, onCancel }) {
  const [f, setF] = useState({ date: today(), responsible: '', note: '', months: '12' });
  const [refused, setRefused] = useState(null);
  const [msg, setMsg] = useState('');
  const sub = useWrite();
  useFocusError(sub.ferr, 'sp-');
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const submit = async (e) => {
    e.preventDefault();
    setRefused(null);
    setMsg('');
    if (step === 'cancel' && !f.note.trim()) { sub.setFerr({ field: 'note', text: t('trNeedReason') }); return; }
    const body = { step, date: f.date };
    if (f.responsible.trim()) body.responsible = f.responsible.trim();
    if (f.note.trim()) body.note = f.note.trim();
    if (step === 'extend') body.months = Number(f.months) || 12;
    const r = await sub.run(() => api('/applicants/' + enc(a.id) + '/steps', { method: 'POST', body }).catch((err) => {
      if (err.code === 'applicant.step') { setRefused(err); return undefined; }
      throw err;
    }));
    if (r) { setMsg(t('plDone', { s: lab('sp.', step) })); onDone(r); }
  };
  return (
    <form class={'form card step-form' + (primary ? ' primary-step' : '')} onSubmit={submit} novalidate>
      <h2>{t('plDoThis', { s: lab('sp.', step) })}</h2>
      <Field prefix="sp-" field="date" kind="date" ferr={sub.ferr} value={f.date} onChange={set('date')} max={today()} />
      <Field prefix="sp-" field="responsible" label={t('plResponsible')} maxlength="30" ferr={sub.ferr} value={f.responsible} onChange={set('responsible')} />
      {step === 'extend' && <Field prefix="sp-" field="months" label={t('plMonths')} kind="number" min="1" max="12" ferr={sub.ferr} value={f.months} onChange={set('months')} />}
      <Field prefix="sp-" field="note" label={step === 'cancel' ? t('f.reason') : t('plNote')} kind="textarea" maxlength="200" ferr={sub.ferr} value={f.note} onChange={set('note')} />
      {refused && (
        <div class="error refusal" role="alert">
          <p><strong>{t('plRefused')}</strong></p>
          <p>{refusal(refused)}</p>
        </div>
      )}
      {msg && <p class="ok-text" role="status">{msg}</p>}
      {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
      <div class="btn-row">
        {onCancel && <button type="button" class="btn secondary" onClick={onCancel}>{t('cancel')}</button>}
        <button type="submit" class={'btn ' + (step === 'cancel' ? 'danger' : 'primary')} disabled={sub.busy}>
          {sub.busy ? t('saving') : t('plDoThis', { s: lab('sp.', step) })}
        </button>
      </div>
    </form>
  );
}

// The ID number missing from the application (admission needs it): POST /applicants/{id}/identity.
function Identity({ a, onDone }) {
  const [idn, setIdn] = useState('');
  const sub = useWrite();
  useFocusError(sub.ferr, 'id-');
  const submit = async (e) => {
    e.preventDefault();
    const body = { idNumber: idn.toUpperCase().replace(/\s+/g, '') };
    const r = await sub.run(() => api('/applicants/' + enc(a.id) + '/identity', { method: 'POST', body }));
    if (r) onDone(r);
  };
  return (
    <form class="form card" onSubmit={submit} novalidate>
      <h2>{t('plIdMissing')}</h2>
      <Field prefix="id-" field="idNumber" label={t('f.idNumber')} autocomplete="off" maxlength="18"
        hint={t('plIdHint')} ferr={sub.ferr} value={idn} onChange={setIdn} />
      {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
      <button type="submit" class="btn secondary" disabled={sub.busy || idn.trim().length !== 18}>{sub.busy ? t('saving') : t('save')}</button>
    </form>
  );
}

// The rarer steps: extend probation, withdraw (before admission), cancel.
function Other({ a, onDone }) {
  const [step, setStep] = useState('');
  const steps = [];
  if (a.stage === 'probationary' && a.approvedAt && !a.extended) steps.push('extend');
  if (a.stage !== 'probationary') steps.push('withdraw');
  steps.push('cancel');
  if (step) return <StepForm key={step} a={a} step={step} onDone={(r) => { setStep(''); onDone(r); }} onCancel={() => setStep('')} />;
  return (
    <details class="card other">
      <summary>{t('plOther')}</summary>
      <div class="btn-row">
        {steps.map((s) => <button key={s} type="button" class="btn secondary" onClick={() => setStep(s)}>{lab('sp.', s)}</button>)}
      </div>
    </details>
  );
}

const BLANK = {
  name: '', gender: '', birthDate: '', idNumber: '', phone: '', ethnicity: '汉族', education: '', occupation: '',
  appliedAt: '', contact1Id: '', contact2Id: '',
};

export function ApplicantNew({ orgId }) {
  const org = useGet('/orgs/' + enc(orgId));
  const mem = useGet('/members' + '?orgId=' + enc(orgId) + '&limit=200');
  const [f, setF] = useState({ ...BLANK, appliedAt: today() });
  const sub = useWrite();
  useFocusError(sub.ferr, 'ap-');
  const back = '#/pipeline/' + orgId;
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const submit = async (e) => {
    e.preventDefault();
    const body = { orgId: Number(orgId) };
    for (const k in f) {
      const s = String(f[k]).trim();
      if (!s) continue;
      if (k === 'contact1Id' || k === 'contact2Id') body[k] = Number(s);
      else if (k === 'idNumber') body[k] = s.toUpperCase().replace(/\s+/g, '');
      else if (k === 'phone') body[k] = s.replace(/\s+/g, '');
      else body[k] = s;
    }
    const r = await sub.run(() => api('/applicants', { method: 'POST', body }));
    if (r && r.id) location.replace('#/pipeline/' + orgId + '/' + r.stage);
  };
  const people = ((mem.data && mem.data.items) || []).map((m) => ({ value: String(m.id), label: m.name }));
  const F = (p) => <Field prefix="ap-" ferr={sub.ferr} value={f[p.field]} onChange={set(p.field)} {...p} />;
  return (
    <div>
      <TopBar title={t('plNew')} back={back} />
      {org.data && <p class="muted sub">{org.data.name}</p>}
      {org.error && <ErrorBox error={org.error} />}
      <form class="form mform" onSubmit={submit} novalidate>
        <fieldset class="card">
          <F field="name" autocomplete="off" maxlength="30" />
          <F field="gender" kind="select" options={opts('gender', GENDERS)} />
          <F field="birthDate" kind="date" />
          <F field="appliedAt" label={t('f.appliedAt')} kind="date" max={today()} />
          <F field="occupation" kind="select" options={plain(OCCUPATIONS)} />
          <F field="education" kind="select" options={plain(EDUCATIONS)} />
          <F field="ethnicity" kind="select" options={plain(ETHNICITIES)} />
          <F field="idNumber" autocomplete="off" maxlength="18" hint={t('plIdHint')} />
          <F field="phone" kind="tel" maxlength="11" autocomplete="off" />
          {people.length > 0 && <F field="contact1Id" label={t('plContact1')} kind="select" options={people} placeholder={t('none')} />}
          {people.length > 0 && <F field="contact2Id" label={t('plContact2')} kind="select" options={people} placeholder={t('none')} />}
        </fieldset>
        {sub.ferr && <p class="error-text" role="status">{t('formHasErrors')}</p>}
        {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
        <button type="submit" class="btn primary wide" disabled={sub.busy}>{sub.busy ? t('saving') : t('plAdd')}</button>
      </form>
    </div>
  );
}

