import { sha256Hex } from '../crypto/sha256Hex.ts'
import {
  JOB_PROTOCOL_VERSION,
  type HostMessage,
  type UnitPiece,
  type VolunteerMessage,
} from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import type { PieceCache } from './PieceCache.ts'
import { PIECE_PROTOCOL_VERSION, type SeekerMessage, type ServerMessage } from './pieceMessages.ts'
import { PieceFetchError } from './errors.ts'

export type ServerLink = PeerLink<SeekerMessage, ServerMessage>
type HostLink = PeerLink<VolunteerMessage, HostMessage>
type FromHost = Extract<HostMessage, { type: 'piece' | 'piece-sources' }>

export type PieceFetcherParameters = {
  cache: PieceCache
  /** Opens a piece link to another volunteer (a data connection labelled for pieces). */
  connect: (peerId: string) => Promise<ServerLink>
  /** Whether this volunteer serves what it fetches: only then does it tell the host it holds it. */
  serving: () => boolean
  /** How long one peer has to answer a request (default 10 s). */
  requestTimeoutMs?: number
  /** How long a piece the host pushes may take before it is asked for (default 30 s). */
  pushWaitMs?: number
  /** Links to other volunteers kept open at once (default 8); a link idle for `idleMs` closes. */
  maxLinks?: number
  idleMs?: number
}

/** Where the bytes of the pieces this volunteer fetched came from. */
export type FetchStats = {
  fromCache: number
  fromPeers: number
  fromHost: number
  /** Pieces peers served that did not match their hash (each peer then dropped). */
  badPieces: number
}

/** Rounds of asking the host before a piece is given up: the host serves by the last one. */
const maxHostRounds = 4

/**
 * Fetches the pieces of the units a volunteer is given: from its cache, else from the peers the
 * host names (in order), else from the host, which either sends the piece or names peers not yet
 * tried. Every piece is checked against its hash; a peer that serves a bad one is dropped, never
 * asked again, and reported to the host. A piece is fetched once however many ask for it at a
 * time, and what arrives is cached and announced to the host (`have`), so that the host can name
 * this volunteer to others.
 *
 * @example
 * const job = fetcher.forJob(welcome.content.root, hostLink)
 * const input = await job.unitInput(assign.pieces)
 */
export class PieceFetcher {
  readonly #cache: PieceCache
  readonly #connect: (peerId: string) => Promise<ServerLink>
  readonly #serving: () => boolean
  readonly #requestTimeoutMs: number
  readonly #pushWaitMs: number
  readonly #maxLinks: number
  readonly #idleMs: number
  /** Pieces being fetched now, by hash. */
  readonly #inFlight = new Map<string, Promise<Uint8Array<ArrayBuffer>>>()
  readonly #links = new Map<string, PooledLink>()
  /** Peers that served a bad piece: never asked again. */
  readonly #banned = new Set<string>()
  readonly stats: FetchStats = { fromCache: 0, fromPeers: 0, fromHost: 0, badPieces: 0 }

  constructor({
    cache,
    connect,
    serving,
    requestTimeoutMs = 10_000,
    pushWaitMs = 30_000,
    maxLinks = 8,
    idleMs = 30_000,
  }: PieceFetcherParameters) {
    this.#cache = cache
    this.#connect = connect
    this.#serving = serving
    this.#requestTimeoutMs = requestTimeoutMs
    this.#pushWaitMs = pushWaitMs
    this.#maxLinks = maxLinks
    this.#idleMs = idleMs
  }

  /** A piece being fetched right now, for the `PieceServer` to serve once it is here. */
  pending(sha256: string): Promise<Uint8Array> | undefined {
    return this.#inFlight.get(sha256)
  }

  /** The pieces of one job, fetched with the help of its host. */
  forJob(root: string, host: HostLink): JobPieces {
    return new JobPieces(this, root, host)
  }

