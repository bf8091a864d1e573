import WebSocket from 'ws'

/** The token `connectPeer` registers `id` with when given none: the `hostToken` that lists a job under it. */
export function testPeerToken(id: string): string {
  return `token-${id}`
}

export type ConnectPeerParameters = {
  port: number
  id: string
  token?: string | undefined
  origin?: string | undefined
}

/**
 * Opens the same WebSocket a PeerJS client opens and resolves once the PeerServer answers OPEN.
 * Rejects with the HTTP status (as `Error.message` `"status 429"`) when the upgrade is refused.
 *
 * @example
 * const host = await connectPeer({ port: server.port, id: 'host-1' })
 */
export function connectPeer({
  port,
  id,
  token,
  origin,
}: ConnectPeerParameters): Promise<WebSocket> {
  const query = new URLSearchParams({
    key: 'peerjs',
    id,
    token: token ?? testPeerToken(id),
  })
  const ws = new WebSocket(`ws://127.0.0.1:${port}/peerjs/peerjs?${query}`, {
    headers: origin === undefined ? {} : { origin },
  })
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => reject(Object.assign(new Error(`status ${res.statusCode}`), { body })))
    })
    ws.on('error', reject)
    ws.on('close', () => reject(new Error('closed before OPEN')))
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; payload?: unknown }
      if (message.type === 'OPEN') resolve(ws)
      else reject(new Error(`PeerServer answered ${data.toString()}`))
    })
  })
}

/** Resolves once the socket is closed on both ends. */
export function closePeer(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    ws.once('close', () => resolve())
    ws.close()
  })
}
