// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { createSignalingServer } from './createSignalingServer.ts'
import type { SignalingServer, SignalingServerOptions } from './createSignalingServer.ts'
import { errorResponseSchema, healthResponseSchema } from './directory/schemas.ts'
import { closePeer, connectPeer } from './testing/connectPeer.ts'

let server: SignalingServer
let peers: WebSocket[]

async function start(options: SignalingServerOptions = {}) {
  server = await createSignalingServer({ port: 0, host: '127.0.0.1', ...options })
}

async function peer(id: string, origin?: string) {
  const ws = await connectPeer({ port: server.port, id, origin })
  peers.push(ws)
  return ws
}

async function health() {
  return healthResponseSchema.parse(await (await fetch(`${server.url}/healthz`)).json())
}

async function errorCode(response: Response) {
  return errorResponseSchema.parse(await response.json()).error.code
}

beforeEach(() => {
  peers = []
})

afterEach(async () => {
  await Promise.all(peers.map(closePeer))
  await server.close()
})

describe('createSignalingServer', () => {
  it('listens on an ephemeral port and reports its url', async () => {
    await start()
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
  })

  it('reports health, counting connected peers', async () => {
    await start()
    expect(await health()).toEqual({
      v: 1,
      status: 'ok',
      peers: 0,
      listings: 0,
      frames: { relayed: 0, queued: 0, expired: 0, rateLimited: 0, rejected: 0, timedOut: 0 },
      uptimeS: 0,
      store: { kind: 'memory', reachable: true },
    })
    const ws = await peer('peer-1')
    expect((await health()).peers).toBe(1)
    await closePeer(ws)
    await vi.waitFor(async () => expect((await health()).peers).toBe(0))
  })

  it('serves the PeerJS id endpoint under /peerjs', async () => {
    await start()
    const response = await fetch(`${server.url}/peerjs/peerjs/id`)
    expect(response.status).toBe(200)
    expect(await response.text()).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers unknown routes with a JSON 404', async () => {
    await start()
    const response = await fetch(`${server.url}/nope`)
    expect(response.status).toBe(404)
    expect(await errorCode(response)).toBe('directory/not-found')
  })

  it('refuses peer sockets past the per-address limit, and frees the slot on close', async () => {
    await start({ maxConnectionsPerAddress: 2 })
    const first = await peer('peer-1')
    await peer('peer-2')
    const refused = connectPeer({ port: server.port, id: 'peer-3' })
    await expect(refused).rejects.toThrow('status 429')
    await expect(refused).rejects.toMatchObject({
      body: expect.stringContaining('directory/too-many-connections'),
    })
    await closePeer(first)
    await vi.waitFor(() => peer('peer-3'))
    expect((await health()).peers).toBe(2)
  })

  it('closes a peer socket that sends a malformed message, counts it, and keeps the others', async () => {
    const onError = vi.fn()
    await start({ onError })
    const ws = await peer('peer-1')
    await peer('peer-2')
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.send('not json')
    expect(await closed).toBe(1008)
    await vi.waitFor(async () => expect((await health()).peers).toBe(1))
    expect((await health()).frames.rejected).toBe(1)
    // A client's fault is counted, not logged: a flood of them must not fill the disk.
    expect(onError).not.toHaveBeenCalled()
  })

  it('closes a peer socket that sends an oversized message', async () => {
    await start()
    const ws = await peer('peer-1')
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    ws.send(JSON.stringify({ type: 'OFFER', dst: 'x', payload: 'x'.repeat(70_000) }))
    expect(await closed).toBe(1009)
  })

  it('refuses WebSocket upgrades elsewhere than the PeerServer path', async () => {
    await start()
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/elsewhere`)
    const status = await new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    )
    expect(status).toBe(404)
  })

  it('terminates peers on close', async () => {
    await start()
    const ws = await peer('peer-1')
    const closed = new Promise((resolve) => ws.once('close', resolve))
    await server.close()
    await closed
    await start()
  })
})

describe('CORS', () => {
  const allowed = 'https://volunteer.example'
  const denied = 'https://evil.example'

  it('allows every origin by default', async () => {
    await start()
    const response = await fetch(`${server.url}/api/v1/jobs`, { headers: { origin: denied } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('echoes an allowed origin and answers preflight', async () => {
    await start({ allowedOrigins: [allowed] })
    const response = await fetch(`${server.url}/api/v1/jobs`, { headers: { origin: allowed } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed)
    expect(response.headers.get('vary')).toContain('Origin')

    const preflight = await fetch(`${server.url}/api/v1/jobs/job-1`, {
      method: 'OPTIONS',
      headers: {
        origin: allowed,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i)
  })

  it('refuses other origins on HTTP and on peer sockets', async () => {
    await start({ allowedOrigins: [allowed] })
    const response = await fetch(`${server.url}/api/v1/jobs`, { headers: { origin: denied } })
    expect(response.status).toBe(403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect(await errorCode(response)).toBe('directory/origin-not-allowed')

    await expect(connectPeer({ port: server.port, id: 'p', origin: denied })).rejects.toThrow(
      'status 403',
    )
    await peer('peer-1', allowed)
    await peer('peer-2')
  })
})
