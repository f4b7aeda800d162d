// Files on a notice, a meeting or a post: sizes first (a weak link pays for every byte),
// PDF pages as small images in a zoomable viewer, a 240p video or the audio only as the
// member's settings and the connection say, the original on request; and the uploader
// with progress that resumes after a drop or a reload (upload.js).
import { useEffect, useState } from 'preact/hooks';
import { addStrings, t, errText } from './i18n.js';
import { api } from './api.js';
import { uploadFile } from './upload.js';

addStrings({
  fSize: '{size}',
  fPages: '看页面（{n} 页，约 {size}）',
  fDownload: '下载原文件（{size}）',
  fPlayVideo: '播放视频（240p，{size}）',
  fPlayAudio: '只听声音（{size}）',
  fWifiOnly: '您设置了“仅在 Wi-Fi 下播放视频”，当前不是 Wi-Fi。',
  fPlayAnyway: '仍然播放',
  fBudget: '本月已用 {used}，预算 {budget}：播放将超出预算。',
  fProcessing: '正在生成适合手机的版本…',
  fZoomIn: '放大', fZoomOut: '缩小', fClose: '关闭',
  fPage: '第 {n} 页',
  fUpload: '上传文件',
  fUploading: '正在上传 {name}：{pct}%',
  fResumed: '已从 {pct}% 处继续上传',
  fUploaded: '已上传：{name}',
  fChoose: '选择文件（PDF、Office 文档、图片、音频、视频）',
  mediaSettings: '音视频设置',
  mVideoWifi: '仅在 Wi-Fi 下播放视频',
  mAudioOnly: '只听声音（不看视频）',
  mBudget: '每月流量预算（MB，0 为不限）',
  mSaved: '已保存',
  'err.file.type_refused': '不接受这种文件：可以上传 PDF、Office 文档、图片、音频和视频',
  'err.file.container_refused': '这个文档已损坏或异常（展开后过大），不能上传',
  'err.file.quota': '本组织的存储空间不够了',
  'err.file.too_large': '文件太大了',
  'err.file.empty': '这是一个空文件',
}, {
  fSize: '{size}',
  fPages: 'View pages ({n} pages, about {size})',
  fDownload: 'Download the original ({size})',
  fPlayVideo: 'Play video (240p, {size})',
  fPlayAudio: 'Audio only ({size})',
  fWifiOnly: 'You chose "video on Wi-Fi only" and this is not Wi-Fi.',
  fPlayAnyway: 'Play anyway',
  fBudget: 'Used {used} of {budget} this month: playing goes over the budget.',
  fProcessing: 'Making versions for phones…',
  fZoomIn: 'Zoom in', fZoomOut: 'Zoom out', fClose: 'Close',
  fPage: 'Page {n}',
  fUpload: 'Upload a file',
  fUploading: 'Uploading {name}: {pct}%',
  fResumed: 'Resumed at {pct}%',
  fUploaded: 'Uploaded: {name}',
  fChoose: 'Choose a file (PDF, Office, image, audio, video)',
  mediaSettings: 'Audio and video',
  mVideoWifi: 'Play video on Wi-Fi only',
  mAudioOnly: 'Audio only (no video)',
  mBudget: 'Monthly data budget (MB, 0: none)',
  mSaved: 'Saved',
  'err.file.type_refused': 'This kind of file is not accepted: PDF, Office, images, audio and video are',
  'err.file.container_refused': 'The document is damaged or expands too much',
  'err.file.quota': 'The organisation\'s storage is full',
  'err.file.too_large': 'The file is too large',
  'err.file.empty': 'The file is empty',
});

export function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return Math.round(n / 1024) + ' KB';
  return (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0) + ' MB';
}

// This month's media bytes, kept on the phone (the budget is the member's own).
const USED_KEY = 'zhibu.mediaUsed';
function usedThisMonth() {
  const month = new Date().toISOString().slice(0, 7);
  try {
    const u = JSON.parse(localStorage.getItem(USED_KEY) || '{}');
    return u.month === month ? u.bytes : 0;
  } catch (e) { return 0; }
}
function addUsed(bytes) {
  const month = new Date().toISOString().slice(0, 7);
  try { localStorage.setItem(USED_KEY, JSON.stringify({ month, bytes: usedThisMonth() + bytes })); } catch (e) { /* no storage */ }
}

