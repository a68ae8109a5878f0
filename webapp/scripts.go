package webapp

import (
	"crypto/sha256"
	"encoding/base64"
)

// storageShim runs inline in <head>, before go-app's deferred scripts. Where
// reading or writing localStorage or sessionStorage throws (third-party
// iframes with storage blocked, some private modes), it puts an in-memory
// storage in its place: go-app's engine reads localStorage when it starts,
// and an exception there stops its event loop silently (GO-APP-NOTES pitfall
// 4). The probe runs as the first task after the head is parsed, not while
// it is: a first access to the storage costs tens of milliseconds on a slow
// phone, and the page would wait for it to be painted. The wasm, which
// needs the shim, starts seconds later (after app.js, the download and the
// compilation). Its CSP hash is computed at start-up (shimHash).
const storageShim = `(function () {
  function memoryStorage() {
    var m = new Map();
    return {
      get length() { return m.size; },
      key: function (i) { var k = Array.from(m.keys())[i]; return k === undefined ? null : k; },
      getItem: function (k) { k = String(k); return m.has(k) ? m.get(k) : null; },
      setItem: function (k, v) { m.set(String(k), String(v)); },
      removeItem: function (k) { m.delete(String(k)); },
      clear: function () { m.clear(); }
    };
  }
  setTimeout(function () {
    ["localStorage", "sessionStorage"].forEach(function (name) {
      try {
        var s = window[name], k = "coft-storage-probe";
        s.setItem(k, k);
        s.removeItem(k);
      } catch (e) {
        try { Object.defineProperty(window, name, { value: memoryStorage(), configurable: true }); } catch (e2) {}
      }
    });
  }, 0);
})();`

// storageShimTag is the <script> element put in the page's head.
const storageShimTag = "<script>" + storageShim + "</script>"

// shimHash is the CSP source of storageShim: 'sha256-…'.
func shimHash() string { return hashSource(storageShim) }

// hashSource is the CSP source allowing an inline script or style: 'sha256-…'.
func hashSource(inline string) string {
	sum := sha256.Sum256([]byte(inline))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// serviceWorker replaces go-app's app-worker.js, which caches every resource
// and serves it cache-first, so customers could keep a stale page or wasm
// (GO-APP-NOTES pitfall 5). go-app's app.js registers /app-worker.js on
// every load; this worker handles no fetch, deletes every cache a previous
// worker left and unregisters itself. The version comment makes its bytes
// change with each wasm, so browsers that still run go-app's default worker
// install this one at their next update check.
const serviceWorker = `// coft: no service worker. Version {{.Version}}.
self.addEventListener("install", function () {
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    try {
      var keys = await caches.keys();
      await Promise.all(keys.map(function (k) { return caches.delete(k); }));
    } catch (e) {}
    await self.registration.unregister();
  })());
});
`
