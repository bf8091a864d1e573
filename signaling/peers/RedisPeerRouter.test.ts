// @vitest-environment node
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSignalingServer } from '../createSignalingServer.ts'
import type { SignalingServer } from '../createSignalingServer.ts'
import { openTestPeer } from '../testing/openTestPeer.ts'
import type { TestPeer } from '../testing/openTestPeer.ts'
import { startRedis } from '../testing/startRedis.ts'
import type { StartedRedis } from '../testing/startRedis.ts'
import type { PeerSession } from './PeerRouter.ts'
import { RedisPeerRouter } from './RedisPeerRouter.ts'

let redis: StartedRedis
let admin: Redis
let servers: SignalingServer[]
let routers: RedisPeerRouter[]
let peers: TestPeer[]

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url, { maxRetriesPerRequest: null })
})

afterAll(async () => {
  admin?.disconnect()
  await redis?.stop()
})

beforeEach(async () => {
  servers = []
  routers = []
  peers = []
  await admin.flushall()
})

afterEach(async () => {
  for (const { ws } of peers) ws.terminate()
  await Promise.all(servers.map((server) => server.close()))
})

/** A signaling node on the shared Redis, with its router at hand. */
async function node(expireAfterMs = 300) {
  const router = new RedisPeerRouter({ url: redis.url })
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    redisUrl: redis.url,
    peerRouter: router,
    peerTimings: { sweepIntervalMs: 100, pending: { expireAfterMs } },
  })
  servers.push(server)
  routers.push(router)
  return server
}

async function peer(server: SignalingServer, id: string, token?: string) {
  const opened = await openTestPeer({ port: server.port, id, token })
  peers.push(opened)
  return opened
}

async function registered(server: SignalingServer, id: string, token?: string) {
  const opened = await peer(server, id, token)
  expect(await opened.next()).toEqual({ type: 'OPEN' })
  return opened
}

const offer = (dst: string) => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_1' },
})

