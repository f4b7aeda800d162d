import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { useGet, useWrite } from '../hooks.js';
import { TopBar, ErrorBox, Loading } from '../ui.jsx';
import { fmtDate } from '../time.js';
import '../slipStrings.js';

// One slip: the member's name, the QR code of the activation link, the code to type.
export function Slip({ s }) {
  const page = s.url.replace(/\/[0-9]+$/, '');
  return (
    <section class="slip">
      <div class="slip-text">
        <p class="slip-head">{t('slipHead')}</p>
        <p class="slip-name">{s.name}</p>
        <p class="slip-org">{s.orgName}</p>
        <p class="slip-code-label">{t('slipCode')}</p>
        <p class="slip-code">{s.code}</p>
        <p class="slip-small">{t('slipScan')}<br />{page}</p>
        <p class="slip-small">{t('slipUntil')} {fmtDate(s.expiresAt)} · {t('slipKeep')}</p>
      </div>
      {/* The server's own SVG (libqrencode): an image, never markup in the page. */}
      <img class="slip-qr" alt="" src={'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(s.qrSvg)} />
    </section>
  );
}

// #/slips/ORG: who is not activated yet, codes for them (or by SMS), a print-ready A4 page.
export function Slips({ id, memberId }) {
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const pending = useGet(memberId ? null : '/orgs/' + encodeURIComponent(id) + '/activation?limit=200');
  const [slips, setSlips] = useState(null);
  const [sent, setSent] = useState(null);
  const w = useWrite({ fields: false });
  const make = async (via) => {
    const d = await w.run(() => api('/orgs/' + encodeURIComponent(id) + '/activation-codes', { method: 'POST', body: { via } }));
    if (!d) return;
    if (via === 'sms') { setSent(d); pending.reload(); } else setSlips(d.items);
  };
  const o = org.data;
  const n = pending.data ? pending.data.items.length : 0;
  return (
    <div class="slips-page">
      <TopBar title={t('slipsTitle')} back={'#/roster/' + id} />
      <div class="no-print">
        {(org.error || pending.error) && <ErrorBox error={org.error || pending.error} />}
        {pending.loading && <Loading />}
        {o && pending.data && (
          <div class="card">
            <h2>{o.name}</h2>
            <p class="muted">{t('slipsHelp')}</p>
            <p id="slips-pending">{n ? t('slipsPending', { n: n + (pending.data.next ? '+' : '') }) : t('slipsNone')}</p>
            {n > 0 && (
              <ul class="list slips-pending">
                {pending.data.items.map((m) => <li key={m.memberId}>{m.name} <span class="muted">{m.orgName}</span></li>)}
              </ul>
            )}
            {n > 0 && !slips && (
              <div class="btn-row">
                <button type="button" class="btn primary" id="make-slips" disabled={w.busy} onClick={() => make('slip')}>
                  {w.busy ? t('slipsMaking') : t('slipsMake')}
                </button>
                <button type="button" class="btn" id="sms-slips" disabled={w.busy} onClick={() => make('sms')}>{t('slipsSms')}</button>
              </div>
            )}
            {sent && <p role="status">{t('slipsSent', { n: sent.sent, k: sent.skipped })}</p>}
            {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
            {slips && (
              <button type="button" class="btn primary wide" id="print" onClick={() => window.print()}>{t('slipsPrint')}</button>
            )}
          </div>
        )}
      </div>
      {slips && <div class="slips" id="slips">{slips.map((s) => <Slip key={s.memberId} s={s} />)}</div>}
    </div>
  );
}
