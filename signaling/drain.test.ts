// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSignalingServer } from './createSignalingServer.ts'
import type { SignalingServer } from './createSignalingServer.ts'
import {
  errorResponseSchema,
  healthResponseSchema,
  jobListResponseSchema,
} from './directory/schemas.ts'
import { connectPeer } from './testing/connectPeer.ts'
import { openTestPeer } from './testing/openTestPeer.ts'
import type { TestPeer } from './testing/openTestPeer.ts'
import { startRedis } from './testing/startRedis.ts'
import type { StartedRedis } from './testing/startRedis.ts'

const ownerToken = '0123456789abcdef'.repeat(2)

let redis: StartedRedis
let servers: SignalingServer[] = []
let peers: TestPeer[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await redis?.stop()
})

afterEach(async () => {
  for (const { ws } of peers) ws.terminate()
  await Promise.all(servers.map((server) => server.close()))
  servers = []
  peers = []
})

async function node() {
  const server = await createSignalingServer({ port: 0, host: '127.0.0.1', redisUrl: redis.url })
  servers.push(server)
  return server
}

async function registered(server: SignalingServer, id: string, token?: string) {
  const peer = await openTestPeer({ port: server.port, id, token })
  peers.push(peer)
  expect(await peer.next()).toEqual({ type: 'OPEN' })
  return peer
}

async function listedIds(server: SignalingServer) {
  const response = await fetch(`${server.url}/api/v1/jobs`)
  return jobListResponseSchema.parse(await response.json()).jobs.map((job) => job.jobId)
}

describe('draining a signaling node (SIGTERM)', () => {
  it('closes its peers with 1012 over the spread, refuses new ones, and leaves their listings', async () => {
    const [one, two] = [await node(), await node()]
    const host = await registered(one, 'host-1', 'host-token')
    const volunteers = await Promise.all(['v-1', 'v-2', 'v-3'].map((id) => registered(one, id)))
    const listed = await fetch(`${one.url}/api/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        v: 1,
        jobId: 'job-1',
        name: 'Mandelbrot',
        hostPeerId: 'host-1',
        hostToken: 'host-token',
        kernelKinds: ['wasm'],
        unitsTotal: 10,
        unitsDone: 0,
        ownerToken,
      }),
    })
    expect(listed.status).toBe(201)

    const started = Date.now()
    const drained = one.drain(300)
    const health = await fetch(`${one.url}/healthz`)
    expect(health.status).toBe(503)
    expect(healthResponseSchema.parse(await health.json()).status).toBe('draining')
    const refused = await openTestPeer({ port: one.port, id: 'late' }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(String(refused)).toMatch(/503/)
    const codes = await Promise.all([host, ...volunteers].map((peer) => peer.closed))
    expect(codes).toEqual([1012, 1012, 1012, 1012])
    await drained
    // Spread, not all at once: the last of four closes a full spread after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)

    // The host reconnects to the other node under its id and token; its listing was kept.
    await registered(two, 'host-1', 'host-token')
    expect(await listedIds(two)).toEqual(['job-1'])
    const volunteer = await registered(two, 'v-1')
    volunteer.send({ type: 'OFFER', dst: 'host-1', payload: { sdp: 'v=0', connectionId: 'dc_1' } })
    const reconnectedHost = peers.at(-2)!
    expect(await reconnectedHost.next('OFFER')).toMatchObject({ src: 'v-1' })
  })

  it('answers a peer socket refused while draining with signaling/draining', async () => {
    const server = await createSignalingServer({ port: 0, host: '127.0.0.1' })
    servers.push(server)
    await server.drain(0)
    const refused = await connectPeer({ port: server.port, id: 'late' }).then(
      () => undefined,
      (error: unknown) => error as Error & { body?: string },
    )
    expect(refused?.message).toBe('status 503')
    expect(errorResponseSchema.parse(JSON.parse(refused?.body ?? '')).error.code).toBe(
      'signaling/draining',
    )
  })
})
