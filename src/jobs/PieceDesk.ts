import {
  JOB_PROTOCOL_VERSION,
  type HostMessage,
  type UnitPiece,
  type VolunteerMessage,
} from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import type { PieceRange } from '../pieces/InputPieces.ts'
import type { JobContent } from '../pieces/JobContent.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import type { HostUplink } from './HostUplink.ts'
import { PieceTracker } from './PieceTracker.ts'

type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>
type PieceRequest = Extract<VolunteerMessage, { type: 'piece-request' }>
type Have = Extract<VolunteerMessage, { type: 'have' }>
type BadPiece = Extract<VolunteerMessage, { type: 'bad-piece' }>

/** Times one volunteer may ask for one piece: a second unit of it, a fetch that failed. */
const maxRequestsPerPiece = 4
/** Peers `tried` after which the host serves a piece itself, whoever else holds it. */
const serveAfterTried = 4
/** Sources one identity may have suspended: a liar cannot turn the whole swarm off. */
const maxReportsPerIdentity = 3

/** What the data swarm saved the requester's uplink, for its progress. */
export type SwarmFigures = {
  /** Pieces the host sent, asked for or pushed. */
  piecesSent: number
  /** Pieces the host answered with other volunteers' ids instead. */
  redirected: number
  /** Volunteers' `have` pieces: what others can fetch from them. */
  announced: number
  /** Volunteers suspended as sources for serving a bad piece. */
  suspendedSources: number
}

export type PieceDeskParameters = {
  content: JobContent
  uplink: HostUplink
  /** Keeps a protocol violation (the link is then closed by the caller's rules). */
  violation: (link: VolunteerLink, what: string) => void
  /** Keeps something the requester should see without closing the link. */
  record: (link: VolunteerLink, what: string) => void
}

/**
 * The job host's part in its data swarm: it names the kernel's pieces in its `welcome` and each
 * unit's pieces in its `assign`, with the volunteers that hold them (its `PieceTracker`), pushes
 * the pieces nobody else has right after, and answers `piece-request`s by sending the piece only
 * when no volunteer not yet tried holds it. A volunteer may ask only for pieces of its kernel and
 * of units it was given. A volunteer reported for a bad
 * piece is suspended as a source, and the report is kept for the requester, naming both.
 *
 * A report cannot be proven (the reporter could make it up), so it never flags the accused's
 * results: it costs an honest accused volunteer only its uploads, and each identity may have at
 * most three sources suspended.
 *
 * @example
 * const desk = new PieceDesk({ content, uplink, violation, record })
 * const pieces = desk.assign(link, unit)
 * await link.send({ ...assign, pieces })
 * desk.push(link, pieces)
 */
export class PieceDesk {
  readonly #content: JobContent
  readonly #uplink: HostUplink
  readonly #violation: PieceDeskParameters['violation']
  readonly #record: PieceDeskParameters['record']
  readonly #tracker = new PieceTracker()
  /** Units given to each peer, and its requests per piece. */
  readonly #unitsOf = new Map<string, Set<number>>()
  /** What each peer's hello said its cache holds, served or not (the tracker keeps only sources). */
  readonly #heldBy = new Map<string, Set<number>>()
  /** The kernel file each peer was welcomed with. */
  readonly #kernelOf = new Map<string, KernelRef['kind']>()
  readonly #requestsOf = new Map<string, Map<number, number>>()
  readonly #identityOf = new Map<string, string>()
  readonly #suspendedIdentities = new Set<string>()
  readonly #reports = new Map<string, number>()
  readonly figures: SwarmFigures = {
    piecesSent: 0,
    redirected: 0,
    announced: 0,
    suspendedSources: 0,
  }

  constructor({ content, uplink, violation, record }: PieceDeskParameters) {
    this.#content = content
    this.#uplink = uplink
    this.#violation = violation
    this.#record = record
  }

