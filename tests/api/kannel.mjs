// kannel.mjs - Kannel (Debian `kannel`: bearerbox + smsbox) with the test SMSC of
// `kannel-extras` (fakesmsc) on loopback, for tests that send and receive SMS
// through zhibu.
//
//   const zport = await freePort();
//   const k = await startKannel({ zhibuPort: zport });
//   const srv = await startServer({ port: zport, config: k.zhibuConfig() });
//   ... await k.waitFor((msgs) => msgs.length >= 3);   // what the phones got
//   await k.reply('13800138000', '1');                  // a phone answers
//   await k.stop();
//
// Every port is a free random one; the configuration, the store, the logs live
// in a temporary directory removed by stop(). Two fake message centres: "fake"
// carries zhibu's messages to the phones (fakesmsc prints each one it gets),
// "mo" is where reply() connects a short-lived fakesmsc that sends one message
// from a phone. smsbox delivers incoming messages to zhibu's
// GET /api/v1/sms/incoming (sms-service get-url, mo-recode turns UCS-2 into
// UTF-8) and reports to the dlr-url zhibu gives with each message, retrying a
// URL that fails (http-request-retry), so reports reach a zhibu that
// restarted.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './helpers.mjs';

export const BEARERBOX = process.env.KANNEL_BEARERBOX || '/usr/sbin/bearerbox';
export const SMSBOX = process.env.KANNEL_SMSBOX || '/usr/sbin/smsbox';
export const FAKESMSC = process.env.KANNEL_FAKESMSC || '/usr/lib/kannel/test/fakesmsc';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The sender number the phones see (Kannel's global-sender). */
export const SENDER = '10690000';

function config({ dir, ports, zhibuPort, secret, user, password }) {
  const zhibu = `http://127.0.0.1:${zhibuPort}`;
  return `group = core
admin-port = ${ports.admin}
admin-interface = 127.0.0.1
admin-password = ${password}
smsbox-port = ${ports.smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "${join(dir, 'bearerbox.log')}"
log-level = 1
store-type = file
store-location = "${join(dir, 'store', 'kannel.store')}"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = ${ports.fake}
connect-allow-ip = 127.0.0.1
allowed-smsc-id = fake

group = smsc
smsc = fake
smsc-id = mo
port = ${ports.mo}
connect-allow-ip = 127.0.0.1
denied-smsc-id = fake

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${ports.smsbox}
sendsms-port = ${ports.sendsms}
sendsms-interface = 127.0.0.1
global-sender = ${SENDER}
mo-recode = true
http-request-retry = 30
http-queue-delay = 1
log-file = "${join(dir, 'smsbox.log')}"
log-level = 1

group = sendsms-user
username = ${user}
password = ${password}
concatenation = true
max-messages = 10
default-smsc = fake
user-allow-ip = "127.0.0.1"

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "${zhibu}/api/v1/sms/incoming?k=${secret}&from=%p&text=%a&id=%I&at=%T"
`;
}

/** Resolves when host:port accepts a connection (Kannel's boxes need a moment). */
async function listening(port, ms = 15000) {
  const net = await import('node:net');
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

function spawnLogged(cmd, args, log) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  p.text = '';
  const add = (d) => {
    p.text += d;
    log?.(d);
  };
  p.stdout.setEncoding('utf8').on('data', add);
  p.stderr.setEncoding('utf8').on('data', add);
  p.done = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  return p;
}

async function kill(p, signal = 'SIGTERM', ms = 5000) {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  await p.done;
  clearTimeout(t);
}

/** Percent-encoded bytes as fakesmsc prints them ("%4E%0D..."; other bytes as they are). */
function unescapeBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(...Buffer.from(s[i], 'latin1'));
    }
  }
  return Buffer.from(out);
}

function utf16be(buf) {
  const b = Buffer.from(buf);
  b.swap16();
  return b.toString('utf16le');
}

/**
 * Parses fakesmsc's "Got message N: <from to type ...>" lines into parts:
 * {from, to, type: 'text' | 'ucs-2' | 'udh', udh (Buffer), data (Buffer)}.
 */
