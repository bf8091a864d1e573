import type { Peer } from 'peerjs'
import { PeerSetupError } from './PeerSetupError.ts'

/**
 * Brings a peer that left the signaling server (`peer.disconnect()`) back under its own id, so
 * that it can take connections again; its open connections were kept all along. Rejects with
 * `p2p/signaling-unreachable` when the server does not take it back in time (the server is gone,
 * or another peer took the id): the peer is then still disconnected.
 *
 * @example
 * if (peer.disconnected) await reconnectPeer(peer)
 */
export function reconnectPeer(peer: Peer, timeoutMs = 10_000): Promise<void> {
  if (!peer.disconnected) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const settle = (cause?: unknown) => {
      clearTimeout(timer)
      peer.off('open', onOpen)
      peer.off('error', onError)
      if (cause === undefined) return resolve()
      reject(
        new PeerSetupError(
          'p2p/signaling-unreachable',
          `The signaling server did not take peer ${peer.id} back.`,
          cause,
        ),
      )
    }
    const onOpen = () => settle()
    const onError = (error: unknown) => settle(error)
    const timer = setTimeout(() => {
      if (!peer.destroyed) peer.disconnect()
      settle(new Error(`No answer in ${timeoutMs} ms.`))
    }, timeoutMs)
    peer.on('open', onOpen)
    peer.on('error', onError)
    try {
      peer.reconnect()
    } catch (error) {
      settle(error)
    }
  })
}
