// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSignalingServer } from './createSignalingServer.ts'
import type { SignalingServer } from './createSignalingServer.ts'
import { RedisPeerRouter } from './peers/RedisPeerRouter.ts'
import { openTestPeer } from './testing/openTestPeer.ts'
import type { TestPeer } from './testing/openTestPeer.ts'
import { startRedis } from './testing/startRedis.ts'
import type { StartedRedis } from './testing/startRedis.ts'

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

async function registered(server: SignalingServer, id: string) {
  const peer = await openTestPeer({ port: server.port, id })
  peers.push(peer)
  expect(await peer.next()).toEqual({ type: 'OPEN' })
  return peer
}

/** `GET /metrics` as `name{labels}` → value, checking the Prometheus content type. */
async function scrape(server: SignalingServer): Promise<Map<string, number>> {
  const response = await fetch(`${server.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/)
  const values = new Map<string, number>()
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return values
}

const offer = (dst: string) => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_1' },
})

describe('GET /metrics', () => {
  it('counts peers, frames received and relayed, and rejected frames by reason', async () => {
    const server = await createSignalingServer({ port: 0, host: '127.0.0.1' })
    servers.push(server)
    const a = await registered(server, 'peer-a')
    const b = await registered(server, 'peer-b')
    const c = await registered(server, 'peer-c')
    a.send(offer('peer-b'))
    await b.next('OFFER')
    a.send({ type: 'HEARTBEAT' })
    c.send('{ not json')
    expect(await c.closed).toBe(1008)

    await vi.waitFor(async () => expect((await scrape(server)).get('signaling_peers')).toBe(2))
    const metrics = await scrape(server)
    expect(metrics.get('signaling_frames_received_total')).toBe(3)
    expect(metrics.get('signaling_frames_relayed_total')).toBe(1)
    expect(metrics.get('signaling_frames_rejected_total{reason="invalid-json"}')).toBe(1)
    expect(metrics.get('signaling_frames_rejected_total{reason="oversized"}')).toBe(0)
    expect(metrics.get('signaling_draining')).toBe(0)
    expect(metrics.get('signaling_store_up{kind="memory"}')).toBe(1)
    expect(metrics.get('signaling_listings')).toBe(0)
    // The process's own, for memory per peer and event-loop delay.
    expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(metrics.has('signaling_redis_reconnects_total')).toBe(false)
  })

  it('times the Redis round trip, and counts a reconnect after Redis restarts', async () => {
    const router = new RedisPeerRouter({ url: redis.url })
    const server = await createSignalingServer({
      port: 0,
      host: '127.0.0.1',
      redisUrl: redis.url,
      peerRouter: router,
    })
    servers.push(server)
    await registered(server, 'peer-a')
    const before = await scrape(server)
    expect(before.get('signaling_store_up{kind="redis"}')).toBe(1)
    expect(before.get('signaling_store_round_trip_seconds{kind="redis"}')).toBeGreaterThan(0)
    expect(before.get('signaling_redis_reconnects_total')).toBe(0)

    await redis.restart()
    await vi.waitFor(
      async () => {
        const after = await scrape(server)
        expect(after.get('signaling_redis_reconnects_total')).toBe(1)
        expect(after.get('signaling_store_up{kind="redis"}')).toBe(1)
        expect(after.get('signaling_peers')).toBe(1)
      },
      { timeout: 10_000, interval: 100 },
    )
  })
})