export function parseFakesmsc(text) {
  const parts = [];
  for (const m of text.matchAll(/Got message \d+: <(\S+) (\S+) (\S+) (.*?)>\n/g)) {
    const [, from, to, type, rest] = m;
    if (type === 'udh') {
      const [udh, , ...data] = rest.split(' ');
      parts.push({ from, to, type, udh: unescapeBytes(udh), data: unescapeBytes(data.join(' ')) });
    } else if (type === 'ucs-2') {
      parts.push({ from, to, type, data: unescapeBytes(rest) });
    } else {
      parts.push({ from, to, type, data: Buffer.from(rest, 'utf8') });
    }
  }
  return parts;
}

/**
 * Joins the parts of concatenated messages (UDH IE 0x00: reference, total,
 * sequence) and decodes each message: {to, from, parts, text}. A 'udh' part
 * carries no coding: ucs2 (default true) decodes its bytes as UTF-16BE, else
 * as single bytes.
 */
export function joinMessages(parts, { ucs2 = true } = {}) {
  const out = [];
  const open = new Map();
  for (const p of parts) {
    if (p.type !== 'udh') {
      out.push({ from: p.from, to: p.to, parts: 1,
                 text: p.type === 'ucs-2' ? utf16be(p.data) : p.data.toString('utf8') });
      continue;
    }
    const u = p.udh; // [len, iei 0, 3, ref, total, seq]
    const ref = `${p.to}:${u[3]}`;
    const total = u[4], seq = u[5];
    if (!open.has(ref)) {
      const msg = { from: p.from, to: p.to, parts: total, chunks: [] };
      open.set(ref, msg);
      out.push(msg);
    }
    const msg = open.get(ref);
    msg.chunks[seq - 1] = p.data;
    if (msg.chunks.filter(Boolean).length === total) {
      const all = Buffer.concat(msg.chunks);
      msg.text = ucs2 ? utf16be(all) : all.toString('latin1');
      delete msg.chunks;
      open.delete(ref);
    }
  }
  return out.filter((m) => m.text !== undefined);
}

/**
 * A phone sends a message through the "mo" fake centre on moPort: text as GSM
 * text, or with { ucs2: true } (the default for anything beyond printable
 * ASCII) as UCS-2. Resolves once bearerbox has it.
 */
export async function sendFromPhone(moPort, from, text, { ucs2 = /[^\x20-\x7e]/.test(text), to = SENDER } = {}) {
  let payload;
  if (ucs2) {
    const b = Buffer.from(text, 'utf16le');
    b.swap16();
    payload = `ucs2 ${[...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('')}`;
  } else {
    payload = `text ${text}`;
  }
  const p = spawnLogged(FAKESMSC, ['-H', '127.0.0.1', '-r', String(moPort), '-m', '1', '-i', '0.1',
                                   `${from} ${to} ${payload}`]);
  const deadline = Date.now() + 10000;
  while (!/sent message 1/.test(p.text)) {
    if (Date.now() > deadline || p.exitCode !== null) {
      await kill(p);
      throw new Error(`fakesmsc did not send: ${p.text.slice(-500)}`);
    }
    await sleep(20);
  }
  await sleep(200); // bearerbox takes it before the connection closes
  await kill(p);
}

/**
 * Starts bearerbox, smsbox and the phones' fakesmsc. zhibuPort: where zhibu
 * will listen (replies and reports go there). Returns the harness.
 */
