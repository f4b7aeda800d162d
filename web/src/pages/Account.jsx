import { useState } from 'preact/hooks';
import { api, logout } from '../api.js';
import { t, errText } from '../i18n.js';
import { TopBar } from '../ui.jsx';
import { useWrite } from '../hooks.js';
import { fmtTime } from '../time.js';
import { SmsChoice } from './Sms.jsx';

// Two-step login (TOTP): its state and the ways to change it (pages/Totp.jsx).
function SecondFactor({ sf }) {
  if (!sf) return null;
  return (
    <section class="card" aria-labelledby="tf-h">
      <h2 id="tf-h">{t('twoStep')}</h2>
      <p data-testid="two-step-state"><strong>{sf.enabled ? t('twoStepOn') : t('twoStepOff')}</strong></p>
      {sf.enabled
        ? <p class="muted">{t('twoStepLeft', { n: sf.recoveryCodesLeft })}</p>
        : <p class="muted">{sf.required ? t('twoStepRequired') : t('twoStepHelp')}{sf.required && sf.enrolBy ? ' ' + t('twoStepBy', { date: fmtTime(sf.enrolBy) }) : ''}</p>}
      {sf.enabled ? (
        <div class="stack">
          <a class="btn secondary wide" href="#/totp/codes">{t('twoStepNewCodes')}</a>
          <a class="btn danger wide" href="#/totp/off">{t('twoStepTurnOff')}</a>
        </div>
      ) : (
        <a class="btn primary wide" href="#/totp/enrol">{t('twoStepTurnOn')}</a>
      )}
    </section>
  );
}

// Two-step login is offered up front to those whose roles need it (an administrative role,
// or the server says it is required) or who have it on; a member finds it under 更多设置.
export function needsSecondFactor(me) {
  const sf = me.secondFactor;
  if (!sf) return false;
  return !!(sf.required || sf.enabled || sf.pending || (me.roles || []).some((r) => r.role !== 'member'));
}

export function Account({ me, prefs, onLogout }) {
  const [f, setF] = useState({ old: '', nw: '', again: '' });
  const w = useWrite({ fields: false });
  const [changed, setChanged] = useState(false);
  const werr = w.error;
  const msg = changed ? { ok: true, text: t('passwordChanged') }
    : werr && { ok: false, text: werr.code === 'auth.bad_credentials' ? t('pwWrongOld')
      : werr.code === 'request.invalid' && werr.field === 'newPassword' ? t('pwInvalid') : w.errorText };
  const busy = w.busy;
  const [outErr, setOutErr] = useState('');
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });

  const change = async (e) => {
    e.preventDefault();
    setChanged(false);
    if (!f.old) return w.fail(t('pwNeedOld'));
    if (f.nw.length < 8) return w.fail(t('pwTooShort'));
    if (f.nw !== f.again) return w.fail(t('pwMismatch'));
    const ok = await w.run(() => api('/me/password', { method: 'POST', body: { oldPassword: f.old, newPassword: f.nw } }).then(() => true));
    if (ok) {
      setF({ old: '', nw: '', again: '' });
      setChanged(true);
    }
  };

  const out = async () => {
    setOutErr('');
    try {
      await logout();
    } catch (err) {
      // Already logged out on the server is fine; anything else keeps the session.
      if (err.status !== 401) { setOutErr(errText(err)); return; }
    }
    onLogout();
  };

  return (
    <div>
      <TopBar title={t('account')} />
      <section class="card">
        <dl class="kv">
          <dt>{t('name')}</dt><dd>{me.name}</dd>
          <dt>{t('phone')}</dt><dd>{me.phone}</dd>
        </dl>
      </section>

      <section class="card" aria-labelledby="disp-h">
        <h2 id="disp-h">{t('display')}</h2>
        {/* the label makes the words a tap target for the switch too */}
        <label class="row-setting tap">
          <span id="lt-label">{t('largeText')}</span>
          <button type="button" role="switch" aria-checked={prefs.large ? 'true' : 'false'} aria-labelledby="lt-label"
            class={'switch' + (prefs.large ? ' on' : '')} onClick={() => prefs.setLarge(!prefs.large)}>
            <span>{prefs.large ? t('on') : t('off')}</span>
          </button>
        </label>
        <div class="row-setting">
          <span>{t('language')}</span>
          <div class="seg" role="group" aria-label={t('language')}>
            <button type="button" lang="zh-CN" aria-pressed={prefs.lang === 'zh' ? 'true' : 'false'}
              class={prefs.lang === 'zh' ? 'on' : ''} onClick={() => prefs.setLang('zh')}>中文</button>
            <button type="button" lang="en" aria-pressed={prefs.lang === 'en' ? 'true' : 'false'}
              class={prefs.lang === 'en' ? 'on' : ''} onClick={() => prefs.setLang('en')}>English</button>
          </div>
        </div>
      </section>

      <SmsChoice />

      {needsSecondFactor(me) && <SecondFactor sf={me.secondFactor} />}

      <section class="card" aria-labelledby="pw-h">
        <h2 id="pw-h">{t('changePassword')}</h2>
        <form class="form" onSubmit={change} novalidate>
          <input type="text" name="username" autocomplete="username" value={me.phone} readonly hidden />
          <label for="pw-old">{t('oldPassword')}</label>
          <input id="pw-old" type="password" autocomplete="current-password" value={f.old} onInput={set('old')} />
          <label for="pw-new">{t('newPassword')}</label>
          <input id="pw-new" type="password" autocomplete="new-password" value={f.nw} onInput={set('nw')} />
          <label for="pw-again">{t('repeatPassword')}</label>
          <input id="pw-again" type="password" autocomplete="new-password" value={f.again} onInput={set('again')} />
          {msg && <p class={msg.ok ? 'ok-text' : 'error-text'} role={msg.ok ? 'status' : 'alert'}>{msg.text}</p>}
          <button type="submit" class="btn primary wide" disabled={busy}>{busy ? t('saving') : t('save')}</button>
        </form>
      </section>

      {!needsSecondFactor(me) && me.secondFactor && (
        <details class="card more-settings">
          <summary>{t('moreSettings')}</summary>
          <SecondFactor sf={me.secondFactor} />
        </details>
      )}

      <section class="card">
        {outErr && <p class="error-text" role="alert">{outErr}</p>}
        <button type="button" class="btn danger wide" onClick={out}>{t('logout')}</button>
      </section>
    </div>
  );
}
