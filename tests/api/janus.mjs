// janus.mjs - starts the Janus WebRTC server for a test, on loopback with free
// ports, configured by scripts/janus-config under the test's temporary
// directory, and stops it. Returns the zhibu.conf lines that point zhibu at it.
// events: zhibu's /api/v1/rooms/events URL for Janus's event handler (the
// server must then listen on that port); reconcileS: room_reconcile_s.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function startJanus(dir, { origin = '', pollS = 1, events = '', reconcileS = pollS } = {}) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const admin = await freePort();
  const rtp = 30000 + Math.floor(Math.random() * 300) * 100;
  const args = [join(ROOT, 'scripts', 'janus-config'), dir, '--port', String(port), '--admin-port', String(admin),
    '--rtp', `${rtp}-${rtp + 99}`, '--ice-only', 'lo'];
  if (origin) args.push('--origin', origin);
  if (events) args.push('--events', events);
  const gen = spawnSync('bash', args, { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`janus-config failed: ${gen.stderr}`);
  const config = gen.stdout.trim().split('\n').concat([`room_poll_s = ${pollS}`, `room_reconcile_s = ${reconcileS}`]);
  const conf = Object.fromEntries(config.map((l) => l.split(' = ')));
  let log = '';
  const proc = spawn('janus', ['-F', dir, '-C', join(dir, 'janus.jcfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const url = conf.janus_url;
  const call = async (path, body) => {
    const res = await fetch(url + path, { method: 'POST', body: JSON.stringify({ transaction: String(Math.random()), ...body }) });
    const text = await res.text();
    return text ? JSON.parse(text) : { janus: 'error', error: { reason: `HTTP ${res.status}, empty answer` } };
  };
  for (let i = 0; ; i++) {
    try {
      const r = await call('', { janus: 'info' });
      if (r.janus === 'server_info') break;
    } catch { /* not up yet */ }
    if (i > 100 || proc.exitCode !== null) throw new Error(`janus did not start: ${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // What Janus says of a room (listparticipants), asked with zhibu's api secret.
  const participants = async (room) => {
    const apisecret = conf.janus_api_secret;
    const s = await call('', { janus: 'create', apisecret });
    const h = await call(`/${s.data.id}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', apisecret });
    const r = await call(`/${s.data.id}/${h.data.id}`, { janus: 'message', apisecret, body: { request: 'listparticipants', room } });
    await call(`/${s.data.id}`, { janus: 'destroy', apisecret });
    return r.plugindata.data.participants || [];
  };
  return {
    config,
    url,
    call,
    participants,
    log: () => log,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => { proc.once('exit', r); setTimeout(() => { proc.kill('SIGKILL'); r(); }, 5000); });
    },
  };
}

// A participant speaking Janus's HTTP API as a browser would, without media:
// a session with the member's token, a handle on the AudioBridge, a join.
export async function joinRoom(janus, pass) {
  const token = pass.token;
  const s = await janus.call('', { janus: 'create', token });
  if (s.janus !== 'success') return { joined: false, error: s.error };
  const sid = s.data.id;
  const h = await janus.call(`/${sid}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', token });
  if (h.janus !== 'success') return { joined: false, error: h.error };
  const hid = h.data.id;
  const j = await janus.call(`/${sid}/${hid}`, {
    janus: 'message', token,
    body: { request: 'join', room: pass.room, id: pass.participantId, display: pass.display, token },
  });
  // The join is asynchronous: its answer comes as an event on the session's long poll.
  const ev = await fetch(`${janus.url}/${sid}?maxev=1&token=${encodeURIComponent(token)}`)
    .then((r) => r.text()).then((t) => (t ? JSON.parse(t) : {}));
  const data = ev?.plugindata?.data || {};
  return {
    ack: j.janus, joined: data.audiobridge === 'joined', error: data.error, sid,
    leave: () => janus.call(`/${sid}`, { janus: 'destroy', token }),
  };
}

// A camera in the meeting's video (the VideoRoom plugin), without media: a session with
// the member's token, a handle on the VideoRoom, a join as a publisher.
export async function joinVideo(janus, pass) {
  const token = pass.token;
  const s = await janus.call('', { janus: 'create', token });
  if (s.janus !== 'success') return { joined: false, error: s.error };
  const sid = s.data.id;
  const leave = () => janus.call(`/${sid}`, { janus: 'destroy', token });
  const h = await janus.call(`/${sid}`, { janus: 'attach', plugin: 'janus.plugin.videoroom', token });
  if (h.janus !== 'success') { await leave(); return { joined: false, error: h.error }; }
  await janus.call(`/${sid}/${h.data.id}`, {
    janus: 'message', token,
    body: { request: 'join', ptype: 'publisher', room: pass.room, id: pass.participantId, display: pass.display, token },
  });
  const ev = await fetch(`${janus.url}/${sid}?maxev=1&token=${encodeURIComponent(token)}`)
    .then((r) => r.text()).then((t) => (t ? JSON.parse(t) : {}));
  const data = ev?.plugindata?.data || {};
  return { joined: data.videoroom === 'joined', error: data.error, data, leave };
}
