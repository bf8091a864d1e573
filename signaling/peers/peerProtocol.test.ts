// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSignalingServer } from '../createSignalingServer.ts'
import type { SignalingServer, SignalingServerOptions } from '../createSignalingServer.ts'
import { healthResponseSchema } from '../directory/schemas.ts'
import { openTestPeer } from '../testing/openTestPeer.ts'
import type { OpenTestPeerParameters, TestPeer } from '../testing/openTestPeer.ts'

let server: SignalingServer
let peers: TestPeer[]

async function start(options: SignalingServerOptions = {}) {
  server = await createSignalingServer({ port: 0, host: '127.0.0.1', ...options })
}

async function peer(id: string, options: Partial<OpenTestPeerParameters> = {}) {
  const opened = await openTestPeer({ port: server.port, id, ...options })
  peers.push(opened)
  return opened
}

/** A peer that has received its OPEN. */
async function registered(id: string, token?: string) {
  const opened = await peer(id, { token })
  expect(await opened.next()).toEqual({ type: 'OPEN' })
  return opened
}

async function health() {
  return healthResponseSchema.parse(await (await fetch(`${server.url}/healthz`)).json())
}

const offer = (dst: string, connectionId = 'dc_1') => ({
  type: 'OFFER',
  dst,
  payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId, serialization: 'raw' },
})

beforeEach(() => {
  peers = []
})

afterEach(async () => {
  for (const { ws } of peers) ws.terminate()
  await server.close()
})

