// The API client: JSON envelope, cookie session, CSRF header on writes.
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let csrfFallback = '';
const listeners = { net: () => {}, unauthorized: () => {} };

export function onNetwork(fn) { listeners.net = fn; }
export function onUnauthorized(fn) { listeners.unauthorized = fn; }

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)zhibu_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : csrfFallback;
}

export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const c = csrfToken();
    if (c) headers['X-CSRF-Token'] = c;
  }
  let res;
  try {
    res = await fetch(BASE + path, {
      method, headers, body, credentials: 'same-origin', cache: 'no-store', signal: opts.signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    listeners.net(false);
    throw new ApiError(0, 'network', '');
  }
  listeners.net(true);
  let json = null;
  try {
    json = await res.json();
  } catch (e) {
    // Aborted while the body was read (a newer request replaced this one): not "no data".
    if (e && e.name === 'AbortError') throw e;
    /* not JSON */
  }
  if (!res.ok) {
    const er = (json && json.error) || {};
    const err = new ApiError(res.status, er.code || 'http.' + res.status, er.message || '', er.field);
    if (res.status === 401 && err.code !== 'auth.bad_credentials' && !opts.noAuthRedirect) {
      listeners.unauthorized(err);
    }
    throw err;
  }
  return json ? json.data : null;
}

// code: the second factor (TOTP or recovery code), when login asked for it.
export async function login(phone, password, code) {
  const body = code ? { phone, password, code } : { phone, password };
  return signIn('/auth/login', body);
}

// A route that signs in (/auth/login, /auth/sms-login, /auth/activate): {token, csrfToken, user}.
export async function signIn(path, body) {
  const data = await api(path, { method: 'POST', body, noAuthRedirect: true });
  if (data && data.csrfToken) csrfFallback = data.csrfToken;
  return data;
}

export async function logout() {
  // What this account captured offline is sent first: logging out clears it (offline.js).
  let queued = false;
  try { queued = (localStorage.getItem('zhibu.syncq') || '[]') !== '[]'; } catch (e) { /* no storage */ }
  if (queued) await (await import('./offline.js')).flush();
  await api('/auth/logout', { method: 'POST', body: {}, noAuthRedirect: true });
  csrfFallback = '';
}

// Builds a query string from the defined, non-empty values only.
export function qs(params) {
  const p = new URLSearchParams();
  for (const k in params) {
    const v = params[k];
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? '?' + s : '';
}