let settingsP = null;
function mediaSettings() {
  settingsP ??= api('/me/media').catch(() => ({ videoWifiOnly: true, audioOnly: false, monthlyBudgetMb: 0 }));
  return settingsP;
}

// Wi-Fi (or a wired link) where the browser says so; unknown counts as not Wi-Fi
// only where the browser reports a cellular or slow link.
function onWifi() {
  const c = navigator.connection;
  if (!c) return true;
  if (c.type) return c.type === 'wifi' || c.type === 'ethernet';
  return !c.saveData && !['slow-2g', '2g', '3g'].includes(c.effectiveType);
}

/** The list of stored files of an object: base is its download path ('/notices/7/files/'). */
export function FileList({ files, base }) {
  if (!files || !files.length) return null;
  return (
    <ul class="list files">
      {files.map((f) => <li key={f.id}><FileItem f={f} base={base} /></li>)}
    </ul>
  );
}

function FileItem({ f, base }) {
  const url = (q = '') => '/api/v1' + base + f.id + q;
  const v = Object.fromEntries((f.variants || []).map((x) => [x.name, x]));
  const pages = (f.variants || []).filter((x) => x.name.startsWith('page-'));
  const [open, setOpen] = useState('');
  return (
    <div class="file">
      <div class="file-head">
        {v.thumb ? <img class="file-thumb" src={url('?variant=thumb')} alt="" loading="lazy" width="64" height="64" /> : <span class={'file-icon k-' + f.kind} aria-hidden="true">{f.kind === 'pdf' ? 'PDF' : f.kind === 'office' ? 'DOC' : f.kind === 'audio' ? '♪' : f.kind === 'video' ? '▶' : '🖼'}</span>}
        <span class="file-name">{f.name}</span>
        <span class="muted">{fmtSize(f.size)}</span>
      </div>
      {(f.processing === 'queued' || f.processing === 'running') && <p class="muted">{t('fProcessing')}</p>}
      <div class="btn-row">
        {pages.length > 0 && <button type="button" class="btn secondary" onClick={() => setOpen('pages')}>{t('fPages', { n: pages.length, size: fmtSize(pages.reduce((s, p) => s + p.size, 0)) })}</button>}
        {(v['video-240'] || v.audio) && <Player f={f} v={v} url={url} />}
        <a class="btn link" href={url('?download=true')} download>{t('fDownload', { size: fmtSize(f.size) })}</a>
      </div>
      {open === 'pages' && <PageViewer pages={pages} url={url} onClose={() => setOpen('')} />}
    </div>
  );
}

// Sizes first; nothing is fetched until the member chooses.
function Player({ f, v, url }) {
  const [s, setS] = useState(null);
  const [play, setPlay] = useState('');
  const [warn, setWarn] = useState('');
  useEffect(() => { mediaSettings().then(setS); }, []);
  if (!s) return null;
  const start = (which, anyway) => {
    const size = (which === 'video' ? v['video-240'] : v.audio).size;
    if (!anyway && which === 'video' && s.videoWifiOnly && !onWifi()) { setWarn('wifi'); return; }
    const budget = s.monthlyBudgetMb * 1024 * 1024;
    if (!anyway && budget && usedThisMonth() + size > budget) { setWarn('budget'); return; }
    setWarn('');
    addUsed(size);
    setPlay(which);
  };
  const showVideo = v['video-240'] && !s.audioOnly;
  return (
    <div class="player">
      {showVideo && !play && <button type="button" class="btn primary" onClick={() => start('video')}>{t('fPlayVideo', { size: fmtSize(v['video-240'].size) })}</button>}
      {v.audio && !play && <button type="button" class="btn secondary" onClick={() => start('audio')}>{t('fPlayAudio', { size: fmtSize(v.audio.size) })}</button>}
      {warn === 'wifi' && <p class="muted" role="status">{t('fWifiOnly')} <button type="button" class="btn link" onClick={() => start('video', true)}>{t('fPlayAnyway')}</button></p>}
      {warn === 'budget' && <p class="muted" role="status">{t('fBudget', { used: fmtSize(usedThisMonth()), budget: s.monthlyBudgetMb + ' MB' })} <button type="button" class="btn link" onClick={() => start(showVideo ? 'video' : 'audio', true)}>{t('fPlayAnyway')}</button></p>}
      {play === 'video' && (
        <video class="media" controls autoplay playsinline preload="metadata" src={url('?variant=video-240')}
          poster={v.poster ? url('?variant=poster') : undefined} aria-label={f.name} />
      )}
      {play === 'audio' && <audio class="media" controls autoplay preload="metadata" src={url('?variant=audio')} aria-label={f.name} />}
    </div>
  );
}

