// janus.js - the few parts of Janus's HTTP API a member's phone needs to sit in a
// meeting's audio room (the AudioBridge plugin): a session with the member's pass
// token, a long poll for events, a join with the participant number zhibu gave, one
// Opus stream each way. No library: Janus's own janus.js is larger than this whole
// page and speaks more than we use.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class RoomClient {
  // pass: {room, participantId, display, token, janusUrl}; on: {state, participants,
  // remoteStream, error}. participants gets the room's list, each {id, display, muted,
  // talking} (talking: the AudioBridge's audio level events), the phone's own place too.
  constructor(pass, on) {
    this.pass = pass;
    this.on = on;
    this.closed = false;
    this.muted = false;
    this.participants = new Map();
  }

  async post(path, body) {
    const res = await fetch(this.pass.janusUrl + path, {
      method: 'POST',
      body: JSON.stringify({ ...body, token: this.pass.token, transaction: Math.random().toString(36).slice(2) }),
    });
    const a = await res.json();
    if (a.janus === 'error') throw new Error(a.error ? a.error.reason : 'janus error');
    return a;
  }

  message(body, jsep) {
    return this.post(`/${this.sid}/${this.hid}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
  }

  async start(stream) {
    this.stream = stream;
    this.on.state('connecting');
    const s = await this.post('', { janus: 'create' });
    this.sid = s.data.id;
    const h = await this.post(`/${this.sid}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge' });
    this.hid = h.data.id;
    this.poll();
    await this.message({ request: 'join', room: this.pass.room, id: this.pass.participantId, display: this.pass.display, token: this.pass.token, muted: this.muted });
  }

  async poll() {
    let failures = 0;
    while (!this.closed) {
      try {
        const res = await fetch(`${this.pass.janusUrl}/${this.sid}?maxev=10&rid=${Date.now()}&token=${encodeURIComponent(this.pass.token)}`);
        const evs = await res.json();
        failures = 0;
        for (const ev of Array.isArray(evs) ? evs : [evs]) await this.event(ev);
      } catch (e) {
        if (this.closed) return;
        if (++failures >= 3) { this.on.error(e); return; }
        await sleep(1000);
      }
    }
  }

  async event(ev) {
    if (ev.janus === 'hangup' || ev.janus === 'detached') { this.on.state('dropped'); return; }
    if (ev.janus === 'webrtcup') { this.on.state('live'); return; }
    if (ev.janus === 'error' || (ev.janus === 'event' && ev.plugindata?.data?.error)) {
      this.on.error(new Error(ev.error?.reason || ev.plugindata.data.error));
      return;
    }
    const d = ev.plugindata && ev.plugindata.data;
    if (!d) return;
    if (d.participants) {
      for (const p of d.participants) this.participants.set(p.id, { ...this.participants.get(p.id), ...p });
    }
    if (d.leaving) this.participants.delete(d.leaving);
    // Who is talking: sent to everyone in the room, the speaker too.
    if (d.audiobridge === 'talking' || d.audiobridge === 'stopped-talking') {
      const p = this.participants.get(d.id) || { id: d.id };
      this.participants.set(d.id, { ...p, talking: d.audiobridge === 'talking' });
    }
    if (d.audiobridge === 'joined' && d.id === this.pass.participantId) await this.offer();
    if (ev.jsep) await this.pc.setRemoteDescription(ev.jsep);
    this.on.participants([...this.participants.values()]);
  }

  async offer() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pc = pc;
    for (const track of this.stream.getAudioTracks()) pc.addTrack(track, this.stream);
    pc.ontrack = (e) => this.on.remoteStream(e.streams[0] || new MediaStream([e.track]));
    // "disconnected" often passes by itself on a weak link (a few lost packets): only
    // when it lasts, or the connection failed, is it a drop to reconnect from.
    let grace = null;
    pc.oniceconnectionstatechange = () => {
      const st = pc.iceConnectionState;
      if (st === 'failed') this.on.state('dropped');
      if (st === 'disconnected' && !grace) {
        grace = setTimeout(() => { if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') this.on.state('dropped'); }, 6000);
      }
      if ((st === 'connected' || st === 'completed') && grace) { clearTimeout(grace); grace = null; }
    };
    await pc.setLocalDescription(await pc.createOffer());
    // No trickle: the candidates go with the offer (a weak link copes better with one message).
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, 2500);
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } };
    });
    await this.message({ request: 'configure', muted: this.muted }, { type: 'offer', sdp: pc.localDescription.sdp });
  }

  async setMuted(muted) {
    this.muted = muted;
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
    if (this.hid) await this.message({ request: 'configure', muted });
  }

  // Link quality from the incoming stream: loss and jitter over the last period.
  async quality() {
    if (!this.pc) return null;
    let lost = 0, received = 0, jitter = 0, bytes = 0;
    (await this.pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        lost = r.packetsLost || 0; received = r.packetsReceived || 0; jitter = r.jitter || 0; bytes = r.bytesReceived || 0;
      }
    });
    const prev = this.last || { lost: 0, received: 0 };
    this.last = { lost, received };
    const dl = lost - prev.lost, dr = received - prev.received;
    const loss = dl + dr > 0 ? dl / (dl + dr) : 0;
    return { loss, jitter, bytes, received, level: received === 0 ? 'none' : loss > 0.1 || jitter > 0.1 ? 'poor' : loss > 0.03 || jitter > 0.05 ? 'fair' : 'good' };
  }

  async leave() {
    this.closed = true;
    try { if (this.hid) await this.message({ request: 'leave' }); } catch { /* gone already */ }
    try { if (this.sid) await this.post(`/${this.sid}`, { janus: 'destroy' }); } catch { /* gone already */ }
    if (this.pc) this.pc.close();
  }
}

