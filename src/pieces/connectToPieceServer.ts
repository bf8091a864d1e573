import type { Peer } from 'peerjs'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import { connectToPeer } from '../p2p/openPeer.ts'
import type { ServerLink } from './PieceFetcher.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'
import {
  PIECE_CONNECTION_LABEL,
  serverMessageSchema,
  type SeekerMessage,
  type ServerMessage,
} from './pieceMessages.ts'

/** Opening a link to another volunteer waits this long: past it, the host serves instead. */
const connectTimeoutMs = 8000

/**
 * Opens a piece link to another volunteer of the job: a PeerJS data connection labelled
 * `PIECE_CONNECTION_LABEL`, framed, that accepts no message longer than one piece and its header.
 *
 * @example
 * const swarm = new PieceSwarm({ cache, connect: (id) => connectToPieceServer(peer, id) })
 */
export async function connectToPieceServer(peer: Peer, peerId: string): Promise<ServerLink> {
  const connection = await connectToPeer(peer, peerId, connectTimeoutMs, PIECE_CONNECTION_LABEL)
  return createPeerLink<SeekerMessage, ServerMessage>({
    connection,
    schema: serverMessageSchema,
    channel: { maxReceiveBytes: MAX_PIECE_BYTES + 4096 },
  })
}
