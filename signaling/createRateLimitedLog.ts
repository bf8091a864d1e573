/**
 * A log that writes at most `perMinute` entries in any minute and counts the rest, so that a
 * fault a client can trigger again and again cannot fill the disk. The first entry after a quiet
 * spell says how many were left out.
 *
 * @example
 * const logError = createRateLimitedLog({ write: (line) => console.error(line) })
 * server.onError = (error) => logError('signaling:', error)
 */
export function createRateLimitedLog({
  write,
  perMinute = 20,
  now = Date.now,
}: {
  write: (...parts: unknown[]) => void
  perMinute?: number
  now?: () => number
}): (...parts: unknown[]) => void {
  let windowStart = -Infinity
  let written = 0
  let suppressed = 0
  return (...parts) => {
    const at = now()
    if (at - windowStart >= 60_000) {
      if (suppressed > 0)
        write(`(${suppressed} more log entries were left out in the minute before this one)`)
      windowStart = at
      written = 0
      suppressed = 0
    }
    if (written >= perMinute) {
      suppressed += 1
      return
    }
    written += 1
    write(...parts)
  }
}
