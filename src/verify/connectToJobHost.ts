import type { Peer } from 'peerjs'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { connectToPeer } from '../p2p/openPeer.ts'
import {
  VERIFY_CONNECTION_LABEL,
  verifyHostMessageSchema,
  type VerifierMessage,
  type VerifyHostMessage,
} from './verifyMessages.ts'

/**
 * Opens a verify link to a job's host (`VERIFY_CONNECTION_LABEL`), in a tab or in Node: what
 * `verifyUnit` asks over. It accepts messages up to a unit's largest output and its header.
 *
 * @example
 * const link = await connectToJobHost(peer, listing.hostPeerId)
 * const verdict = await verifyUnit({ link, index, readResultRoot, runner })
 */
export async function connectToJobHost(
  peer: Peer,
  hostPeerId: string,
): Promise<PeerLink<VerifierMessage, VerifyHostMessage>> {
  const connection = await connectToPeer(peer, hostPeerId, 15_000, VERIFY_CONNECTION_LABEL)
  return createPeerLink<VerifierMessage, VerifyHostMessage>({
    connection,
    schema: verifyHostMessageSchema,
    channel: { maxReceiveBytes: 64 * 1024 * 1024 + 64 * 1024 },
  })
}
