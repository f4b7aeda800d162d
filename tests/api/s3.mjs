// s3.mjs - a local S3-compatible server for the tests of the S3 file store
// (store = s3): s3rver (npm, tests/s3/package.json, installed by
// scripts/setup --test). It checks AWS Signature V4 (credentials S3RVER /
// S3RVER), serves path-style URLs, multipart uploads, ranges and
// ListObjectsV2, and keeps objects as files under its directory, where the
// tests look for them.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir } from './helpers.mjs';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 's3', 'node_modules', 's3rver', 'bin', 's3rver.js');

/** Whether the test server is installed (scripts/setup --test). */
export const s3Available = existsSync(bin);

/**
 * Starts s3rver on a free loopback port with bucket `bucket` under a new
 * temporary directory (or dir and port: the same store started again).
 * Returns {endpoint, dir, port, config (zhibu.conf lines), objectPath(sha),
 * objects(), log() (its answers, a line each: "info: ...KEY?QUERY 206 3ms
 * 100b", without the method), stop()}.
 */
export async function startS3({ bucket = 'zhibu', dir = tempDir('zhibu-s3-'), port } = {}) {
  port = port || (await freePort());
  const child = spawn(process.execPath, [bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--no-vhost-buckets', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '', requests = '';
  child.stderr.on('data', (d) => { stderr += d; });
  // Its log of answers ("info: PATH STATUS TIME SIZE", the path's start cut off), without colours.
  child.stdout.on('data', (d) => {
    // eslint-disable-next-line no-control-regex
    for (const l of String(d).replace(/\x1b\[[0-9;]*m/g, '').split('\n')) if (l.startsWith('info: ')) requests += l.trim() + '\n';
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`s3rver exited: ${stderr}`);
    try {
      const r = await fetch(endpoint + '/');
      await r.arrayBuffer();
      break;
    } catch (e) {
      if (i > 100) throw new Error(`s3rver does not answer: ${stderr}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  const objectPath = (sha) => join(dir, bucket, sha.slice(0, 2), sha.slice(2, 4), `${sha}._S3rver_object`);
  function objects() {
    const root = join(dir, bucket);
    const out = [];
    for (const a of readdirSync(root).filter((x) => x.length === 2))
      for (const b of readdirSync(join(root, a)))
        for (const f of readdirSync(join(root, a, b))) if (f.endsWith('._S3rver_object')) out.push(f.slice(0, 64));
    return out;
  }
  async function stop() {
    if (child.exitCode !== null) return;
    const gone = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await gone;
  }
  const config = ['store = s3', `s3_endpoint = ${endpoint}`, `s3_bucket = ${bucket}`, 's3_access_key = S3RVER', 's3_secret_key = S3RVER', 's3_timeout_s = 5'];
  return { endpoint, dir, port, bucket, config, objectPath, objects, log: () => requests, stop };
}
