import type { PeerLink } from '../p2p/PeerLink.ts'
import { RateLimiter } from '../pieces/RateLimiter.ts'

/** Bodies up to this size are sent without waiting for the cap. */
const smallBodyBytes = 64 * 1024

/**
 * Everything bulky a job host sends (kernels, unit inputs, pieces) goes through here: paced to
 * the requester's uplink cap, if one is set, and counted, so the requester sees what the job
 * cost its connection.
 *
 * @example
 * const uplink = new HostUplink(2 * 1024 * 1024)
 * await uplink.send(link, message, piece)
 */
export class HostUplink {
  readonly #limiter: RateLimiter | undefined
  #sentBytes = 0

  /** `bytesPerSecond`: the cap; `Infinity` for none. */
  constructor(bytesPerSecond = Infinity) {
    this.#limiter = bytesPerSecond === Infinity ? undefined : new RateLimiter({ bytesPerSecond })
  }

  /** Bodies sent so far: the job data this host uploaded. */
  get sentBytes(): number {
    return this.#sentBytes
  }

  async send<Out>(link: PeerLink<Out, unknown>, message: Out, body: Uint8Array): Promise<void> {
    // No wait, not even a tick, while under the cap: messages keep the order they were sent in.
    // A small body (a kernel, a short input) counts against the cap but never waits behind
    // pieces: it would hold a volunteer's start back for seconds to save milliseconds.
    const wait = body.length && this.#limiter ? this.#limiter.reserve(body.length) : 0
    if (wait > 0 && body.length > smallBodyBytes)
      await new Promise((resolve) => setTimeout(resolve, wait))
    await link.send(message, body)
    this.#sentBytes += body.length
  }
}
