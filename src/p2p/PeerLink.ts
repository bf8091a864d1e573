/**
 * One peer at the other end of a connection, speaking typed messages: what the
 * job host and the volunteer client see of the network. `createPeerLink`
 * builds one over a PeerJS data connection; tests build them in memory.
 */
import type { RemoteOrigin } from './remoteOrigin.ts'

export type PeerLink<Out, In> = {
  /** The peer at the other end. */
  readonly peerId: string
  /** This side's own peer id (a hello proof names both). */
  readonly localPeerId: string
  /** The other end's network origin, as this side sees it (`remoteOrigin`). */
  remoteOrigin(): Promise<RemoteOrigin>
  /** Resolves when the message is handed to the transport (backpressure included). */
  send(message: Out, body?: Uint8Array): Promise<void>
  onMessage(handler: (message: In, body: Uint8Array) => void): void
  /** Called once, when the link closes for any reason; `error` says why if it broke. */
  onClose(handler: (error?: unknown) => void): void
  close(): void
}
