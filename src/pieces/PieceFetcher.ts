import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { HostMessage, UnitPiece, VolunteerMessage } from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { PieceFetchError } from './errors.ts'
import { JobPieces } from './JobPieces.ts'
import type { PieceCache } from './PieceCache.ts'
import type { SeekerMessage, ServerMessage } from './pieceMessages.ts'
import { PooledLink } from './PooledLink.ts'

export type ServerLink = PeerLink<SeekerMessage, ServerMessage>
type HostLink = PeerLink<VolunteerMessage, HostMessage>

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
