import { useEffect, useState, useCallback, useRef } from 'preact/hooks';
import { api, qs } from './api.js';
import { t, errText } from './i18n.js';
import { fieldLabel } from './vocab.js';
import { showServerField } from './validate.js';

// One GET, reloaded when `path` changes.
export function useGet(path) {
  const [st, setSt] = useState({ loading: true, data: null, error: null });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    const ac = new AbortController();
    setSt({ loading: true, data: null, error: null });
    api(path, { signal: ac.signal }).then(
      (data) => setSt({ loading: false, data, error: null }),
      (error) => { if (error.name !== 'AbortError') setSt({ loading: false, data: null, error }); },
    );
    return () => ac.abort();
  }, [path, n]);
  return { ...st, reload: useCallback(() => setN((x) => x + 1), []) };
}

// A cursor-paged list: {items, next} pages appended by more().
export function usePaged(path, params, limit = 50) {
  const key = path ? path + qs(params) : '';
  const [st, setSt] = useState({ items: [], next: null, loading: true, error: null });
  const acRef = useRef(null);
  const load = useCallback((after, append) => {
    if (acRef.current) acRef.current.abort();
    const ac = new AbortController();
    acRef.current = ac;
    setSt((s) => ({ ...s, loading: true, error: null, items: append ? s.items : [] }));
    api(path + qs({ ...params, after, limit }), { signal: ac.signal }).then(
      (d) => setSt((s) => ({
        items: append ? s.items.concat(d.items || []) : d.items || [],
        next: d.next ?? null, loading: false, error: null,
      })),
      (error) => { if (error.name !== 'AbortError') setSt((s) => ({ ...s, loading: false, error })); },
    );
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (path) load(undefined, false);
    return () => acRef.current && acRef.current.abort();
  }, [load]);
  return {
    ...st,
    more: () => st.next && load(st.next, true),
    reload: () => load(undefined, false),
  };
}

// {field, text, detail} for an ApiError: detail is the server's own sentence when it is
// specific (member.invalid: "the check character of the ID number is wrong").
export function fieldError(err) {
  if (!err || !err.field) return null;
  const label = fieldLabel(err.field);
  if (err.code === 'member.duplicate') return { field: err.field, text: t('fieldDup') };
  return {
    field: err.field,
    text: t('fieldBad', { label }),
    detail: err.code === 'member.invalid' || err.code === 'request.invalid' ? serverText(err.message) : '',
  };
}

// What a field error says beside its field: the error's own words when the app has them
// (签到码不正确或已过期); else nothing here, and validate.js says the field is not right,
// named by its label, with the server's detail.
function ownText(err) {
  const own = 'err.' + err.code;
  return t(own) !== own && err.code !== 'request.invalid' ? t(own) : '';
}

// A write's error that names a field: its sentence beside that field of the form submitted
// last (validate.js), after the screen has rendered its own (which then wins). For screens
// that catch their errors themselves; useWrite does it for the others.
export function besideField(err) {
  if (!err || !err.field) return;
  // The server's detail only in words the reader reads (never English in the Chinese UI).
  const k = 'msg.' + err.message;
  const detail = t(k) !== k ? t(k) : document.documentElement.lang === 'en' ? err.message || '' : '';
  setTimeout(() => showServerField(err.field, ownText(err), detail), 0);
}

// The server's sentence, in Chinese when i18n.js knows it.
function serverText(m) {
  if (!m) return '';
  const k = 'msg.' + m;
  return t(k) === k || document.documentElement.lang === 'en' ? m : t(k);
}

// The one hook for writes: busy while it runs, then either the field error under its field
// (a 400 naming a field: ferr {field, text, detail}) or a general error (error, errorText).
// run(fn) resolves to fn's result, or undefined when it failed; nothing is set after the
// screen is gone. fail(text) shows a screen's own check the same way; setFerr puts one
// under a field. {fields: false}: a screen without labelled fields, every error general.
export function useWrite({ fields = true } = {}) {
  const [busy, setBusy] = useState(false);
  const [ferr, setFerr] = useState(null);
  const [error, setError] = useState(null);
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);
  const run = async (fn) => {
    setBusy(true);
    setFerr(null);
    setError(null);
    try {
      const r = await fn();
      if (alive.current) setBusy(false);
      return r;
    } catch (err) {
      if (!alive.current) return undefined;
      setBusy(false);
      const fe = fields && fieldError(err);
      if (fe) setFerr(fe);
      else setError(err);
      // Every form: the field the server names gets the sentence beside it.
      besideField(err);
      return undefined;
    }
  };
  const fail = (message) => { setFerr(null); setError(message ? { message } : null); }; // '' clears
  return { busy, ferr, error, run, fail, setFerr, errorText: error ? errText(error) : '' };
}