  /** What the `welcome` says of the job's content. */
  get content(): { root: string; pieces: number } {
    return { root: this.#content.root, pieces: this.#content.count }
  }

  /** Whether units name input pieces (else their `assign` carries no input at all). */
  get hasInput(): boolean {
    return this.#content.inputCount > 0
  }

  /**
   * A volunteer said hello: `held` are the `[start, end)` ranges of pieces its cache holds (its
   * word, like a `have`), in order and apart, counted before anything is assigned to it.
   */
  join(
    link: VolunteerLink,
    identity: string,
    serving: boolean,
    held: readonly (readonly [number, number])[] = [],
  ): void {
    this.#identityOf.set(link.peerId, identity)
    this.#tracker.join(link.peerId, serving && !this.#suspendedIdentities.has(identity))
    const mine = new Set<number>()
    let after = 0
    for (const [start, end] of held) {
      if (end > this.#content.count)
        return this.#violation(link, `a hello holding pieces to ${end} of ${this.#content.count}`)
      // In order and apart, as a cache's holdings are: at most the job's pieces in all.
      if (start < after)
        return this.#violation(link, `a hello whose held ranges overlap or are out of order`)
      after = end
      for (let index = start; index < end; index++) {
        mine.add(index)
        this.#tracker.confirm(link.peerId, index)
      }
    }
    if (mine.size) this.#heldBy.set(link.peerId, mine)
    this.figures.announced += mine.size
  }

  leave(link: VolunteerLink): void {
    this.#tracker.leave(link.peerId)
    this.#unitsOf.delete(link.peerId)
    this.#kernelOf.delete(link.peerId)
    this.#heldBy.delete(link.peerId)
    this.#requestsOf.delete(link.peerId)
    this.#identityOf.delete(link.peerId)
  }

  /**
   * The pieces of the kernel file of `kind` for the `welcome` to `link`, with their sources;
   * `link` is registered as fetching them. Send those marked pushed with `push`.
   */
  kernel(link: VolunteerLink, kind: KernelRef['kind']): UnitPiece[] {
    this.#kernelOf.set(link.peerId, kind)
    return this.#name(link, this.#content.kernelPieces(kind))
  }

  /**
   * The pieces of `unit` for an `assign` to `link`, with their sources; `link` is registered as
   * fetching them. Pieces with no source are marked pushed: send them with `push`.
   */
  assign(link: VolunteerLink, unit: number): UnitPiece[] {
    let units = this.#unitsOf.get(link.peerId)
    if (!units) this.#unitsOf.set(link.peerId, (units = new Set()))
    units.add(unit)
    return this.#name(link, this.#content.unitPieces(unit))
  }

  #name(link: VolunteerLink, ranges: readonly PieceRange[]): UnitPiece[] {
    return ranges.map(({ index, start, end }) => {
      // Held already (its cache said so): it reads it there, or asks.
      const held =
        this.#tracker.holds(link.peerId, index) ||
        (this.#heldBy.get(link.peerId)?.has(index) ?? false)
      const peers = held ? [] : this.#tracker.sources(index, link.peerId)
      this.#tracker.expect(link.peerId, index)
      return {
        index,
        sha256: this.#content.sha256Of(index),
        bytes: end - start,
        peers,
        pushed: !held && peers.length === 0,
      }
    })
  }

  /** Sends the pieces `assign` marked pushed, in order. */
  async push(link: VolunteerLink, pieces: readonly UnitPiece[]): Promise<void> {
    for (const piece of pieces) if (piece.pushed) await this.#send(link, piece.index)
  }

  async request(link: VolunteerLink, { index, tried }: PieceRequest): Promise<void> {
    if (index >= this.#content.count)
      return this.#violation(link, `a request for piece ${index} of ${this.#content.count}`)
    const owner = this.#content.ownerOf(index)
    if ('unit' in owner && !this.#unitsOf.get(link.peerId)?.has(owner.unit))
      return this.#violation(link, `a request for piece ${index}, of a unit it was not given`)
    if ('kernel' in owner && this.#kernelOf.get(link.peerId) !== owner.kernel)
      return this.#violation(link, `a request for piece ${index}, of a kernel it was not given`)
    let requests = this.#requestsOf.get(link.peerId)
    if (!requests) this.#requestsOf.set(link.peerId, (requests = new Map()))
    const count = (requests.get(index) ?? 0) + 1
    if (count > maxRequestsPerPiece)
      return this.#violation(link, `${count} requests for piece ${index}`)
    requests.set(index, count)
    const peers =
      tried.length < serveAfterTried ? this.#tracker.sources(index, link.peerId, tried) : []
    if (peers.length) {
      this.figures.redirected++
      return link.send({ v: JOB_PROTOCOL_VERSION, type: 'piece-sources', index, peers })
    }
    await this.#send(link, index)
  }

  have(link: VolunteerLink, { indices }: Have): void {
    for (const index of indices) {
      if (index >= this.#content.count)
        return this.#violation(link, `a have for piece ${index} of ${this.#content.count}`)
      this.#tracker.confirm(link.peerId, index)
    }
    this.figures.announced += indices.length
  }

  badPiece(link: VolunteerLink, { peerId, index }: BadPiece): void {
    const reporter = this.#identityOf.get(link.peerId) ?? link.peerId
    const accused = this.#identityOf.get(peerId)
    if (this.#tracker.isSuspended(peerId)) return
    const reports = (this.#reports.get(reporter) ?? 0) + 1
    this.#reports.set(reporter, reports)
    if (reports > maxReportsPerIdentity)
      return this.#record(
        link,
        `a report that ${peerId} served a bad piece ${index}, past its ${maxReportsPerIdentity} reports: ignored`,
      )
    this.#tracker.suspend(peerId)
    if (accused) this.#suspendedIdentities.add(accused)
    this.figures.suspendedSources++
    this.#record(
      link,
      `a report that peer ${peerId}${accused ? ` (identity ${accused})` : ''} served bytes that are not piece ${index}: suspended as a source`,
    )
  }

  async #send(link: VolunteerLink, index: number): Promise<void> {
    const bytes = await this.#content.read(index)
    await this.#uplink.send(
      link,
      { v: JOB_PROTOCOL_VERSION, type: 'piece', index, sha256: this.#content.sha256Of(index) },
      bytes,
    )
    this.figures.piecesSent++
  }
}
