/**
 * The clock worker: answers `{ id, ms }` with `id` after `ms` milliseconds. A dedicated worker's
 * timers are not throttled when its page is hidden, and its messages reach the page promptly,
 * while the page's own timers fire at most once a second (and, after five minutes hidden, once a
 * minute): see WorkerClock.
 */
addEventListener('message', (event: MessageEvent<{ id: number; ms: number }>) => {
  const { id, ms } = event.data
  setTimeout(() => postMessage(id), ms)
})
