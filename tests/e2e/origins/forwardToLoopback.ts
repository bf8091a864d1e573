import { connect, createServer, type Server, type Socket } from 'node:net'

export type Forwarder = { close(): Promise<void> }

/**
 * Listens on `address` at each of `ports` and passes every connection on to the same port on
 * 127.0.0.1: browsers in other network origins reach the test's servers (the app and the
 * signaling server, which listen on loopback only) at this namespace's address. Only HTTP and
 * WebSocket traffic goes through it; WebRTC goes straight between the browsers.
 */
export async function forwardToLoopback(address: string, ports: number[]): Promise<Forwarder> {
  const sockets = new Set<Socket>()
  const servers: Server[] = []
  const close = async () => {
    for (const socket of sockets) socket.destroy()
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    )
  }
  try {
    for (const port of ports) {
      const server = createServer((client) => {
        const upstream = connect(port, '127.0.0.1')
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.once('close', () => sockets.delete(socket))
          socket.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        client.pipe(upstream).pipe(client)
      })
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, address, () => resolve())
      })
    }
  } catch (error) {
    await close()
    throw error
  }
  return { close }
}
