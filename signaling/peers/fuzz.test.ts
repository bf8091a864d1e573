// @vitest-environment node
import { request } from 'node:http'
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createSignalingServer } from '../createSignalingServer.ts'
import type { SignalingServer } from '../createSignalingServer.ts'
import { errorResponseSchema, healthResponseSchema } from '../directory/schemas.ts'
import {
  badFrame,
  invalidPeerIdString,
  invalidToken,
  oversizedFrame,
  validPeerId,
  validToken,
} from '../testing/badPeerFrames.ts'
import type { BadFrame } from '../testing/badPeerFrames.ts'
import { HoldingPeerRouter } from '../testing/HoldingPeerRouter.ts'
import { openTestPeer } from '../testing/openTestPeer.ts'
import type { TestPeer } from '../testing/openTestPeer.ts'
import { startRedis } from '../testing/startRedis.ts'
import type { StartedRedis } from '../testing/startRedis.ts'
import { LocalPeerRouter } from './LocalPeerRouter.ts'
import { RedisPeerRouter } from './RedisPeerRouter.ts'

// Malformed input thrown at a real signaling node: every bad socket is closed with the code
// docs/protocol.md gives, counted in /healthz, and nothing else changes. A fixed seed and a few
// hundred runs keep each test to a few seconds.
const seed = 20_260_721

// A low rate and a burst above the 32 frames allowed before OPEN: a flood of a few hundred
// frames is over it however slowly this machine reads them.
const messagesPerSecond = 5
const messageBurst = 64

