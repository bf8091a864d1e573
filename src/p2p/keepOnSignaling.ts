import type { Peer } from 'peerjs'
import { reconnectPeer } from './reconnectPeer.ts'
import { withBackoff } from './withBackoff.ts'

/** What happens to a peer's place on the signaling server, for a status line or a log. */
export type SignalingLinkEvent =
  { kind: 'lost' } | { kind: 'retrying'; reason: string; delayMs: number } | { kind: 'back' }

export type KeepOnSignalingOptions = {
  onEvent?: ((event: SignalingLinkEvent) => void) | undefined
  /** Stops trying; the peer is left as it is. */
  signal?: AbortSignal | undefined
  /** The first try waits up to this long, drawn at random (1 s by default). */
  firstTryJitterMs?: number | undefined
}

/**
 * Brings `peer` back to the signaling server, under its id and token, whenever it loses it: a
 * signaling node that drains (close code 1012) or dies, a network cut. Tries for as long as it
 * takes, with a growing, jittered wait, so that the peers of a node that stopped spread over the
 * others (behind a load balancer, the same URL reaches another node). Data connections already
 * open are untouched all along. Returns a function that stops watching.
 *
 * @example
 * keepOnSignaling(peer, { onEvent: (event) => event.kind === 'back' && relist(peer) })
 */
export function keepOnSignaling(peer: Peer, options: KeepOnSignalingOptions = {}): () => void {
  const { onEvent = () => {}, signal, firstTryJitterMs = 1000 } = options
  let reconnecting = false
  const stopped = new AbortController()
  const abort = signal ? AbortSignal.any([signal, stopped.signal]) : stopped.signal

  const onDisconnected = () => {
    if (reconnecting || peer.destroyed || abort.aborted) return
    reconnecting = true
    onEvent({ kind: 'lost' })
    void (async () => {
      try {
        await sleep(Math.random() * firstTryJitterMs, abort)
        const task = () => {
          if (peer.destroyed) stopped.abort()
          return reconnectPeer(peer)
        }
        await withBackoff(task, {
          tries: Infinity,
          firstDelayMs: 1000,
          signal: abort,
          onRetry: (error, delayMs) =>
            onEvent({
              kind: 'retrying',
              reason: error instanceof Error ? error.message : String(error),
              delayMs,
            }),
        })
        reconnecting = false
        onEvent({ kind: 'back' })
      } catch {
        // Aborted, or the peer was destroyed meanwhile: nothing left to keep.
        reconnecting = false
      }
    })()
  }
  peer.on('disconnected', onDisconnected)
  return () => {
    stopped.abort()
    peer.off('disconnected', onDisconnected)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted()
    const timer = setTimeout(done, ms)
    function done() {
      signal.removeEventListener('abort', abort)
      resolve()
    }
    function abort() {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', abort, { once: true })
  })
}
