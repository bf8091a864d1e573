/**
 * Runs `task` until it succeeds, waiting about 1 s, 2 s, 4 s … (at most `maxDelayMs`; each wait
 * drawn between half and all of that) between tries and
 * telling `onRetry` each time why and for how long; gives up after `tries` tries with the last
 * error, or when `signal` aborts (with its reason). For a signaling server that is not up yet,
 * or restarting.
 *
 * @example
 * const peer = await withBackoff(() => openNodePeer({ signalingUrl }), {
 *   onRetry: (error, ms) => console.error(`unreachable (${error}); retrying in ${ms / 1000} s`),
 * })
 */
export async function withBackoff<T>(
  task: () => Promise<T>,
  {
    onRetry,
    tries = 8,
    firstDelayMs = 1000,
    maxDelayMs = 30_000,
    signal,
  }: {
    onRetry: (error: unknown, delayMs: number, attempt: number) => void
    tries?: number
    firstDelayMs?: number
    maxDelayMs?: number
    signal?: AbortSignal | undefined
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted()
    try {
      return await task()
    } catch (error) {
      signal?.throwIfAborted()
      if (attempt >= tries) throw error
      // Between half and all of the doubling delay: clients that lost one server together
      // (a signaling node that stopped) do not all come back in the same instant.
      const ceiling = Math.min(firstDelayMs * 2 ** (attempt - 1), maxDelayMs)
      const delayMs = Math.round(ceiling * (0.5 + Math.random() * 0.5))
      onRetry(error, delayMs, attempt)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delayMs)
        function done() {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  }
}
