import { useEffect, useState } from 'preact/hooks';
import { api, login, signIn } from '../api.js';
import { t } from '../i18n.js';
import { useWrite } from '../hooks.js';
import '../accessStrings.js';

const clean = (s) => s.replace(/\s+/g, '');

// "Get code" for a phone: POST /auth/sms-code, then a minute before it can be asked again.
function useSmsCode(purpose, w) {
  const [wait, setWait] = useState(0);
  const [sent, setSent] = useState(false);
  useEffect(() => {
    if (!wait) return undefined;
    const h = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(h);
  }, [wait]);
  const send = async (phone) => {
    if (!phone) { w.fail(t('needPhone')); return; }
    const d = await w.run(() => api('/auth/sms-code', { method: 'POST', body: { phone, purpose }, noAuthRedirect: true }));
    if (d) { setSent(true); setWait(60); }
  };
  return { wait, sent, send };
}

function PhoneField({ phone, setPhone }) {
  return (
    <>
      <label for="phone">{t('phone')}</label>
      <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="username"
        value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
    </>
  );
}

function CodeField({ code, setCode, sms, phone }) {
  return (
    <>
      <label for="smsCode">{t('smsCode')}</label>
      <div class="code-row">
        <input id="smsCode" name="smsCode" class="code-input" inputmode="numeric" autocomplete="one-time-code"
          maxlength="6" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        <button type="button" class="btn" id="get-code" disabled={sms.wait > 0}
          onClick={() => sms.send(clean(phone))}>
          {sms.wait > 0 ? t('resendIn', { n: sms.wait }) : t('getCode')}
        </button>
      </div>
      {sms.sent && <p class="muted" role="status">{t('codeSent')}</p>}
    </>
  );
}

// Forgotten password: phone -> SMS code -> a new password; then back to signing in.
function Reset({ onBack }) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [pw, setPw] = useState('');
  const [done, setDone] = useState(false);
  const w = useWrite({ fields: false });
  const sms = useSmsCode('reset', w);
  const submit = async (e) => {
    e.preventDefault();
    if (!clean(phone)) { w.fail(t('needPhone')); return; }
    if (!/^\d{6}$/.test(clean(code))) { w.fail(t('needSmsCode')); return; }
    const d = await w.run(() => api('/auth/reset-password', {
      method: 'POST', noAuthRedirect: true, body: { phone: clean(phone), smsCode: clean(code), newPassword: pw },
    }));
    if (d) setDone(true);
  };
  if (done) {
    return (
      <div class="card form">
        <p role="status">{t('resetDone')}</p>
        <button type="button" class="btn primary wide" onClick={onBack}>{t('backToLogin')}</button>
      </div>
    );
  }
  return (
    <form onSubmit={submit} novalidate class="card form">
      <h2>{t('resetTitle')}</h2>
      <p class="muted">{t('resetHelp')}</p>
      <PhoneField phone={phone} setPhone={setPhone} />
      <CodeField code={code} setCode={setCode} sms={sms} phone={phone} />
      <label for="newPassword">{t('newPassword')}</label>
      <input id="newPassword" name="newPassword" type="password" autocomplete="new-password"
        value={pw} onInput={(e) => setPw(e.currentTarget.value)} />
      {w.errorText && <p class="error-text" role="alert">{w.errorText}</p>}
      <button type="submit" class="btn primary wide" disabled={w.busy}>{t('resetSubmit')}</button>
      <button type="button" class="btn link" onClick={onBack}>{t('backToLogin')}</button>
    </form>
  );
}

export function Login({ onDone, prefs }) {
  const [mode, setMode] = useState('password'); // password | sms | reset
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [smsCode, setSmsCode] = useState('');
  const [show, setShow] = useState(false);
  const w = useWrite({ fields: false });
  const sms = useSmsCode('login', w);
  const [needCode, setNeedCode] = useState(false); // the account has a second factor
  const [code, setCode] = useState('');
  const failed = w.error && w.error.code;
  useEffect(() => {
    if (failed === 'auth.code_required') setNeedCode(true);
    if (failed === 'auth.bad_code') setCode('');
  }, [w.error]);
  const busy = w.busy;
  const error = failed === 'auth.code_required' ? t('needCode') : w.errorText;

  const submit = async (e) => {
    e.preventDefault();
    const p = clean(phone);
    if (!p) { w.fail(t('needPhone')); return; }
    if (mode === 'password' && !password) { w.fail(t('needPassword')); return; }
    if (mode === 'sms' && !/^\d{6}$/.test(clean(smsCode))) { w.fail(t('needSmsCode')); return; }
    if (needCode && !code.trim()) { w.fail(t('needCode')); return; }
    const second = needCode ? code.trim() : undefined;
    const d = await w.run(() => (mode === 'sms'
      ? signIn('/auth/sms-login', second ? { phone: p, smsCode: clean(smsCode), code: second } : { phone: p, smsCode: clean(smsCode) })
      : login(p, password, second)));
    if (d) onDone(d.user);
  };
  const switchTo = (m) => { setMode(m); w.fail(''); };

  return (
    <main class="page login">
      <div class="brand">
        <div class="logo" aria-hidden="true">★</div>
        <h1>{t('app')}</h1>
        <p class="muted">{t('tagline')}</p>
      </div>
      {mode === 'reset' ? <Reset onBack={() => switchTo('password')} /> : (
        <form onSubmit={submit} novalidate class="card form">
          <div class="seg wide-seg" role="tablist">
            {[['password', t('tabPassword')], ['sms', t('tabSms')]].map(([v, label]) => (
              <button key={v} type="button" role="tab" aria-selected={mode === v ? 'true' : 'false'}
                class={mode === v ? 'on' : ''} onClick={() => switchTo(v)}>{label}</button>
            ))}
          </div>
          <PhoneField phone={phone} setPhone={setPhone} />
          {mode === 'password' ? (
            <>
              <label for="password">{t('password')}</label>
              <input id="password" name="password" type={show ? 'text' : 'password'} autocomplete="current-password"
                value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
              <label class="check">
                <input type="checkbox" checked={show} onChange={(e) => setShow(e.currentTarget.checked)} />
                {t('showPassword')}
              </label>
            </>
          ) : <CodeField code={smsCode} setCode={setSmsCode} sms={sms} phone={phone} />}
          {needCode && (
            <>
              <label for="code">{t('loginCode')}</label>
              <input id="code" name="code" class="code-input" inputmode="numeric" autocomplete="one-time-code"
                autofocus value={code} onInput={(e) => setCode(e.currentTarget.value)} />
              <p class="muted">{t('loginCodeHelp')}</p>
            </>
          )}
          {error && <p class="error-text" role="alert">{error}</p>}
          <button type="submit" class="btn primary wide" disabled={busy}>{busy ? t('loggingIn') : t('login')}</button>
          <div class="login-links">
            <button type="button" class="btn link" onClick={() => switchTo('reset')}>{t('forgot')}</button>
            <a class="btn link" href="#/activate">{t('activateTitle')}</a>
          </div>
        </form>
      )}
      <div class="login-prefs">
        <button type="button" class="btn link" aria-pressed={prefs.large ? 'true' : 'false'}
          onClick={() => prefs.setLarge(!prefs.large)}>
          {t('largeText')}：{prefs.large ? t('on') : t('off')}
        </button>
        <button type="button" class="btn link" lang={prefs.lang === 'en' ? 'zh-CN' : 'en'}
          onClick={() => prefs.setLang(prefs.lang === 'en' ? 'zh' : 'en')}>
          {t('otherLang')}
        </button>
      </div>
    </main>
  );
}
