export type RateLimiterParameters = {
  /** Bytes per second on average; `Infinity` for no limit. */
  bytesPerSecond: number
  /** Bytes that may go at once after a quiet spell (default a quarter second's worth, at least 256 KiB). */
  burstBytes?: number | undefined
  now?: (() => number) | undefined
}

/**
 * Paces bytes to a rate (a generic cell rate algorithm): each `take(bytes)` reserves its place
 * in line when called and resolves when those bytes may go, so callers are served in order and
 * a burst is spread out. The requester's uplink cap and a volunteer's upload share both use it.
 *
 * @example
 * const uplink = new RateLimiter({ bytesPerSecond: 2 * 1024 * 1024 })
 * await uplink.take(piece.length)
 * await link.send(header, piece)
 */
export class RateLimiter {
  #bytesPerSecond: number
  readonly #burstBytes: number | undefined
  readonly #now: () => number
  /** When the line is clear: the moment every byte reserved so far has gone, at the rate. */
  #clearAt = 0

  constructor({ bytesPerSecond, burstBytes, now = Date.now }: RateLimiterParameters) {
    this.#bytesPerSecond = checkRate(bytesPerSecond)
    this.#burstBytes = burstBytes
    this.#now = now
  }

  get bytesPerSecond(): number {
    return this.#bytesPerSecond
  }

  /** A new rate, for reservations from now on. */
  setRate(bytesPerSecond: number): void {
    this.#bytesPerSecond = checkRate(bytesPerSecond)
  }

  /** Resolves once `bytes` may be sent at the rate; at once while under the burst allowance. */
  take(bytes: number): Promise<void> {
    const wait = this.reserve(bytes)
    return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve()
  }

  /** Reserves `bytes` and returns the milliseconds to wait before sending them. */
  reserve(bytes: number): number {
    const rate = this.#bytesPerSecond
    if (rate === Infinity) return 0
    const now = this.#now()
    const burst = this.#burstBytes ?? Math.max(rate / 4, 256 * 1024)
    this.#clearAt = Math.max(this.#clearAt, now) + (bytes / rate) * 1000
    return Math.max(0, this.#clearAt - now - (burst / rate) * 1000)
  }
}

function checkRate(bytesPerSecond: number): number {
  if (!(bytesPerSecond > 0))
    throw new RangeError(`a rate must be above 0 bytes per second, not ${bytesPerSecond}`)
  return bytesPerSecond
}
