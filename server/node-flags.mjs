// The Node flags the server runs with, wherever it is started: `npm start`
// (package.json, checked against this list by server/node-flags.test.ts),
// the servers tests, Playwright and the bench start.
// Plain JavaScript: start.mjs-style launchers read it before anything is compiled.

/**
 * A young generation of 4 MB semi-spaces (V8's default grows to 16 MB).
 * Loading or syncing a large list allocates objects that mostly survive
 * (the document being built), so each scavenge copies about half of the
 * young generation: ~40 ms of work per scavenge at 16 MB, done on the main
 * thread when the GC's helper threads find no free CPU (measured with
 * `--single-threaded-gc` on a 60,000-item list: scavenges of 25–30 ms at
 * 16 MB, 10–17 ms at 4 MB; the same total work, in smaller pieces).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4']
