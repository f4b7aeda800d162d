// 组织关系转接: the to-do list and all transfers of an organisation (#/transfers/ORG),
// one transfer with its steps (#/transfer/ID), starting one for a member
// (#/transfer-new/MEMBER) and a member's own transfers (on 我的档案).
// Each pending item has ONE primary button (通过 or 接收, from the server's canApprove /
// canAccept) and a secondary 不同意 / 退回 that asks for the reason.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, errText, levelName } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron } from '../ui.jsx';
import { Field, useFocusError } from '../form.jsx';
import { enc, waited, lab, Tabs } from '../work.jsx';
import { fmtDate, fmtTime } from '../time.js';
import { ON_ROSTER } from '../vocab.js';

const STATES = ['pending_approval', 'pending_acceptance', 'completed', 'rejected', 'returned', 'cancelled'];
const PENDING = ['pending_approval', 'pending_acceptance'];
const dest = (x) => (x.to ? x.to.name : x.toName);

export default function TransferList({ id }) {
  const org = useGet('/orgs/' + enc(id));
  const [tab, setTab] = useState('todo');
  const [state, setState] = useState('');
  const list = usePaged('/transfers', tab === 'todo' ? { orgId: id, todo: 'true' } : { orgId: id, state }, 30);
  const [done, setDone] = useState({}); // id → {x, msg}: decided here, still shown
  return (
    <div>
      <TopBar title={t('transfers')} back={'#/org/' + id} />
      {org.data && <p class="muted sub">{org.data.name}</p>}
      <Tabs value={tab} onChange={(v) => { setTab(v); setDone({}); }} items={[['todo', t('trTodo')], ['all', t('trAll')]]} />
      {tab === 'all' && (
        <div class="fsel block">
          <label for="tr-state">{t('trStateFilter')}</label>
          <select id="tr-state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">{t('trAllStates')}</option>
            {STATES.map((s) => <option key={s} value={s}>{lab('tr.', s)}</option>)}
          </select>
        </div>
      )}
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && (
        <p class="muted center">{tab === 'todo' ? t('trEmptyTodo') : t('trEmpty')}</p>
      )}
      <ul class="list inbox">
        {list.items.map((x) => {
          const d = done[x.id];
          return <Item key={x.id} x={d ? d.x : x} msg={d && d.msg} onDone={(nx, msg) => setDone({ ...done, [x.id]: { x: nx, msg } })} />;
        })}
      </ul>
      <More list={list} />
    </div>
  );
}

function Head({ x }) {
  return (
    <>
      <p class="mhead">
        <strong class="mname">{x.member.name}</strong>
        <span class={'tag tr-' + x.state}>{lab('tr.', x.state)}</span>
        <span class="tag">{lab('trs.', x.scope)}</span>
      </p>
      <p class="tr-route">{t('trFromTo', { from: x.from.name, to: dest(x) })}</p>
      {x.reason && <p><span class="muted">{t('trReason')}：</span>{x.reason}</p>}
      {x.waitingSeconds != null && PENDING.includes(x.state) && (
        <p class={'muted' + (x.waitingSeconds > 7 * 86400 ? ' warnnum' : '')}>{t('trWaited', { w: waited(x.waitingSeconds) })}</p>
      )}
    </>
  );
}

function Item({ x, msg, onDone }) {
  return (
    <li class="card corr-item tr-item">
      <Head x={x} />
      {msg ? <p class="ok-text" role="status">{msg}</p> : <Decide x={x} onDone={onDone} />}
      <a class="btn link" href={'#/transfer/' + x.id}>{t('trDetail')} ›</a>
    </li>
  );
}

