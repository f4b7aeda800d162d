// Voice messages in 书记信箱, for members who read or write with difficulty: record with the
// phone's microphone (MediaRecorder; tap to start, tap to stop, at most 60 s, the seconds
// shown while it runs), listen to it, record again or keep it; it is uploaded through the
// file store (upload.js) at once (listened to from there: the app's CSP allows no blob:
// media), and the message carries its file id and length
// (docs/API.md "Voice messages"). In a thread a recording shows its length and size before
// anything is downloaded (preload none), and plays from the thread's own file route.
import { useEffect, useRef, useState } from 'preact/hooks';
import { addStrings, t, errText } from './i18n.js';
import { uploadFile } from './upload.js';
import { fmtSize } from './files.jsx';

export const VOICE_MAX_SECS = 60;

addStrings({
  vRecord: '录语音（最长 1 分钟）',
  vStop: '■ 停止录音',
  vRecording: '正在录音 {t} / 1:00',
  vAgain: '重新录',
  vRemove: '不要语音',
  vUploading: '正在保存语音…',
  vReady: '语音 {t}，已准备好，点“发送”发出',
  vLabel: '语音 {t} · {size}',
  vGone: '语音已被删除',
  vNoMic: '无法使用麦克风：请在浏览器设置里允许本网站使用麦克风',
  vNoRecorder: '这个浏览器不能录音，请用文字留言',
  vUploadFailed: '语音没有保存成功：{e}',
  'err.thread.voice_not_audio': '这个文件不是录音',
}, {
  vRecord: 'Record voice (up to 1 minute)',
  vStop: '■ Stop',
  vRecording: 'Recording {t} / 1:00',
  vAgain: 'Record again',
  vRemove: 'No voice',
  vUploading: 'Saving the recording…',
  vReady: 'Recording {t} ready: tap Send',
  vLabel: 'Voice {t} · {size}',
  vGone: 'The recording was removed',
  vNoMic: 'The microphone is not allowed: allow it for this site in the browser settings',
  vNoRecorder: 'This browser cannot record; please write instead',
  vUploadFailed: 'The recording was not saved: {e}',
  'err.thread.voice_not_audio': 'This file is not a recording',
});

export const mmss = (s) => Math.floor(s / 60) + ':' + String(Math.floor(s % 60)).padStart(2, '0');

// The first container this browser records voice in (Chromium: WebM/Opus; Firefox: Ogg/Opus;
// Safari: MP4/AAC), and the file name's extension for it.
function recorderType() {
  const R = globalThis.MediaRecorder;
  for (const [type, ext] of [['audio/webm;codecs=opus', 'webm'], ['audio/ogg;codecs=opus', 'ogg'], ['audio/mp4', 'm4a']]) {
    if (R && R.isTypeSupported && R.isTypeSupported(type)) return { type, ext };
  }
  return { type: '', ext: 'webm' };
}

// The recorder of a message or a reply. orgId: where the recording is stored (the thread's
// branch). value: {fileId, seconds} once uploaded, or null; onChange(value).
export function VoiceRecorder({ orgId, value, onChange, disabled }) {
  const [state, setState] = useState('idle'); // idle | recording | uploading | ready
  const [secs, setSecs] = useState(0);
  const [error, setError] = useState('');
  const rec = useRef(null);
  useEffect(() => () => {
    if (rec.current) rec.current.stop();
  }, []);
  useEffect(() => { if (!value && state === 'ready') setState('idle'); }, [value]); // eslint-disable-line react-hooks/exhaustive-deps

  const start = async () => {
    setError('');
    if (!globalThis.MediaRecorder || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
      setError(t('vNoRecorder'));
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      setError(t('vNoMic'));
      return;
    }
    const { type, ext } = recorderType();
    const r = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    const t0 = Date.now();
    const tick = setInterval(() => {
      const s = (Date.now() - t0) / 1000;
      setSecs(s);
      if (s >= VOICE_MAX_SECS && r.state === 'recording') r.stop();
    }, 250);
    r.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
    r.onstop = async () => {
      clearInterval(tick);
      stream.getTracks().forEach((x) => x.stop());
      rec.current = null;
      const seconds = Math.min(VOICE_MAX_SECS, Math.max(1, Math.round((Date.now() - t0) / 1000)));
      setSecs(seconds);
      const blob = new Blob(chunks, { type: r.mimeType || type || 'audio/webm' });
      setState('uploading');
      try {
        const file = new File([blob], `语音-${new Date().toISOString().replace(/[:.]/g, '')}.${ext}`, { type: blob.type, lastModified: Date.now() });
        const f = await uploadFile(file, orgId);
        setState('ready');
        onChange({ fileId: f.id, seconds });
      } catch (e) {
        setState('idle');
        setError(t('vUploadFailed', { e: errText(e) }));
      }
    };
    rec.current = r;
    r.start(1000);
    setSecs(0);
    setState('recording');
  };
  const stop = () => { if (rec.current && rec.current.state === 'recording') rec.current.stop(); };
  const clear = () => { onChange(null); setState('idle'); };

  return (
    <div class="voice-rec">
      {state === 'idle' && <button type="button" class="btn secondary wide voice-start" disabled={disabled} onClick={start}>{t('vRecord')}</button>}
      {state === 'recording' && (
        <>
          <p class="voice-live" role="status">{t('vRecording', { t: mmss(secs) })}</p>
          <button type="button" class="btn primary wide voice-stop" onClick={stop}>{t('vStop')}</button>
        </>
      )}
      {state === 'uploading' && <p class="muted" role="status">{t('vUploading')}</p>}
      {state === 'ready' && value && (
        <>
          <p class="ok-text voice-ready" role="status">{t('vReady', { t: mmss(value.seconds) })}</p>
          <audio class="voice-preview" controls preload="none" src={'/api/v1/files/' + value.fileId + '/content'} />
          <div class="btn-row">
            <button type="button" class="btn secondary" onClick={() => { clear(); start(); }}>{t('vAgain')}</button>
            <button type="button" class="btn link" onClick={clear}>{t('vRemove')}</button>
          </div>
        </>
      )}
      {error && <p class="error-text" role="alert">{error}</p>}
    </div>
  );
}

// A recording in a thread: its length and size first, then the player, which downloads
// nothing until it is played.
export function VoicePlayer({ src, voice }) {
  return (
    <div class="voice-msg">
      <p class="voice-label">{t('vLabel', { t: mmss(voice.seconds), size: fmtSize(voice.size) })}</p>
      <audio controls preload="none" src={src} />
    </div>
  );
}
