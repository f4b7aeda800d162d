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