// The primary action and its "no" with a reason (or, for the initiator, 撤回).
function Decide({ x, onDone }) {
  const [asking, setAsking] = useState(''); // '' | reject | return | cancel
  const [reason, setReason] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const yes = x.canApprove ? 'approve' : x.canAccept ? 'accept' : '';
  const no = x.canApprove ? 'reject' : x.canAccept ? 'return' : '';
  const canCancel = x.canCancel && PENDING.includes(x.state);
  if (!yes && !canCancel) return null;
  const run = async (how) => {
    if ((how === 'reject' || how === 'return') && !reason.trim()) { w.fail(t('trNeedReason')); return; }
    const body = how === 'approve' || how === 'accept' ? {} : reason.trim() ? { reason: reason.trim() } : {};
    const nx = await w.run(() => api('/transfers/' + enc(x.id) + '/' + how, { method: 'POST', body }));
    const msgs = { approve: 'trApproved', accept: 'trAccepted', reject: 'trRejectedMsg', return: 'trReturnedMsg', cancel: 'trCancelledMsg' };
    if (nx) onDone(nx, t(msgs[how]));
  };
  const confirm = { reject: 'trConfirmReject', return: 'trConfirmReturn', cancel: 'trConfirmCancel' };
  const why = { reject: 'trWhyReject', return: 'trWhyReturn', cancel: 'f.reason' };
  return (
    <>
      {asking && (
        <div class="field">
          <label for={'why-' + x.id}>{t(why[asking])}</label>
          <textarea id={'why-' + x.id} rows="2" maxlength="200" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </div>
      )}
      {err && <p class="error-text" role="alert">{err}</p>}
      <div class="btn-row">
        {asking ? (
          <>
            <button type="button" class="btn secondary" onClick={() => { setAsking(''); w.fail(''); }} disabled={busy}>{t('cancel')}</button>
            <button type="button" class="btn danger" onClick={() => run(asking)} disabled={busy}>{t(confirm[asking])}</button>
          </>
        ) : yes ? (
          <>
            <button type="button" class="btn secondary" onClick={() => setAsking(no)} disabled={busy}>{t(no === 'reject' ? 'trReject' : 'trReturn')}</button>
            <button type="button" class="btn primary" onClick={() => run(yes)} disabled={busy}>{t(yes === 'approve' ? 'trApprove' : 'trAccept')}</button>
          </>
        ) : (
          <button type="button" class="btn secondary" onClick={() => setAsking('cancel')} disabled={busy}>{t('trCancel')}</button>
        )}
      </div>
    </>
  );
}

