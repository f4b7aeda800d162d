// bench/feed.mjs - times GET /api/v1/posts (the news feed) for the demo member and the county
// admin over 100,000 news posts inserted with SQL into a demo store (docs/BENCHMARKS.md).
//   ZHIBU_BIN=build/zhibu node bench/feed.mjs
import { startServer, sqlite } from '../tests/api/helpers.mjs';
import { join } from 'node:path';
const srv = await startServer({ setup: (dir) => {
  const db = join(dir, 'zhibu.db');
  const r = sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100000),
    b AS (SELECT id, path, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM orgs WHERE level = 'branch'),
    c AS (SELECT COUNT(*) AS nb FROM b)
    INSERT INTO posts (org_id, org_path, audience_path, kind, visibility, author_id, title, text, state, created_at, updated_at, seq)
    SELECT b.id, b.path, b.path, 'news', 'branch', 1, '标题' || i, '内容' || i, 'published', 1700000000 + i, 1700000000 + i, 0
    FROM n, c JOIN b ON b.k = (i * 7919) % c.nb;`);
  if (r.status) throw new Error(r.stderr);
}});
const t = (await srv.login(srv.who.member)).token;
const tc = (await srv.login(srv.who.countyAdmin)).token;
for (const [name, tok] of [['member', t], ['county admin', tc]]) {
  const ms = [];
  for (let i = 0; i < 30; i++) { const r = await srv.api('GET', '/api/v1/posts?limit=20', { token: tok }); if (r.status !== 200) throw new Error(r.text); ms.push(r.ms); }
  ms.sort((a, b) => a - b);
  console.log(name, 'p50', ms[15].toFixed(1), 'ms p90', ms[27].toFixed(1), 'max', ms[29].toFixed(1));
}
await srv.stop();
