export type TokenBucketParameters = {
  /** Tokens added per second, up to `capacity`. */
  ratePerSecond: number
  /** Tokens held at most, and at the start: the burst allowed after a quiet spell. */
  capacity: number
  now?: (() => number) | undefined
}

/**
 * A rate limit: each `take()` spends one token; tokens come back at a steady rate.
 *
 * @example
 * const bucket = new TokenBucket({ ratePerSecond: 100, capacity: 500 })
 * if (!bucket.take()) dropFrame()
 */
export class TokenBucket {
  readonly #rate: number
  readonly #capacity: number
  readonly #now: () => number
  #tokens: number
  #updatedAt: number

  constructor({ ratePerSecond, capacity, now = Date.now }: TokenBucketParameters) {
    this.#rate = ratePerSecond
    this.#capacity = capacity
    this.#now = now
    this.#tokens = capacity
    this.#updatedAt = now()
  }

  /** Spends one token; false (and nothing spent) when none is left. */
  take(): boolean {
    const now = this.#now()
    // A clock that steps back (fake timers, NTP) adds nothing rather than taking tokens away.
    const elapsedMs = Math.max(0, now - this.#updatedAt)
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsedMs * this.#rate) / 1000)
    this.#updatedAt = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