// The heap a test may leave behind, however many sockets it opened (fast-check's own
// bookkeeping and lazily compiled code included); the memory test sends more than twice this.
const maxHeapGrowthBytes = 16 * 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapBytes(): number {
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

describe.each(['LocalPeerRouter', 'RedisPeerRouter'] as const)('%s: malformed input', (kind) => {
  let redis: StartedRedis | undefined
  let servers: SignalingServer[]
  /** The node every malformed input goes to. */
  let fuzzed: SignalingServer
  let router: HoldingPeerRouter
  /** Two peers connected throughout; with Redis, on two nodes, so that their frames cross it. */
  let honest: [TestPeer, TestPeer]
  let opened: TestPeer[]
  let heapBefore: number
  let next = 0
  const onError = vi.fn()

  beforeAll(async () => {
    if (kind === 'RedisPeerRouter') redis = await startRedis()
  })

  afterAll(async () => {
    await redis?.stop()
  })

  beforeEach(async () => {
    onError.mockClear()
    servers = []
    opened = []
    const node = async (peerRouter: HoldingPeerRouter) => {
      const server = await createSignalingServer({
        port: 0,
        host: '127.0.0.1',
        redisUrl: redis?.url,
        peerRouter,
        peerMessagesPerSecond: messagesPerSecond,
        peerMessageBurst: messageBurst,
        onError,
      })
      servers.push(server)
      return server
    }
    const routerOf = () =>
      new HoldingPeerRouter(
        redis ? new RedisPeerRouter({ url: redis.url, onError }) : new LocalPeerRouter(),
      )
    router = routerOf()
    fuzzed = await node(router)
    const other = redis ? await node(routerOf()) : fuzzed
    honest = [await registered(fuzzed, 'honest-a'), await registered(other, 'honest-b')]
    heapBefore = heapBytes()
  })

  afterEach(async () => {
    for (const peer of [...opened, ...(honest ?? [])]) peer.ws.terminate()
    await Promise.all(servers.map((server) => server.close()))
  })

  function freshId(): string {
    next += 1
    return `fuzz-${next}`
  }

  async function open(server: SignalingServer, id: string, query?: string): Promise<TestPeer> {
    const peer = await openTestPeer({ port: server.port, id, query })
    // The server may close while this side still writes: that is expected, not a failure.
    peer.ws.on('error', () => {})
    opened.push(peer)
    return peer
  }

  async function registered(server: SignalingServer, id: string): Promise<TestPeer> {
    const peer = await open(server, id)
    expect(await peer.next()).toEqual({ type: 'OPEN' })
    return peer
  }

  async function health(server = fuzzed) {
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    return healthResponseSchema.parse(await response.json())
  }

  const offer = (dst: string, connectionId: string) => ({
    type: 'OFFER',
    dst,
    payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId },
  })

  /** Sends one frame on a fresh registered socket and checks the close, the ERROR and the count. */
  async function throwFrame(frame: BadFrame): Promise<void> {
    const before = (await health()).frames.rejected
    const peer = await registered(fuzzed, freshId())
    peer.ws.send(frame.data, { binary: frame.binary })
    await expectRefused(peer, frame.outcome)
    await vi.waitFor(async () => expect((await health()).frames.rejected).toBe(before + 1))
  }

  async function expectRefused(peer: TestPeer, outcome: BadFrame['outcome']): Promise<void> {
    expect(await peer.closed).toBe(outcome.code)
    if ('error' in outcome) {
      expect(peer.unread).toHaveLength(1)
      expect(peer.unread[0]).toMatchObject({ type: 'ERROR' })
      expect((peer.unread[0]!.payload as { msg: string }).msg).toMatch(outcome.error)
    } else expect(peer.unread).toEqual([])
  }

  /**
   * What must hold after any amount of malformed input: no error of ours was reported, the node
   * is healthy and holds the honest peers only, they still relay OFFER and ANSWER to each other,
   * and the heap is back near where it was.
   */
  async function expectUnharmed(): Promise<void> {
    const [a, b] = honest
    await vi.waitFor(async () => expect((await health()).peers).toBe(redis ? 1 : 2))
    const connectionId = `check-${freshId()}`
    a.send(offer('honest-b', connectionId))
    expect(await b.next()).toEqual({ ...offer('honest-b', connectionId), src: 'honest-a' })
    b.send({ type: 'ANSWER', dst: 'honest-a', payload: { sdp: 'v=0', connectionId } })
    expect(await a.next()).toEqual({
      type: 'ANSWER',
      src: 'honest-b',
      dst: 'honest-a',
      payload: { sdp: 'v=0', connectionId },
    })
    expect(a.unread).toEqual([])
    expect(b.unread).toEqual([])
    expect(onError).not.toHaveBeenCalled()
    for (const peer of opened.splice(0)) if (!honest.includes(peer)) peer.ws.terminate()
    expect(heapBytes() - heapBefore).toBeLessThan(maxHeapGrowthBytes)
  }

  it('closes a socket that sends random bytes, non-JSON, or JSON of the wrong shape (1008, or 1007 for text that is not UTF-8)', async () => {
    await fc.assert(fc.asyncProperty(badFrame, throwFrame), { seed, numRuns: 120 })
    await expectUnharmed()
  }, 120_000)

  it('closes a socket that sends a frame over 64 KiB with 1009, before reading it', async () => {
    await fc.assert(fc.asyncProperty(oversizedFrame, throwFrame), { seed, numRuns: 12 })
    await expectUnharmed()
  }, 120_000)

  it('holds up to 32 frames sent before OPEN and relays them in order; refuses the 33rd, and bad ones at once', async () => {
    const early = fc.record({
      frames: fc.integer({ min: 0, max: 40 }),
      bad: fc.option(badFrame, { nil: undefined, freq: 3 }),
    })
    await fc.assert(
      fc.asyncProperty(early, async ({ frames, bad }) => {
        const before = (await health()).frames.rejected
        const id = freshId()
        const release = router.hold(id)
        const peer = await open(fuzzed, id)
        for (let n = 0; n < frames; n += 1) peer.send(offer('honest-b', `early-${n}`))
        if (bad) peer.ws.send(bad.data, { binary: bad.binary })
        if (frames > 32 || bad) {
          await expectRefused(
            peer,
            frames > 32 ? { code: 1008, error: /^Too many messages before OPEN\.$/ } : bad!.outcome,
          )
          // Left held: a registration that completes after the refusal has a test of its own.
          await vi.waitFor(async () => expect((await health()).frames.rejected).toBe(before + 1))
          return
        }
        // Most often the frames are read before this (and wait for OPEN); if not, they are relayed
        // as they come: either way every one arrives, in order.
        await new Promise((resolve) => setTimeout(resolve, 20))
        release()
        expect(await peer.next()).toEqual({ type: 'OPEN' })
        for (let n = 0; n < frames; n += 1)
          expect(await honest[1].next('OFFER')).toMatchObject({
            src: id,
            payload: { connectionId: `early-${n}` },
          })
        peer.ws.close()
        await peer.closed
      }),
      { seed, numRuns: 40 },
    )
    await expectUnharmed()
  }, 120_000)

  // The socket is refused and closing, but its registration (a Redis round trip away in a
  // cluster) completes before the close handshake does: the session must not open then, nor
  // relay the frames it sent before OPEN. Held here until the ERROR has reached the client,
  // which makes the race certain with the LocalPeerRouter (it registers in a microtask).
  if (kind === 'LocalPeerRouter')
    it('never relays what a refused socket sent before OPEN', async () => {
      const id = freshId()
      const release = router.hold(id)
      const peer = await open(fuzzed, id)
      for (let n = 0; n < 5; n += 1) peer.send(offer('honest-b', `early-${n}`))
      peer.send('not JSON')
      expect(await peer.next('ERROR')).toMatchObject({
        payload: { msg: 'The frame is not JSON.' },
      })
      release()
      expect(await peer.closed).toBe(1008)
      await expectUnharmed()
    })

  it('keeps no memory for refused sockets, their frames or what they left waiting', async () => {
    const sockets = 192
    const big = (dst: unknown) =>
      JSON.stringify({
        type: 'OFFER',
        dst,
        payload: { connectionId: 'c', sdp: 'x'.repeat(60_000) },
      })
    const { rejected } = (await health()).frames
    for (let socket = 0; socket < sockets; socket += 1) {
      const peer = await registered(fuzzed, freshId())
      // Frames for peers that never come wait on the node, up to their bounds, until their sender goes.
      for (let n = 0; n < 3; n += 1) peer.ws.send(big(`absent-${socket}-${n}`))
      peer.ws.send(big(['not', 'an', 'id']))
      await expectRefused(peer, { code: 1008, error: /^Invalid OFFER frame at dst/ })
      opened.splice(opened.indexOf(peer), 1)
    }
    // Several times the heap bound went through the node.
    expect(sockets * 4 * 60_000).toBeGreaterThan(2 * maxHeapGrowthBytes)
    await vi.waitFor(async () => expect((await health()).frames.rejected).toBe(rejected + sockets))
    await expectUnharmed()
  }, 120_000)

  it('drops a flood over the rate, then closes the flooding socket with ERROR and 1008', async () => {
    const flood = fc.record({
      frames: fc.integer({ min: 400, max: 3000 }),
      frame: fc.constantFrom<object>(
        { type: 'HEARTBEAT' },
        { type: 'CANDIDATE', dst: 'nobody', payload: { candidate: 'c', connectionId: 'c' } },
      ),
    })
    await fc.assert(
      fc.asyncProperty(flood, async ({ frames, frame }) => {
        const { rejected, rateLimited } = (await health()).frames
        const peer = await registered(fuzzed, freshId())
        const text = JSON.stringify(frame)
        for (let n = 0; n < frames; n += 1) peer.ws.send(text)
        await expectRefused(peer, {
          code: 1008,
          error: new RegExp(`^More than ${messagesPerSecond} messages a second\\.$`),
        })
        await vi.waitFor(async () => expect((await health()).frames.rejected).toBe(rejected + 1))
        expect((await health()).frames.rateLimited).toBeGreaterThan(rateLimited + messageBurst)
      }),
      { seed, numRuns: 6 },
    )
    await expectUnharmed()
  }, 120_000)

  it('refuses sockets with a bad key, id or token with the documented ERROR and 1008', async () => {
    const value = fc.oneof(
      fc.constant('peerjs'),
      fc.constant(''),
      fc.constant('valid id'),
      validToken,
      invalidToken,
      invalidPeerIdString(2000),
      fc.string({ unit: 'grapheme', maxLength: 64 }),
    )
    const pair = fc.tuple(fc.constantFrom('key', 'id', 'token', 'version', 'KEY', 'other'), value)
    const query = fc.oneof(
      fc.array(pair, { maxLength: 6 }),
      // The three, each once, so that the checks past the first are reached too.
      fc.tuple(fc.oneof(fc.constant('peerjs'), value), value, value).map(([key, id, token]) => [
        ['key', key],
        ['id', id],
        ['token', token],
      ]),
    )
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        // A valid id is made fresh for each run: a closed socket's id may not be free yet.
        const id = freshId()
        const search = pairs
          .map(([name, v]) => `${name}=${encodeURIComponent(v === 'valid id' ? id : v)}`)
          .join('&')
        const peer = await open(fuzzed, id, search)
        const expected = refusalOf(new URLSearchParams(search))
        if (expected === undefined) {
          expect(await peer.next()).toEqual({ type: 'OPEN' })
          peer.ws.close()
          await peer.closed
          return
        }
        expect(await peer.next()).toEqual({ type: 'ERROR', payload: { msg: expected } })
        expect(await peer.closed).toBe(1008)
      }),
      { seed, numRuns: 150 },
    )
    await expectUnharmed()
  }, 120_000)

  it('answers malformed directory requests with a 4xx and a JSON error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(directoryRequest, async (req) => {
        const { status, body } = await send(fuzzed.port, req)
        expect(status).toBeLessThan(500)
        if (status >= 400 && req.method !== 'HEAD')
          expect(errorResponseSchema.parse(JSON.parse(body)).error.code).toMatch(/^directory\//)
      }),
      { seed, numRuns: 200 },
    )
    await expectUnharmed()
  }, 120_000)

  it('answers bytes that are not HTTP, or a broken WebSocket handshake, with a 4xx or nothing, and closes', async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (bytes) => {
        const answer = await sendRaw(fuzzed.port, bytes)
        expect(answer).toMatch(/^(HTTP\/1\.1 (101|4\d\d) [\s\S]*)?$/)
      }),
      { seed, numRuns: 100 },
    )
    await expectUnharmed()
  }, 120_000)
})

