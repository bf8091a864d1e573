import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import type { PieceCache } from './PieceCache.ts'
import type { JobPieces } from './JobPieces.ts'
import { PieceFetcher, type FetchStats, type ServerLink } from './PieceFetcher.ts'
import { PieceServer, type SeekerLink } from './PieceServer.ts'

/** What a volunteer uploads by default: 512 KiB/s, about 4 Mbit/s, a modest part of a home uplink. */
export const DEFAULT_UPLOAD_BYTES_PER_SECOND = 512 * 1024

export type PieceSwarmParameters = {
  cache: PieceCache
  /** Opens a piece link to another volunteer (`PIECE_CONNECTION_LABEL`). */
  connect: (peerId: string) => Promise<ServerLink>
  /** Bytes per second this volunteer may upload to others; 0: none (default 512 KiB/s). */
  uploadBytesPerSecond?: number
}

/** What a volunteer's part in the swarm has done so far. */
export type SwarmStats = FetchStats & {
  /** Bytes served to other volunteers, and pieces. */
  uploadedBytes: number
  served: number
  uploadBytesPerSecond: number
}

/**
 * A volunteer's part in its jobs' data swarms: it fetches the pieces its units need
 * (`PieceFetcher`) and serves what it holds to the other volunteers (`PieceServer`), within the
 * upload share the person sets. The edges give it its cache (IndexedDB in a tab, a folder in
 * Node) and its way to reach other volunteers; `VolunteerClient` uses it for every job whose
 * host names an input root.
 *
 * @example
 * const swarm = new PieceSwarm({ cache, connect: (id) => connectPieces(peer, id) })
 * peer.on('connection', (c) => acceptSeeker(c, swarm))
 */
export class PieceSwarm {
  readonly cache: PieceCache
  readonly #server: PieceServer
  readonly #fetcher: PieceFetcher
  #uploadBytesPerSecond: number

  constructor({
    cache,
    connect,
    uploadBytesPerSecond = DEFAULT_UPLOAD_BYTES_PER_SECOND,
  }: PieceSwarmParameters) {
    this.cache = cache
    this.#uploadBytesPerSecond = uploadBytesPerSecond
    this.#fetcher = new PieceFetcher({ cache, connect, serving: () => this.serving })
    this.#server = new PieceServer({
      cache,
      uploadBytesPerSecond,
      pending: (sha256) => this.#fetcher.pending(sha256),
    })
  }

  /** Whether this volunteer serves pieces to others (its upload share is above 0). */
  get serving(): boolean {
    return this.#server.serving
  }

  get stats(): SwarmStats {
    return {
      ...this.#fetcher.stats,
      ...this.#server.stats,
      uploadBytesPerSecond: this.#uploadBytesPerSecond,
    }
  }

  /** The upload share, bytes per second; 0 turns serving off. Takes effect at once. */
  setUploadShare(bytesPerSecond: number): void {
    this.#server.setUploadShare(bytesPerSecond)
    this.#uploadBytesPerSecond = bytesPerSecond
  }

  /** Serves another volunteer that opened a piece link to this one. */
  attachSeeker(link: SeekerLink): void {
    this.#server.attach(link)
  }

  /** The pieces of one job, whose host is at the other end of `host`. */
  forJob(root: string, host: PeerLink<VolunteerMessage, HostMessage>): JobPieces {
    return this.#fetcher.forJob(root, host)
  }

  close(): void {
    this.#server.close()
    this.#fetcher.close()
  }
}
