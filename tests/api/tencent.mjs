// tencent.mjs - a local stand-in for Tencent Cloud SMS's SendSms (API 3.0, version
// 2021-01-11), since the real service is not reachable from tests: it checks each request's
// TC3-HMAC-SHA256 signature with node's crypto (an implementation independent of zhibu's,
// following Tencent's "Signature v3" page) and answers as the service does.
//
//   const t = await startTencent({ secretId, secretKey });
//   ... sms_tencent_url = t.url ...
//   t.requests   // [{ ok, action, body, auth }]: every request, signature checked
//   await t.stop();
//
// A request whose signature does not match gets AuthFailure.SignatureFailure; one whose
// timestamp is more than 5 minutes off gets AuthFailure.SignatureExpire, as the service.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key, s) => createHmac('sha256', key).update(s, 'utf8').digest();

/** The TC3-HMAC-SHA256 Authorization value of a POST / with this body and headers. */
export function tc3Authorization({ secretId, secretKey, service, host, contentType, timestamp, payload }) {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = ['POST', '/', '', `content-type:${contentType}\nhost:${host}\n`, 'content-type;host', sha256(payload)].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const toSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256(canonical)].join('\n');
  const k = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  const sig = createHmac('sha256', k).update(toSign, 'utf8').digest('hex');
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=content-type;host, Signature=${sig}`;
}

export async function startTencent({ secretId, secretKey, answer } = {}) {
  const requests = [];
  let serial = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      const ts = Number(req.headers['x-tc-timestamp']);
      const expected = tc3Authorization({
        secretId, secretKey, service: 'sms', host: req.headers.host,
        contentType: req.headers['content-type'], timestamp: ts, payload,
      });
      const ok = req.headers.authorization === expected;
      const fresh = Math.abs(Date.now() / 1000 - ts) <= 300;
      let body;
      try { body = JSON.parse(payload); } catch { body = null; }
      const entry = { ok: ok && fresh, action: req.headers['x-tc-action'], version: req.headers['x-tc-version'],
                      region: req.headers['x-tc-region'], body, auth: req.headers.authorization };
      requests.push(entry);
      const reply = (o) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Response: { ...o, RequestId: `req-${requests.length}` } }));
      };
      if (!ok) return reply({ Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated.' } });
      if (!fresh) return reply({ Error: { Code: 'AuthFailure.SignatureExpire', Message: 'Signature expired.' } });
      const custom = answer?.(entry);
      if (custom) return reply(custom);
      entry.answered = (body?.PhoneNumberSet || []).map((p) => ({
        SerialNo: `2433:${++serial}`, PhoneNumber: p, Fee: 1, SessionContext: body.SessionContext,
        Code: 'Ok', Message: 'send success', IsoCode: 'CN',
      }));
      reply({ SendStatusSet: entry.answered });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    /**
     * Posts a callback as Tencent's service does (JSON, no signature: Tencent signs
     * none): to url, body as given. Resolves {status, json}.
     */
    async callback(url, body) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await r.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, json, text };
    },
    /** The receipts (状态报告) of the messages it took: one per SendSms entry answered Ok. */
    receipts(status = () => 'SUCCESS') {
      return requests.filter((r) => r.ok && r.body?.PhoneNumberSet && r.answered).flatMap((r) => r.answered.map((a) => ({
        user_receive_time: '2026-12-06 10:00:00', nationcode: '86', mobile: a.PhoneNumber.replace(/^\+86/, ''),
        report_status: status(a), errmsg: status(a) === 'SUCCESS' ? 'DELIVRD' : 'MK:0001', description: '', sid: a.SerialNo,
      })));
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