// Video in a meeting's room, when the host has turned it on (Janus's VideoRoom plugin,
// a room of the same number; the audio stays in the AudioBridge): the phone's camera at
// 240p and at most 150 kbit/s, and the cameras of the others, each on its own handle.
// Everyone may stay audio-only: nothing here runs unless the member turns video on.
export const VIDEO_CONSTRAINTS = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { max: 15 } };
const VIDEO_MAX_BITRATE = 150000;

// The candidates go with the description (no trickle), as for the audio.
async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 2500);
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } };
  });
}

export class VideoClient {
  // pass as for RoomClient; on: {videos([{feed, display, stream}]), error}
  constructor(pass, on) {
    this.pass = pass;
    this.on = on;
    this.closed = false;
    this.subs = new Map(); // feed -> {feed, display, hid, pc, stream}
  }

  post(path, body) { return RoomClient.prototype.post.call(this, path, body); }

  message(hid, body, jsep) {
    return this.post(`/${this.sid}/${hid}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
  }

  async start(camera) {
    this.camera = camera;
    const s = await this.post('', { janus: 'create' });
    this.sid = s.data.id;
    const h = await this.post(`/${this.sid}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    this.pub = h.data.id;
    this.poll();
    await this.message(this.pub, { request: 'join', ptype: 'publisher', room: this.pass.room, id: this.pass.participantId, display: this.pass.display, token: this.pass.token });
  }

  async poll() {
    let failures = 0;
    while (!this.closed) {
      try {
        const res = await fetch(`${this.pass.janusUrl}/${this.sid}?maxev=10&rid=${Date.now()}&token=${encodeURIComponent(this.pass.token)}`);
        const evs = await res.json();
        failures = 0;
        for (const ev of Array.isArray(evs) ? evs : [evs]) await this.event(ev);
      } catch (e) {
        if (this.closed) return;
        if (++failures >= 3) { this.on.error(e); return; }
        await sleep(1000);
      }
    }
  }

  async event(ev) {
    const d = ev.plugindata && ev.plugindata.data;
    if (ev.janus === 'error' || (d && d.error)) { this.on.error(new Error(ev.error?.reason || d.error)); return; }
    if (!d) return;
    if (ev.sender === this.pub) {
      if (d.videoroom === 'joined') await this.publish();
      if (ev.jsep && this.pc) await this.pc.setRemoteDescription(ev.jsep);
      for (const p of d.publishers || []) if (p.id !== this.pass.participantId) this.subscribe(p);
      for (const gone of [d.unpublished, d.leaving]) if (gone && gone !== 'ok') this.unsubscribe(gone);
      return;
    }
    const sub = [...this.subs.values()].find((x) => x.hid === ev.sender);
    if (sub && ev.jsep && ev.jsep.type === 'offer') await this.answer(sub, ev.jsep);
  }

  async publish() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.pc = pc;
    for (const track of this.camera.getVideoTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [this.camera], sendEncodings: [{ maxBitrate: VIDEO_MAX_BITRATE, maxFramerate: 15 }] });
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    await this.message(this.pub, { request: 'publish', bitrate: VIDEO_MAX_BITRATE }, { type: 'offer', sdp: pc.localDescription.sdp });
  }

  async subscribe(p) {
    if (this.subs.has(p.id) || this.closed) return;
    const sub = { feed: p.id, display: p.display, hid: null, pc: null, stream: null };
    this.subs.set(p.id, sub);
    const h = await this.post(`/${this.sid}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    sub.hid = h.data.id;
    await this.message(sub.hid, { request: 'join', ptype: 'subscriber', room: this.pass.room, streams: [{ feed: p.id }], token: this.pass.token });
  }

  async answer(sub, offer) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    sub.pc = pc;
    pc.ontrack = (e) => {
      sub.stream = e.streams[0] || new MediaStream([e.track]);
      this.emit();
    };
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await this.message(sub.hid, { request: 'start' }, { type: 'answer', sdp: pc.localDescription.sdp });
  }

  async unsubscribe(feed) {
    const sub = this.subs.get(feed);
    if (!sub) return;
    this.subs.delete(feed);
    if (sub.pc) sub.pc.close();
    if (sub.hid) this.post(`/${this.sid}/${sub.hid}`, { janus: 'detach' }).catch(() => {});
    this.emit();
  }

  emit() {
    this.on.videos([...this.subs.values()].filter((s) => s.stream).map(({ feed, display, stream }) => ({ feed, display, stream })));
  }

  // Frames decoded from the others' cameras so far (getStats), and bytes received.
  async frames() {
    let frames = 0, bytes = 0;
    for (const sub of this.subs.values()) {
      if (!sub.pc) continue;
      (await sub.pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') { frames += r.framesDecoded || 0; bytes += r.bytesReceived || 0; }
      });
    }
    return { frames, bytes };
  }

  async leave() {
    this.closed = true;
    for (const sub of this.subs.values()) if (sub.pc) sub.pc.close();
    this.subs.clear();
    if (this.pc) this.pc.close();
    try { if (this.sid) await this.post(`/${this.sid}`, { janus: 'destroy' }); } catch { /* gone already */ }
  }
}
