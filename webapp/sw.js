// The app's shell, cached so that it opens offline (its data always comes from the gateway). The
// build (build.mjs) names the cache after its chunks and adds those the app imports at once.
const SHELL = "next-shell";
const FILES = ["./", "index.html", "app.js", "style.css", "manifest.webmanifest", "icon.svg"];
self.addEventListener("install", (event) => event.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES))));
self.addEventListener("activate", (event) =>
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))),
  ),
);
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = url.origin === location.origin && url.pathname.startsWith(new URL("./", location).pathname);
  if (event.request.method !== "GET" || !shell) return; // the API: always the network
  // The network first; what it answers is kept for offline use (a chunk loaded only when used, the
  // QR reader, is cached then).
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(SHELL).then((cache) => cache.put(event.request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(event.request)),
  );
});
