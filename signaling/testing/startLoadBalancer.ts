import { createConnection, createServer } from 'node:net'
import type { Socket } from 'node:net'

export type StartedLoadBalancer = {
  /** `http://127.0.0.1:PORT`: what clients are given as the signaling URL. */
  url: string
  port: number
  /** Connections handed to each backend port so far. */
  readonly handed: ReadonlyMap<number, number>
  stop: () => Promise<void>
}

/**
 * A TCP load balancer on loopback for tests of several signaling nodes: each connection goes to
 * the next backend in turn, and to the one after it when that one refuses (a node that died),
 * as HAProxy or nginx in TCP mode would with no sticky sessions. WebSockets and HTTP pass
 * through untouched.
 *
 * @example
 * const lb = await startLoadBalancer([nodeA.port, nodeB.port])
 * const peer = await openNodePeer({ signalingUrl: lb.url })
 */
export async function startLoadBalancer(
  backendPorts: readonly number[],
): Promise<StartedLoadBalancer> {
  let next = 0
  const handed = new Map<number, number>()
  const open = new Set<Socket>()

  const server = createServer((client) => {
    open.add(client)
    client.once('close', () => open.delete(client))
    client.on('error', () => client.destroy())
    client.pause()
    const start = next++
    const tryBackend = (attempt: number) => {
      if (attempt >= backendPorts.length || client.destroyed) return void client.destroy()
      const port = backendPorts[(start + attempt) % backendPorts.length]!
      const backend = createConnection({ host: '127.0.0.1', port })
      let connected = false
      backend.on('error', () => {
        backend.destroy()
        // Refused: that node is down; the next one takes the client.
        if (!connected) tryBackend(attempt + 1)
      })
      backend.once('connect', () => {
        connected = true
        handed.set(port, (handed.get(port) ?? 0) + 1)
        open.add(backend)
        backend.once('close', () => {
          open.delete(backend)
          client.destroy()
        })
        client.once('close', () => backend.destroy())
        client.pipe(backend)
        backend.pipe(client)
        client.resume()
      })
    }
    tryBackend(0)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    handed,
    stop: async () => {
      for (const socket of open) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
