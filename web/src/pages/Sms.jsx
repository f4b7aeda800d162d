import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox } from '../ui.jsx';
import { useGet, useWrite } from '../hooks.js';

const MODES = ['app', 'app_sms', 'sms'];

// How a member is reached (GET/PUT /me/sms, or /members/{id}/sms when a secretary sets it
// for a member who cannot): app only, app + SMS for what needs action, SMS only, quiet
// hours in Beijing time, and one SMS a day (the digest) instead of several.
export function SmsChoice({ path = '/me/sms' }) {
  const st = useGet(path);
  const w = useWrite({ fields: false });
  const [f, setF] = useState(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (st.data) {
      const [from, to] = st.data.quietHours.split('-');
      setF({ mode: st.data.mode, from, to, digest: st.data.digest });
    }
  }, [st.data]);
  if (st.data && st.data.memberId == null) return null; // no member record: nothing to choose
  if (st.error) return <ErrorBox error={st.error} onRetry={st.reload} />;
  if (!f) return <Loading />;
  const save = async (e) => {
    e.preventDefault();
    setSaved(false);
    const ok = await w.run(() => api(path, { method: 'PUT', body: { mode: f.mode, quietHours: `${f.from}-${f.to}`, digest: f.digest } }).then(() => true));
    if (ok) setSaved(true);
  };
  return (
    <section class="card" aria-labelledby="sms-h" data-testid="sms-choice">
      <h2 id="sms-h">{t('smsTitle')}</h2>
      {!st.data.smsOn && <p class="muted">{t('smsOffNote')}</p>}
      <form class="form" onSubmit={save}>
        <fieldset>
          <legend>{t('smsHow')}</legend>
          {MODES.map((m) => (
            <label key={m} class="row-setting tap">
              <input type="radio" name="sms-mode" value={m} checked={f.mode === m}
                onChange={() => setF({ ...f, mode: m })} />
              <span>{t('smsMode_' + m)}</span>
            </label>
          ))}
        </fieldset>
        <p class="muted">{st.data.phone ? t('smsPhone', { phone: st.data.phone }) : t('smsNoPhone')}</p>
        <label class="row-setting tap">
          <input type="checkbox" name="sms-digest" checked={f.digest}
            onChange={(e) => setF({ ...f, digest: e.currentTarget.checked })} />
          <span>{t('smsDigest')}</span>
        </label>
        <label for="sms-from">{t('smsQuietFrom')}</label>
        <input id="sms-from" type="time" value={f.from} onInput={(e) => setF({ ...f, from: e.currentTarget.value })} />
        <label for="sms-to">{t('smsQuietTo')}</label>
        <input id="sms-to" type="time" value={f.to} onInput={(e) => setF({ ...f, to: e.currentTarget.value })} />
        {w.error && <p class="error-text" role="alert">{w.error.code === 'sms.no_phone' ? t('smsNoPhone') : w.errorText}</p>}
        {saved && <p class="ok-text" role="status">{t('saved')}</p>}
        <button type="submit" class="btn primary wide" disabled={w.busy}>{w.busy ? t('saving') : t('smsSave')}</button>
      </form>
    </section>
  );
}

// The SMS settings of an organisation for its org admin (GET/PUT /orgs/{id}/sms): whether
// SMS is on, today's and the week's counts, and the daily cap of the branches under it.
export function SmsAdmin({ id }) {
  const st = useGet('/orgs/' + encodeURIComponent(id) + '/sms');
  const w = useWrite({ fields: false });
  const [cap, setCap] = useState('');
  const [data, setData] = useState(null);
  useEffect(() => {
    if (st.data) {
      setData(st.data);
      setCap(st.data.dailyCap.own ?? '');
    }
  }, [st.data]);
  if (st.error) return <div><TopBar title={t('smsAdmin')} back={'#/org/' + id} /><ErrorBox error={st.error} onRetry={st.reload} /></div>;
  if (!data) return <div><TopBar title={t('smsAdmin')} back={'#/org/' + id} /><Loading /></div>;
  const save = async (e) => {
    e.preventDefault();
    const body = { dailyCap: cap === '' ? null : Number(cap) };
    const r = await w.run(() => api('/orgs/' + encodeURIComponent(id) + '/sms', { method: 'PUT', body }));
    if (r) setData(r);
  };
  const o = data.outbox;
  return (
    <div>
      <TopBar title={t('smsAdmin')} back={'#/org/' + id} />
      <section class="card" data-testid="sms-status">
        <p><strong>{data.smsOn ? t('smsOn', { backend: data.backend }) : t('smsOff')}</strong></p>
        <dl class="kv">
          <dt>{t('smsSignature')}</dt><dd>{data.signature}</dd>
          <dt>{t('smsQuiet')}</dt><dd>{data.quietHours}</dd>
          <dt>{t('smsToday')}</dt><dd>{t('smsTodayN', { queued: data.today.queued, refused: data.today.refused })}</dd>
          <dt>{t('smsWeek')}</dt>
          <dd>{t('smsWeekN', { queued: o.queued + o.sending, sent: o.sent, delivered: o.delivered, failed: o.failed })}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="cap-h">
        <h2 id="cap-h">{t('smsCap')}</h2>
        <p class="muted">{t('smsCapHelp', { n: data.dailyCap.effective })}</p>
        <form class="form" onSubmit={save}>
          <label for="sms-cap">{t('smsCapOwn')}</label>
          <input id="sms-cap" type="number" min="0" inputmode="numeric" value={cap}
            onInput={(e) => setCap(e.currentTarget.value)} placeholder={t('smsCapInherit')} />
          {w.error && <p class="error-text" role="alert">{w.errorText}</p>}
          <button type="submit" class="btn primary wide" disabled={w.busy}>{w.busy ? t('saving') : t('smsCapSave')}</button>
        </form>
      </section>
    </div>
  );
}
