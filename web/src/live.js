// Live updates: one EventSource on /api/v1/events for the whole app, with polling of the
// unread count when streams are unavailable (an old browser, a proxy that buffers, the
// server's stream limit). Screens subscribe with onLive(fn); fn gets {type: 'notice',
// data} for each event, {type: 'reset'} when the client should reload, and {type:
// 'unread', unread} when the badge count changes.
import { api } from './api.js';

const subs = new Set();
let unread = null;
let es = null;
let timer = null;
let started = false;

function emit(ev) {
  for (const fn of subs) fn(ev);
}

export function refreshUnread() {
  return api('/feed/unread').then(
    (d) => {
      if (d.unread !== unread) {
        unread = d.unread;
        emit({ type: 'unread', unread });
      }
    },
    () => {},
  );
}

function poll() {
  if (timer) return;
  timer = setInterval(() => {
    const before = unread;
    refreshUnread().then(() => { if (unread !== before) emit({ type: 'reset' }); });
  }, 20000);
}

function start() {
  if (started) return;
  started = true;
  refreshUnread();
  if (typeof EventSource === 'undefined') { poll(); return; }
  es = new EventSource('/api/v1/events');
  es.addEventListener('notice', (m) => {
    let data = null;
    try { data = JSON.parse(m.data); } catch (e) { /* ignore */ }
    refreshUnread();
    emit({ type: 'notice', data });
  });
  // The channel: a thread's new message or reply, a post's review decision or correction;
  // a meeting the member is expected at was scheduled or closed.
  for (const type of ['thread', 'post', 'meeting']) {
    es.addEventListener(type, (m) => {
      let data = null;
      try { data = JSON.parse(m.data); } catch (e) { /* ignore */ }
      emit({ type, data });
    });
  }
  es.addEventListener('reset', () => { refreshUnread(); emit({ type: 'reset' }); });
  // CLOSED: the server refused the stream (limit, login); the browser will not retry.
  es.onerror = () => { if (es && es.readyState === 2) { es = null; poll(); } };
}

// Subscribes fn; returns the unsubscribe function. Starts the stream on first use.
export function onLive(fn) {
  subs.add(fn);
  start();
  return () => subs.delete(fn);
}

export const unreadNow = () => unread;

// After logout: close the stream and forget the count.
export function stopLive() {
  if (es) es.close();
  es = null;
  if (timer) clearInterval(timer);
  timer = null;
  started = false;
  unread = null;
}
