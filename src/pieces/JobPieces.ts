import { sha256Hex } from '../crypto/sha256Hex.ts'
import {
  JOB_PROTOCOL_VERSION,
  type HostMessage,
  type UnitPiece,
  type VolunteerMessage,
} from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { PieceFetchError } from './errors.ts'
import type { PieceCache } from './PieceCache.ts'
import type { PieceFetcher } from './PieceFetcher.ts'

type HostLink = PeerLink<VolunteerMessage, HostMessage>
type FromHost = Extract<HostMessage, { type: 'piece' | 'piece-sources' }>

/**
 * One job's side of a volunteer's fetching (`PieceFetcher.forJob`): its content root, and the
 * conversation with its host about pieces: the ones it pushes, `piece-request`s and the
 * `piece-sources` answers, `have` announcements and `bad-piece` reports.
 *
 * @example
 * const job = fetcher.forJob(welcome.content.root, hostLink)
 * const input = await job.unitInput(assign.pieces)
 */
export class JobPieces {
  readonly root: string
  readonly #fetcher: PieceFetcher
  readonly #host: HostLink
  /** What the host sent or said about a piece, waited for by index. */
  readonly #waiting = new Map<number, { resolve: (answer: HostAnswer) => void }>()
  /** Pieces pushed before anyone waited for them. */
  readonly #early = new Map<number, HostAnswer>()
  #announce: number[] = []
  #announceTimer: ReturnType<typeof setTimeout> | undefined

  constructor(fetcher: PieceFetcher, root: string, host: HostLink) {
    this.#fetcher = fetcher
    this.root = root
    this.#host = host
    host.onClose(() => {
      clearTimeout(this.#announceTimer)
      for (const waiter of this.#waiting.values()) waiter.resolve({ kind: 'gone' })
      this.#waiting.clear()
    })
  }

  get localPeerId(): string {
    return this.#host.localPeerId
  }

  /**
   * The input of a unit: its pieces fetched (all at once) and checked, in order. Call it as soon
   * as the `assign` arrives: pieces the host pushes right after are then expected.
   */
  async unitInput(pieces: readonly UnitPiece[]): Promise<Uint8Array<ArrayBuffer>> {
    const parts = await Promise.all(pieces.map((piece) => this.#fetcher.fetch(this, piece)))
    const input = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
    let at = 0
    for (const part of parts) {
      input.set(part, at)
      at += part.length
    }
    return input
  }

  /** Tells the host which pieces of this job the cache already holds (after a reload, say). */
  async announceHeld(cache: PieceCache): Promise<void> {
    const held = await cache.held(this.root)
    for (let i = 0; i < held.length; i += 1000)
      await this.#host.send({
        v: JOB_PROTOCOL_VERSION,
        type: 'have',
        indices: held.slice(i, i + 1000).map((piece) => piece.index),
      })
  }

  /** Takes the host's `piece` and `piece-sources` messages. */
  receive(message: FromHost, body: Uint8Array): void {
    const answer: HostAnswer =
      message.type === 'piece'
        ? { kind: 'piece', sha256: message.sha256, bytes: body.slice() }
        : { kind: 'sources', peers: message.peers }
    const waiter = this.#waiting.get(message.index)
    if (waiter) {
      this.#waiting.delete(message.index)
      waiter.resolve(answer)
    } else if (answer.kind === 'piece' && this.#early.size < 256) {
      this.#early.set(message.index, answer)
    }
  }

  /** @internal Waits for a piece the host pushes; `gone` after `timeoutMs`. */
  async awaitHost(piece: UnitPiece, timeoutMs: number): Promise<CheckedAnswer> {
    const early = this.#early.get(piece.index)
    this.#early.delete(piece.index)
    return this.#check(piece, early ?? (await this.#wait(piece.index, timeoutMs)))
  }

  /** @internal Asks the host for a piece, after the peers in `tried`. */
  async askHost(
    piece: UnitPiece,
    tried: string[],
    timeoutMs: number,
  ): Promise<Exclude<CheckedAnswer, { kind: 'gone' }>> {
    const answer = this.#wait(piece.index, timeoutMs)
    await this.#host.send({
      v: JOB_PROTOCOL_VERSION,
      type: 'piece-request',
      index: piece.index,
      tried,
    })
    const checked = await this.#check(piece, await answer)
    if (checked.kind === 'gone')
      throw new PieceFetchError(`the host did not send piece ${piece.index}`)
    return checked
  }

  /** @internal Tells the host this volunteer now holds piece `index` (batched). */
  announce(index: number): void {
    this.#announce.push(index)
    this.#announceTimer ??= setTimeout(() => {
      this.#announceTimer = undefined
      while (this.#announce.length) {
        const indices = this.#announce.splice(0, 1000)
        void this.#host
          .send({ v: JOB_PROTOCOL_VERSION, type: 'have', indices })
          .catch(() => undefined)
      }
    }, 50)
  }

  /** @internal */
  reportBadPiece(peerId: string, index: number): void {
    void this.#host
      .send({ v: JOB_PROTOCOL_VERSION, type: 'bad-piece', peerId, index })
      .catch(() => undefined)
  }

  #wait(index: number, timeoutMs: number): Promise<HostAnswer> {
    this.#waiting.get(index)?.resolve({ kind: 'gone' })
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.#waiting.get(index) === waiter) this.#waiting.delete(index)
        resolve({ kind: 'gone' })
      }, timeoutMs)
      const waiter: { resolve: (answer: HostAnswer) => void } = {
        resolve: (answer) => {
          clearTimeout(timer)
          resolve(answer)
        },
      }
      this.#waiting.set(index, waiter)
    })
  }

  /** The host is the job's authority: a piece from it that fails its hash is a broken host. */
  async #check(piece: UnitPiece, answer: HostAnswer): Promise<CheckedAnswer> {
    if (answer.kind !== 'piece') return answer
    if (
      answer.sha256 !== piece.sha256 ||
      answer.bytes.length !== piece.bytes ||
      (await sha256Hex(answer.bytes)) !== piece.sha256
    )
      throw new PieceFetchError(`the host sent bytes that are not piece ${piece.index}`)
    return { kind: 'piece', bytes: answer.bytes }
  }
}

type HostAnswer =
  | { kind: 'piece'; sha256: string; bytes: Uint8Array<ArrayBuffer> }
  | { kind: 'sources'; peers: string[] }
  | { kind: 'gone' }
type CheckedAnswer =
  | { kind: 'piece'; bytes: Uint8Array<ArrayBuffer> }
  | { kind: 'sources'; peers: string[] }
  | { kind: 'gone' }