export function TransferDetail({ id }) {
  const st = useGet('/transfers/' + enc(id));
  const [msg, setMsg] = useState('');
  const [x, setX] = useState(null);
  const cur = x || st.data;
  const title = t('trDetail');
  if (st.loading) return <div><TopBar title={title} back="#/home" /><Loading /></div>;
  if (st.error) return <div><TopBar title={title} back="#/home" /><ErrorBox error={st.error} onRetry={st.reload} /></div>;
  const by = (p, at) => (p ? t('trBy', { who: p.name, at: fmtTime(at) }) : fmtTime(at));
  const steps = [
    [t('trInitiated'), by(cur.initiatedBy, cur.initiatedAt)],
    cur.approvedAt && [t('trApprovedStep'), by(cur.approvedBy, cur.approvedAt)],
    cur.decidedAt && [lab('tr.', cur.state), by(cur.decidedBy, cur.decidedAt), cur.decisionReason],
  ].filter(Boolean);
  return (
    <div>
      <TopBar title={title} back="#/home" />
      <section class="card">
        <Head x={cur} />
        {msg ? <p class="ok-text" role="status">{msg}</p> : <Decide x={cur} onDone={(nx, m) => { setX(nx); setMsg(m); }} />}
      </section>
      <section class="card" aria-labelledby="tr-steps">
        <h2 id="tr-steps">{t('trSteps')}</h2>
        <ol class="list hist steps">
          {steps.map(([name, who, why]) => (
            <li key={name}>
              <strong>{name}</strong>
              <p class="muted">{who}</p>
              {why && <p>{t('f.reason')}：{why}</p>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

// The highest organisation above branch level the user holds a role on: where the picker starts.
function pickerRoot(me) {
  const order = ['province', 'city', 'county', 'township', 'general_branch'];
  let best = null;
  for (const r of me.roles || []) {
    const i = order.indexOf(r.orgLevel);
    if (i >= 0 && (!best || i < best.i)) best = { i, id: r.orgId, name: r.orgName };
  }
  return best;
}

// Walks the tree from `root`: levels open, a branch (or general branch) is chosen.
function Picker({ root, except, onPick }) {
  const [stack, setStack] = useState([root]);
  const cur = stack[stack.length - 1];
  const kids = usePaged('/orgs/' + enc(cur.id) + '/children', {}, 100);
  return (
    <div class="picker">
      <p class="muted">{t('trPickHint')}</p>
      <p class="crumbs">{stack.map((s) => s.name).join(' › ')}</p>
      {stack.length > 1 && (
        <button type="button" class="btn link" onClick={() => setStack(stack.slice(0, -1))}>‹ {t('trBack')}</button>
      )}
      {kids.error && <ErrorBox error={kids.error} onRetry={kids.reload} />}
      {kids.loading && !kids.items.length && <Loading />}
      <ul class="list rows">
        {kids.items.filter((c) => c.level !== 'group' && !c.closed).map((c) => {
          const pickable = (c.level === 'branch' || c.level === 'general_branch') && String(c.id) !== String(except);
          const openable = c.level !== 'branch' && c.childCount > 0;
          return (
            <li key={c.id} class="pick-row">
              {openable ? (
                <button type="button" class="bigrow plain" onClick={() => setStack(stack.concat([{ id: c.id, name: c.name }]))}>
                  <span class="grow"><strong>{c.name}</strong><span class="muted">{levelName(c.level)}</span></span>
                  <Chevron />
                </button>
              ) : (
                <span class="bigrow"><span class="grow"><strong>{c.name}</strong><span class="muted">{levelName(c.level)}</span></span></span>
              )}
              {pickable && <button type="button" class="btn secondary" onClick={() => onPick(c)}>{t('trChoose')}</button>}
            </li>
          );
        })}
      </ul>
      <More list={kids} />
    </div>
  );
}

// Finds a branch anywhere in the deployment by a part of its name (GET /orgs/search).
function SearchPicker({ except, onPick }) {
  const [q, setQ] = useState('');
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const search = async (e) => {
    e.preventDefault();
    if (q.trim().length < 2) return;
    setErr(null);
    try {
      const d = await api('/orgs/search?level=branch&q=' + enc(q.trim()));
      setRes(d.items.filter((o) => String(o.id) !== String(except)));
    } catch (x) { setErr(x); }
  };
  return (
    <div class="picker">
      <label class="field">
        <span>{t('trSearchLabel')}</span>
        <input type="search" value={q} placeholder={t('trSearchHint')} onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter') search(e); }} />
      </label>
      <button type="button" class="btn secondary" onClick={search} disabled={q.trim().length < 2}>{t('search')}</button>
      {err && <p class="error-text" role="alert">{errText(err)}</p>}
      {res && !res.length && <p class="muted">{t('trSearchNone')}</p>}
      {res && res.length > 0 && (
        <ul class="list rows">
          {res.map((o) => (
            <li key={o.id} class="pick-row">
              <span class="bigrow"><span class="grow"><strong>{o.name}</strong><span class="muted">{o.pathNames}</span></span></span>
              <button type="button" class="btn secondary" onClick={() => onPick(o)}>{t('trChoose')}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function TransferStart({ memberId, me }) {
  const rec = useGet('/members/' + enc(memberId));
  const root = pickerRoot(me);
  const [mode, setMode] = useState(root ? 'pick' : 'search');
  const [picked, setPicked] = useState(null);
  const [f, setF] = useState({ toOrgId: '', toName: '', reason: '' });
  const sub = useWrite();
  useFocusError(sub.ferr, 'tr-');
  const r = rec.data;
  const own = r && r.self && !r.canEdit;
  const title = own ? t('trStartMine') : t('trStartTitle');
  const back = own ? '#/my' : '#/member/' + memberId;
  if (rec.loading) return <div><TopBar title={title} back={back} /><Loading /></div>;
  if (rec.error) return <div><TopBar title={title} back={back} /><ErrorBox error={rec.error} onRetry={rec.reload} /></div>;
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const submit = async (e) => {
    e.preventDefault();
    const body = { memberId: Number(memberId), reason: f.reason.trim() };
    if (mode === 'outside') body.toName = f.toName.trim();
    else if (mode === 'pick' || mode === 'search') {
      if (!picked) { sub.setFerr({ field: 'toOrgId', text: t('trNeedTarget') }); return; }
      body.toOrgId = picked.id;
    } else body.toOrgId = Number(f.toOrgId) || 0;
    if (mode === 'outside' && !body.toName) { sub.setFerr({ field: 'toName', text: t('trNeedReason') }); return; }
    if (mode === 'number' && !body.toOrgId) { sub.setFerr({ field: 'toOrgId', text: t('trNeedTarget') }); return; }
    if (!body.reason) { sub.setFerr({ field: 'reason', text: t('trNeedReason') }); return; }
    const x = await sub.run(() => api('/transfers', { method: 'POST', body }));
    if (x && x.id) location.replace('#/transfer/' + x.id);
  };
  const modes = (root ? [['pick', t('trInSystem')]] : []).concat([['search', t('trBySearch')], ['number', t('trByNumber')], ['outside', t('trOutside')]]);
  const toErr = sub.ferr && sub.ferr.field === 'toOrgId';
  return (
    <div>
      <TopBar title={title} back={back} />
      <p class="muted sub">{r.name} · {r.orgName}</p>
      <form class="form card" onSubmit={submit} novalidate>
        <fieldset class="choice">
          <legend>{t('trWhere')}</legend>
          {modes.map(([m, label]) => (
            <label key={m} class="check">
              <input type="radio" name="tr-mode" value={m} checked={mode === m} onChange={() => { setMode(m); sub.setFerr(null); }} />
              {label}
            </label>
          ))}
        </fieldset>
        {mode === 'pick' && (picked ? (
          <div class="picked">
            <p><strong>{t('trPicked', { name: picked.name })}</strong></p>
            <button type="button" class="btn link" onClick={() => setPicked(null)}>{t('trChange')}</button>
          </div>
        ) : <Picker root={root} except={r.orgId} onPick={(c) => { setPicked(c); sub.setFerr(null); }} />)}
        {mode === 'search' && (picked ? (
          <div class="picked">
            <p><strong>{t('trPicked', { name: picked.name })}</strong></p>
            {picked.pathNames && <p class="muted">{picked.pathNames}</p>}
            <button type="button" class="btn link" onClick={() => setPicked(null)}>{t('trChange')}</button>
          </div>
        ) : <SearchPicker except={r.orgId} onPick={(c) => { setPicked(c); sub.setFerr(null); }} />)}
        {(mode === 'pick' || mode === 'search') && toErr && <p id="tr-toOrgId" tabindex="-1" class="field-error" role="alert">{sub.ferr.text}</p>}
        {mode === 'number' && (
          <Field prefix="tr-" field="toOrgId" label={t('trOrgNumber')} hint={t('trOrgNumberHint')} kind="number"
            inputmode="numeric" ferr={sub.ferr} value={f.toOrgId} onChange={set('toOrgId')} />
        )}
        {mode === 'outside' && (
          <Field prefix="tr-" field="toName" label={t('trToName')} hint={t('trToNameHint')} maxlength="100"
            ferr={sub.ferr} value={f.toName} onChange={set('toName')} />
        )}
        <Field prefix="tr-" field="reason" label={t('trReason')} kind="textarea" maxlength="200"
          ferr={sub.ferr} value={f.reason} onChange={set('reason')} />
        {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
        <button type="submit" class="btn primary wide" disabled={sub.busy}>{sub.busy ? t('sending') : t('trSend')}</button>
      </form>
    </div>
  );
}

// A member's own transfers (GET /me/transfers) and the button to ask for one.
export function MyTransfers({ r }) {
  const list = usePaged('/me/transfers', {}, 20);
  const open = list.items.some((x) => PENDING.includes(x.state));
  return (
    <section class="card" aria-labelledby="s-mytr">
      <h2 id="s-mytr">{t('trMine')}</h2>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      <ul class="list rows">
        {list.items.map((x) => (
          <li key={x.id}>
            <a class="bigrow" href={'#/transfer/' + x.id}>
              <span class="grow">
                <strong>{t('trFromTo', { from: x.from.name, to: dest(x) })}</strong>
                <span class="muted"><span class={'tag tr-' + x.state}>{lab('tr.', x.state)}</span> {fmtDate(x.initiatedAt)}</span>
              </span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
      {!open && ON_ROSTER.includes(r.status) && (
        <a class="btn secondary wide" href={'#/transfer-new/' + r.id}>{t('trStartMine')}</a>
      )}
    </section>
  );
}
