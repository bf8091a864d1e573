import type { UnitPiece } from '../p2p/messages.ts'
import type { ServerLink } from './PieceFetcher.ts'
import { PIECE_PROTOCOL_VERSION } from './pieceMessages.ts'
type Waiter = { resolve: (bytes: Uint8Array<ArrayBuffer> | undefined) => void }

/**
 * A link to another volunteer's `PieceServer`, shared by the requests a `PieceFetcher` makes to
 * it: one request per piece at a time, each with its time limit; it closes after `idleMs` with
 * nothing asked.
 */
export class PooledLink {
  readonly ready: Promise<PooledLink>
  lastUsed = Date.now()
  closed = false
  #link: ServerLink | undefined
  readonly #waiting = new Map<number, Waiter>()
  readonly #idleMs: number
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  readonly #onClosed: () => void

  constructor(opening: Promise<ServerLink>, idleMs: number, onClosed: () => void) {
    this.#idleMs = idleMs
    this.#onClosed = onClosed
    this.ready = opening.then(
      (link) => {
        this.#link = link
        if (this.closed) link.close()
        link.onClose(() => this.#finish())
        link.onMessage((message, body) => {
          const waiter = this.#waiting.get(message.index)
          if (!waiter) return link.close()
          this.#waiting.delete(message.index)
          waiter.resolve(message.type === 'piece' ? body.slice() : undefined)
          this.#touch()
        })
        this.#touch()
        return this
      },
      (error: unknown) => {
        this.#finish()
        throw error
      },
    )
  }

  get(
    root: string,
    piece: UnitPiece,
    timeoutMs: number,
  ): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const link = this.#link
    if (!link || this.closed || this.#waiting.has(piece.index)) return Promise.resolve(undefined)
    this.#touch()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(piece.index)
        resolve(undefined)
      }, timeoutMs)
      this.#waiting.set(piece.index, {
        resolve: (bytes) => {
          clearTimeout(timer)
          resolve(bytes)
        },
      })
      link
        .send({
          v: PIECE_PROTOCOL_VERSION,
          type: 'get',
          root,
          index: piece.index,
          sha256: piece.sha256,
        })
        .catch(() => this.close())
    })
  }

  close(): void {
    this.#link?.close()
    this.#finish()
  }

  #touch(): void {
    this.lastUsed = Date.now()
    clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => {
      if (this.#waiting.size === 0) this.close()
      else this.#touch()
    }, this.#idleMs)
  }

  #finish(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.#idleTimer)
    for (const waiter of this.#waiting.values()) waiter.resolve(undefined)
    this.#waiting.clear()
    this.#onClosed()
  }
}
