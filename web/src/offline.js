// Offline capture: changes a secretary records without a network wait in localStorage and
// are uploaded to POST /api/v1/sync when it returns. Each change carries its own key (the
// server applies it once however often it arrives) and the time it was captured. Refused
// changes move to a list the meeting page shows with the server's reason.
//
// Quizzes taken offline (Learn.jsx) wait in their own queue (LEARNQ) and are sent to
// POST /quizzes/{id}/submit with the taking's key, which the server counts once however
// often it arrives; lessons and quizzes opened once are kept (LEARN_COPY) to read offline.
//
// What is kept belongs to the account that captured it (OWNER): another account signed in
// on the same phone never uploads it (forAccount clears it), and logging out clears it
// (clearAll, after a last attempt to send it).
import { api } from './api.js';

const QUEUE = 'zhibu.syncq';
const REJECTED = 'zhibu.syncrej';
const OWNER = 'zhibu.syncowner';
const MEETING_COPY = 'zhibu.mtg.'; // saved copies of meetings (Meetings.jsx)
const LEARNQ = 'zhibu.learnq'; // quiz submissions taken offline (Learn.jsx)
const LEARN_COPY = 'zhibu.learn.'; // lessons and quizzes opened once, results of the queue
const CHUNK = 20;

function read(k) {
  try { return JSON.parse(localStorage.getItem(k) || '[]'); } catch (e) { return []; }
}
function write(k, v) {
  try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* full or private */ }
}

// The signed-in account as main.jsx keeps it (zhibu.me), null when nobody is.
function current() {
  try { return JSON.parse(localStorage.getItem('zhibu.me') || 'null')?.id ?? null; } catch (e) { return null; }
}
function owner() {
  try { return Number(localStorage.getItem(OWNER)) || null; } catch (e) { return null; }
}

// Removes every change, refusal and saved meeting copy kept on this phone.
export function clearAll() {
  try {
    for (const k of Object.keys(localStorage)) {
      if (k === QUEUE || k === REJECTED || k === OWNER || k === LEARNQ || k.startsWith(MEETING_COPY) ||
        k.startsWith(LEARN_COPY)) localStorage.removeItem(k);
    }
  } catch (e) { /* no storage */ }
  notify();
}

function setOwner(id) {
  try { localStorage.setItem(OWNER, String(id)); } catch (e) { /* full or private */ }
}

// The account now signed in: what another account (or nobody known) left here is removed
// unsent, and what is kept from now on is this account's.
export function forAccount(id) {
  if (owner() === id) return;
  clearAll();
  setOwner(id);
}

const subs = new Set();
const state = { running: false, done: 0, total: 0, error: null };
function notify() { for (const fn of subs) fn({ ...state, queue: read(QUEUE), rejected: read(REJECTED) }); }

export function subscribe(fn) {
  subs.add(fn);
  fn({ ...state, queue: read(QUEUE), rejected: read(REJECTED) });
  return () => subs.delete(fn);
}

export const queued = () => read(QUEUE);
export const rejected = () => read(REJECTED);

// What is queued from now on is the signed-in account's.
function claim() {
  const me = current();
  if (me != null && owner() !== me) {
    if (owner() != null) clearAll(); // another account's, left unsent
    setOwner(me);
  }
}

// Queues one change {kind, meetingId, ...}; returns it with its key and capture time.
export function enqueue(change) {
  claim();
  const key = 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  const c = { key, capturedAt: new Date().toISOString(), ...change };
  write(QUEUE, read(QUEUE).concat([c]));
  notify();
  return c;
}

export function dismissRejected(key) {
  write(REJECTED, read(REJECTED).filter((r) => r.key !== key));
  notify();
}

// Uploads the queue in chunks, in order; stops at the first network failure (the changes
// stay queued and are sent again later: the server answers those it has as replayed).
export async function flush() {
  if (state.running) return;
  const total = read(QUEUE).length;
  if (!total) return;
  // Only the account that captured the changes sends them.
  if (current() == null || owner() !== current()) return;
  Object.assign(state, { running: true, done: 0, total, error: null });
  notify();
  try {
    for (;;) {
      const q = read(QUEUE);
      if (!q.length) break;
      const batch = q.slice(0, CHUNK);
      const d = await api('/sync', { method: 'POST', body: { changes: batch } });
      const byKey = new Map((d.results || []).map((r) => [r.key, r]));
      const gone = new Set(batch.map((c) => c.key));
      const refusals = batch.filter((c) => byKey.get(c.key)?.status === 'refused')
        .map((c) => ({ ...c, reason: byKey.get(c.key).reason, message: byKey.get(c.key).message }));
      write(QUEUE, read(QUEUE).filter((c) => !gone.has(c.key)));
      if (refusals.length) write(REJECTED, read(REJECTED).concat(refusals));
      state.done += batch.length;
      notify();
    }
  } catch (e) {
    state.error = e;
  } finally {
    state.running = false;
    notify();
  }
}

// A copy of a lesson or quiz as last opened (kind 'lesson', 'quiz'), to open offline.
export function keepCopy(kind, id, data) {
  claim();
  try { localStorage.setItem(LEARN_COPY + kind + '.' + id, JSON.stringify(data)); } catch (e) { /* full */ }
}
export function readCopy(kind, id) {
  if (owner() !== current()) return null;
  try { return JSON.parse(localStorage.getItem(LEARN_COPY + kind + '.' + id) || 'null'); } catch (e) { return null; }
}

// Queues a quiz submission {key, answers, offline: true} taken without a connection.
export function enqueueQuiz(quizId, body) {
  claim();
  write(LEARNQ, read(LEARNQ).filter((x) => x.body.key !== body.key).concat([{ quizId, body }]));
  notify();
}
export const quizQueued = (key) => read(LEARNQ).some((x) => x.body.key === key);
// The answer to a queued submission once sent: the result, or {error: code}; null before.
export const quizResult = (key) => readCopy('result', key);

// Sends the queued quiz submissions in order; stops at the first network failure. A
// submission the server refuses is dropped with its error kept as its result.
let sendingQuizzes = false;
export async function flushQuizzes() {
  if (sendingQuizzes || current() == null || owner() !== current()) return;
  sendingQuizzes = true;
  try {
    for (const item of read(LEARNQ)) {
      let result;
      try {
        result = await api('/quizzes/' + item.quizId + '/submit', { method: 'POST', body: item.body });
      } catch (e) {
        if (e.code === 'network') return;
        result = { error: e.code || 'error' };
      }
      keepCopy('result', item.body.key, result);
      write(LEARNQ, read(LEARNQ).filter((x) => x.body.key !== item.body.key));
      notify();
    }
  } finally {
    sendingQuizzes = false;
  }
}

// Sends the queues whenever the browser comes back online (and once now).
let watching = false;
export function watch() {
  if (watching) return;
  watching = true;
  window.addEventListener('online', () => { flush(); flushQuizzes(); });
  if (navigator.onLine !== false) { flush(); flushQuizzes(); }
}