/** The refusal docs/protocol.md gives for this query, or undefined if it registers. */
function refusalOf(query: URLSearchParams): string | undefined {
  const key = query.get('key')
  const id = query.get('id')
  const token = query.get('token')
  if (!key || !id || !token) return 'No id, token, or key supplied to websocket server'
  if (key !== 'peerjs') return 'Invalid key provided'
  if (id.length > 64 || !/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/.test(id))
    return 'Invalid id provided'
  if (token.length > 128 || !/^[A-Za-z0-9_.~-]+$/.test(token)) return 'Invalid token provided'
  return undefined
}

type DirectoryRequest = {
  method: string
  path: string
  headers: Record<string, string>
  body: Uint8Array | undefined
}

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
})

const pathSegment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }).map(encodeURIComponent),
  fc.constantFrom('%zz', '%', '%E0%A4%A', '..%2f..%2fhealthz', '%00', '.', '..', 'a/b', ''),
  fc.integer({ min: 65, max: 4000 }).map((length) => 'a'.repeat(length)),
)

const jsonBody = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

const registerBody = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.jsonValue()),
    jobId: fc.oneof(validPeerId, fc.jsonValue()),
    name: fc.oneof(fc.string(), fc.jsonValue()),
    hostPeerId: fc.oneof(validPeerId, fc.jsonValue()),
    hostToken: fc.oneof(validToken, fc.jsonValue()),
    kernelKinds: fc.oneof(fc.constant(['wasm']), fc.jsonValue()),
    unitsTotal: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    unitsDone: fc.oneof(fc.integer(), fc.jsonValue()),
    ownerToken: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
)

