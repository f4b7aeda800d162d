// Form pieces for the member screens (loaded with them, not in the initial bundle):
// labelled inputs whose error sits right under the field, and the mapping of a server
// error (400 with error.field) onto that field.
import { useEffect } from 'preact/hooks';
import { t } from './i18n.js';
import { fieldLabel } from './vocab.js';

export { fieldError } from './hooks.js';

// Focuses the input of a field error once it is shown.
export function useFocusError(ferr, prefix) {
  useEffect(() => {
    if (!ferr) return;
    const el = document.getElementById(prefix + ferr.field);
    if (el) {
      el.focus();
      if (el.scrollIntoView) el.scrollIntoView({ block: 'center' });
    }
  }, [ferr]);
}

function Err({ id, ferr, field }) {
  if (!ferr || ferr.field !== field) return null;
  return (
    <p class="field-error" id={id + '-err'} role="alert">
      {ferr.text}
      {ferr.detail && <span class="detail">{ferr.detail}</span>}
    </p>
  );
}

// One labelled control. kind: text | tel | date | number | select | check | textarea.
export function Field({ prefix = 'f-', field, label, kind = 'text', value, onChange, options, ferr, hint, ...rest }) {
  const id = prefix + field;
  const bad = ferr && ferr.field === field;
  const aria = { 'aria-invalid': bad ? 'true' : undefined, 'aria-describedby': bad ? id + '-err' : undefined };
  const lab = label || fieldLabel(field);
  if (kind === 'check') {
    return (
      <div class={'field' + (bad ? ' bad' : '')}>
        <label class="check">
          <input id={id} type="checkbox" checked={!!value} onChange={(e) => onChange(e.currentTarget.checked)} {...aria} />
          {lab}
        </label>
        <Err id={id} ferr={ferr} field={field} />
      </div>
    );
  }
  let control;
  if (kind === 'select') {
    control = (
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value)} {...aria} {...rest}>
        <option value="">{rest.placeholder || t('choose')}</option>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    );
  } else if (kind === 'textarea') {
    control = <textarea id={id} rows="3" value={value ?? ''} onInput={(e) => onChange(e.currentTarget.value)} {...aria} {...rest} />;
  } else {
    control = (
      <input id={id} type={kind} value={value ?? ''} onInput={(e) => onChange(e.currentTarget.value)}
        {...(kind === 'tel' ? { inputmode: 'numeric' } : {})} {...aria} {...rest} />
    );
  }
  return (
    <div class={'field' + (bad ? ' bad' : '')}>
      <label for={id}>{lab}</label>
      {hint && <p class="hint">{hint}</p>}
      {control}
      <Err id={id} ferr={ferr} field={field} />
    </div>
  );
}
