// 党费: the ledger of an organisation (#/dues/ORG) — the summary with a drill-down to the
// child organisations, the members with their arrears level, and 登记交费 per member — and
// one member's dues (#/dues-member/MEMBER) with the payments and the reversal of the latest.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, errText } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More } from '../ui.jsx';
import { Field, useFocusError } from '../form.jsx';
import { yuan, yuanFigure } from '../money.js';
import { enc, addMonths, monthsBetween, lab } from '../work.jsx';
import { fmtDate, fmtMonth, thisMonth, today } from '../time.js';

const LEVEL_TABS = [['', 'dAllLevels'], ['warning', 'dOnlyWarn'], ['alert', 'dOnlyAlert'], ['lapsed', 'dOnlyLapsed']];
const METHODS = ['in_person', 'online', 'proxy', 'host_org'];

const Lv = ({ level }) => <span class={'tag lv-' + level}>{lab('dl.', level)}</span>;

function Summary({ s }) {
  const behind = Math.max(0, s.members - s.paidUp - s.warning - s.alert - s.lapsed - s.neverPaid);
  const cells = [
    ['dPaidUp', s.paidUp, ''], ['dBehind', behind, ''], ['dWarning', s.warning, 'amber'],
    ['dAlert', s.alert, 'red'], ['dLapsed', s.lapsed, 'dark'], ['dNever', s.neverPaid, ''],
  ];
  return (
    <>
      <dl class="heads dues-heads">
        {cells.map(([k, n, cls]) => (
          <div key={k} class={n && cls ? 'lvbox ' + cls : ''}><dt>{t(k)}</dt><dd>{n}</dd></div>
        ))}
      </dl>
      <p class="owed">{t('dOwed')} <strong>{yuan(s.owedFen || 0)}</strong> · {t('membersN', { n: s.members })}</p>
    </>
  );
}

