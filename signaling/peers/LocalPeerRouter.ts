import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import type { PeerRouter, PeerSession, RegisterOutcome } from './PeerRouter.ts'

type Entry = {
  session: PeerSession
  /** A digest, so that the comparison takes the same time however much of a guessed token is right. */
  tokenDigest: Buffer
}

/**
 * The router of a signaling node that runs alone: every peer is on this node, in one Map.
 *
 * @example
 * const router = new LocalPeerRouter()
 * if ((await router.register(session, token)) === 'id-taken') session.send(idTakenFrame)
 */
export class LocalPeerRouter implements PeerRouter {
  readonly nodeId: string
  readonly #entries = new Map<string, Entry>()

  constructor({ nodeId = randomUUID() }: { nodeId?: string } = {}) {
    this.nodeId = nodeId
  }

  get localCount(): number {
    return this.#entries.size
  }

  register(session: PeerSession, token: string): Promise<RegisterOutcome> {
    const tokenDigest = digest(token)
    const held = this.#entries.get(session.id)
    if (held && !timingSafeEqual(held.tokenDigest, tokenDigest)) return Promise.resolve('id-taken')
    this.#entries.set(session.id, { session, tokenDigest })
    if (held && held.session !== session) held.session.evict()
    return Promise.resolve('registered')
  }

  unregister(session: PeerSession): Promise<void> {
    if (this.#entries.get(session.id)?.session === session) this.#entries.delete(session.id)
    return Promise.resolve()
  }

  refresh(): Promise<void> {
    // Liveness of local sockets is the socket server's to judge; nothing here expires on its own.
    return Promise.resolve()
  }

  deliver(dst: string, frame: string): Promise<boolean> {
    const entry = this.#entries.get(dst)
    // Sent before resolving, so that frames delivered in order arrive in order.
    entry?.session.send(frame)
    return Promise.resolve(entry !== undefined)
  }

  isConnected(id: string): Promise<boolean> {
    return Promise.resolve(this.#entries.has(id))
  }

  holdsToken(id: string, token: string): Promise<boolean> {
    const entry = this.#entries.get(id)
    return Promise.resolve(entry !== undefined && timingSafeEqual(entry.tokenDigest, digest(token)))
  }

  localSession(id: string): PeerSession | undefined {
    return this.#entries.get(id)?.session
  }

  close(): Promise<void> {
    this.#entries.clear()
    return Promise.resolve()
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
