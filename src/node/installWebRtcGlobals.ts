import {
  RTCDataChannel,
  RTCDataChannelEvent,
  RTCIceCandidate,
  RTCPeerConnectionIceEvent,
  RTCSessionDescription,
} from 'node-datachannel/polyfill'
import WebSocket from 'ws'
import { CandidateQueueingPeerConnection } from './CandidateQueueingPeerConnection.ts'

/**
 * What PeerJS needs from the browser, in Node: WebRTC from node-datachannel's polyfill (with
 * remote candidates queued, see {@link CandidateQueueingPeerConnection}) and `WebSocket` from
 * `ws` for the signaling socket (Node 20 has none; `fetch`, which PeerJS asks its id with, is
 * built in). PeerJS decides when it is imported whether WebRTC exists, so these must be set
 * before: `openPeer` imports it on first use, and nothing in Node may import it earlier.
 * PeerJS reads `location` and `window` only when `secure` or `host: '/'` is left to it, and
 * `openPeer` passes both, so neither is set. A global that already exists is kept. Idempotent.
 *
 * @example
 * installWebRtcGlobals()
 * const peer = await openPeer({ signalingUrl: 'http://127.0.0.1:9000' })
 */
export function installWebRtcGlobals(): void {
  const globals: Record<string, unknown> = {
    RTCPeerConnection: CandidateQueueingPeerConnection,
    RTCSessionDescription,
    RTCIceCandidate,
    RTCDataChannel,
    RTCDataChannelEvent,
    RTCPeerConnectionIceEvent,
    WebSocket,
  }
  const target = globalThis as unknown as Record<string, unknown>
  for (const [name, value] of Object.entries(globals)) target[name] ??= value
}
