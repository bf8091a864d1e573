import type { DataConnection } from 'peerjs'
import type { z } from 'zod'
import { FramedChannel, type FramedChannelOptions } from './FramedChannel.ts'
import { InvalidMessageError } from './InvalidMessageError.ts'
import { PeerGoneError } from './PeerGoneError.ts'
import type { PeerLink } from './PeerLink.ts'
import { remoteOrigin } from './remoteOrigin.ts'

export type CreatePeerLinkParameters<In> = {
  /** An open PeerJS data connection; its raw RTCDataChannel carries our frames. */
  connection: DataConnection
  /** Schema of what the peer may send; anything else closes the link. */
  schema: z.ZodType<In>
  /** Framing options: message limits, backpressure, a receive budget shared with other links. */
  channel?: FramedChannelOptions
}

/**
 * Wraps an open PeerJS connection as a typed PeerLink: frames through
 * FramedChannel on the raw data channel (not PeerJS's serializer), each header
 * checked against `schema`. A peer that sends garbage is disconnected.
 */
export function createPeerLink<Out extends object, In>({
  connection,
  schema,
  channel: options = {},
}: CreatePeerLinkParameters<In>): PeerLink<Out, In> {
  // PeerJS drops its `dataChannel` reference when the connection closes: keep our own.
  const dataChannel = connection.dataChannel
  const framed = new FramedChannel(dataChannel, {
    ...options,
    peerConnection: connection.peerConnection,
  })
  const closeHandlers: ((error?: unknown) => void)[] = []
  let closed = false
  const finish = (error?: unknown) => {
    if (closed) return
    closed = true
    for (const handler of closeHandlers) handler(error)
    connection.close()
  }
  watchConnectionState(connection.peerConnection, () => finish(new PeerGoneError(connection.peer)))
  framed.onProtocolError((error) => finish(error))
  framed.onClose(() => finish())
  connection.on('close', () => finish())
  connection.on('error', (error) => finish(error))

  return {
    peerId: connection.peer,
    localPeerId: connection.provider.id,
    remoteOrigin: () => remoteOrigin(connection.peerConnection),
    send: (message, body) => framed.send(message, body),
    onMessage(handler) {
      framed.onMessage(({ header, body }) => {
        if (closed) return
        const parsed = schema.safeParse(header)
        if (!parsed.success) {
          finish(new InvalidMessageError(parsed.error.message))
          framed.close()
          return
        }
        handler(parsed.data, body)
      })
    },
    onClose(handler) {
      closeHandlers.push(handler)
    },
    close() {
      // PeerJS's close() tears down the whole RTCPeerConnection at once, dropping what the
      // channel still buffers (a last ack, a refusal): let the buffer drain first.
      void drained(dataChannel).then(() => {
        framed.close()
        finish()
      })
    },
  }
}

/** Resolves once the channel has sent everything it buffered, or after `timeoutMs`. */
function drained(channel: RTCDataChannel, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  return new Promise((resolve) => {
    const check = () => {
      if (channel.readyState !== 'open' || channel.bufferedAmount === 0 || Date.now() > deadline) {
        return resolve()
      }
      setTimeout(check, 20)
    }
    check()
  })
}

/**
 * A tab that closes does not always close its data channels in time for the
 * other side to see it; the ICE state tells sooner: 'failed' at once, and
 * 'disconnected' that lasts `graceMs` (it may recover from a short glitch).
 */
function watchConnectionState(pc: RTCPeerConnection, onGone: () => void, graceMs = 4000): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  pc.addEventListener('connectionstatechange', () => {
    clearTimeout(timer)
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') onGone()
    else if (pc.connectionState === 'disconnected') timer = setTimeout(onGone, graceMs)
  })
}