const directoryRequest: fc.Arbitrary<DirectoryRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'),
  path: fc.oneof(
    fc.constantFrom('/api/v1/jobs', '/api/v1/jobs/', '/api/v1/jobs//x', '/api/v1/sites/'),
    pathSegment.map((segment) => `/api/v1/jobs/${segment}`),
    pathSegment.map((segment) => `/api/v1/sites/${segment}`),
    fc
      .array(fc.tuple(fc.constantFrom('limit', 'after', 'limit[]', 'after[x]', 'x'), pathSegment), {
        maxLength: 4,
      })
      .map((pairs) => `/api/v1/jobs?${pairs.map(([name, v]) => `${name}=${v}`).join('&')}`),
  ),
  headers: fc.record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=nope',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
      authorization: fc.oneof(
        printable,
        printable.map((token) => `Bearer ${token}`),
      ),
      'if-none-match': printable,
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'nope'),
    },
    { requiredKeys: [] },
  ),
  body: fc.option(
    fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      fc.jsonValue().map(jsonBody),
      registerBody.map(jsonBody),
      // Past --max-body-bytes (4096).
      fc.integer({ min: 4097, max: 64 * 1024 }).map((size) => jsonBody(['x'.repeat(size)])),
      fc
        .integer({ min: 40, max: 1000 })
        .map((depth) => new TextEncoder().encode(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    ),
    { nil: undefined },
  ),
})

