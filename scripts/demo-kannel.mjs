// scripts/demo-kannel.mjs DATA CMD... - runs the demo with SMS: starts Kannel (bearerbox,
// smsbox and the test message centre fakesmsc, tests/api/kannel.mjs) on free loopback
// ports, points DATA/zhibu.conf at it (a block between "# sms demo" markers, rewritten on
// every start), writes DATA/sms-demo.json for scripts/demo-sms-reply, then runs CMD (zhibu
// serve) and stops Kannel when it exits. Without Kannel installed it runs CMD alone.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEARERBOX, startKannel } from '../tests/api/kannel.mjs';

const [data, ...cmd] = process.argv.slice(2);
const listen = process.env.ZHIBU_LISTEN || '127.0.0.1:8080';
const port = Number(listen.split(':').pop());
const conf = join(data, 'zhibu.conf');

let k = null;
if (existsSync(BEARERBOX)) {
  k = await startKannel({ zhibuPort: port });
  const old = existsSync(conf) ? readFileSync(conf, 'utf8') : '';
  const kept = old.replace(/# sms demo begin[\s\S]*?# sms demo end\n/g, '');
  const lines = k.zhibuConfig({ sms_rate: 10, sms_poll_ms: 500, sms_demo_page: 'on' });
  writeFileSync(conf, `${kept}# sms demo begin (scripts/demo-kannel.mjs)\n${lines.join('\n')}\n# sms demo end\n`);
  writeFileSync(join(data, 'sms-demo.json'), JSON.stringify({ moPort: k.ports.mo, kannelDir: k.dir }) + '\n');
  console.log(`SMS: Kannel with its test message centre is running; what the phones got: http://${listen}/api/v1/sms/demo`);
  console.log('     a reply from a demo phone: scripts/demo-sms-reply PHONE TEXT');
} else {
  console.log('SMS: Kannel is not installed (apt install kannel kannel-extras): SMS is off');
}

const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
const stop = (sig) => child.kill(sig);
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await k?.stop();
process.exit(code);
