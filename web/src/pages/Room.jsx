// 语音会议室 (#/room/MEETING): a meeting's audio room on the member's phone. Audio only,
// one Opus stream each way (about 32 kbit/s) so a weak link in a dormitory carries it; the
// phone reconnects by itself after a drop (a lift, a tunnel) with the same place in the
// room, and shows how good the link is. Presence is recorded by the server from the room
// itself: nothing to tap to "check in". Video is an option the host turns on; each member
// then chooses to show their camera and see the others' (240p, 150 kbit/s a camera) or to
// stay audio-only, which is the default.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet } from '../hooks.js';
import { addStrings, errText, t } from '../i18n.js';
import { ErrorBox, Loading, TopBar } from '../ui.jsx';
import { RoomClient, VideoClient, VIDEO_CONSTRAINTS } from '../janus.js';

addStrings({
  roomTitle: '语音会议室',
  roomEnter: '进入会议室',
  roomMic: '需要使用麦克风，请在提示时选择“允许”',
  'room.connecting': '正在进入会议室…',
  'room.live': '已在会议室中',
  'room.dropped': '连接中断，正在重新连接…',
  'room.left': '您已离开会议室',
  roomFailed: '暂时无法进入语音会议室。可以到现场参加，或使用会议链接。',
  roomMute: '静音', roomUnmute: '取消静音', roomMuted: '您已静音，别人听不到您',
  roomLeave: '离开会议室', roomBack: '返回会议',
  roomPeople: '会议室里的人（{n}）', roomMe: '我',
  'q.good': '信号良好', 'q.fair': '信号一般', 'q.poor': '信号较差，声音可能断续', 'q.none': '还没有声音',
  roomPlace: '现场地点：{place}', roomLink: '打开会议链接',
  roomAudioOnly: '只传声音，流量很小（约每小时 15 MB）',
  roomHand: '举手发言', roomHandDown: '放下手', roomHandUp: '已举手，请等主持人请您发言',
  roomHands: '举手的人（{n}）', roomGiveWord: '请发言', roomLower: '放下', roomMuteOne: '静音',
  roomMutedByHost: '主持人已将您静音', roomHost: '主持', roomTalking: '正在发言',
  roomVideoOn: '开启视频会议', roomVideoOff: '关闭视频会议（只保留声音）',
  roomCamOn: '打开视频', roomCamOff: '关闭视频（只听声音）',
  roomVideoHint: '主持人已开启视频。打开视频会多用流量（约每小时 70 MB），也可以只听声音。',
  roomCamFailed: '无法打开摄像头，仍可以听和说',
});

