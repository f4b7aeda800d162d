// The secretary's inbox of members' correction proposals (#/corrections/ORG), oldest
// first: each shows the proposed changes with one 通过 and one 退回 (with a reason).
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More } from '../ui.jsx';
import { Changes } from './Member.jsx';
import { fmtTime } from '../time.js';

export default function Corrections({ id }) {
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const list = usePaged('/corrections', { orgId: id, state: 'pending' });
  const [done, setDone] = useState({}); // id → message, for decided items still shown
  const title = t('correctionsInbox');
  const pending = list.items.filter((c) => !done[c.id]);
  return (
    <div>
      <TopBar title={title} back={'#/home'} />
      {org.data && <p class="muted sub">{org.data.name}</p>}
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !pending.length && <p class="muted center">{t('inboxEmpty')}</p>}
      <ul class="list inbox">
        {list.items.map((c) => (
          <Item key={c.id} c={c} msg={done[c.id]} onDone={(m) => setDone({ ...done, [c.id]: m })} />
        ))}
      </ul>
      <More list={list} />
    </div>
  );
}

function Item({ c, msg, onDone }) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const w = useWrite({ fields: false });
  const { busy, error } = w;
  const err = w.errorText + (error && error.code === 'member.invalid' && error.message ? ' (' + error.message + ')' : '');
  const decide = async (how) => {
    if (how === 'reject' && !reason.trim()) { w.fail(t('needReason')); return; }
    const ok = await w.run(() => api('/corrections/' + encodeURIComponent(c.id) + '/' + how,
      { method: 'POST', body: how === 'reject' ? { reason: reason.trim() } : {} }).then(() => true));
    if (ok) onDone(how === 'accept' ? t('acceptedMsg') : t('rejectedMsg'));
  };
  return (
    <li class="card corr-item">
      <p class="mhead">
        <a class="mname" href={'#/member/' + c.memberId}>{c.memberName}</a>
        <span class="muted ctime">{t('proposedAt', { d: fmtTime(c.createdAt) })}</span>
      </p>
      <Changes c={c} />
      {msg ? <p class="ok-text" role="status">{msg}</p> : (
        <>
          {rejecting && (
            <div class="field">
              <label for={'rr-' + c.id}>{t('rejectReason')}</label>
              <textarea id={'rr-' + c.id} rows="2" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
          )}
          {err && <p class="error-text" role="alert">{err}</p>}
          <div class="btn-row">
            {rejecting ? (
              <>
                <button type="button" class="btn secondary" onClick={() => setRejecting(false)} disabled={busy}>{t('cancel')}</button>
                <button type="button" class="btn danger" onClick={() => decide('reject')} disabled={busy}>{t('confirmReject')}</button>
              </>
            ) : (
              <>
                <button type="button" class="btn secondary" onClick={() => setRejecting(true)} disabled={busy}>{t('reject')}</button>
                <button type="button" class="btn primary" onClick={() => decide('accept')} disabled={busy}>{t('accept')}</button>
              </>
            )}
          </div>
        </>
      )}
    </li>
  );
}
