export type PendingMessagesLimits = {
  /** Messages one sender may have waiting, for all its destinations together. */
  maxPerSender: number
  maxBytesPerSender: number
  /** Messages waiting in all. */
  maxMessages: number
  maxBytes: number
  /** How long a message waits for its destination before the sender is told EXPIRE. */
  expireAfterMs: number
}

export type PendingMessage = {
  src: string
  dst: string
  /** The serialized frame, as it will be delivered. */
  frame: string
  bytes: number
  queuedAt: number
}

/**
 * Frames for peer ids that no peer holds yet (a host reconnecting, an offer racing its target's
 * registration), kept on the sender's node until the target comes or the wait expires. Bounded
 * per sender and in all, so that offers to ids that never come cannot grow the process.
 *
 * @example
 * if (!pending.add(src, dst, frame)) sendExpire(src, dst)
 */
export class PendingMessages {
  readonly #limits: PendingMessagesLimits
  readonly #now: () => number
  readonly #byDestination = new Map<string, PendingMessage[]>()
  readonly #bySender = new Map<string, { count: number; bytes: number }>()
  #count = 0
  #bytes = 0

  constructor(limits: PendingMessagesLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  get size(): number {
    return this.#count
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Queues `frame` for `dst`; false, and nothing queued, when a limit would be passed. */
  add(src: string, dst: string, frame: string): boolean {
    const limits = this.#limits
    const bytes = Buffer.byteLength(frame)
    const sender = this.#bySender.get(src) ?? { count: 0, bytes: 0 }
    if (
      sender.count + 1 > limits.maxPerSender ||
      sender.bytes + bytes > limits.maxBytesPerSender ||
      this.#count + 1 > limits.maxMessages ||
      this.#bytes + bytes > limits.maxBytes
    )
      return false
    sender.count += 1
    sender.bytes += bytes
    this.#bySender.set(src, sender)
    this.#count += 1
    this.#bytes += bytes
    const queue = this.#byDestination.get(dst)
    const message = { src, dst, frame, bytes, queuedAt: this.#now() }
    if (queue) queue.push(message)
    else this.#byDestination.set(dst, [message])
    return true
  }

  /** Removes and returns what waits for `dst`, oldest first. */
  take(dst: string): PendingMessage[] {
    const queue = this.#byDestination.get(dst)
    if (!queue) return []
    this.#byDestination.delete(dst)
    for (const message of queue) this.#release(message)
    return queue
  }

  /** Removes and returns every message that has waited `expireAfterMs` or longer. */
  expire(): PendingMessage[] {
    const cutoff = this.#now() - this.#limits.expireAfterMs
    const expired: PendingMessage[] = []
    for (const [dst, queue] of this.#byDestination) {
      // Each queue is in arrival order, so the expired ones are a prefix.
      let end = 0
      while (end < queue.length && queue[end]!.queuedAt <= cutoff) end += 1
      if (end === 0) continue
      const gone = queue.splice(0, end)
      for (const message of gone) this.#release(message)
      expired.push(...gone)
      if (queue.length === 0) this.#byDestination.delete(dst)
    }
    return expired
  }

  /** Forgets what `src` sent: it left, and an offer from a peer that has gone can only fail. */
  dropFrom(src: string): void {
    if (!this.#bySender.has(src)) return
    for (const [dst, queue] of this.#byDestination) {
      const kept = queue.filter((message) => message.src !== src)
      if (kept.length === queue.length) continue
      for (const message of queue) if (message.src === src) this.#release(message)
      if (kept.length === 0) this.#byDestination.delete(dst)
      else this.#byDestination.set(dst, kept)
    }
  }

  /** Whether something waits for `dst`. */
  waitsFor(dst: string): boolean {
    return this.#byDestination.has(dst)
  }

  /** The ids something waits for. */
  destinations(): string[] {
    return [...this.#byDestination.keys()]
  }

  clear(): void {
    this.#byDestination.clear()
    this.#bySender.clear()
    this.#count = 0
    this.#bytes = 0
  }

  #release(message: PendingMessage): void {
    this.#count -= 1
    this.#bytes -= message.bytes
    const sender = this.#bySender.get(message.src)
    if (!sender) return
    sender.count -= 1
    sender.bytes -= message.bytes
    if (sender.count === 0) this.#bySender.delete(message.src)
  }
}