export default function Room({ id }) {
  const meeting = useGet('/meetings/' + id);
  const [state, setState] = useState('idle');
  const [people, setPeople] = useState([]);
  const [muted, setMuted] = useState(false);
  const [quality, setQuality] = useState(null);
  const [error, setError] = useState(null);
  const client = useRef(null);
  const audio = useRef(null);
  const stream = useRef(null);
  const pass = useRef(null);
  const retry = useRef(0);
  const [hand, setHand] = useState(false);
  const [hands, setHands] = useState([]);
  const [hostMuted, setHostMuted] = useState(false);
  const [talking, setTalking] = useState(false);
  const [video, setVideo] = useState(false); // the host turned video on
  const [cam, setCam] = useState(false); // this phone shows its camera and sees the others'
  const [videos, setVideos] = useState([]);
  const [frames, setFrames] = useState(null);
  const [camError, setCamError] = useState(false);
  const videoClient = useRef(null);
  const camera = useRef(null);

  const connect = async () => {
    setError(null);
    setState('connecting');
    try {
      if (!pass.current) pass.current = await api('/meetings/' + id + '/room', { method: 'POST' });
      setVideo(!!pass.current.video);
      if (!stream.current) {
        stream.current = await navigator.mediaDevices.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
        });
      }
      const c = new RoomClient(pass.current, {
        state: (s) => {
          if (client.current !== c) return;
          setState(s);
          if (s === 'live') retry.current = 0;
          if (s === 'dropped') reconnect();
        },
        participants: (list) => {
          if (client.current !== c) return;
          const me = list.find((p) => p.id === c.pass.participantId);
          setHostMuted(!!(me && me.muted && !c.muted));
          setTalking(!!(me && me.talking));
          setPeople(list.filter((p) => p.id !== c.pass.participantId));
        },
        remoteStream: (ms) => { if (audio.current) audio.current.srcObject = ms; },
        error: (e) => { if (client.current === c) reconnect(e); },
      });
      c.muted = muted;
      client.current = c;
      await c.start(stream.current);
    } catch (e) {
      if (e && e.code) { setError(e); setState('failed'); return; } // zhibu said no (closed, not open, unavailable)
      reconnect(e);
    }
  };

  // A drop: leave what is left of the old session, then come back in, waiting a little
  // longer each time; after about a minute, say so and offer the other ways in.
  const reconnect = (e) => {
    const old = client.current;
    client.current = null;
    if (old) old.leave();
    if (retry.current >= 8) { setError(e || new Error('unreachable')); setState('failed'); return; }
    pass.current = null; // asked for again: the server frees the place the drop left behind
    setState('dropped');
    const wait = Math.min(1000 * 2 ** retry.current, 10000);
    retry.current += 1;
    setTimeout(() => { if (!client.current && state !== 'left') connect(); }, wait);
  };

  // The room as the server sees it: whether the host turned video on, and for the host
  // the raised hands in order (and who holds which place).
  const canRun = meeting.data && meeting.data.canRun;
  useEffect(() => {
    if (!meeting.data) return undefined;
    const poll = () => api('/meetings/' + id + '/room').then((d) => {
      setHands(d.hands || []);
      setVideo(!!d.video);
    }, () => {});
    poll();
    const timer = setInterval(poll, canRun ? 3000 : 5000);
    return () => clearInterval(timer);
  }, [!!meeting.data, canRun]);

  const stopCam = () => {
    const v = videoClient.current;
    videoClient.current = null;
    if (v) v.leave();
    if (camera.current) camera.current.getTracks().forEach((tr) => tr.stop());
    camera.current = null;
    setVideos([]);
    setFrames(null);
    setCam(false);
  };
  const startCam = async () => {
    setCamError(false);
    try {
      camera.current = await navigator.mediaDevices.getUserMedia({ video: VIDEO_CONSTRAINTS });
      const v = new VideoClient(pass.current, {
        videos: (list) => { if (videoClient.current === v) setVideos(list); },
        error: () => { if (videoClient.current === v) { stopCam(); setCamError(true); } },
      });
      videoClient.current = v;
      setCam(true);
      await v.start(camera.current);
    } catch {
      stopCam();
      setCamError(true);
    }
  };
  // The host turned video off, or this phone left the room: the camera stops.
  const inRoomNow = state === 'live' || state === 'connecting' || state === 'dropped';
  useEffect(() => { if ((!video || !inRoomNow) && videoClient.current) stopCam(); }, [video, inRoomNow]);
  const switchVideo = async (on) => {
    await api('/meetings/' + id + '/room/video', { method: 'POST', body: { on } }).then((d) => setVideo(d.video), () => {});
  };

  const raise = async () => {
    const next = !hand;
    await api('/meetings/' + id + '/room/hand', { method: 'POST', body: { raised: next } }).then(() => setHand(next), () => {});
  };
  const hostMute = async (participantId, mute) => {
    await api('/meetings/' + id + '/room/mute', { method: 'POST', body: { participantId, muted: mute } }).catch(() => {});
    if (!mute) setHands((hs) => hs.filter((h) => h.participantId !== participantId));
  };
  const lower = async (memberId) => {
    await api('/meetings/' + id + '/room/hand', { method: 'POST', body: { raised: false, memberId } }).catch(() => {});
    setHands((hs) => hs.filter((h) => h.memberId !== memberId));
  };

  useEffect(() => {
    const timer = setInterval(async () => {
      if (client.current) setQuality(await client.current.quality());
      if (videoClient.current) setFrames(await videoClient.current.frames());
    }, 2000);
    return () => {
      clearInterval(timer);
      if (client.current) client.current.leave();
      client.current = null;
      if (videoClient.current) videoClient.current.leave();
      videoClient.current = null;
      if (camera.current) camera.current.getTracks().forEach((tr) => tr.stop());
      if (stream.current) stream.current.getTracks().forEach((tr) => tr.stop());
    };
  }, []);

  const leave = async () => {
    const c = client.current;
    client.current = null;
    if (c) await c.leave();
    setState('left');
  };

  const toggleMute = async () => {
    const next = !muted;
    setMuted(next);
    if (client.current) await client.current.setMuted(next).catch(() => {});
  };

  if (meeting.loading) return <Loading />;
  if (meeting.error) return <ErrorBox error={meeting.error} onRetry={meeting.reload} />;
  const m = meeting.data;
  const inRoom = state === 'live' || state === 'connecting' || state === 'dropped';
  return (
    <main class="page room">
      <TopBar title={t('roomTitle')} back={'#/meeting/' + id} />
      <section class="card">
        <h2>{m.title}</h2>
        {state === 'idle' && (
          <>
            <p class="hint">{t('roomMic')}</p>
            <p class="hint">{t('roomAudioOnly')}</p>
            <button class="btn primary wide" type="button" onClick={connect}>{t('roomEnter')}</button>
          </>
        )}
        {state !== 'idle' && state !== 'failed' && <p class="room-state" data-state={state} role="status">{t('room.' + state)}</p>}
        {quality && inRoom && <p class="room-quality" data-level={quality.level} data-bytes={quality.bytes}>{t('q.' + quality.level)}</p>}
        {state === 'failed' && (
          <div class="room-failed" role="alert">
            <p>{error && error.code && error.code !== 'room.unavailable' ? errText(error) : t('roomFailed')}</p>
            {m.place && <p>{t('roomPlace', { place: m.place })}</p>}
            {m.onlineLink && <a class="btn secondary wide" href={m.onlineLink} rel="noopener noreferrer" target="_blank">{t('roomLink')}</a>}
            <button class="btn secondary wide" type="button" onClick={() => { retry.current = 0; connect(); }}>{t('roomEnter')}</button>
          </div>
        )}
        {inRoom && (
          <div class="room-controls">
            <button class={'btn wide ' + (muted ? 'primary' : 'secondary')} type="button" aria-pressed={muted} onClick={toggleMute}>{muted ? t('roomUnmute') : t('roomMute')}</button>
            {muted && <p class="hint">{t('roomMuted')}</p>}
            {hostMuted && <p class="hint" role="status">{t('roomMutedByHost')}</p>}
            {!canRun && <button class={'btn wide ' + (hand ? 'primary' : 'secondary')} type="button" aria-pressed={hand} onClick={raise}>{hand ? t('roomHandDown') : t('roomHand')}</button>}
            {hand && <p class="hint">{t('roomHandUp')}</p>}
            {canRun && <button class="btn secondary wide" type="button" aria-pressed={video} onClick={() => switchVideo(!video)}>{video ? t('roomVideoOff') : t('roomVideoOn')}</button>}
            {video && !cam && <p class="hint">{t('roomVideoHint')}</p>}
            {video && state === 'live' && <button class={'btn wide ' + (cam ? 'primary' : 'secondary')} type="button" aria-pressed={cam} onClick={() => (cam ? stopCam() : startCam())}>{cam ? t('roomCamOff') : t('roomCamOn')}</button>}
            {camError && <p class="hint" role="status">{t('roomCamFailed')}</p>}
            <button class="btn danger wide" type="button" onClick={leave}>{t('roomLeave')}</button>
          </div>
        )}
        {state === 'left' && <a class="btn secondary wide" href={'#/meeting/' + id}>{t('roomBack')}</a>}
        <audio ref={audio} autoplay />
      </section>
      {cam && inRoom && (
        <section class="card room-videos" data-frames={frames ? frames.frames : 0} data-bytes={frames ? frames.bytes : 0}>
          {videos.map((v) => (
            <figure key={v.feed} class="room-video" data-feed={v.feed}>
              <video autoplay playsinline muted ref={(el) => { if (el && el.srcObject !== v.stream) el.srcObject = v.stream; }} />
              <figcaption>{v.display || '—'}</figcaption>
            </figure>
          ))}
        </section>
      )}
      {inRoom && canRun && hands.length > 0 && (
        <section class="card" aria-labelledby="room-hands">
          <h2 id="room-hands">{t('roomHands', { n: hands.length })}</h2>
          <ul class="room-people">
            {hands.map((h) => (
              <li key={h.memberId} class="room-row">
                <span>{h.name}</span>
                <span class="room-acts">
                  <button class="btn primary small" type="button" onClick={() => hostMute(h.participantId, false)}>{t('roomGiveWord')}</button>
                  <button class="btn secondary small" type="button" onClick={() => lower(h.memberId)}>{t('roomLower')}</button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {inRoom && (
        <section class="card">
          <h2>{t('roomPeople', { n: people.length + 1 })}</h2>
          <ul class="room-people">
            <li class="me" data-talking={talking && !muted ? '1' : '0'}>
              {t('roomMe')}{canRun ? '（' + t('roomHost') + '）' : ''}{muted ? ' 🔇' : ''}
              {talking && !muted && <span class="room-talking" title={t('roomTalking')}> {t('roomTalking')}</span>}
            </li>
            {people.map((p) => (
              <li key={p.id} class="room-row" data-muted={p.muted ? '1' : '0'} data-talking={p.talking && !p.muted ? '1' : '0'}>
                <span>
                  {p.display || '—'}{p.muted ? ' 🔇' : ''}
                  {p.talking && !p.muted && <span class="room-talking" title={t('roomTalking')}> {t('roomTalking')}</span>}
                </span>
                {canRun && (
                  <button class="btn secondary small" type="button" onClick={() => hostMute(p.id, !p.muted)}>{p.muted ? t('roomGiveWord') : t('roomMuteOne')}</button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
