import { useEffect, useState, useCallback, useRef } from 'preact/hooks';
import { api, qs } from './api.js';

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
