// @vitest-environment node
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NodeVolunteer } from '../src/node/startNodeVolunteer.ts'
import { createJob } from '../src/sdk/index.ts'
import type { Job } from '../src/sdk/index.ts'
import {
  hitsOf,
  monteCarloPiHits,
  monteCarloPiPackage,
} from '../tests/support/monteCarloPiPackage.ts'
import { startTestVolunteer } from '../tests/support/startTestVolunteer.ts'
import { createSignalingServer } from './createSignalingServer.ts'
import type { SignalingServer } from './createSignalingServer.ts'
import { healthResponseSchema, jobListResponseSchema } from './directory/schemas.ts'
import { RedisPeerRouter } from './peers/RedisPeerRouter.ts'
import { openTestPeer } from './testing/openTestPeer.ts'
import type { TestPeer } from './testing/openTestPeer.ts'
import { startRedis } from './testing/startRedis.ts'
import type { StartedRedis } from './testing/startRedis.ts'

// A Node host and Node volunteers speak WebRTC: this runs only inside the private network
// (`../shared/bin/private-net npx vitest run signaling/redisRestart.test.ts`).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

const sweep = { seed: 11, samples: 20_000, unitCount: 8 }

let redis: StartedRedis
let admin: Redis
let routers: RedisPeerRouter[]
let nodes: SignalingServer[]
let peers: TestPeer[]
let volunteers: NodeVolunteer[]
let job: Job | undefined
let dir: string

async function node(): Promise<SignalingServer> {
  const router = new RedisPeerRouter({ url: redis.url })
  routers.push(router)
  // Connection errors while Redis is away are expected here; what matters is what comes back.
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    redisUrl: redis.url,
    peerRouter: router,
  })
  nodes.push(server)
  return server
}

async function registered(server: SignalingServer, id: string): Promise<TestPeer> {
  const peer = await openTestPeer({ port: server.port, id })
  peers.push(peer)
  expect(await peer.next()).toEqual({ type: 'OPEN' })
  return peer
}

async function listedJobIds(server: SignalingServer): Promise<string[]> {
  const response = await fetch(`${server.url}/api/v1/jobs`)
  expect(response.status).toBe(200)
  return jobListResponseSchema.parse(await response.json()).jobs.map((listing) => listing.jobId)
}

async function volunteer(server: SignalingServer, jobId: string, name: string): Promise<void> {
  volunteers.push(await startTestVolunteer({ signalingUrl: server.url, dir, name, jobId }))
}

const offer = (dst: string) => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'after-restart' },
})

describe.skipIf(!insidePrivateNet)('two signaling nodes when their Redis restarts', () => {
  beforeEach(async () => {
    redis = await startRedis()
    admin = new Redis(redis.url, { maxRetriesPerRequest: null })
    // Refused while Redis restarts; it reconnects by itself.
    admin.on('error', () => {})
    routers = []
    nodes = []
    peers = []
    volunteers = []
    dir = await mkdtemp(path.join(os.tmpdir(), 'redis-restart-'))
  })

  afterEach(async () => {
    for (const started of volunteers) started.stop()
    await job?.stop()
    job = undefined
    for (const { ws } of peers) ws.terminate()
    await Promise.all(nodes.map((server) => server.close()))
    admin.disconnect()
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('recover: peers routed again across nodes, the listing back on both, and volunteers that join afterwards complete the job', async () => {
    const [a, b] = [await node(), await node()]
    job = await createJob({
      package: await monteCarloPiPackage(sweep),
      signaling: a.url,
      store: path.join(dir, 'job.sqlite'),
      privatePool: true,
    })
    const hostPeerId = await new Promise<string>((resolve) =>
      job!.on('signaling', (event) => event.kind === 'listed' && resolve(event.hostPeerId)),
    )
    const jobId = job.id
    expect(await listedJobIds(a)).toEqual([jobId])
    expect(await listedJobIds(b)).toEqual([jobId])
    const onA = await registered(a, 'peer-on-a')
    const onB = await registered(b, 'peer-on-b')

    await redis.restart({ crash: true })

    // Both nodes answer again, and each has subscribed again and rewritten its peers' keys.
    for (const server of [a, b])
      await vi.waitFor(
        async () => {
          const response = await fetch(`${server.url}/healthz`)
          expect(response.status).toBe(200)
          expect(healthResponseSchema.parse(await response.json())).toMatchObject({
            status: 'ok',
            store: { kind: 'redis', reachable: true },
          })
        },
        { timeout: 20_000, interval: 200 },
      )
    await vi.waitFor(() => expect(routers.map((router) => router.reconnects)).toEqual([1, 1]), {
      timeout: 20_000,
      interval: 100,
    })
    const keys = [hostPeerId, 'peer-on-a', 'peer-on-b'].map((id) => `vc:peers:peer:${id}`)
    await vi.waitFor(async () => expect(await admin.exists(...keys)).toBe(3), { timeout: 10_000 })
    onA.send(offer('peer-on-b'))
    expect(await onB.next()).toEqual({ ...offer('peer-on-b'), src: 'peer-on-a' })
    onB.send(offer('peer-on-a'))
    expect(await onA.next()).toEqual({ ...offer('peer-on-a'), src: 'peer-on-b' })

    // The listing is back through both nodes, without its host listing it again.
    await vi.waitFor(
      async () => {
        expect(await listedJobIds(a)).toEqual([jobId])
        expect(await listedJobIds(b)).toEqual([jobId])
      },
      { timeout: 10_000, interval: 200 },
    )

    // Volunteers that find the job through node B reach its host on node A, and finish it.
    await volunteer(b, jobId, 'one')
    await volunteer(b, jobId, 'two')
    const output = await job.done()
    expect(output.units.map(hitsOf)).toEqual(monteCarloPiHits(sweep))
    expect(job.progress.validated).toBe(sweep.unitCount)
  }, 120_000)

  it('come back empty: the host lists its job again by itself, within its listing refresh', async () => {
    const [a, b] = [await node(), await node()]
    job = await createJob({
      package: await monteCarloPiPackage(sweep),
      signaling: a.url,
      store: path.join(dir, 'job.sqlite'),
      privatePool: true,
    })
    await new Promise<void>((resolve) =>
      job!.on('signaling', (event) => event.kind === 'listed' && resolve()),
    )
    const jobId = job.id
    // A Redis that lost its data (no persistence, or a new machine): listings and peer keys gone.
    await admin.flushall()
    await redis.restart({ crash: true })
    await vi.waitFor(() => expect(routers.map((router) => router.reconnects)).toEqual([1, 1]), {
      timeout: 20_000,
      interval: 100,
    })
    expect(await listedJobIds(b)).toEqual([])
    // No volunteer, so no progress: the periodic refresh finds the listing gone and lists again.
    await vi.waitFor(
      async () => {
        expect(await listedJobIds(a)).toEqual([jobId])
        expect(await listedJobIds(b)).toEqual([jobId])
      },
      { timeout: 30_000, interval: 500 },
    )
    await volunteer(b, jobId, 'one')
    await volunteer(b, jobId, 'two')
    expect((await job.done()).units).toHaveLength(sweep.unitCount)
  }, 120_000)
})