export default function DuesPage({ id }) {
  const sum = useGet('/dues/summary?orgId=' + enc(id));
  const org = useGet('/orgs/' + enc(id));
  const [level, setLevel] = useState('');
  const list = usePaged('/dues', { orgId: id, level }, 50);
  const o = org.data;
  const s = sum.data;
  const up = o && o.path && o.path.length > 1 ? '#/org/' + id : '#/home';
  return (
    <div>
      <TopBar title={o ? t('duesOf', { name: o.name }) : t('duesLedger')} back={up} />
      <section class="card" aria-labelledby="d-sum">
        <h2 id="d-sum">{t('duesLedger')}</h2>
        {sum.error && <ErrorBox error={sum.error} onRetry={sum.reload} />}
        {sum.loading && <Loading />}
        {s && <Summary s={s} />}
        <a class="btn link export" href={'/api/v1/exports/dues?orgId=' + encodeURIComponent(id) + '&format=xlsx'} download>
          {t('exportDues')}
        </a>
      </section>
      {s && s.children && s.children.length > 0 && (
        <section class="card" aria-labelledby="d-drill">
          <h2 id="d-drill">{t('drill')}</h2>
          <div class="table-wrap">
            <table class="nums drill wd">
              <thead><tr><th>{t('colName')}</th><th>{t('cWarn')}</th><th>{t('cAlert')}</th><th>{t('cLapsed')}</th><th>{t('cOwed')}</th></tr></thead>
              <tbody>
                {s.children.map((c) => (
                  <tr key={c.orgId}>
                    <th scope="row"><a href={'#/dues/' + c.orgId}>{c.name}</a></th>
                    <td class={c.warning ? 'warnnum' : ''}>{c.warning}</td>
                    <td class={c.alert ? 'warnnum' : ''}>{c.alert}</td>
                    <td class={c.lapsed ? 'warnnum' : ''}>{c.lapsed}</td>
                    <td>{yuanFigure(c.owedFen || 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <h2 class="section-title">{t('members')}</h2>
      <div class="chips" role="group" aria-label={t('dAllLevels')}>
        {LEVEL_TABS.map(([v, k]) => (
          <button key={v} type="button" class={'chip' + (level === v ? ' on' : '')} aria-pressed={level === v ? 'true' : 'false'}
            onClick={() => setLevel(v)}>{t(k)}</button>
        ))}
      </div>
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('empty')}</p>}
      <ul class="list members">
        {list.items.map((m) => <Row key={m.memberId} m={m} />)}
      </ul>
      <More list={list} />
    </div>
  );
}

function Row({ m: m0 }) {
  const [m, setM] = useState(m0);
  const [open, setOpen] = useState(false);
  const [msg, setMsg] = useState('');
  const d = useGet(open ? '/dues/members/' + enc(m.memberId) : null);
  const paid = (p, nd) => {
    setOpen(false);
    setMsg(t('dSaved', { m: fmtMonth(p.toMonth) }));
    setM({ ...m, level: nd.level, monthsUnpaid: nd.monthsUnpaid, owedFen: nd.owedFen, paidThrough: nd.paidThrough });
  };
  return (
    <li class="member card dues-row" data-member={m.memberId}>
      <p class="mhead">
        <a class="mname" href={'#/dues-member/' + m.memberId}>{m.name}</a>
        <Lv level={m.level} />
      </p>
      <p class="mline">
        {m.monthsUnpaid > 0 ? <span class="warnnum">{t('dMonths', { n: m.monthsUnpaid })}</span> : null}
        {m.monthsUnpaid > 0 ? ' · ' : ''}
        {m.paidThrough ? t('dPaidThrough', { m: fmtMonth(m.paidThrough) }) : t('dNeverPaid')}
        {m.owedFen > 0 ? ' · ' + yuan(m.owedFen) : ''}
      </p>
      <p class="mline muted">{m.orgName} · {t('dMonthly', { y: yuan(m.monthlyFen) })}</p>
      {msg && <p class="ok-text" role="status">{msg}</p>}
      {!open && (
        <button type="button" class={'btn wide ' + (m.monthsUnpaid > 0 ? 'primary' : 'secondary')} onClick={() => { setMsg(''); setOpen(true); }}>
          {t('dRecord')}
        </button>
      )}
      {open && d.loading && <Loading />}
      {open && d.error && <ErrorBox error={d.error} onRetry={d.reload} />}
      {open && d.data && <PayForm d={d.data} onCancel={() => setOpen(false)} onDone={paid} />}
    </li>
  );
}

// The payment form: from the next month due, through last month (or the next month when
// nothing is owed); the amount follows the months and the monthly standard.
function PayForm({ d, onDone, onCancel }) {
  const from0 = d.nextMonth || thisMonth();
  const to0 = d.monthsUnpaid > 0 ? addMonths(from0, Math.min(d.monthsUnpaid, 12) - 1) : from0;
  const [f, setF] = useState({ fromMonth: from0, toMonth: to0, method: 'in_person', paidBy: '', paidOn: today() });
  const sub = useWrite();
  useFocusError(sub.ferr, 'pay-');
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const ok = /^\d{4}-\d{2}$/.test(f.fromMonth) && /^\d{4}-\d{2}$/.test(f.toMonth);
  const months = ok ? monthsBetween(f.fromMonth, f.toMonth) : 0;
  const amount = months > 0 ? months * d.monthlyFen : 0;
  const submit = async (e) => {
    e.preventDefault();
    if (months < 1) { sub.setFerr({ field: 'toMonth', text: t('fieldBad', { label: t('dTo') }) }); return; }
    if (f.method === 'proxy' && !f.paidBy.trim()) { sub.setFerr({ field: 'paidBy', text: t('fieldBad', { label: t('dPaidBy') }) }); return; }
    const body = { memberId: d.memberId, fromMonth: f.fromMonth, toMonth: f.toMonth, amountFen: amount, method: f.method, paidOn: f.paidOn };
    if (f.method === 'proxy') body.paidBy = f.paidBy.trim();
    const p = await sub.run(() => api('/dues/payments', { method: 'POST', body }));
    if (!p) return;
    const nd = await api('/dues/members/' + enc(d.memberId)).catch(() => ({ ...d, paidThrough: p.toMonth, level: 'ok', monthsUnpaid: 0, owedFen: 0 }));
    onDone(p, nd);
  };
  return (
    <form class="form sub-form pay" onSubmit={submit} novalidate>
      <h3>{t('dRecord')} · {d.name}</h3>
      <div class="two">
        <Field prefix="pay-" field="fromMonth" label={t('dFrom')} kind="month" ferr={sub.ferr} value={f.fromMonth} onChange={set('fromMonth')} />
        <Field prefix="pay-" field="toMonth" label={t('dTo')} kind="month" ferr={sub.ferr} value={f.toMonth} onChange={set('toMonth')} />
      </div>
      <p class="amount" id="pay-amountFen" tabindex="-1">
        {t('dAmount')}：<strong>{yuan(amount)}</strong>
        {months > 0 && <span class="muted"> （{t('dAmountIs', { n: months, m: yuan(d.monthlyFen), y: yuan(amount) })}）</span>}
      </p>
      {sub.ferr && sub.ferr.field === 'amountFen' && <p class="field-error" role="alert">{sub.ferr.text}</p>}
      <Field prefix="pay-" field="method" label={t('dMethod')} kind="select" ferr={sub.ferr} value={f.method} onChange={set('method')}
        options={METHODS.map((m) => ({ value: m, label: lab('dm.', m) }))} />
      {f.method === 'proxy' && (
        <Field prefix="pay-" field="paidBy" label={t('dPaidBy')} maxlength="30" ferr={sub.ferr} value={f.paidBy} onChange={set('paidBy')} />
      )}
      <Field prefix="pay-" field="paidOn" label={t('dPaidOn')} kind="date" ferr={sub.ferr} value={f.paidOn} onChange={set('paidOn')} />
      {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
      <div class="btn-row">
        {onCancel && <button type="button" class="btn secondary" onClick={onCancel}>{t('cancel')}</button>}
        <button type="submit" class="btn primary" disabled={sub.busy}>{sub.busy ? t('saving') : t('dSave')}</button>
      </div>
    </form>
  );
}

export function DuesMember({ memberId }) {
  const d = useGet('/dues/members/' + enc(memberId));
  const rec = useGet('/members/' + enc(memberId));
  const [msg, setMsg] = useState('');
  const [err, setErr] = useState('');
  const [open, setOpen] = useState(false);
  const x = d.data;
  const r = rec.data;
  const back = '#/member/' + memberId;
  if (d.loading) return <div><TopBar title={t('dues')} back={back} /><Loading /></div>;
  if (d.error) return <div><TopBar title={t('dues')} back={back} /><ErrorBox error={d.error} onRetry={d.reload} /></div>;
  const canEdit = r && r.canEdit;
  const reverse = async (p) => {
    if (!window.confirm(t('dConfirmReverse'))) return;
    setErr('');
    try {
      const res = await api('/dues/payments/' + enc(p.id), { method: 'DELETE' });
      setMsg(t('dReversed', { m: fmtMonth(res.paidThrough) || '—' }));
      d.reload();
    } catch (e) { setErr(errText(e)); }
  };
  return (
    <div>
      <TopBar title={t('duesOf', { name: x.name })} back={r && r.self && !r.canEdit ? '#/my' : back} />
      <section class="card">
        <p class="mhead"><strong class="mname">{x.name}</strong><Lv level={x.level} /></p>
        <dl class="kv rec">
          <dt>{t('f.duesFen').replace(/（元）|\s*\(yuan\)/, '')}</dt><dd>{yuan(x.monthlyFen)}</dd>
          <dt>{t('f.duesPaidThrough')}</dt><dd>{fmtMonth(x.paidThrough) || t('dNeverPaid')}</dd>
          <dt>{t('dOwed')}</dt><dd class={x.monthsUnpaid ? 'warnnum' : ''}>{x.monthsUnpaid ? t('dMonths', { n: x.monthsUnpaid }) + ' · ' + yuan(x.owedFen || 0) : '—'}</dd>
        </dl>
        {msg && <p class="ok-text" role="status">{msg}</p>}
        {canEdit && !open && (
          <button type="button" class={'btn wide ' + (x.monthsUnpaid ? 'primary' : 'secondary')} onClick={() => { setMsg(''); setOpen(true); }}>{t('dRecord')}</button>
        )}
        {canEdit && open && (
          <PayForm d={x} onCancel={() => setOpen(false)} onDone={(p) => { setOpen(false); setMsg(t('dSaved', { m: fmtMonth(p.toMonth) })); d.reload(); }} />
        )}
      </section>
      <section class="card" aria-labelledby="d-pay">
        <h2 id="d-pay">{t('dPayments')}</h2>
        {err && <p class="error-text" role="alert">{err}</p>}
        {!x.payments.length && <p class="muted">{t('dNoPayments')}</p>}
        <ul class="list hist">
          {x.payments.map((p, i) => (
            <li key={p.id} class="subrec">
              <div class="grow">
                <strong>{p.fromMonth === p.toMonth ? fmtMonth(p.fromMonth) : fmtMonth(p.fromMonth) + ' – ' + fmtMonth(p.toMonth)}</strong> · {yuan(p.amountFen)}
                <p class="muted">{[fmtDate(p.paidOn), lab('dm.', p.method), p.paidBy].filter(Boolean).join(' · ')}</p>
              </div>
              {canEdit && i === 0 && <button type="button" class="btn link" onClick={() => reverse(p)}>{t('dReverse')}</button>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
