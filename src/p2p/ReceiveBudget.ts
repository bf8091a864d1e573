import { ReceiveBudgetError } from './errors.ts'

/** Gives a reservation's bytes back to its budget; calls after the first do nothing. */
export type ReleaseReservation = () => void

/**
 * Bytes that the unfinished incoming messages of several channels may hold together. A per-link
 * `maxMessageBytes` alone lets a host with many peers hold that much for each of them: peers
 * that each declare a large message and then trickle it grow the tab without bound. Channels
 * reserve a message's declared length from the budget at its first frame and release it when the
 * message completes or the channel closes. Synchronous: it runs inside one tab's event loop.
 *
 * @example
 * const receiveBudget = new ReceiveBudget(256 * 1024 * 1024)
 * const framed = new FramedChannel(dataChannel, { receiveBudget })
 */
export class ReceiveBudget {
  readonly limitBytes: number
  #heldBytes = 0

  constructor(limitBytes: number) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) {
      throw new RangeError(`A receive budget must be a whole number of bytes, not ${limitBytes}.`)
    }
    this.limitBytes = limitBytes
  }

  /** Bytes reserved by unfinished messages now. */
  get heldBytes(): number {
    return this.#heldBytes
  }

  /** Bytes a new reservation may still take. */
  get availableBytes(): number {
    return this.limitBytes - this.#heldBytes
  }

  /**
   * Reserves `bytes`, or throws `p2p/receive-budget` when they do not fit in what is left.
   * Returns the function that gives them back; calling it twice does not free them twice.
   */
  reserve(bytes: number): ReleaseReservation {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`A reservation must be a whole number of bytes, not ${bytes}.`)
    }
    if (bytes > this.availableBytes) {
      throw new ReceiveBudgetError({ requested: bytes, available: this.availableBytes })
    }
    this.#heldBytes += bytes
    let released = false
    return () => {
      if (released) return
      released = true
      this.#heldBytes -= bytes
    }
  }
}
