import type { PeerLink } from '../p2p/PeerLink.ts'
import type { PieceCache } from './PieceCache.ts'
import { PIECE_PROTOCOL_VERSION, type SeekerMessage, type ServerMessage } from './pieceMessages.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'
import { RateLimiter } from './RateLimiter.ts'

export type SeekerLink = PeerLink<ServerMessage, SeekerMessage>

export type PieceServerParameters = {
  cache: PieceCache
  /** The upload share, bytes per second; 0: serve nothing. */
  uploadBytesPerSecond: number
  /** A piece this volunteer is fetching right now (from `PieceFetcher`): serve it once it has it. */
  pending?: ((sha256: string) => Promise<Uint8Array | undefined> | undefined) | undefined
  /** How long a request waits for a piece being fetched (default 10 s). */
  pendingWaitMs?: number
  /** Requests waiting on one link; one more closes it (default 8). */
  maxQueuedPerLink?: number
  /** Requests waiting in all; past it, requests are answered `busy` (default 32). */
  maxQueued?: number
  /** Seeker links open at once; more are closed (default 16). */
  maxLinks?: number
  /**
   * The longest a request may wait for its turn at the upload share (default 4 s): past it, it
   * is answered `busy` at once, so the seeker asks elsewhere rather than waiting out its timeout
   * while this side still spends its share on a piece nobody wants any more.
   */
  maxWaitMs?: number
}

/**
 * Serves the pieces a volunteer holds to the other volunteers of its jobs, within its upload
 * share: each link's requests in order, all links' bytes paced together by one `RateLimiter`.
 * A seeker that queues too much is cut off; when too much waits in all, requests are answered
 * `busy` so seekers go elsewhere at once. A piece still being fetched is served once it arrives.
 *
 * @example
 * const server = new PieceServer({ cache, uploadBytesPerSecond: 512 * 1024 })
 * peer.on('connection', (c) => c.label === PIECE_CONNECTION_LABEL && c.on('open', () => server.attach(linkOf(c))))
 */
export class PieceServer {
  readonly #cache: PieceCache
  readonly #pending: PieceServerParameters['pending']
  readonly #pendingWaitMs: number
  readonly #maxQueuedPerLink: number
  readonly #maxQueued: number
  readonly #maxLinks: number
  readonly #maxWaitMs: number
  readonly #links = new Set<SeekerLink>()
  #limiter: RateLimiter | undefined
  #queued = 0
  #uploadedBytes = 0
  #served = 0

  constructor({
    cache,
    uploadBytesPerSecond,
    pending,
    pendingWaitMs = 10_000,
    maxQueuedPerLink = 8,
    maxQueued = 32,
    maxLinks = 16,
    maxWaitMs = 4000,
  }: PieceServerParameters) {
    this.#maxWaitMs = maxWaitMs
    this.#cache = cache
    this.#pending = pending
    this.#pendingWaitMs = pendingWaitMs
    this.#maxQueuedPerLink = maxQueuedPerLink
    this.#maxQueued = maxQueued
    this.#maxLinks = maxLinks
    this.setUploadShare(uploadBytesPerSecond)
  }

  /** Whether it serves at all (its upload share is above 0). */
  get serving(): boolean {
    return this.#limiter !== undefined
  }

  /** Bytes of pieces sent to other volunteers so far, and how many pieces. */
  get stats(): { uploadedBytes: number; served: number; links: number } {
    return { uploadedBytes: this.#uploadedBytes, served: this.#served, links: this.#links.size }
  }

  /** A new upload share, bytes per second; 0 turns serving off (requests are answered `off`). */
  setUploadShare(bytesPerSecond: number): void {
    if (!(bytesPerSecond >= 0))
      throw new RangeError(`an upload share must be at least 0, not ${bytesPerSecond}`)
    if (bytesPerSecond === 0) this.#limiter = undefined
    else if (this.#limiter) this.#limiter.setRate(bytesPerSecond)
    else this.#limiter = new RateLimiter({ bytesPerSecond })
  }

  /** Serves a seeker's link until it closes. */
  attach(link: SeekerLink): void {
    if (this.#links.size >= this.#maxLinks) return link.close()
    this.#links.add(link)
    let waiting = 0
    let line = Promise.resolve()
    link.onClose(() => this.#links.delete(link))
    link.onMessage((message) => {
      if (waiting >= this.#maxQueuedPerLink) return link.close()
      if (!this.#limiter) return void this.#answer(link, missing(message.index, 'off'))
      // Each waiting request counted as a whole piece: the most it can be.
      const waitMs = (((this.#queued + 1) * MAX_PIECE_BYTES) / this.#limiter.bytesPerSecond) * 1000
      if (this.#queued >= this.#maxQueued || waitMs > this.#maxWaitMs)
        return void this.#answer(link, missing(message.index, 'busy'))
      waiting++
      this.#queued++
      line = line
        .then(() => this.#serve(link, message))
        .catch(() => link.close())
        .finally(() => {
          waiting--
          this.#queued--
        })
    })
  }

  async #serve(link: SeekerLink, request: SeekerMessage): Promise<void> {
    const { index, sha256 } = request
    const bytes = (await this.#cache.get(sha256)) ?? (await this.#waitPending(sha256))
    const limiter = this.#limiter
    if (!bytes) return this.#answer(link, missing(index, 'not-held'))
    if (!limiter) return this.#answer(link, missing(index, 'off'))
    await limiter.take(bytes.length)
    await link.send({ v: PIECE_PROTOCOL_VERSION, type: 'piece', index, sha256 }, bytes)
    this.#uploadedBytes += bytes.length
    this.#served++
  }

  async #waitPending(sha256: string): Promise<Uint8Array | undefined> {
    const pending = this.#pending?.(sha256)
    if (!pending) return undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#pendingWaitMs)
    })
    try {
      return await Promise.race([pending.catch(() => undefined), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  #answer(link: SeekerLink, message: ServerMessage): Promise<void> {
    return link.send(message).catch(() => link.close())
  }

  /** Closes every seeker's link. */
  close(): void {
    for (const link of this.#links) link.close()
    this.#links.clear()
  }
}

function missing(index: number, reason: 'not-held' | 'busy' | 'off'): ServerMessage {
  return { v: PIECE_PROTOCOL_VERSION, type: 'missing', index, reason }
}