// Page images of a PDF, one under another, with zoom buttons (and the browser's own pinch).
function PageViewer({ pages, url, onClose }) {
  const [zoom, setZoom] = useState(1);
  return (
    <div class="pages" role="dialog" aria-label={t('fPages', { n: pages.length, size: '' })}>
      <div class="btn-row pages-bar">
        <button type="button" class="btn secondary" onClick={() => setZoom(Math.max(1, zoom - 0.5))} disabled={zoom <= 1}>{t('fZoomOut')}</button>
        <button type="button" class="btn secondary" onClick={() => setZoom(Math.min(4, zoom + 0.5))} disabled={zoom >= 4}>{t('fZoomIn')}</button>
        <button type="button" class="btn link" onClick={onClose}>{t('fClose')}</button>
      </div>
      <div class="pages-scroll">
        {pages.map((p, i) => (
          <img key={p.name} src={url('?variant=' + p.name)} alt={t('fPage', { n: i + 1 })} loading="lazy" style={{ width: zoom * 100 + '%' }} />
        ))}
      </div>
    </div>
  );
}

/** A file picker that uploads to orgId with progress and resume; onDone(FILE). */
export function Uploader({ orgId, onDone, label }) {
  const [state, setState] = useState(null); // {name, pct, resumed, error, done}
  const pick = async (e) => {
    const file = e.currentTarget.files && e.currentTarget.files[0];
    e.currentTarget.value = '';
    if (!file) return;
    let first = true, resumed = null; // where a resumed upload went on (shown until the end)
    setState({ name: file.name, pct: 0 });
    try {
      const f = await uploadFile(file, orgId, {
        onProgress: (sent, total) => {
          const pct = Math.floor((sent * 100) / total);
          if (first && sent > 0) resumed = pct;
          first = false;
          setState({ name: file.name, pct, resumed });
        },
      });
      setState({ name: file.name, pct: 100, done: true, resumed });
      onDone(f);
    } catch (err) {
      setState({ name: file.name, pct: 0, error: errText(err) || err.message });
    }
  };
  return (
    <div class="field uploader">
      <label>
        <span>{label || t('fUpload')}</span>
        <input type="file" aria-label={t('fChoose')} onChange={pick}
          accept=".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,image/jpeg,image/png,image/webp,audio/*,video/*" />
      </label>
      {state && !state.done && !state.error && (
        <div role="status">
          <progress max="100" value={state.pct} />
          <span>{t('fUploading', { name: state.name, pct: state.pct })}</span>
          {state.resumed != null && <span class="muted"> · {t('fResumed', { pct: state.resumed })}</span>}
        </div>
      )}
      {state && state.done && <p class="ok-text" role="status">{t('fUploaded', { name: state.name })}{state.resumed != null && <span class="muted"> · {t('fResumed', { pct: state.resumed })}</span>}</p>}
      {state && state.error && <p class="error-text" role="alert">{state.error}</p>}
    </div>
  );
}

