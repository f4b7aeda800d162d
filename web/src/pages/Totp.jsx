// The TOTP second factor of the caller's account (a lazy chunk): enrol (QR code, manual
// key, first code, recovery codes shown once), new recovery codes, turn it off.
// mode: 'enrol' | 'codes' | 'off'. forced: the session may only enrol (an admin role
// under admin_second_factor = required), so there is no way back, only log out.
import { useEffect, useState } from 'preact/hooks';
import { api, logout } from '../api.js';
import { t, addStrings } from '../i18n.js';
import { useWrite } from '../hooks.js';
import { TopBar, Loading, ErrorBox } from '../ui.jsx';

addStrings({
  tfEnrolTitle: '开启两步验证',
  tfCodesTitle: '重新生成恢复码',
  tfOffTitle: '关闭两步验证',
  tfForced: '您担任管理职务，按规定必须先开启两步验证，才能使用其他功能。',
  tfStep1: '第一步：在手机上安装验证器App（如“腾讯身份验证器”、“Google Authenticator”、“Microsoft Authenticator”），用它扫描下面的二维码。',
  tfQrAlt: '两步验证二维码',
  tfManual: '无法扫码时，在验证器App中手动输入这个密钥：',
  tfStep2: '第二步：输入验证器App上显示的6位数字。',
  tfCode: '6位验证码',
  tfConfirm: '确认开启',
  tfNeedCode: '请输入6位数字验证码',
  tfSavedTitle: '请保存恢复码',
  tfSavedHelp: '手机丢失时，可以用下面的恢复码代替验证码登录，每个只能用一次。请抄在纸上或截图保存，这些恢复码只显示这一次。',
  tfSaved: '我已保存好这些恢复码',
  tfDone: '完成',
  tfOnNow: '两步验证已开启',
  tfCodesHelp: '生成新的恢复码后，旧的恢复码全部作废。请输入验证器App上的6位数字。',
  tfGenerate: '生成新的恢复码',
  tfOffHelp: '关闭后，登录时只需要手机号和密码。请输入密码和验证码（或一个恢复码）。',
  tfOffCode: '验证码或恢复码',
  tfOffButton: '确认关闭',
  tfOffDone: '两步验证已关闭',
  tfRestart: '重新获取二维码',
  'err.totp.bad_code': '验证码不正确或已用过，请等下一个验证码',
  'err.totp.active': '两步验证已经开启',
  'err.totp.not_started': '请先获取二维码',
  'err.totp.off': '两步验证没有开启',
}, {
  tfEnrolTitle: 'Turn on two-step login',
  tfCodesTitle: 'New recovery codes',
  tfOffTitle: 'Turn off two-step login',
  tfForced: 'Your admin role requires two-step login. Turn it on to use the other screens.',
  tfStep1: 'Step 1: install an authenticator app on your phone (e.g. Google Authenticator, Microsoft Authenticator) and scan this QR code with it.',
  tfQrAlt: 'QR code for two-step login',
  tfManual: 'If you cannot scan, enter this key in the app by hand:',
  tfStep2: 'Step 2: enter the 6-digit code the app shows.',
  tfCode: '6-digit code',
  tfConfirm: 'Turn on',
  tfNeedCode: 'Enter the 6-digit code',
  tfSavedTitle: 'Keep your recovery codes',
  tfSavedHelp: 'If you lose your phone, log in with one of these codes instead; each works once. Write them down or take a screenshot: they are shown only now.',
  tfSaved: 'I have saved these recovery codes',
  tfDone: 'Done',
  tfOnNow: 'Two-step login is on',
  tfCodesHelp: 'New recovery codes replace all the old ones. Enter the 6-digit code from the app.',
  tfGenerate: 'Make new recovery codes',
  tfOffHelp: 'Then only phone number and password are needed to log in. Enter your password and a code (or a recovery code).',
  tfOffCode: 'Code or recovery code',
  tfOffButton: 'Turn off',
  tfOffDone: 'Two-step login is off',
  tfRestart: 'Get a new QR code',
  'err.totp.bad_code': 'The code is wrong or was used already; wait for the next one',
  'err.totp.active': 'Two-step login is on already',
  'err.totp.not_started': 'Get the QR code first',
  'err.totp.off': 'Two-step login is not on',
});

const digits = (s) => s.replace(/\D+/g, '').slice(0, 6);

function RecoveryCodes({ codes, onDone }) {
  const [saved, setSaved] = useState(false);
  return (
    <section class="card" aria-labelledby="rc-h">
      <h2 id="rc-h">{t('tfSavedTitle')}</h2>
      <p>{t('tfSavedHelp')}</p>
      <ol class="recovery-codes" data-testid="recovery-codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ol>
      <div class="form">
        <label class="check">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
          {t('tfSaved')}
        </label>
        <button type="button" class="btn primary wide" disabled={!saved} onClick={onDone}>{t('tfDone')}</button>
      </div>
    </section>
  );
}

