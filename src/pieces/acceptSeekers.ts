import type { Peer } from 'peerjs'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import {
  PIECE_CONNECTION_LABEL,
  seekerMessageSchema,
  type SeekerMessage,
  type ServerMessage,
} from './pieceMessages.ts'
import type { PieceSwarm } from './PieceSwarm.ts'

/** A seeker's request is a small header: anything longer closes its link at the first frame. */
const maxSeekerMessageBytes = 4096

/**
 * Serves the piece links other volunteers open to this volunteer's peer (`PIECE_CONNECTION_LABEL`)
 * from its swarm, in a tab and in Node alike; any other connection to a volunteer is closed.
 *
 * @example
 * const swarm = new PieceSwarm({ cache, connect: (id) => connectToPieceServer(peer, id) })
 * acceptSeekers(peer, swarm)
 */
export function acceptSeekers(peer: Peer, swarm: PieceSwarm): void {
  peer.on('connection', (connection) => {
    if (connection.label !== PIECE_CONNECTION_LABEL) {
      connection.on('open', () => connection.close())
      return
    }
    connection.on('open', () =>
      swarm.attachSeeker(
        createPeerLink<ServerMessage, SeekerMessage>({
          connection,
          schema: seekerMessageSchema,
          channel: { maxReceiveBytes: maxSeekerMessageBytes },
        }),
      ),
    )
  })
}
