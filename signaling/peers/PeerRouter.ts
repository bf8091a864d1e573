/**
 * Where each peer id is connected, and how a frame reaches it. One signaling node holds its peers'
 * sockets; the router knows the rest. `LocalPeerRouter` keeps everything in this process; a
 * clustered router (peer → node entries with a TTL in a shared store, one message channel per
 * node) implements the same interface, which is why every call that may leave the process is async.
 */
export interface PeerRouter {
  /** This node's id, unique in the cluster; frames for its peers are addressed to it. */
  readonly nodeId: string

  /**
   * Claims `session.id` for `token` on this node. Another socket already holding the id under the
   * same token (a reconnecting client) is evicted, wherever it is; under another token the claim
   * fails with `'id-taken'` and nothing changes.
   */
  register(session: PeerSession, token: string): Promise<RegisterOutcome>

  /** Releases the id if `session` still holds it (a session evicted by a newer one no longer does). */
  unregister(session: PeerSession): Promise<void>

  /**
   * The ids on this node that were heard from since the last call (HEARTBEAT or any other frame).
   * Called once per sweep, so that a clustered router refreshes all their TTLs in one round trip.
   */
  refresh(ids: readonly string[]): Promise<void>

  /**
   * Hands one serialized frame to the peer holding `dst`, on this node or another. Resolves `true`
   * when a holder was found (delivery to another node is then its business), `false` when no peer
   * holds `dst`. Calls made in order resolve in order, so one sender's frames keep their order.
   */
  deliver(dst: string, frame: string): Promise<boolean>

  /** Whether any node holds a socket for `id` (a clustered router asks its shared store). */
  isConnected(id: string): Promise<boolean>

  /**
   * Whether a socket for `id` is held, on any node, by a session that registered with `token`:
   * the proof a host gives that a listing naming `id` is its own.
   */
  holdsToken(id: string, token: string): Promise<boolean>

  /** The session holding `id` on this node, if any: synchronous, for checks that cannot wait. */
  localSession(id: string): PeerSession | undefined

  /** Sessions registered on this node. */
  readonly localCount: number

  /** Releases the router's own resources (connections, subscriptions); sessions are closed by the caller. */
  close(): Promise<void>
}

/** A peer's socket on this node, as the router sees it. */
export interface PeerSession {
  readonly id: string
  /** Sends one serialized server frame; dropped silently once the socket is closing. */
  send(frame: string): void
  /** Another socket took this id over with the same token: close this one without a LEAVE or a listing removal. */
  evict(): void
}

export type RegisterOutcome = 'registered' | 'id-taken'