function Enrol({ onMe, forced }) {
  const [start, setStart] = useState(null);
  const [err, setErr] = useState(null);
  const [code, setCode] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const msg = w.errorText;
  const [codes, setCodes] = useState(null);
  const [n, setN] = useState(0);

  useEffect(() => {
    setErr(null);
    setStart(null);
    api('/me/totp', { method: 'POST', body: {} }).then(setStart, setErr);
  }, [n]);

  const confirm = async (e) => {
    e.preventDefault();
    if (code.length !== 6) return w.fail(t('tfNeedCode'));
    const d = await w.run(() => api('/me/totp/confirm', { method: 'POST', body: { code } }));
    if (d) setCodes(d.recoveryCodes);
    else setCode('');
  };

  if (codes) return <RecoveryCodes codes={codes} onDone={() => onMe().then(() => location.replace('#/account'))} />;
  if (err) return <ErrorBox error={err} onRetry={() => setN(n + 1)} />;
  if (!start) return <Loading />;
  const key = start.secret.replace(/(.{4})/g, '$1 ').trim();
  return (
    <div>
      {forced && <p class="card notice" role="status">{t('tfForced')}</p>}
      <section class="card">
        <p>{t('tfStep1')}</p>
        <img class="qr" alt={t('tfQrAlt')} width="240" height="240"
          src={'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(start.qrSvg)} />
        <p class="muted">{t('tfManual')}</p>
        <p class="secret-key" data-testid="totp-secret">{key}</p>
      </section>
      <section class="card">
        <form class="form" onSubmit={confirm} novalidate>
          <label for="tf-code">{t('tfStep2')}</label>
          <input id="tf-code" class="code-input" inputmode="numeric" autocomplete="one-time-code" placeholder={t('tfCode')}
            value={code} onInput={(e) => setCode(digits(e.currentTarget.value))} />
          {msg && <p class="error-text" role="alert">{msg}</p>}
          <button type="submit" class="btn primary wide" disabled={busy}>{t('tfConfirm')}</button>
          <button type="button" class="btn link" onClick={() => { setCode(''); w.fail(''); setN(n + 1); }}>{t('tfRestart')}</button>
        </form>
      </section>
    </div>
  );
}

function NewCodes({ onMe }) {
  const [code, setCode] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const msg = w.errorText;
  const [codes, setCodes] = useState(null);
  const go = async (e) => {
    e.preventDefault();
    if (code.length !== 6) return w.fail(t('tfNeedCode'));
    const d = await w.run(() => api('/me/totp/recovery-codes', { method: 'POST', body: { code } }));
    if (d) setCodes(d.recoveryCodes);
    else setCode('');
  };
  if (codes) return <RecoveryCodes codes={codes} onDone={() => onMe().then(() => location.replace('#/account'))} />;
  return (
    <section class="card">
      <form class="form" onSubmit={go} novalidate>
        <p>{t('tfCodesHelp')}</p>
        <label for="tf-code">{t('tfCode')}</label>
        <input id="tf-code" class="code-input" inputmode="numeric" autocomplete="one-time-code"
          value={code} onInput={(e) => setCode(digits(e.currentTarget.value))} />
        {msg && <p class="error-text" role="alert">{msg}</p>}
        <button type="submit" class="btn primary wide" disabled={busy}>{t('tfGenerate')}</button>
      </form>
    </section>
  );
}

function TurnOff({ me, onMe }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const msg = w.error && w.error.code === 'auth.bad_credentials' ? t('pwWrongOld') : w.errorText;
  const go = async (e) => {
    e.preventDefault();
    if (!password) return w.fail(t('needPassword'));
    if (!code.trim()) return w.fail(t('tfNeedCode'));
    const ok = await w.run(async () => {
      await api('/me/totp', { method: 'DELETE', body: { password, code: code.trim() } });
      await onMe();
      return true;
    });
    if (ok) location.replace('#/account');
  };
  return (
    <section class="card">
      <form class="form" onSubmit={go} novalidate>
        <p>{t('tfOffHelp')}</p>
        <input type="text" name="username" autocomplete="username" value={me.phone} readonly hidden />
        <label for="tf-pw">{t('password')}</label>
        <input id="tf-pw" type="password" autocomplete="current-password" value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        <label for="tf-code">{t('tfOffCode')}</label>
        <input id="tf-code" class="code-input" autocomplete="one-time-code" value={code}
          onInput={(e) => setCode(e.currentTarget.value)} />
        {msg && <p class="error-text" role="alert">{msg}</p>}
        <button type="submit" class="btn danger wide" disabled={busy}>{t('tfOffButton')}</button>
      </form>
    </section>
  );
}

export default function Totp({ me, mode, onMe, onLogout }) {
  const forced = !!me.secondFactor?.enrolRequired;
  const title = mode === 'codes' ? t('tfCodesTitle') : mode === 'off' ? t('tfOffTitle') : t('tfEnrolTitle');
  let body;
  if (mode === 'codes') body = <NewCodes onMe={onMe} />;
  else if (mode === 'off') body = <TurnOff me={me} onMe={onMe} />;
  else if (me.secondFactor?.enabled) body = <p class="card ok-text" role="status">{t('tfOnNow')}</p>;
  else body = <Enrol onMe={onMe} forced={forced} />;
  const out = async () => {
    try { await logout(); } catch (e) { /* already out */ }
    onLogout();
  };
  return (
    <div>
      <TopBar title={title} back={forced ? undefined : '#/account'} />
      {body}
      {forced && (
        <section class="card">
          <button type="button" class="btn danger wide" onClick={out}>{t('logout')}</button>
        </section>
      )}
    </div>
  );
}
