/**
 * The load generator of the signaling bench, in a process of its own (its sockets count against
 * its own descriptor limit, not the server's): raw WebSocket peers speaking the PeerJS server
 * protocol, as peerjs 1.5 does, on loopback. Several run side by side; `run.ts` drives them
 * through `startBenchChild`.
 *
 *   node --expose-gc --import tsx bench/signaling/loadGenerator.ts '<GeneratorOptions as JSON>'
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { answerParent } from './answerParent.ts'
import { answerPayload, candidatePayload, offerPayload } from './peerjsPayloads.ts'

export type GeneratorOptions = {
  /** Starts every peer id this process makes, so that ids are unique across processes and runs. */
  idPrefix: string
}

export type OpenResult = {
  opened: number
  /** Peers that got no OPEN, by the reason (the server's ERROR message, or how the socket ended). */
  refused: Record<string, number>
  ms: number
  /** This process's CPU time over the same span (the generators', added up, from a fleet). */
  cpuMs: number
}

export type RelayResult = {
  /** Relayed frames received; every frame sent is waited for. */
  frames: number
  bytes: number
  ms: number
  /** Sockets that closed or frames that were not the ones sent: should be 0. */
  faults: number
}

export type GeneratorApi = {
  /** Opens `count` more peers, spread round-robin over `urls`, `concurrency` handshakes at a time, and holds them. */
  open: (argument: { urls: string[]; count: number; concurrency: number }) => Promise<OpenResult>
  /**
   * Opens `pairs` pairs of peers on `url`; each peer keeps `window` frames in flight to its
   * partner (OFFER, then 4 CANDIDATE, over and over), sending one more for each it receives,
   * for `seconds`; then waits for every frame sent, and closes the pairs.
   */
  relay: (argument: {
    url: string
    pairs: number
    window: number
    seconds: number
  }) => Promise<RelayResult>
  /**
   * Opens `pairs` pairs, the first of each on `fromUrl`, the second on `toUrl`, which answers
   * every OFFER with an ANSWER on receipt; each first peer sends OFFERs one at a time until
   * `samples` in all have been answered. Resolves with each OFFER→ANSWER time in ms.
   */
  latency: (argument: {
    fromUrl: string
    toUrl: string
    pairs: number
    samples: number
  }) => Promise<number[]>
  /** Closes every held peer; resolves with how many had been closed by the server meanwhile. */
  closeAll: () => Promise<{ closed: number; lostBefore: number }>
}

const { idPrefix } = JSON.parse(process.argv[2] ?? '{}') as GeneratorOptions
// Connections from one address to one server port pick their local port among about 14,000
// even ones first; past that many, every connect() scans them all (about 2 ms of kernel time
// each). Real peers come from many addresses; these spread over 127.0.0.1 to 127.0.0.16.
const sourceAddresses = 16
let nextPeer = 0
const held = new Set<WebSocket>()
let lost = 0

type Frame = { type: string; src?: string; payload?: { msg?: string; connectionId?: string } }

/** A peer socket once the server has sent OPEN, or why it did not. */
function openPeer(url: string): Promise<{ ws: WebSocket; id: string } | { refused: string }> {
  const n = nextPeer++
  const id = `${idPrefix}n${n}`
  const token = randomBytes(8).toString('hex')
  const ws = new WebSocket(`${url}?key=peerjs&id=${id}&token=${token}&version=1.5.5`, {
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    localAddress: `127.0.0.${1 + (n % sourceAddresses)}`,
  })
  return new Promise((resolve) => {
    let settled = false
    const fail = (reason: string) => {
      if (settled) return
      settled = true
      ws.terminate()
      resolve({ refused: reason })
    }
    ws.on('error', (error: Error & { code?: string }) => fail(error.code ?? error.message))
    ws.once('close', (code) => fail(`closed ${code}`))
    ws.once('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame
      if (frame.type !== 'OPEN') return fail(frame.payload?.msg ?? frame.type)
      settled = true
      resolve({ ws, id })
    })
  })
}

/** Runs `task(i)` for i < count, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

async function openMany(urls: string[], count: number, concurrency: number) {
  const peers: { ws: WebSocket; id: string }[] = []
  const refused: Record<string, number> = {}
  await pool(count, concurrency, async (i) => {
    const result = await openPeer(urls[i % urls.length]!)
    if ('refused' in result) refused[result.refused] = (refused[result.refused] ?? 0) + 1
    else peers.push(result)
  })
  return { peers, refused }
}

async function closeSockets(sockets: Iterable<WebSocket>) {
  await Promise.all(
    [...sockets].map((ws) =>
      ws.readyState === WebSocket.CLOSED
        ? undefined
        : new Promise<void>((resolve) => {
            ws.once('close', () => resolve())
            ws.terminate()
          }),
    ),
  )
}

/** Opens pairs on the given urls, both ends in this process; refusals are errors here. */
async function openPairs(fromUrl: string, toUrl: string, pairs: number) {
  const [from, to] = await Promise.all([
    openMany([fromUrl], pairs, 32),
    openMany([toUrl], pairs, 32),
  ])
  const refused = { ...from.refused, ...to.refused }
  if (Object.keys(refused).length > 0) {
    await closeSockets([...from.peers, ...to.peers].map(({ ws }) => ws))
    throw new Error(`pairs refused: ${JSON.stringify(refused)}`)
  }
  return from.peers.map((a, i) => ({ a, b: to.peers[i]! }))
}

