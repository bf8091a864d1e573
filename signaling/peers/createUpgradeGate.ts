import { STATUS_CODES } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { SignalingConfig } from '../config.ts'
import type { DirectoryError } from '../directory/errors.ts'
import { OriginNotAllowedError, TooManyConnectionsError } from '../directory/errors.ts'
import { toErrorResponse } from '../directory/errors.ts'
import { clientAddressOf } from '../clientAddressOf.ts'
import { isOriginAllowed } from '../isOriginAllowed.ts'

export type CreateUpgradeGateParameters = {
  allowedOrigins: SignalingConfig['allowedOrigins']
  maxConnectionsPerAddress: number
  /** Load balancers whose `X-Forwarded-For` names the client (see `clientAddressOf`). */
  trustedProxies?: readonly string[] | undefined
}

/** Lets a WebSocket upgrade through (true) or answers it with a JSON HTTP error and closes it (false). */
export type UpgradeGate = (req: IncomingMessage, socket: Duplex) => boolean

/**
 * The checks made on a peer socket before the WebSocket handshake: the page's origin, and the
 * number of sockets its address already holds. A refusal is an HTTP answer, which a browser
 * reports as a failed connection, before any frame is read.
 *
 * @example
 * const gate = createUpgradeGate({ allowedOrigins: '*', maxConnectionsPerAddress: 32 })
 * server.on('upgrade', (req, socket, head) => { if (gate(req, socket)) accept(req, socket, head) })
 */
export function createUpgradeGate({
  allowedOrigins,
  maxConnectionsPerAddress,
  trustedProxies = [],
}: CreateUpgradeGateParameters): UpgradeGate {
  const connectionsByAddress = new Map<string, number>()
  return (req, socket) => {
    const origin = req.headers.origin
    if (origin !== undefined && !isOriginAllowed(allowedOrigins, origin)) {
      rejectUpgrade(socket, new OriginNotAllowedError(origin))
      return false
    }
    const address = clientAddressOf(req, trustedProxies)
    const count = connectionsByAddress.get(address) ?? 0
    if (count >= maxConnectionsPerAddress) {
      rejectUpgrade(socket, new TooManyConnectionsError(maxConnectionsPerAddress))
      return false
    }
    connectionsByAddress.set(address, count + 1)
    // Counted per TCP socket, so the slot comes back however the handshake or the peer ends.
    socket.once('close', () => {
      const left = (connectionsByAddress.get(address) ?? 1) - 1
      if (left > 0) connectionsByAddress.set(address, left)
      else connectionsByAddress.delete(address)
    })
    return true
  }
}

/** Answers an upgrade request with a plain HTTP error, as the directory answers its requests. */
export function rejectUpgrade(socket: Duplex, error: DirectoryError): void {
  const body = JSON.stringify(toErrorResponse(error))
  // A client that resets mid-answer must not take the server down with an unhandled 'error'.
  socket.on('error', () => socket.destroy())
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
