import type { Peer } from 'peerjs'
import { openPeer, type OpenPeerParameters } from '../p2p/openPeer.ts'
import { installWebRtcGlobals } from './installWebRtcGlobals.ts'

/**
 * `openPeer` in Node: installs the WebRTC and WebSocket globals PeerJS needs, then registers with
 * the signaling server. The peer is the same PeerJS `Peer` a tab gets, so `connectToPeer`,
 * `createPeerLink` and `remoteOrigin` work on its connections unchanged. Node stays alive while
 * the peer is open: `peer.destroy()` lets it exit.
 *
 * @example
 * const peer = await openNodePeer({ signalingUrl: 'http://127.0.0.1:9000' })
 * const link = createPeerLink({ connection: await connectToPeer(peer, hostId), schema })
 */
export function openNodePeer(parameters: OpenPeerParameters): Promise<Peer> {
  installWebRtcGlobals()
  return openPeer(parameters)
}