const api: GeneratorApi = {
  open: async ({ urls, count, concurrency }) => {
    const started = performance.now()
    const cpu = process.cpuUsage()
    const { peers, refused } = await openMany(urls, count, concurrency)
    const ms = performance.now() - started
    const { user, system } = process.cpuUsage(cpu)
    for (const { ws } of peers) {
      held.add(ws)
      ws.once('close', () => {
        if (held.delete(ws)) lost += 1
      })
    }
    return { opened: peers.length, refused, ms, cpuMs: (user + system) / 1000 }
  },

  relay: async ({ url, pairs, window, seconds }) => {
    const opened = await openPairs(url, url, pairs)
    let running = true
    let sent = 0
    let frames = 0
    let bytes = 0
    let faults = 0
    let drained: () => void = () => {}
    const ends: WebSocket[] = []
    const senders: (() => void)[] = []
    for (const { self, other } of opened.flatMap(({ a, b }) => [
      { self: a, other: b },
      { self: b, other: a },
    ])) {
      // Serialized once: the generator must cost far less per frame than the server.
      const connectionId = `dc_${randomBytes(6).toString('hex')}`
      const offer = JSON.stringify({
        type: 'OFFER',
        dst: other.id,
        payload: offerPayload(connectionId),
      })
      const candidate = JSON.stringify({
        type: 'CANDIDATE',
        dst: other.id,
        payload: candidatePayload(connectionId),
      })
      let count = 0
      const sendNext = () => {
        sent += 1
        self.ws.send(count++ % 5 === 0 ? offer : candidate)
      }
      self.ws.on('message', (data: Buffer) => {
        frames += 1
        bytes += data.length
        // A relayed frame starts {"type":"OFFER" or {"type":"CANDIDATE"; anything else is a fault.
        if (data[9] !== 0x4f && data[9] !== 0x43) faults += 1
        if (running) sendNext()
        else if (frames === sent) drained()
      })
      self.ws.once('close', () => (faults += running ? 1 : 0))
      ends.push(self.ws)
      senders.push(sendNext)
    }
    const started = performance.now()
    for (const sendNext of senders) for (let w = 0; w < window; w += 1) sendNext()
    await sleep(seconds * 1000)
    running = false
    if (frames < sent)
      await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(30_000)])
    const ms = performance.now() - started
    faults += sent - frames
    await closeSockets(ends)
    return { frames, bytes, ms, faults }
  },

  latency: async ({ fromUrl, toUrl, pairs, samples }) => {
    const opened = await openPairs(fromUrl, toUrl, pairs)
    const times: number[] = []
    for (const { b } of opened)
      b.ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as Frame
        if (frame.type !== 'OFFER' || !frame.src || !frame.payload?.connectionId) return
        b.ws.send(
          JSON.stringify({
            type: 'ANSWER',
            dst: frame.src,
            payload: answerPayload(frame.payload.connectionId),
          }),
        )
      })
    let left = samples
    await Promise.all(
      opened.map(async ({ a, b }) => {
        let sequence = 0
        while (left > 0) {
          left -= 1
          const connectionId = `dc_${sequence++}`
          const answered = new Promise<void>((resolve) => {
            const onMessage = (data: Buffer) => {
              const frame = JSON.parse(data.toString()) as Frame
              if (frame.type !== 'ANSWER' || frame.payload?.connectionId !== connectionId) return
              a.ws.off('message', onMessage)
              resolve()
            }
            a.ws.on('message', onMessage)
          })
          const started = performance.now()
          a.ws.send(
            JSON.stringify({ type: 'OFFER', dst: b.id, payload: offerPayload(connectionId) }),
          )
          await answered
          times.push(performance.now() - started)
        }
      }),
    )
    await closeSockets(opened.flatMap(({ a, b }) => [a.ws, b.ws]))
    return times
  },

  closeAll: async () => {
    const sockets = [...held]
    held.clear()
    const lostBefore = lost
    lost = 0
    await closeSockets(sockets)
    return { closed: sockets.length, lostBefore }
  },
}

answerParent(api, { pid: process.pid })