/** The member's media settings (Account page). */
export function MediaSettings() {
  const [s, setS] = useState(null);
  const [msg, setMsg] = useState('');
  useEffect(() => { api('/me/media').then(setS, () => {}); }, []);
  if (!s) return null;
  const save = async (patch) => {
    const r = await api('/me/media', { method: 'PUT', body: patch });
    setS(r);
    settingsP = Promise.resolve(r);
    setMsg(t('mSaved'));
  };
  return (
    <section class="card">
      <h2>{t('mediaSettings')}</h2>
      <label class="check"><input type="checkbox" checked={s.videoWifiOnly} onChange={(e) => save({ videoWifiOnly: e.currentTarget.checked })} />{t('mVideoWifi')}</label>
      <label class="check"><input type="checkbox" checked={s.audioOnly} onChange={(e) => save({ audioOnly: e.currentTarget.checked })} />{t('mAudioOnly')}</label>
      <label class="field">
        <span>{t('mBudget')}</span>
        <input type="number" min="0" inputMode="numeric" value={s.monthlyBudgetMb}
          onChange={(e) => save({ monthlyBudgetMb: Math.max(0, Number(e.currentTarget.value) || 0) })} />
      </label>
      {msg && <p class="ok-text" role="status">{msg}</p>}
    </section>
  );
}

addStrings({
  phAdd: '添加照片', phChoose: '选择照片（可多选，最多 {n} 张）', phRemove: '移除这张照片',
  phUploading: '正在上传照片 {name}：{pct}%', phOpen: '查看大图：{name}', phWait: '照片正在处理',
  scTitle: '证件扫描件', scNone: '还没有扫描件', scAdd: '添加扫描件（图片或 PDF）',
  scNote: '扫描件加密保存，每次查看都记入审计日志。', scView: '查看', scHide: '收起',
  scRemove: '删除', scConfirm: '删除这份扫描件？', scAdded: '已加密保存：{name}',
}, {
  phAdd: 'Add photos', phChoose: 'Choose photos (several at once, at most {n})', phRemove: 'Remove this photo',
  phUploading: 'Uploading photo {name}: {pct}%', phOpen: 'Enlarge: {name}', phWait: 'Photo being processed',
  scTitle: 'Scans of documents', scNone: 'No scans yet', scAdd: 'Add a scan (image or PDF)',
  scNote: 'Scans are sealed at rest; every opening is audited.', scView: 'View', scHide: 'Hide',
  scRemove: 'Remove', scConfirm: 'Remove this scan?', scAdded: 'Sealed and saved: {name}',
});

export const MAX_PHOTOS = 9;

/**
 * Photos for a post, picked on the phone and uploaded at once (with resume); value is
 * the list of {id, name, preview} uploaded so far, onChange gets the new list. The
 * previews are the phone's own copies: nothing is downloaded again.
 */
export function PhotoPicker({ orgId, value, onChange }) {
  const [state, setState] = useState(null); // {name, pct} while one uploads, {error}
  const pick = async (e) => {
    const files = [...(e.currentTarget.files || [])].slice(0, MAX_PHOTOS - value.length);
    e.currentTarget.value = '';
    let list = value;
    for (const file of files) {
      setState({ name: file.name, pct: 0 });
      try {
        const f = await uploadFile(file, orgId, {
          onProgress: (sent, total) => setState({ name: file.name, pct: Math.floor((sent * 100) / total) }),
        });
        list = [...list, { id: f.id, name: f.name, preview: URL.createObjectURL(file) }];
        onChange(list);
      } catch (err) {
        setState({ error: errText(err) || err.message });
        return;
      }
    }
    setState(null);
  };
  const remove = (p) => { URL.revokeObjectURL(p.preview); onChange(value.filter((x) => x !== p)); };
  return (
    <div class="field photo-picker">
      {value.length > 0 && (
        <ul class="photo-grid">
          {value.map((p) => (
            <li key={p.id}>
              <img src={p.preview} alt={p.name} />
              <button type="button" class="photo-x" aria-label={t('phRemove')} onClick={() => remove(p)}>×</button>
            </li>
          ))}
        </ul>
      )}
      {value.length < MAX_PHOTOS && (
        <label class="btn secondary wide">
          <span>＋ {t('phAdd')}</span>
          <input type="file" class="visually-hidden" aria-label={t('phChoose', { n: MAX_PHOTOS })} accept="image/jpeg,image/png,image/webp" multiple onChange={pick} />
        </label>
      )}
      {state && state.name && (
        <div role="status"><progress max="100" value={state.pct} /> <span>{t('phUploading', state)}</span></div>
      )}
      {state && state.error && <p class="error-text" role="alert">{state.error}</p>}
    </div>
  );
}

