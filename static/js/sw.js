// The service worker. VERSION, PRECACHE, SHELL_ROUTES, OFFLINE_PAGE and CHILD_MODE_REFUSED are
// prepended by the server (dailylife/pwa.py). Only the app shell is cached: pages with case data are no-store and
// never enter Cache Storage; offline, a navigation gets the shell page that stands in for it.
const CACHE = `dailylife-shell-${VERSION}`;
const routes = SHELL_ROUTES.map(([pattern, shell]) => [new RegExp(pattern), shell]);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload', credentials: 'omit' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('dailylife-') && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

// Child mode (pin.js stores its page in IndexedDB's meta store): every other page is refused
// here, online or not, as the server refuses it; only the sign-in page stays open. Read with the
// bare IndexedDB API, and never creating the database (store.js makes it, with its stores).
const CHILD_MODE_PATH = /^\/cases\/[0-9a-f-]{36}\/child-mode$/;

function childModePath() {
  return new Promise((resolve) => {
    const opening = indexedDB.open('dailylife');
    opening.onupgradeneeded = () => opening.transaction.abort();
    opening.onerror = () => resolve(null);
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains('meta')) {
        db.close();
        resolve(null);
        return;
      }
      const reading = db.transaction('meta').objectStore('meta').get('childMode');
      reading.onsuccess = () => resolve(reading.result?.value ?? null);
      reading.onerror = () => resolve(null);
      db.close();
    };
  });
}

async function refusedInChildMode(back) {
  const page = await caches.match(CHILD_MODE_REFUSED, { cacheName: CACHE });
  if (!page) return Response.redirect(back, 303);
  const text = (await page.text()).replace('href="#child-mode"', `href="${back}"`);
  const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store',
    'Content-Security-Policy': page.headers.get('Content-Security-Policy') ?? "default-src 'self'" };
  return new Response(text, { status: 423, statusText: 'Locked', headers });
}

async function navigate(request) {
  const path = new URL(request.url).pathname;
  const held = await childModePath();
  if (held && CHILD_MODE_PATH.test(held) && path !== held && path !== '/login') return refusedInChildMode(held);
  try {
    return await fetch(request);
  } catch {
    const shell = routes.find(([pattern]) => pattern.test(path))?.[1] ?? OFFLINE_PAGE;
    return (await caches.match(shell, { cacheName: CACHE })) ?? Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
  } else if (PRECACHE.includes(url.pathname + url.search)) {
    // The rules document is precached under its versioned URL (/rules.json?v=...).
    event.respondWith(caches.match(url.pathname + url.search, { cacheName: CACHE })
      .then((hit) => hit ?? fetch(request)));
  }
});

// The unwrapped device key (vault.js), in memory only, so that moving from page to page does not
// ask for the passphrase again. Open pages touch it to keep this worker awake; untouched for the
// lock time, or when the browser ends this worker, it is gone and the next page asks again.
let vault = null;
let vaultTimer;
const LOCK_MS = 15 * 60 * 1000;

function forgetVaultLater(lockMs) {
  clearTimeout(vaultTimer);
  vaultTimer = setTimeout(() => { vault = null; }, lockMs);
}

self.addEventListener('message', (event) => {
  const { type, userId, key, lockMs } = event.data ?? {};
  if (type === 'vault:keep') {
    vault = { userId, key, lockMs: lockMs ?? LOCK_MS };
    forgetVaultLater(vault.lockMs);
  } else if (type === 'vault:touch' && vault) {
    forgetVaultLater(vault.lockMs);
  } else if (type === 'vault:ask') {
    event.ports[0]?.postMessage({ key: vault?.userId === userId ? vault.key : null });
  } else if (type === 'vault:forget') {
    vault = null;
  }
});

// Background Sync (Chromium only): wake an open page to send its outbox.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'dailylife-outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' })
    .then((clients) => clients.forEach((client) => client.postMessage({ type: 'sync' }))));
});
