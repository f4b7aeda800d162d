// Resumable uploads (docs/API.md "Files and media"): POST /uploads announces the file,
// PATCH /uploads/{id} sends 1 MiB chunks at the server's offset (Upload-Offset) with a
// SHA-256 of each (Upload-Checksum). The upload's id is remembered per file (name, size,
// date) in localStorage, so after a dropped connection or a reload the same file picked
// again goes on from where the server stands instead of starting over.
import { api, csrfToken, ApiError } from './api.js';

const CHUNK = 1 << 20;
const KEY = 'zhibu.uploads';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function remembered() {
  try { return JSON.parse(localStorage.getItem(KEY) || '{}'); } catch (e) { return {}; }
}
function remember(fp, id) {
  const all = remembered();
  if (id) all[fp] = id; else delete all[fp];
  try { localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* no storage: no resume */ }
}
const fingerprint = (file, orgId) => [orgId, file.name, file.size, file.lastModified].join('|');

async function checksum(buf) {
  if (!(globalThis.crypto && crypto.subtle)) return null; // not a secure context: no checksum
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  let s = '';
  for (const b of d) s += String.fromCharCode(b);
  return 'sha256 ' + btoa(s);
}

async function sendChunk(id, offset, buf, signal) {
  const headers = { 'Content-Type': 'application/octet-stream', 'Upload-Offset': String(offset) };
  const sum = await checksum(buf);
  if (sum) headers['Upload-Checksum'] = sum;
  const c = csrfToken();
  if (c) headers['X-CSRF-Token'] = c;
  const res = await fetch('/api/v1/uploads/' + id, { method: 'PATCH', headers, body: buf, credentials: 'same-origin', signal });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (json && json.error) || {};
    const err = new ApiError(res.status, e.code || 'http.' + res.status, e.message || '', e.field);
    if (e.offset !== undefined) err.offset = e.offset;
    throw err;
  }
  return json.data;
}

/**
 * Uploads file to organisation orgId; resolves to the stored FILE. onProgress(sent, total)
 * after each chunk. Network failures are retried (with a growing pause, 8 times in a row)
 * from the offset the server holds; refusals (type, quota, ...) reject with the ApiError.
 */
export async function uploadFile(file, orgId, { onProgress = () => {}, signal } = {}) {
  const fp = fingerprint(file, orgId);
  let up = null;
  const known = remembered()[fp];
  if (known) {
    try { up = await api('/uploads/' + known); } catch (e) { if (e.status !== 404) throw e; }
  }
  if (!up) {
    up = await api('/uploads', { method: 'POST', body: { orgId: Number(orgId), name: file.name, size: file.size } });
    remember(fp, up.id);
  }
  let offset = up.offset;
  let failures = 0;
  onProgress(offset, file.size);
  for (;;) {
    const buf = await file.slice(offset, offset + CHUNK).arrayBuffer();
    try {
      const r = await sendChunk(up.id, offset, buf, signal);
      failures = 0;
      offset = r.upload.offset;
      onProgress(offset, file.size);
      if (r.file) {
        remember(fp, null);
        return r.file;
      }
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      if (e.code === 'upload.offset') { offset = e.offset; continue; }
      if (e instanceof ApiError && e.status !== 0 && e.status < 500 && e.code !== 'upload.checksum_mismatch' && e.code !== 'upload.locked') {
        if (e.status !== 409) remember(fp, null);
        throw e;
      }
      if (++failures > 8) throw e;
      await sleep(Math.min(30000, 500 * 2 ** failures));
      // Where does the server stand? (A chunk may have arrived before the drop.)
      try { offset = (await api('/uploads/' + up.id)).offset; } catch (x) { /* still offline */ }
    }
  }
}