describe('the PeerJS server protocol', () => {
  it('relays OFFER, ANSWER and CANDIDATE with src set by the server', async () => {
    await start()
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    a.send({ ...offer('peer-b'), src: 'someone-else' })
    expect(await b.next()).toEqual({ ...offer('peer-b'), src: 'peer-a' })
    b.send({ type: 'ANSWER', dst: 'peer-a', payload: { sdp: 'x', connectionId: 'dc_1' } })
    expect(await a.next()).toEqual({
      type: 'ANSWER',
      src: 'peer-b',
      dst: 'peer-a',
      payload: { sdp: 'x', connectionId: 'dc_1' },
    })
    const candidate = { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' } }
    b.send({ type: 'CANDIDATE', dst: 'peer-a', payload: { ...candidate, connectionId: 'dc_1' } })
    expect((await a.next()).payload).toEqual({ ...candidate, connectionId: 'dc_1' })
    expect((await health()).frames.relayed).toBe(3)
  })

  it('relays a burst of frames for one peer whole and in order (they leave in one write)', async () => {
    await start({ peerMessagesPerSecond: 1000, peerMessageBurst: 1000 })
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    for (let i = 0; i < 300; i += 1) a.send(offer('peer-b', `dc_${i}`))
    for (let i = 0; i < 300; i += 1)
      expect((await b.next()).payload).toMatchObject({ connectionId: `dc_${i}` })
    b.send({ type: 'ANSWER', dst: 'peer-a', payload: { sdp: 'x', connectionId: 'dc_0' } })
    expect((await a.next()).type).toBe('ANSWER')
  })

  it('relays LEAVE to a connected peer, and closes the socket of a peer that leaves', async () => {
    await start()
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    a.send({ type: 'LEAVE', dst: 'peer-b' })
    expect(await b.next()).toEqual({ type: 'LEAVE', src: 'peer-a', dst: 'peer-b' })
    a.send({ type: 'LEAVE' })
    expect(await a.closed).toBe(1000)
    await vi.waitFor(async () => expect((await health()).peers).toBe(1))
  })

  it('delivers frames for a peer that connects later, in order', async () => {
    await start()
    const a = await registered('peer-a')
    a.send(offer('late'))
    a.send({ type: 'CANDIDATE', dst: 'late', payload: { candidate: 'c', connectionId: 'dc_1' } })
    await vi.waitFor(async () => expect((await health()).frames.queued).toBe(2))
    const late = await registered('late')
    expect((await late.next()).type).toBe('OFFER')
    expect((await late.next()).type).toBe('CANDIDATE')
  })

  it('answers EXPIRE, once, when the target never comes', async () => {
    await start({ peerTimings: { sweepIntervalMs: 20, pending: { expireAfterMs: 100 } } })
    const a = await registered('peer-a')
    a.send(offer('nobody'))
    a.send({ type: 'CANDIDATE', dst: 'nobody', payload: { candidate: 'c', connectionId: 'dc_1' } })
    expect(await a.next()).toEqual({ type: 'EXPIRE', src: 'nobody', dst: 'peer-a' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(a.unread).toEqual([])
    expect((await health()).frames).toMatchObject({ queued: 2, expired: 1 })
  })

  it('bounds waiting frames per sender: past the bound, EXPIRE at once', async () => {
    await start({ peerTimings: { pending: { maxPerSender: 2 } } })
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    a.send(offer('nobody-1'))
    a.send(offer('nobody-2'))
    a.send(offer('nobody-3'))
    expect(await a.next()).toEqual({ type: 'EXPIRE', src: 'nobody-3', dst: 'peer-a' })
    // Another sender still has room.
    b.send(offer('nobody-1'))
    await vi.waitFor(async () => expect((await health()).frames.queued).toBe(3))
    expect(b.unread).toEqual([])
  })

  it('bounds waiting bytes in all', async () => {
    await start({ peerTimings: { pending: { maxBytes: 1000 } } })
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    const big = (dst: string) => ({
      type: 'OFFER',
      dst,
      payload: { connectionId: 'dc_1', sdp: 'x'.repeat(600) },
    })
    a.send(big('nobody-1'))
    b.send(big('nobody-2'))
    expect(await b.next()).toEqual({ type: 'EXPIRE', src: 'nobody-2', dst: 'peer-b' })
  })

  it('drops what a sender left waiting when it goes', async () => {
    await start()
    const a = await registered('peer-a')
    a.send(offer('late'))
    await vi.waitFor(async () => expect((await health()).frames.queued).toBe(1))
    a.ws.close()
    await vi.waitFor(async () => expect((await health()).peers).toBe(0))
    const late = await registered('late')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(late.unread).toEqual([])
  })

  it('answers ID-TAKEN for an id held under another token', async () => {
    await start()
    const a = await registered('peer-a', 'token-1')
    const thief = await peer('peer-a', { token: 'token-2' })
    expect(await thief.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } })
    await thief.closed
    const b = await registered('peer-b')
    b.send(offer('peer-a'))
    expect((await a.next()).src).toBe('peer-b')
  })

  it('hands the id to a reconnect with the same token, closing the old socket', async () => {
    await start()
    const old = await registered('peer-a', 'token-1')
    const fresh = await registered('peer-a', 'token-1')
    await old.closed
    const b = await registered('peer-b')
    b.send(offer('peer-a'))
    expect((await fresh.next()).src).toBe('peer-b')
    expect((await health()).peers).toBe(2)
  })

  it('closes a silent socket after the alive timeout; heartbeats keep one open', async () => {
    await start({ peerTimings: { aliveTimeoutMs: 300, sweepIntervalMs: 20 } })
    const silent = await registered('silent')
    const beating = await registered('beating')
    const heartbeat = setInterval(() => beating.send({ type: 'HEARTBEAT' }), 50)
    try {
      await silent.closed
      expect(beating.ws.readyState).toBe(beating.ws.OPEN)
      const health1 = await health()
      expect(health1.peers).toBe(1)
      expect(health1.frames.timedOut).toBe(1)
    } finally {
      clearInterval(heartbeat)
    }
  })

  it('drops frames over the rate limit, then closes a sender that keeps on', async () => {
    await start({ peerMessagesPerSecond: 1, peerMessageBurst: 3 })
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    for (let i = 0; i < 4; i += 1) a.send(offer('peer-b', `dc_${i}`))
    expect((await b.next()).payload).toMatchObject({ connectionId: 'dc_0' })
    await vi.waitFor(async () => expect((await health()).frames.rateLimited).toBe(1))
    expect(a.ws.readyState).toBe(a.ws.OPEN)
    for (let i = 0; i < 3; i += 1) a.send({ type: 'HEARTBEAT' })
    expect((await a.next('ERROR')).payload).toEqual({ msg: 'More than 1 messages a second.' })
    expect(await a.closed).toBe(1008)
    expect(b.ws.readyState).toBe(b.ws.OPEN)
  })

  it('refuses sockets without id, token or the right key, with ERROR', async () => {
    await start()
    const noToken = await peer('x', { query: 'key=peerjs&id=peer-a' })
    expect(await noToken.next()).toEqual({
      type: 'ERROR',
      payload: { msg: 'No id, token, or key supplied to websocket server' },
    })
    const wrongKey = await peer('x', { query: 'key=other&id=peer-a&token=t' })
    expect((await wrongKey.next()).payload).toEqual({ msg: 'Invalid key provided' })
    const badId = await peer('x', { query: `key=peerjs&id=${'a'.repeat(65)}&token=t` })
    expect((await badId.next()).payload).toEqual({ msg: 'Invalid id provided' })
    expect(await badId.closed).toBe(1008)
  })

  it('refuses peers past --max-peers', async () => {
    await start({ maxPeers: 1 })
    await registered('peer-a')
    const refused = await peer('peer-b')
    expect((await refused.next()).payload).toEqual({
      msg: 'Server has reached its concurrent user limit',
    })
  })
})

describe('bad frames close their socket only', () => {
  const bad: [string, object | string | Buffer, string][] = [
    ['malformed JSON', '{"type":', 'The frame is not JSON.'],
    [
      'an unknown type',
      { type: 'HELLO' },
      'Invalid HELLO frame at type: Invalid discriminator value',
    ],
    ['a server-only type', { type: 'EXPIRE', dst: 'peer-b' }, 'Invalid EXPIRE frame at type'],
    ['a relay without dst', { type: 'OFFER', payload: { connectionId: 'c' } }, 'at dst'],
    ['a relay without payload', { type: 'CANDIDATE', dst: 'peer-b' }, 'at payload'],
    ['an unknown field', { type: 'HEARTBEAT', extra: 1 }, 'Invalid HEARTBEAT frame'],
    ['a binary frame', Buffer.from('{"type":"HEARTBEAT"}'), 'Frames are JSON text'],
    // Relaying it would overflow JSON.stringify's stack.
    [
      'a payload nested 30,000 deep',
      `{"type":"OFFER","dst":"peer-b","payload":{"connectionId":"c","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`,
      'nests deeper than 32 levels',
    ],
  ]

  it.each(bad)('%s: ERROR, close, counted; other peers unaffected', async (_name, frame, msg) => {
    await start()
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    const c = await registered('peer-c')
    a.send(frame)
    const error = await a.next()
    expect(error.type).toBe('ERROR')
    expect((error.payload as { msg: string }).msg).toContain(msg)
    expect(await a.closed).toBe(1008)
    b.send(offer('peer-c'))
    expect((await c.next()).src).toBe('peer-b')
    const { peers: count, frames } = await health()
    expect(count).toBe(2)
    expect(frames.rejected).toBe(1)
  })

  it('an oversized frame: close 1009, counted; other peers unaffected', async () => {
    await start()
    const a = await registered('peer-a')
    const b = await registered('peer-b')
    a.send({ ...offer('peer-b'), payload: { connectionId: 'c', sdp: 'x'.repeat(70_000) } })
    expect(await a.closed).toBe(1009)
    b.send({ type: 'HEARTBEAT' })
    await vi.waitFor(async () => expect((await health()).frames.rejected).toBe(1))
    expect((await health()).peers).toBe(1)
  })
})
