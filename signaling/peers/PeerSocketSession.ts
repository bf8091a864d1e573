import type { Duplex } from 'node:stream'
import WebSocket from 'ws'
import type { ClientFrame } from './frames.ts'
import { serializeServerFrame } from './frames.ts'
import type { PeerSession } from './PeerRouter.ts'
import type { PeerSocketStats, RejectReason } from './PeerSocketStats.ts'
import { TokenBucket } from './TokenBucket.ts'

export type PeerSocketSessionOptions = {
  /** The peer's frames per second on average, and at once after a quiet spell. */
  messagesPerSecond: number
  messageBurst: number
  /** A peer whose socket holds this many unsent bytes is not reading: it is closed. */
  maxBufferedBytes: number
  /** The node's counters, shared by all its sessions. */
  stats: PeerSocketStats
  now: () => number
}

/**
 * One peer's signaling socket on this node, from the handshake to its close: what the socket
 * server knows of it (its state, its rate limit, the frames it sent before OPEN) and how frames
 * reach it (`send`, batched per turn of the event loop).
 *
 * @example
 * const session = new PeerSocketSession(id, ws, socket, { messagesPerSecond: 100, messageBurst: 500, maxBufferedBytes, stats, now: Date.now })
 */
export class PeerSocketSession implements PeerSession {
  state: 'registering' | 'open' | 'closed' = 'registering'
  /** Another socket took the id over with the same token. */
  evicted = false
  /** Closed by a drain: its id is released, its listings are left to its next node. */
  drained = false
  lastSeenAt: number
  /** A frame came since the last sweep: the router refreshes the id's lease. */
  heard = false
  /** Frames in a row over the rate limit. */
  overLimit = 0
  readonly early: ClientFrame[] = []
  readonly bucket: TokenBucket
  #corked = false

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly options: PeerSocketSessionOptions,
  ) {
    this.lastSeenAt = options.now()
    this.bucket = new TokenBucket({
      ratePerSecond: options.messagesPerSecond,
      capacity: options.messageBurst,
      now: options.now,
    })
  }

  send(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.options.stats.timedOut += 1
      this.ws.terminate()
      return
    }
    // Frames for one peer in one turn of the event loop leave in one write: relaying costs
    // about a system call per write, so a busy node would otherwise spend most of its time there.
    if (!this.#corked) {
      this.#corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.#corked = false
        this.socket.uncork()
      })
    }
    this.ws.send(frame)
  }

  evict(): void {
    this.evicted = true
    // The client reconnected: this socket is most likely dead, and a close handshake would wait on it.
    this.ws.terminate()
  }

  /** Answers with ERROR (when the socket can still take it) and closes this socket only. */
  reject(reason: RejectReason, message: string): void {
    this.options.stats.rejected[reason] += 1
    this.send(serializeServerFrame({ type: 'ERROR', payload: { msg: message } }))
    this.ws.close(1008, reason)
  }
}
