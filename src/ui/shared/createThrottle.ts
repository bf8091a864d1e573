/**
 * Runs `run` at most once every `intervalMs`. A call inside the interval runs at its end, and
 * the calls in the meantime fold into that one, so the last change is never missed.
 *
 * @example
 * const refresh = createThrottle(() => (shown = read()), 2000)
 * host.onProgress(() => refresh.call())
 */
export function createThrottle(
  run: () => void,
  intervalMs: number,
): { call(): void; cancel(): void } {
  let last = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  const fire = () => {
    timer = undefined
    last = Date.now()
    run()
  }
  return {
    call() {
      if (timer !== undefined) return
      const wait = last + intervalMs - Date.now()
      if (wait <= 0) fire()
      else timer = setTimeout(fire, wait)
    },
    cancel() {
      clearTimeout(timer)
      timer = undefined
    },
  }
}
