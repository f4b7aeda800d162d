// The installed app opens on a link that connects but passes no data (common on rural
// mobile): the service worker answers the page from its cache at once, and the network
// only refreshes it in the background. The browser talks to the server through a small
// TCP relay that can be switched to swallow every byte, as such a link does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, launch, phonePage, loginUI } from './harness.mjs';

let srv;
let browser;
let relay;

// A relay to the server; stall() makes it accept connections and answer nothing.
function startRelay(target) {
  const { hostname, port } = new URL(target);
  const open = new Set();
  let stalled = false;
  const server = net.createServer((c) => {
    const pair = { c, up: null };
    open.add(pair);
    c.on('close', () => open.delete(pair));
    c.on('error', () => {});
    if (stalled) return; // connected, but no data ever comes back
    const up = net.connect(Number(port), hostname);
    pair.up = up;
    up.on('error', () => {});
    c.pipe(up).pipe(c);
  });
  // Open connections stay open and go silent too (a kept-alive socket must not fail fast).
  const silence = ({ c, up }) => {
    if (!up) return;
    c.unpipe(up);
    up.unpipe(c);
    up.removeAllListeners('end');
    c.removeAllListeners('end');
    up.pause();
    c.pause();
  };
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    base: `http://127.0.0.1:${server.address().port}`,
    stall() { stalled = true; for (const p of open) silence(p); },
    close() {
      for (const { c, up } of open) { c.destroy(); if (up) up.destroy(); }
      return new Promise((r) => server.close(r));
    },
  })));
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  relay = await startRelay(srv.base);
});

after(async () => {
  if (relay) await relay.close();
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

test('the installed app shows its shell within 2 s when the network passes no data', async () => {
  const s = await phonePage(browser, relay.base, { viewport: { width: 360, height: 780 } });
  const { page } = s;
  try {
    const member = srv.accounts.find((a) => a.role === 'member');
    await loginUI(page, member);
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    // installed: the worker is active, controls the page and holds the shell
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 50));
    });
    await page.reload();
    await page.getByRole('heading', { name: `您好，${member.name}` }).waitFor();
    await page.evaluate(async () => {
      for (let i = 0; i < 100; i++) {
        for (const k of await caches.keys()) if (await (await caches.open(k)).match('/')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the shell was not cached');
    });
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the worker controls the page');

    relay.stall();
    const t0 = Date.now();
    await page.reload({ waitUntil: 'commit', timeout: 2000 });
    // the app's script ran (from the cache) and replaced the static placeholder
    await page.locator('#app > div').first().waitFor({ timeout: 2000 - (Date.now() - t0) + 200 });
    const took = Date.now() - t0;
    assert.ok(took < 2200, `the shell took ${took} ms`);
    await page.screenshot({ path: '/tmp/ui-shell-stalled.png' });
  } finally {
    await s.context.close();
  }
});
