// The driver app's service worker (decision 0031): keeps the app's shell and the last search so that the app
// opens offline. The page, the manifest and the search are network first (fresh when online, the last copy
// offline); the hashed assets never change, so they are served from the cache once there.
const CACHE = 'driver-app-v1'
const SHELL = ['/app/', '/app/manifest.webmanifest', '/app/icon.svg', '/app/settings.json']

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      await cache.addAll(SHELL)
      // The page names its scripts and styles: keep them too, so the very next load works offline.
      const page = await (await cache.match('/app/')).text()
      const assets = [...page.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((match) => match[1])
      await cache.addAll(assets)
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
      await self.clients.claim()
    })(),
  )
})

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(key, response.clone())
    return response
  } catch (error) {
    const kept = await cache.match(key)
    if (kept) return kept
    throw error
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE)
  const kept = await cache.match(request)
  if (kept) return kept
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  // Every page of the app is the same single page.
  if (request.mode === 'navigate' && url.pathname.startsWith('/app')) {
    event.respondWith(networkFirst(request, '/app/'))
  } else if (url.pathname.startsWith('/app/assets/')) {
    event.respondWith(cacheFirst(request))
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname))
  } else if (url.pathname === '/api/discovery/locations') {
    // The last search, whatever its filters: offline, the app shows what it found last.
    event.respondWith(networkFirst(request, '/api/discovery/locations'))
  }
})