export async function startKannel({ zhibuPort, log } = {}) {
  const dir = tempDir('zhibu-kannel-');
  mkdirSync(join(dir, 'store'));
  const ports = {};
  const taken = new Set([zhibuPort]);
  for (const k of ['admin', 'smsbox', 'fake', 'mo', 'sendsms']) {
    let p;
    do p = await freePort(); while (taken.has(p));
    taken.add(p);
    ports[k] = p;
  }
  const secret = `in-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const user = 'zhibu';
  const password = `pw${Math.random().toString(36).slice(2, 12)}`;
  const conf = join(dir, 'kannel.conf');
  writeFileSync(conf, config({ dir, ports, zhibuPort, secret, user, password }));

  let bearerbox, smsbox, phones;
  let phonesText = ''; // everything every fakesmsc of the phones printed, across restarts

  async function startBearerbox() {
    bearerbox = spawnLogged(BEARERBOX, [conf], log);
    await listening(ports.smsbox);
    await listening(ports.fake);
  }
  async function startSmsbox() {
    smsbox = spawnLogged(SMSBOX, [conf], log);
    await listening(ports.sendsms);
  }
  async function startPhones() {
    // -m 0: sends nothing, prints what it gets.
    phones = spawnLogged(FAKESMSC, ['-H', '127.0.0.1', '-r', String(ports.fake), '-m', '0',
                                    `${SENDER} 0 text unused`]);
    phones.stdout.on('data', (d) => { phonesText += d; });
    phones.stderr.on('data', (d) => { phonesText += d; });
    // Wait until bearerbox counts the connection: fakesmsc says it connected.
    const deadline = Date.now() + 10000;
    while (!/Connecting to|fakesmsc starting/.test(phones.text) && Date.now() < deadline) await sleep(20);
    await sleep(300);
  }

  await startBearerbox();
  await startSmsbox();
  await startPhones();

  const harness = {
    dir,
    ports,
    secret,
    user,
    password,
    sendsmsUrl: `http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms`,
    /** zhibu.conf lines for a server on zhibuPort that sends through this Kannel. */
    zhibuConfig(extra = {}) {
      const settings = {
        sms_backend: 'kannel',
        sms_public_url: `http://127.0.0.1:${zhibuPort}`,
        sms_kannel_url: `http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms`,
        sms_kannel_user: user,
        sms_kannel_password: password,
        sms_kannel_smsc: 'fake',
        sms_inbound_secret: secret,
        sms_rate: 200,
        sms_poll_ms: 100,
        sms_retry_base_s: 1,
        sms_quiet_hours: '00:00-00:00',
        // Tests count single messages: none waits for the daily digest unless a test says so.
        sms_digest_after: 0,
        ...extra,
      };
      return Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
    },
    /** The parts the phones received so far (parseFakesmsc). */
    parts: () => parseFakesmsc(phonesText),
    /** The messages the phones received so far, joined and decoded (joinMessages). */
    messages: (o) => joinMessages(parseFakesmsc(phonesText), o),
    /** Waits until pred(messages) holds; returns the messages. */
    async waitFor(pred, ms = 20000, o) {
      const deadline = Date.now() + ms;
      for (;;) {
        const msgs = joinMessages(parseFakesmsc(phonesText), o);
        if (pred(msgs)) return msgs;
        if (Date.now() > deadline) {
          throw new Error(`kannel: waited ${ms} ms; the phones got ${msgs.length}: ${JSON.stringify(msgs.slice(-5))}`);
        }
        await sleep(50);
      }
    },
    /**
     * A phone sends a message: text as GSM text, or with { ucs2: true } as
     * UCS-2 (any Unicode). Resolves once bearerbox has it.
     */
    reply: (from, text, o) => sendFromPhone(ports.mo, from, text, o),
    /** Kills bearerbox (the message store survives) and starts it again after pauseMs. */
    async restartBearerbox({ signal = 'SIGKILL', pauseMs = 500 } = {}) {
      await kill(phones);
      await kill(smsbox, signal);
      await kill(bearerbox, signal);
      await sleep(pauseMs);
      await startBearerbox();
      await startSmsbox();
      await startPhones();
    },
    /** Stops bearerbox and smsbox only (zhibu's sends fail until start()). */
    async down(signal = 'SIGKILL') {
      await kill(phones);
      await kill(smsbox, signal);
      await kill(bearerbox, signal);
    },
    async up() {
      await startBearerbox();
      await startSmsbox();
      await startPhones();
    },
    logs: () => ({ bearerbox: bearerbox?.text, smsbox: smsbox?.text }),
    async stop({ keep = false } = {}) {
      await kill(phones);
      await kill(smsbox);
      await kill(bearerbox);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
