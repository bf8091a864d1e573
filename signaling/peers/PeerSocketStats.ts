/** Why a frame closed its socket. */
export type RejectReason =
  'binary' | 'invalid-json' | 'invalid-frame' | 'oversized' | 'protocol' | 'rate-limit'

/** What the peer sockets of one node have done since it started; read by `/healthz`. */
export type PeerSocketStats = {
  /** Frames read from peers' sockets: HEARTBEAT, dropped and refused ones included. */
  received: number
  /** Frames handed to their destination (queued ones included, when they are). */
  relayed: number
  /** Frames that had to wait for their destination to connect. */
  queued: number
  /** EXPIREs sent: a waiting frame's destination never came, or the waiting room was full. */
  expired: number
  /** Frames dropped because their sender was over its rate. */
  rateLimited: number
  /** Frames that closed their socket, by reason. */
  rejected: Record<RejectReason, number>
  /** Sockets closed for silence (no frame within the alive timeout) or for not reading. */
  timedOut: number
  /** Sockets closed by a drain, their peers told to reconnect elsewhere. */
  drained: number
}

export function emptyPeerSocketStats(): PeerSocketStats {
  return {
    received: 0,
    relayed: 0,
    queued: 0,
    expired: 0,
    rateLimited: 0,
    rejected: {
      binary: 0,
      'invalid-json': 0,
      'invalid-frame': 0,
      oversized: 0,
      protocol: 0,
      'rate-limit': 0,
    },
    timedOut: 0,
    drained: 0,
  }
}
