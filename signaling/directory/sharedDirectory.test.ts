// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type WebSocket from 'ws'
import { createSignalingServer } from '../createSignalingServer.ts'
import type { SignalingServer } from '../createSignalingServer.ts'
import { closePeer, connectPeer, testPeerToken } from '../testing/connectPeer.ts'
import { startRedis } from '../testing/startRedis.ts'
import type { StartedRedis } from '../testing/startRedis.ts'
import { errorResponseSchema, healthResponseSchema, jobListResponseSchema } from './schemas.ts'

const ownerToken = '0123456789abcdef'.repeat(2)

let redis: StartedRedis
const servers: SignalingServer[] = []
const peers: WebSocket[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await redis?.stop()
})

afterEach(async () => {
  await Promise.all(peers.splice(0).map(closePeer))
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function node() {
  const server = await createSignalingServer({ port: 0, host: '127.0.0.1', redisUrl: redis.url })
  servers.push(server)
  return server
}

function api(server: SignalingServer, path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init
  return fetch(`${server.url}/api/v1/jobs${path}`, {
    ...rest,
    headers: {
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: `Bearer ${ownerToken}`,
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  })
}

async function listed(server: SignalingServer) {
  return jobListResponseSchema.parse(await (await api(server, '')).json()).jobs
}

describe('signaling nodes sharing one Redis', () => {
  it('see one directory: listed through A, updated and removed through B', async () => {
    const [a, b] = [await node(), await node()]
    peers.push(await connectPeer({ port: a.port, id: 'host-1' }))
    const body = {
      v: 1,
      jobId: 'shared-1',
      name: 'Mandelbrot',
      hostPeerId: 'host-1',
      hostToken: testPeerToken('host-1'),
      kernelKinds: ['wasm'],
      unitsTotal: 10,
      unitsDone: 0,
      ownerToken,
      sites: { blog: 1 },
    }
    expect((await api(a, '', { method: 'POST', json: body })).status).toBe(201)
    expect((await listed(b)).map((job) => job.jobId)).toEqual(['shared-1'])

    const patched = await api(b, '/shared-1', { method: 'PATCH', json: { v: 1, unitsDone: 7 } })
    expect(patched.status).toBe(200)
    expect((await listed(a))[0]).toMatchObject({ unitsDone: 7 })
    const sites = await (await fetch(`${a.url}/api/v1/sites/blog`)).json()
    expect(sites).toMatchObject({ units: 1, jobs: [{ jobId: 'shared-1', open: true }] })

    const health = healthResponseSchema.parse(await (await fetch(`${b.url}/healthz`)).json())
    expect(health).toMatchObject({
      status: 'ok',
      listings: 1,
      store: { kind: 'redis', reachable: true },
    })

    expect((await api(b, '/shared-1', { method: 'DELETE' })).status).toBe(204)
    expect(await listed(a)).toEqual([])
  })

  it("drops a host's listings when its socket closes on its node", async () => {
    const [a, b] = [await node(), await node()]
    const host = await connectPeer({ port: a.port, id: 'host-2' })
    const body = {
      v: 1,
      jobId: 'shared-2',
      name: 'Primes',
      hostPeerId: 'host-2',
      hostToken: testPeerToken('host-2'),
      kernelKinds: ['wasm'],
      unitsTotal: 10,
      unitsDone: 0,
      ownerToken,
    }
    expect((await api(a, '', { method: 'POST', json: body })).status).toBe(201)
    expect(await listed(b)).toHaveLength(1)
    await closePeer(host)
    await vi.waitFor(async () => expect(await listed(b)).toEqual([]))
  })

  it('keeps listings across a Redis restart, and answers 503 while it is away', async () => {
    const a = await node()
    peers.push(await connectPeer({ port: a.port, id: 'host-3' }))
    const body = {
      v: 1,
      jobId: 'shared-3',
      name: 'Primes',
      hostPeerId: 'host-3',
      hostToken: testPeerToken('host-3'),
      kernelKinds: ['wasm'],
      unitsTotal: 10,
      unitsDone: 0,
      ownerToken,
    }
    expect((await api(a, '', { method: 'POST', json: body })).status).toBe(201)
    await redis.restart({ crash: true })
    await vi.waitFor(async () => expect((await fetch(`${a.url}/healthz`)).status).toBe(200), {
      timeout: 10_000,
      interval: 200,
    })
    expect((await listed(a)).map((job) => job.jobId)).toEqual(['shared-3'])
    await api(a, '/shared-3', { method: 'DELETE' })
  }, 20_000)

  it('answers 503 directory/unavailable while Redis is away', async () => {
    const a = await node()
    const stopped = await startRedis()
    const lonely = await createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      redisUrl: stopped.url,
    })
    servers.push(lonely)
    await stopped.stop()
    const response = await fetch(`${lonely.url}/api/v1/jobs`)
    expect(response.status).toBe(503)
    expect(errorResponseSchema.parse(await response.json()).error.code).toBe(
      'directory/unavailable',
    )
    const health = await fetch(`${lonely.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({
      status: 'unavailable',
      store: { kind: 'redis', reachable: false },
    })
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200)
  }, 20_000)
})
