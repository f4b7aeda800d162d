// import_lock.test.mjs - a dry-run import only reads, so it keeps no other
// write waiting (issue 13: a dry run of a 1,048,576-row file held the write
// lock and other writes waited 4.6 s behind it). The write below goes to the
// store directly (sqlite3 with a busy timeout), so what it measures is the
// lock and not how requests share the server's threads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertData, idNumber, startServer } from './helpers.mjs';

let srv;

before(async () => {
  srv = await startServer({ config: ['max_upload = 64000000'] });
});

after(async () => {
  await srv?.stop();
});

const HEAD = '姓名,性别,出生日期,身份证号,职业,入党日期,转正日期,人员类别,流动党员,外出地点';

// One write straight to the store; resolves with how long it took (ms).
function storeWrite(db) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn('sqlite3', ['-cmd', '.timeout 60000', db,
      "UPDATE orgs SET updated_at = updated_at WHERE id = (SELECT MIN(id) FROM orgs)"]);
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => (code === 0 ? resolve(Date.now() - t0) : reject(new Error(err))));
  });
}

test('other writes go on while a large dry run is being checked', async () => {
  const sec = srv.who.secretaryA;
  const { token } = await srv.login(sec);
  const lines = [HEAD];
  for (let i = 0; i < 200000; i++) {
    const y = 1930 + (i % 50), m = String(1 + (i % 12)).padStart(2, '0'), d = String(1 + (i % 28)).padStart(2, '0');
    const birth = `${y}-${m}-${d}`;
    lines.push(`试${i},${i % 2 ? '男' : '女'},${birth},${idNumber(birth, i % 2 === 1, Math.floor(i / 1700))},农民,1998-07-01,1999-07-01,正式党员,否,`);
  }
  const body = Buffer.from(lines.join('\n'));
  const db = join(srv.dataDir, 'zhibu.db');
  let done = false;
  const t0 = Date.now();
  const dry = srv.api('POST', `/api/v1/imports?orgId=${sec.orgId}&dryRun=true`, {
    token, body, headers: { 'Content-Type': 'text/csv' },
  }).then((r) => { done = true; return r; });
  const waits = [];
  while (!done) {
    waits.push(await storeWrite(db));
    await new Promise((r) => setTimeout(r, 50));
  }
  const took = Date.now() - t0;
  const r = assertData(await dry, 200);
  assert.equal(r.rows, 200000);
  assert.equal(r.dryRun, true);
  // The check took seconds; no write waited for it.
  assert.ok(took > 800, `the dry run took ${took} ms: too short to show anything`);
  assert.ok(waits.length >= 5, `${waits.length} writes during ${took} ms`);
  const worst = Math.max(...waits);
  assert.ok(worst < took / 3, `a write waited ${worst} ms during a dry run of ${took} ms (waits: ${waits.join(', ')})`);
});