describe('RedisPeerRouter: signaling nodes sharing one Redis', () => {
  it('relays OFFER and ANSWER between peers on different nodes, src set by the server, in order', async () => {
    const [one, two] = [await node(), await node()]
    const a = await registered(one, 'peer-a')
    const b = await registered(two, 'peer-b')
    a.send({ ...offer('peer-b'), src: 'someone-else' })
    expect(await b.next()).toEqual({ ...offer('peer-b'), src: 'peer-a' })
    b.send({ type: 'ANSWER', dst: 'peer-a', payload: { sdp: 'x', connectionId: 'dc_1' } })
    expect(await a.next()).toEqual({
      type: 'ANSWER',
      src: 'peer-b',
      dst: 'peer-a',
      payload: { sdp: 'x', connectionId: 'dc_1' },
    })
    for (let n = 0; n < 20; n += 1)
      a.send({ type: 'CANDIDATE', dst: 'peer-b', payload: { candidate: n, connectionId: 'dc_1' } })
    for (let n = 0; n < 20; n += 1)
      expect((await b.next('CANDIDATE')).payload).toMatchObject({ candidate: n })
  })

  it("delivers frames that waited on the sender's node to a peer that then registers on another, in order", async () => {
    // The waiting room's usual 5 s: the test is about delivery, not about a slow machine.
    const [one, two] = [await node(5_000), await node(5_000)]
    const a = await registered(one, 'peer-a')
    a.send(offer('peer-late'))
    for (let n = 0; n < 3; n += 1)
      a.send({
        type: 'CANDIDATE',
        dst: 'peer-late',
        payload: { candidate: n, connectionId: 'dc_1' },
      })
    const late = await registered(two, 'peer-late')
    expect(await late.next()).toEqual({ ...offer('peer-late'), src: 'peer-a' })
    for (let n = 0; n < 3; n += 1)
      expect(await late.next()).toMatchObject({ type: 'CANDIDATE', payload: { candidate: n } })
    // Frames sent once it is there go straight to it, after those.
    a.send({ type: 'CANDIDATE', dst: 'peer-late', payload: { candidate: 3, connectionId: 'dc_1' } })
    expect(await late.next()).toMatchObject({ type: 'CANDIDATE', payload: { candidate: 3 } })
    expect(a.unread.filter((frame) => frame.type === 'EXPIRE')).toEqual([])
  })

  it('refuses an id held on another node under another token (ID-TAKEN)', async () => {
    const [one, two] = [await node(), await node()]
    await registered(one, 'peer-a', 'token-1')
    const thief = await peer(two, 'peer-a', 'token-2')
    expect(await thief.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } })
    await thief.closed
    expect(routers[1]!.localCount).toBe(0)
  })

  it('evicts the old socket on its node when the same token reconnects to another', async () => {
    const [one, two] = [await node(), await node()]
    const old = await registered(one, 'peer-a', 'token-1')
    const b = await registered(one, 'peer-b')
    const fresh = await registered(two, 'peer-a', 'token-1')
    await old.closed
    await vi.waitFor(() => expect(routers[0]!.localSession('peer-a')).toBeUndefined())
    b.send(offer('peer-a'))
    expect(await fresh.next()).toEqual({ ...offer('peer-a'), src: 'peer-b' })
    expect(routers[0]!.localCount).toBe(1)
    expect(routers[1]!.localCount).toBe(1)
  })

  it('answers EXPIRE for a peer whose node closed, and for one whose node died', async () => {
    const [one, two] = [await node(), await node()]
    const a = await registered(one, 'peer-a')
    await registered(two, 'peer-b')
    await servers.pop()!.close()
    a.send(offer('peer-b'))
    expect(await a.next()).toEqual({ type: 'EXPIRE', src: 'peer-b', dst: 'peer-a' })
    // A node that died keeps its keys until their TTL, but nobody listens on its channel.
    await admin.set('vc:peers:peer:peer-c', 'ghost-node 00ff 1234')
    a.send(offer('peer-c'))
    expect(await a.next()).toEqual({ type: 'EXPIRE', src: 'peer-c', dst: 'peer-a' })
    expect(await admin.exists('vc:peers:peer:peer-c')).toBe(0)
  })

  it('lets another token take an id held by a node that died', async () => {
    const one = await node()
    await admin.set('vc:peers:peer:peer-a', 'ghost-node 00ff 1234', 'PX', 60_000)
    await registered(one, 'peer-a', 'token-2')
    expect(await admin.get('vc:peers:peer:peer-a')).toMatch(new RegExp(`^${routers[0]!.nodeId} `))
  })

  it('re-registers its peers after Redis restarts without their keys, and routes again', async () => {
    const [one, two] = [await node(), await node()]
    const a = await registered(one, 'peer-a')
    const b = await registered(two, 'peer-b')
    await admin.flushall()
    await redis.restart({ crash: true })
    await vi.waitFor(() => expect(routers.map((router) => router.reconnects)).toEqual([1, 1]), {
      timeout: 10_000,
      interval: 50,
    })
    await vi.waitFor(
      async () =>
        expect(await admin.exists('vc:peers:peer:peer-a', 'vc:peers:peer:peer-b')).toBe(2),
      {
        timeout: 5_000,
      },
    )
    a.send(offer('peer-b'))
    expect(await b.next()).toEqual({ ...offer('peer-b'), src: 'peer-a' })
  })

  it('unregisters only the session that still holds the id, and says who is connected anywhere', async () => {
    const [one, two] = [
      new RedisPeerRouter({ url: redis.url }),
      new RedisPeerRouter({ url: redis.url }),
    ]
    routers.push(one, two)
    const session = (id: string) =>
      ({ id, send: vi.fn<(frame: string) => void>(), evict: vi.fn() }) satisfies PeerSession
    const first = session('a')
    const second = session('a')
    expect(await one.register(first, 'token')).toBe('registered')
    expect(await two.isConnected('a')).toBe(true)
    // The token proof a listing gives, answered by a node that does not hold the socket.
    expect(await two.holdsToken('a', 'token')).toBe(true)
    expect(await two.holdsToken('a', 'tokem')).toBe(false)
    expect(await two.holdsToken('b', 'token')).toBe(false)
    expect(await two.register(second, 'token')).toBe('registered')
    await vi.waitFor(() => expect(first.evict).toHaveBeenCalledOnce())
    await one.unregister(first)
    expect(await one.isConnected('a')).toBe(true)
    expect(await one.deliver('a', 'frame')).toBe(true)
    await vi.waitFor(() => expect(second.send).toHaveBeenCalledWith('frame'))
    await two.unregister(second)
    expect(await one.isConnected('a')).toBe(false)
    expect(await one.deliver('a', 'frame')).toBe(false)
    await Promise.all([one.close(), two.close()])
  })
})
