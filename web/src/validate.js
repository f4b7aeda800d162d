// The app's own form checks, in place of the browser's validation bubbles (which speak the
// phone's language and vanish): every form is rendered with novalidate (the vnode hook
// below), and a submit whose required, length, number or web-address rules fail is stopped
// before the form's own handler runs. Each failing field gets a sentence beside it saying
// what is wrong, named by its label; the page scrolls to the first one and focuses it. The
// sentence goes as soon as the field is changed.
import { options } from 'preact';
import { addStrings, t } from './i18n.js';

addStrings({
  vMissing: '请填写“{label}”', vChoose: '请选择“{label}”', vTick: '请勾选“{label}”',
  vShort: '“{label}”至少要 {n} 个字', vLong: '“{label}”最多 {n} 个字', vUrl: '“{label}”请填写以 https:// 开头的网址',
  vEmail: '“{label}”不是电子邮箱地址', vMin: '“{label}”不能小于 {n}', vMax: '“{label}”不能大于 {n}', vFormat: '“{label}”的格式不对',
  vThis: '这一项', vServer: '“{label}”填写有误',
}, {
  vMissing: 'Fill in "{label}"', vChoose: 'Choose "{label}"', vTick: 'Tick "{label}"',
  vShort: '"{label}" needs at least {n} characters', vLong: '"{label}" takes at most {n} characters', vUrl: '"{label}" must be a web address starting with https://',
  vEmail: '"{label}" is not an email address', vMin: '"{label}" cannot be less than {n}', vMax: '"{label}" cannot be more than {n}', vFormat: '"{label}" is not in the right form',
  vThis: 'this field', vServer: '"{label}" is not right',
});

// Every <form> the app renders gets novalidate.
const prevVnode = options.vnode;
options.vnode = (vnode) => {
  if (vnode.type === 'form' && vnode.props) vnode.props.noValidate = true;
  if (prevVnode) prevVnode(vnode);
};

// The words a person sees for a control: its label's text without the control's own.
function labelOf(el) {
  const own = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  const label = own || el.closest('label');
  let text = '';
  if (label) {
    const span = label.querySelector('span');
    text = (span && !span.contains(el) ? span.textContent : label.textContent) || '';
    if (el.tagName === 'SELECT') for (const o of el.options) text = text.replace(o.textContent, '');
  }
  text = text.trim() || el.getAttribute('aria-label') || el.placeholder || '';
  return text.replace(/[：:*＊\s]+$/, '') || t('vThis');
}

function message(el) {
  const v = el.validity;
  const label = labelOf(el);
  if (v.valueMissing) {
    if (el.type === 'checkbox') return t('vTick', { label });
    return t(el.tagName === 'SELECT' || el.type === 'radio' ? 'vChoose' : 'vMissing', { label });
  }
  if (v.tooShort) return t('vShort', { label, n: el.minLength });
  if (v.tooLong) return t('vLong', { label, n: el.maxLength });
  if (v.typeMismatch) return t(el.type === 'email' ? 'vEmail' : el.type === 'url' ? 'vUrl' : 'vFormat', { label });
  if (v.rangeUnderflow) return t('vMin', { label, n: el.min });
  if (v.rangeOverflow) return t('vMax', { label, n: el.max });
  return t('vFormat', { label });
}

function clear(el) {
  const next = el.nextElementSibling;
  if (next && next.classList.contains('v-error')) {
    next.remove();
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
}

// The form submitted last: where a field error the server names is shown (showServerField).
let lastForm = null;

function onSubmit(e) {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  lastForm = form;
  const bad = [];
  for (const el of form.elements) {
    if (!el.willValidate) continue;
    clear(el);
    if (!el.checkValidity()) bad.push(el);
  }
  if (!bad.length) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  for (const el of bad) place(el, message(el));
  bad[0].scrollIntoView({ block: 'center' });
  bad[0].focus({ preventScroll: true });
}

// The sentence beside the control, gone as soon as the control is changed.
function place(el, text) {
  clear(el);
  const p = document.createElement('p');
  p.className = 'field-error v-error';
  p.id = (el.id || el.name || 'v') + '-verr';
  p.setAttribute('role', 'alert');
  p.textContent = text;
  el.insertAdjacentElement('afterend', p);
  el.setAttribute('aria-invalid', 'true');
  el.setAttribute('aria-describedby', p.id);
  const drop = () => { clear(el); el.removeEventListener('input', drop); el.removeEventListener('change', drop); };
  el.addEventListener('input', drop);
  el.addEventListener('change', drop);
}

// The control of the last submitted form for an API field: named so (name="startsAt"), or
// with an id ending in it ("nn-title" for title, "a-signupDeadline"), or data-field.
function controlFor(form, field) {
  if (!form || !form.isConnected || !field) return null;
  const esc = CSS.escape(field);
  return form.querySelector(`[name="${esc}"], [data-field="${esc}"], [id="${esc}"], [id$="-${esc}"]`);
}

// A field error from the server (the envelope's `field`) shown beside the control it names,
// like the app's own checks, unless the screen already shows one there: the error's own
// words, else the field named by its label with the server's detail. The page goes to it.
// True when it was placed.
export function showServerField(field, own, detail) {
  const el = controlFor(lastForm, field);
  if (!el) return false;
  const text = own || t('vServer', { label: labelOf(el) }) + (detail ? '：' + detail : '');
  const box = el.closest('.field, label, fieldset') || el.parentElement;
  if (box && box.querySelector('.field-error:not(.v-error)')) return false; // the screen shows it
  // The same sentence already in the form (a screen's own line under its button): said once.
  for (const a of lastForm.querySelectorAll('[role=alert]:not(.v-error)')) if (a.textContent.trim() === text) return false;
  place(el, text);
  el.scrollIntoView({ block: 'center' });
  el.focus({ preventScroll: true });
  return true;
}

// Capturing on the document: runs before any form's own onSubmit.
document.addEventListener('submit', onSubmit, true);
// novalidate keeps the 'invalid' event from showing a bubble; nothing else to do for it.
document.addEventListener('invalid', (e) => e.preventDefault(), true);
