/** Events per second over a sliding window: the host's "units per second". */
export class RateMeter {
  readonly #windowMs: number
  readonly #times: number[] = []
  #head = 0

  constructor(windowMs: number) {
    this.#windowMs = windowMs
  }

  record(now: number): void {
    this.#times.push(now)
  }

  perSecond(now: number): number {
    while (this.#head < this.#times.length && this.#times[this.#head]! < now - this.#windowMs) {
      this.#head++
    }
    // Drop the expired prefix now and then, not on every call.
    if (this.#head > 1024) {
      this.#times.splice(0, this.#head)
      this.#head = 0
    }
    return (this.#times.length - this.#head) / (this.#windowMs / 1000)
  }
}
