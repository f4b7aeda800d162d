import { useEffect, useState } from 'preact/hooks';
import { login } from '../api.js';
import { t } from '../i18n.js';
import { useWrite } from '../hooks.js';

export function Login({ onDone, prefs }) {
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [show, setShow] = useState(false);
  const w = useWrite({ fields: false });
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
    const p = phone.replace(/\s+/g, '');
    if (!p) { w.fail(t('needPhone')); return; }
    if (!password) { w.fail(t('needPassword')); return; }
    if (needCode && !code.trim()) { w.fail(t('needCode')); return; }
    const d = await w.run(() => login(p, password, needCode ? code.trim() : undefined));
    if (d) onDone(d.user);
  };

  return (
    <main class="page login">
      <div class="brand">
        <div class="logo" aria-hidden="true">★</div>
        <h1>{t('app')}</h1>
        <p class="muted">{t('tagline')}</p>
      </div>
      <form onSubmit={submit} novalidate class="card form">
        <label for="phone">{t('phone')}</label>
        <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="username"
          value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        <label for="password">{t('password')}</label>
        <input id="password" name="password" type={show ? 'text' : 'password'} autocomplete="current-password"
          value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <label class="check">
          <input type="checkbox" checked={show} onChange={(e) => setShow(e.currentTarget.checked)} />
          {t('showPassword')}
        </label>
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
      </form>
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