function send(port: number, req: DirectoryRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: req.path,
        headers: {
          ...req.headers,
          ...(req.body && { 'content-length': String(req.body.length) }),
          connection: 'close',
        },
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
      },
    )
    sent.on('error', reject)
    sent.end(req.body)
  })
}

const websocketKey = fc.oneof(
  fc
    .uint8Array({ minLength: 16, maxLength: 16 })
    .map((bytes) => Buffer.from(bytes).toString('base64')),
  printable,
)

/** Bytes a client could send in place of an HTTP request, or of a WebSocket handshake. */
const rawRequest: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 2048 }),
  fc
    .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 512 })
    .map((text) => Buffer.from(text)),
  fc
    .record({
      path: fc.constantFrom(
        '/peerjs/peerjs?key=peerjs&id=raw&token=t',
        '/peerjs',
        '/',
        '/healthz',
        '/peerjs/peerjs/../x',
      ),
      version: fc.oneof(fc.constant('13'), printable),
      key: websocketKey,
      upgrade: fc.constantFrom('websocket', 'WebSocket', 'h2c', ''),
      headerJunk: fc.option(printable, { nil: undefined }),
    })
    .map(({ path, version, key, upgrade, headerJunk }) =>
      Buffer.from(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: ${upgrade}\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Version: ${version}\r\nSec-WebSocket-Key: ${key}\r\n` +
          `${headerJunk === undefined ? '' : `${headerJunk}\r\n`}\r\n`,
      ),
    ),
)

/** Writes the bytes, half-closes, and resolves with all the server answered once it closes. */
function sendRaw(port: number, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      answer += chunk
      // A handshake that succeeded leaves the socket open: the answer is all that matters.
      if (answer.startsWith('HTTP/1.1 101 ')) socket.destroy()
    })
    // A server that closes before reading everything resets the connection: its answer stands.
    socket.on('error', () => {})
    socket.on('close', () => resolve(answer))
    socket.end(bytes)
  })
}