/**
 * A post's photos as small thumbnails (the queue's WebP, a few KB each); a tap enlarges
 * one (the original, fetched only then), a tap on it closes. base is the post's file
 * path ('/posts/7/files/').
 */
export function PhotoGrid({ files, base }) {
  const [open, setOpen] = useState(null);
  if (!files || !files.length) return null;
  const url = (f, q = '') => '/api/v1' + base + f.id + q;
  return (
    <>
      <ul class="photo-grid">
        {files.map((f) => {
          const thumb = (f.variants || []).some((x) => x.name === 'thumb');
          return (
            <li key={f.id}>
              <button type="button" class="photo" aria-label={t('phOpen', { name: f.name })} onClick={(e) => { e.preventDefault(); setOpen(f); }}>
                {thumb ? <img src={url(f, '?variant=thumb')} alt="" loading="lazy" /> : <span class="photo-wait" title={t('phWait')}>…</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {open && (
        <div class="lightbox" role="dialog" aria-label={open.name} onClick={() => setOpen(null)}>
          <img src={url(open)} alt={open.name} />
          <button type="button" class="btn secondary" onClick={() => setOpen(null)}>{t('fClose')}</button>
        </div>
      )}
    </>
  );
}

/**
 * Scans of documents on a member's record (ID card, certificates): listed for the
 * member and the roster's readers; a secretary (canEdit) adds one from the phone (it is
 * uploaded, then sealed on the record: the plain upload is withdrawn) and removes one.
 * Each opening is audited by the server, so a scan is fetched only when asked for.
 */
export function Scans({ r }) {
  const base = '/members/' + encodeURIComponent(r.id) + '/scans';
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [msg, setMsg] = useState('');
  const load = () => api(base).then((d) => setList(d.items), setError);
  useEffect(() => { load(); }, [r.id]);
  const items = list || [];
  if (!r.canEdit && !items.length) return null;
  const added = async (f) => {
    setError(null);
    try {
      const s = await api(base, { method: 'POST', body: { fileId: f.id } });
      setMsg(t('scAdded', { name: s.name }));
      load();
    } catch (err) { setError(err); }
  };
  const remove = async (s) => {
    if (!window.confirm(t('scConfirm'))) return;
    try { await api(base + '/' + s.id, { method: 'DELETE' }); setOpen(null); load(); } catch (err) { setError(err); }
  };
  const src = (s) => '/api/v1' + base + '/' + s.id;
  return (
    <section class="card" aria-labelledby="s-scans">
      <h2 id="s-scans">{t('scTitle')}</h2>
      <p class="muted">{t('scNote')}</p>
      {error && <p class="error-text" role="alert">{errText(error) || error.message}</p>}
      {list && !items.length && <p class="muted">{t('scNone')}</p>}
      <ul class="list">
        {items.map((s) => (
          <li key={s.id} class="scan">
            <div class="file-head">
              <span class={'file-icon k-' + s.kind} aria-hidden="true">{s.kind === 'pdf' ? 'PDF' : '图'}</span>
              <span class="file-name">{s.name}</span>
              <span class="muted">{fmtSize(s.size)}</span>
            </div>
            <div class="btn-row">
              {s.kind === 'image'
                ? <button type="button" class="btn secondary" onClick={() => setOpen(open === s.id ? null : s.id)}>{open === s.id ? t('scHide') : t('scView')}</button>
                : <a class="btn secondary" href={src(s)} download>{t('fDownload', { size: fmtSize(s.size) })}</a>}
              {r.canEdit && <button type="button" class="btn link" onClick={() => remove(s)}>{t('scRemove')}</button>}
            </div>
            {open === s.id && <img class="scan-img" src={src(s)} alt={s.name} />}
          </li>
        ))}
      </ul>
      {msg && <p class="ok-text" role="status">{msg}</p>}
      {r.canEdit && <Uploader orgId={r.orgId} label={t('scAdd')} onDone={added} />}
    </section>
  );
}
