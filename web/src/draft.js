// Drafts of what a person is writing (a message, a reply), kept in localStorage so a tab
// change or a reload loses nothing. A draft belongs to the signed-in account (its id is in
// the key, so another account on the same phone never sees it) and every draft is removed
// at logout (main.jsx signedOut -> clearDrafts).
import { useRef, useState } from 'preact/hooks';

const PREFIX = 'zhibu.draft.';

function owner() {
  try { return (JSON.parse(localStorage.getItem('zhibu.me') || 'null') || {}).id ?? null; } catch (e) { return null; }
}
const keyOf = (name) => PREFIX + owner() + '.' + name;

function load(name, init) {
  try {
    const v = JSON.parse(localStorage.getItem(keyOf(name)) || 'null');
    return v && typeof v === 'object' ? { ...init, ...v } : init;
  } catch (e) { return init; }
}

// [fields, set(patch), clear()]: an object of strings kept as a draft named `name`, written
// at each change (a reload right after typing keeps it). Empty drafts are not stored;
// clear() after sending.
export function useDraft(name, init) {
  const [v, setV] = useState(() => load(name, init));
  const cur = useRef(v);
  const save = (x) => {
    cur.current = x;
    setV(x);
    try {
      const empty = Object.keys(x).every((k) => x[k] === init[k] || x[k] === '');
      if (empty) localStorage.removeItem(keyOf(name));
      else localStorage.setItem(keyOf(name), JSON.stringify(x));
    } catch (e) { /* storage full or off: the draft lives as long as the page */ }
  };
  return [v, (patch) => save({ ...cur.current, ...patch }), () => save(init)];
}

// Every draft of every account on this phone (logout).
export function clearDrafts() {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(PREFIX)) localStorage.removeItem(k);
  } catch (e) { /* nothing to clear */ }
}
