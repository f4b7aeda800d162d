/* zhibu service worker: keeps the app shell so the app opens without a network.
   - /api/ is never cached (personal data, always live);
   - hashed /assets/* are cache-first (their names change when their content does);
   - the page itself (index.html) is stale-while-revalidate: the cached shell answers at
     once, always, and the network only refreshes the cache in the background (a link that
     connects but passes no data must not leave the installed app blank). */
'use strict';
const CACHE = 'zhibu-shell-v3';
const SHELL = ['/', '/manifest.webmanifest', '/icon-192.png'];

const htmlAssets = (html) => Array.from(html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g), (m) => m[1]);

// The lazily loaded chunks the entry scripts name (import("./Member-x.js"), "assets/form-x.js").
async function lazyChunks(cache, assets) {
  const out = new Set();
  for (const a of assets) {
    if (!a.endsWith('.js')) continue;
    const res = (await cache.match(a)) || (await fetch(a).catch(() => null));
    if (!res || !res.ok) continue;
    const js = await res.text();
    for (const m of js.matchAll(/["'](?:\.\/|assets\/)([\w.-]+\.js)["']/g)) out.add('/assets/' + m[1]);
  }
  return Array.from(out);
}

// The assets index.html refers to, and the small screens loaded later, so the app works
// offline from the first visit. The statistics chunk (charts, large) is cached only once
// it is opened: its users are on laptops, and a weak phone line should not pay for it.
async function precache() {
  const cache = await caches.open(CACHE);
  const res = await fetch('/', { cache: 'no-store' });
  if (!res.ok) return;
  const html = await res.clone().text();
  await cache.put('/', res);
  const assets = htmlAssets(html);
  await cache.addAll(assets.concat(SHELL.slice(1)));
  const lazy = (await lazyChunks(cache, assets)).filter((a) => !a.startsWith('/assets/Stats-'));
  await cache.addAll(lazy);
}

self.addEventListener('install', (e) => {
  e.waitUntil(precache().catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

// Drops hashed assets that neither the new page nor the one it replaces uses (directly or
// as a lazy chunk): the open app still runs the replaced page until it is reloaded.
async function prune(cache, html, before) {
  const assets = htmlAssets(html).concat(before ? htmlAssets(before) : []);
  const keep = new Set(assets.concat(await lazyChunks(cache, assets)));
  for (const req of await cache.keys()) {
    const p = new URL(req.url).pathname;
    if (p.startsWith('/assets/') && !keep.has(p)) await cache.delete(req);
  }
}

// Keeps a page that came whole as the shell for next time, then prunes the assets.
async function store(cache, res, before) {
  const html = await res.clone().text();
  const old = await before;
  await cache.put('/', res);
  await prune(cache, html, old);
}

// The cached shell at once; without one (first visit), the network. Either way the page is
// fetched again and kept, in the background (the answer never waits for the pruning).
async function page(e) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match('/');
  const before = hit ? hit.clone().text() : Promise.resolve(null);
  const fresh = fetch('/', { cache: 'no-store' }).then((res) => {
    if (res.ok) e.waitUntil(store(cache, res.clone(), before).catch(() => {}));
    return res;
  });
  if (hit) {
    e.waitUntil(fresh.catch(() => {}));
    return hit;
  }
  return fresh;
}

// The manifest and icons: the cached copy at once, refreshed in the background.
async function other(e) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(e.request);
  const fresh = fetch(e.request).then((res) => {
    if (res.ok) return cache.put(e.request, res.clone()).then(() => res);
    return res;
  });
  if (hit) {
    e.waitUntil(fresh.catch(() => {}));
    return hit;
  }
  return fresh;
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const p = url.pathname;
  if (p.startsWith('/api/') || p === '/healthz' || p === '/metrics' || p === '/sw.js') return;
  if (req.mode === 'navigate' || p === '/' || p === '/index.html') e.respondWith(page(e));
  else if (p.startsWith('/assets/')) e.respondWith(asset(req));
  else if (SHELL.includes(p) || p === '/icon-512.png') e.respondWith(other(e));
});
