import { useEffect, useState } from 'preact/hooks';
import { signIn } from '../api.js';
import { t } from '../i18n.js';
import { useWrite } from '../hooks.js';
import '../accessStrings.js';

// Groups of four, as the slip prints the code.
const grouped = (s) => s.replace(/\D/g, '').slice(0, 12).replace(/(\d{4})(?=\d)/g, '$1 ');

// #/activate/CODE (the QR code of a slip) or #/activate: the code (prefilled), a password
// or SMS sign-in only, a phone when the record has none; then signed in. No login needed.
export function Activate({ code: initial, onDone }) {
  const [code, setCode] = useState(grouped(initial || ''));
  const [pw, setPw] = useState('');
  const [smsOnly, setSmsOnly] = useState(false);
  const [phone, setPhone] = useState('');
  const [askPhone, setAskPhone] = useState(false);
  const w = useWrite({ fields: false });
  useEffect(() => { if (w.error?.code === 'activation.phone_required') setAskPhone(true); }, [w.error]);
  const submit = async (e) => {
    e.preventDefault();
    const digits = code.replace(/\D/g, '');
    if (digits.length !== 12) { w.fail(t('err.activation.bad_code')); return; }
    if (!smsOnly && pw.length < 8) { w.fail(t('newPassword')); return; }
    if (askPhone && !phone.replace(/\s+/g, '')) { w.fail(t('err.activation.phone_required')); return; }
    const body = { code: digits };
    if (!smsOnly) body.password = pw;
    if (askPhone) body.phone = phone.replace(/\s+/g, '');
    const d = await w.run(() => signIn('/auth/activate', body));
    if (d) onDone(d.user);
  };
  const phoneAsked = askPhone; // once the server asked (activation.phone_required)
  return (
    <main class="page login activate">
      <div class="brand">
        <div class="logo" aria-hidden="true">★</div>
        <h1>{t('activateTitle')}</h1>
      </div>
      <form onSubmit={submit} novalidate class="card form">
        <p class="muted">{t('activateHelp')}</p>
        <label for="act-code">{t('activationCode')}</label>
        <input id="act-code" name="code" class="code-input act-code" inputmode="numeric" autocomplete="one-time-code"
          value={code} onInput={(e) => setCode(grouped(e.currentTarget.value))} />
        {phoneAsked && (
          <>
            <label for="act-phone">{t('activatePhone')}</label>
            <input id="act-phone" name="phone" type="tel" inputmode="numeric" value={phone}
              onInput={(e) => setPhone(e.currentTarget.value)} />
          </>
        )}
        {!smsOnly && (
          <>
            <label for="act-pw">{t('choosePassword')}</label>
            <input id="act-pw" name="password" type="password" autocomplete="new-password" value={pw}
              onInput={(e) => setPw(e.currentTarget.value)} />
          </>
        )}
        <label class="check">
          <input type="checkbox" id="act-smsonly" checked={smsOnly} onChange={(e) => setSmsOnly(e.currentTarget.checked)} />
          {t('smsOnly')}
        </label>
        {w.errorText && w.error?.code !== 'activation.phone_required' && <p class="error-text" role="alert">{w.errorText}</p>}
        {w.error?.code === 'activation.phone_required' && <p class="error-text" role="alert">{t('activatePhoneHelp')}</p>}
        <button type="submit" class="btn primary wide" disabled={w.busy}>{w.busy ? t('activating') : t('activateSubmit')}</button>
        <a class="btn link" href="#/login">{t('activateHave')}</a>
      </form>
    </main>
  );
}