  /** Closes every link to other volunteers. */
  close(): void {
    for (const pooled of this.#links.values()) pooled.close()
    this.#links.clear()
  }

  /** @internal Fetches one piece once, however many units wait for it. */
  fetch(job: JobPieces, piece: UnitPiece): Promise<Uint8Array<ArrayBuffer>> {
    const running = this.#inFlight.get(piece.sha256)
    if (running) return running
    const fetching = this.#fetch(job, piece).finally(() => this.#inFlight.delete(piece.sha256))
    this.#inFlight.set(piece.sha256, fetching)
    return fetching
  }

  async #fetch(job: JobPieces, piece: UnitPiece): Promise<Uint8Array<ArrayBuffer>> {
    const cached = await this.#cache.get(piece.sha256)
    if (cached && cached.length === piece.bytes) {
      this.stats.fromCache += cached.length
      return cached
    }
    if (piece.pushed) {
      const pushed = await job.awaitHost(piece, this.#pushWaitMs)
      if (pushed.kind === 'piece') return this.#keep(job, piece, pushed.bytes, 'host')
    }
    const tried: string[] = []
    let peers = piece.peers
    for (let round = 0; ; round++) {
      for (const peerId of peers) {
        if (tried.includes(peerId) || peerId === job.localPeerId) continue
        tried.push(peerId)
        const bytes = await this.#fromPeer(job, peerId, piece)
        if (bytes) return this.#keep(job, piece, bytes, 'peers')
      }
      if (round === maxHostRounds)
        throw new PieceFetchError(
          `piece ${piece.index} could not be fetched from the host or ${tried.length} peers`,
        )
      const answer = await job.askHost(piece, tried.slice(-16), this.#requestTimeoutMs * 3)
      if (answer.kind === 'piece') return this.#keep(job, piece, answer.bytes, 'host')
      peers = answer.peers
    }
  }

  async #keep(
    job: JobPieces,
    piece: UnitPiece,
    bytes: Uint8Array<ArrayBuffer>,
    from: 'host' | 'peers',
  ): Promise<Uint8Array<ArrayBuffer>> {
    if (from === 'host') this.stats.fromHost += bytes.length
    else this.stats.fromPeers += bytes.length
    await this.#cache.put({ root: job.root, index: piece.index, sha256: piece.sha256, bytes })
    if (this.#serving()) job.announce(piece.index)
    return bytes
  }

  /** Asks one peer; undefined when it cannot help (missing, unreachable, slow, or lying). */
  async #fromPeer(
    job: JobPieces,
    peerId: string,
    piece: UnitPiece,
  ): Promise<Uint8Array<ArrayBuffer> | undefined> {
    if (this.#banned.has(peerId)) return undefined
    const pooled = await this.#link(peerId).catch(() => undefined)
    if (!pooled) return undefined
    const answer = await pooled.get(job.root, piece, this.#requestTimeoutMs)
    if (!answer) return undefined
    if (answer.length === piece.bytes && (await sha256Hex(answer)) === piece.sha256) return answer
    this.stats.badPieces++
    this.#banned.add(peerId)
    pooled.close()
    job.reportBadPiece(peerId, piece.index)
    return undefined
  }

  #link(peerId: string): Promise<PooledLink> {
    const open = this.#links.get(peerId)
    if (open && !open.closed) return open.ready
    if (this.#links.size >= this.#maxLinks) {
      const idlest = [...this.#links.values()].sort((a, b) => a.lastUsed - b.lastUsed)[0]
      idlest?.close()
    }
    const pooled = new PooledLink(this.#connect(peerId), this.#idleMs, () => {
      if (this.#links.get(peerId) === pooled) this.#links.delete(peerId)
    })
    this.#links.set(peerId, pooled)
    return pooled.ready
  }
}

/** One job's side of the fetching: its root, and the conversation with its host about pieces. */
export class JobPieces {
  readonly root: string
  readonly #fetcher: PieceFetcher
  readonly #host: HostLink
  /** What the host sent or said about a piece, waited for by index. */
  readonly #waiting = new Map<number, Waiter<HostAnswer>>()
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
      const waiter: Waiter<HostAnswer> = {
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
type Waiter<T> = { resolve: (value: T) => void }

/** A link to another volunteer's `PieceServer`, shared by the requests made to it. */
class PooledLink {
  readonly ready: Promise<PooledLink>
  lastUsed = Date.now()
  closed = false
  #link: ServerLink | undefined
  readonly #waiting = new Map<number, Waiter<Uint8Array<ArrayBuffer> | undefined>>()
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
