/**
 * Our piece protocol against WebTorrent, on the same data, machine and network: one seeding Node
 * peer, one fetching Node peer and then three, every peer a process of its own, fresh each round.
 * Prints a markdown report on stdout, progress on stderr.
 *
 * - ours: the seeder serves a `PieceSwarm` (its `PieceServer`, upload share 1 GiB/s, so that it
 *   does not limit) through `acceptSeekers`; each fetcher runs a `PieceFetcher` whose only source
 *   is the seeder (a `UnitPiece` naming it), over PeerJS data connections opened through our
 *   signaling server and our framing, eight pieces asked at a time (the most a `PieceServer`
 *   queues for one link), every piece checked against its SHA-256.
 * - WebTorrent 2 (`webtorrent`, BitTorrent v1 over its `@thaunknown/simple-peer` fork, whose WebRTC
 *   is `webrtc-polyfill` on node-datachannel: package.json's overrides make that the project's
 *   node-datachannel): trackers, DHT, LSD, PEX, uTP, UPnP/NAT-PMP and web seeds off, no announce
 *   URLs, private torrents, pieces in memory (`memory-chunk-store`) as ours are. The seeder seeds
 *   the buffer with 256 KiB pieces; each fetcher adds the same torrent file; both sides hand a
 *   simple-peer data channel to `torrent.addPeer`. Its offer, answer and ICE candidates go through
 *   this process's pipes (not our signaling server). The offerer's candidates (taken out of its
 *   offer's SDP, sent as trickled candidates) are held back until it has the answer: when the
 *   answerer connects first, the offerer drops its DTLS hello, having no fingerprint to check it
 *   against yet, and the connection waits a second for DTLS to resend (or, once in twelve
 *   tries, fails). src/node/CandidateQueueingPeerConnection.ts does the same for PeerJS.
 *
 * Fetchers connect only to the seeder, in both stacks (a star: no fetcher serves another). The
 * data is BENCH_WT_MIB MiB of pseudo-random bytes (AES-CTR of zeros, the same every run). Wall
 * time runs from the moment the fetchers are told to start (they have loaded, registered with
 * signaling or added the torrent; no connection is open yet) to the last fetcher holding every
 * piece, checked; after it each fetcher checks the SHA-256 of the whole against the seeder's.
 * CPU is `process.cpuUsage()` of each process over that window (all threads, libdatachannel's
 * included); the seeder's preparation (hashing the pieces, making the torrent) is shown apart.
 * Peak RSS is `process.resourceUsage().maxRSS` of each process. The stacks take turns going first.
 *
 *   ../shared/bin/private-net npx tsx bench/swarm/webtorrent.ts
 *
 * BENCH_WT_MIB (default 64), BENCH_RUNS (default 3), BENCH_WT_FETCHERS (default "1,3").
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createCipheriv, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const MiB = 1024 * 1024
const PIECE_BYTES = 256 * 1024
/** Requests a fetcher of ours keeps in flight: a `PieceServer` closes a link that queues more. */
const OURS_IN_FLIGHT = 8

type Stack = 'ours' | 'webtorrent'
type Role =
  | { role: 'seed'; stack: Stack; mib: number; signalingUrl: string }
  | { role: 'fetch'; stack: Stack; name: string; signalingUrl: string; meta: SeedMeta }

/** What a seeder tells the fetchers: where it is and what it holds. */
type SeedMeta = {
  totalBytes: number
  /** SHA-256 of the whole data, hex: each fetcher checks it after the timed window. */
  sha256: string
  /** ours: the seeder's PeerJS id, the content root and every piece's hash. */
  peerId?: string
  root?: string
  pieces?: string[]
  /** webtorrent: the torrent file, base64. */
  torrent?: string
}

type Usage = { cpuSeconds: number; maxRssMiB: number }

/** Messages on a child's stdout (one JSON object a line) and stdin. */
type ChildMessage =
  | { type: 'ready'; meta?: SeedMeta; prepCpuSeconds?: number; prepSeconds?: number }
  | { type: 'signal'; from: string; to: string; data: unknown }
  | {
      type: 'done'
      name: string
      ms: number
      connectMs: number
      window: Usage
      total: Usage
      wholeOk: boolean
    }
  | { type: 'stats'; window: Usage; total: Usage; uploadedBytes: number }
  | { type: 'failed'; error: string }
type ParentMessage =
  { type: 'go' } | { type: 'signal'; from: string; to: string; data: unknown } | { type: 'stats' }

const log = (line: string) => process.stderr.write(`${line}\n`)

function send(message: ChildMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

function onParentMessage(handler: (message: ParentMessage) => void): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.startsWith('{')) handler(JSON.parse(line) as ParentMessage)
  })
  process.stdin.on('end', () => process.exit(0))
}

/** The bench's data: AES-128-CTR of zeros under a fixed key, so every process makes the same. */
function benchData(totalBytes: number): Buffer {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0))
  return cipher.update(Buffer.alloc(totalBytes))
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1e6
}

function usage(start?: NodeJS.CpuUsage): Usage {
  return {
    cpuSeconds: cpuSince(start ?? { user: 0, system: 0 }),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }
}

// ---------------------------------------------------------------------------------------------
// ours

async function seedOurs(options: Extract<Role, { role: 'seed' }>): Promise<void> {
  const prepStart = process.cpuUsage()
  const prepAt = performance.now()
  const { openNodePeer } = await import('../../src/node/openNodePeer.ts')
  const { MemoryPieceCache } = await import('../../src/pieces/MemoryPieceCache.ts')
  const { PieceSwarm } = await import('../../src/pieces/PieceSwarm.ts')
  const { acceptSeekers } = await import('../../src/pieces/acceptSeekers.ts')
  const { sha256Hex } = await import('../../src/crypto/sha256Hex.ts')
  const totalBytes = options.mib * MiB
  const data = benchData(totalBytes)
  const cache = new MemoryPieceCache({ budgetBytes: totalBytes + PIECE_BYTES })
  const pieces: string[] = []
  for (let at = 0; at < totalBytes; at += PIECE_BYTES) {
    const bytes = new Uint8Array(data.subarray(at, Math.min(at + PIECE_BYTES, totalBytes)))
    pieces.push(await sha256Hex(bytes))
  }
  const root = await sha256Hex(new TextEncoder().encode(pieces.join('')))
  for (const [index, sha256] of pieces.entries()) {
    const at = index * PIECE_BYTES
    const bytes = new Uint8Array(data.subarray(at, Math.min(at + PIECE_BYTES, totalBytes)))
    await cache.put({ root, index, sha256, bytes })
  }
  const sha256 = createHash('sha256').update(data).digest('hex')
  const swarm = new PieceSwarm({
    cache,
    connect: () => Promise.reject(new Error('the seeder fetches nothing')),
    uploadBytesPerSecond: 1024 * MiB,
  })
  const prepCpuSeconds = cpuSince(prepStart)
  const prepSeconds = (performance.now() - prepAt) / 1000
  const peer = await openNodePeer({ signalingUrl: options.signalingUrl })
  acceptSeekers(peer, swarm)
  let windowStart = process.cpuUsage()
  onParentMessage((message) => {
    if (message.type === 'go') windowStart = process.cpuUsage()
    if (message.type === 'stats')
      send({
        type: 'stats',
        window: usage(windowStart),
        total: usage(),
        uploadedBytes: swarm.stats.uploadedBytes,
      })
  })
  send({
    type: 'ready',
    meta: { totalBytes, sha256, peerId: peer.id, root, pieces },
    prepCpuSeconds,
    prepSeconds,
  })
}

async function fetchOurs(options: Extract<Role, { role: 'fetch' }>): Promise<void> {
  const { openNodePeer } = await import('../../src/node/openNodePeer.ts')
  const { MemoryPieceCache } = await import('../../src/pieces/MemoryPieceCache.ts')
  const { PieceFetcher } = await import('../../src/pieces/PieceFetcher.ts')
  const { connectToPieceServer } = await import('../../src/pieces/connectToPieceServer.ts')
  type HostLink = import('../../src/p2p/PeerLink.ts').PeerLink<
    import('../../src/p2p/messages.ts').VolunteerMessage,
    import('../../src/p2p/messages.ts').HostMessage
  >
  const { meta } = options
  const pieces = meta.pieces!
  const peer = await openNodePeer({ signalingUrl: options.signalingUrl })
  const cache = new MemoryPieceCache({ budgetBytes: meta.totalBytes + PIECE_BYTES })
  let goAt = 0
  let connectMs = 0
  const fetcher = new PieceFetcher({
    cache,
    connect: async (peerId) => {
      const link = await connectToPieceServer(peer, peerId)
      connectMs ||= performance.now() - goAt
      return link
    },
    serving: () => false,
  })
  // The seeder is named as every piece's source, so the host is never asked; a piece the seeder
  // cannot serve would be asked of this silent host and fail after its timeout.
  const host: HostLink = {
    peerId: 'host',
    localPeerId: peer.id,
    remoteOrigin: () => Promise.reject(new Error('no host in this bench')),
    send: () => Promise.resolve(),
    onMessage: () => undefined,
    onClose: () => undefined,
    close: () => undefined,
  }
  const job = fetcher.forJob(meta.root!, host)
  onParentMessage((message) => {
    if (message.type !== 'go') return
    void (async () => {
      const start = process.cpuUsage()
      goAt = performance.now()
      let next = 0
      const worker = async () => {
        while (next < pieces.length) {
          const index = next++
          const bytes = Math.min(PIECE_BYTES, meta.totalBytes - index * PIECE_BYTES)
          // What it fetched is in the cache, checked: held once, as WebTorrent's store holds it.
          await fetcher.fetch(job, {
            index,
            sha256: pieces[index]!,
            bytes,
            peers: [meta.peerId!],
            pushed: false,
          })
        }
      }
      await Promise.all(Array.from({ length: OURS_IN_FLIGHT }, worker))
      const ms = performance.now() - goAt
      const window = usage(start)
      const whole = createHash('sha256')
      for (const sha256 of pieces) whole.update((await cache.get(sha256)) ?? new Uint8Array())
      send({
        type: 'done',
        name: options.name,
        ms,
        connectMs,
        window,
        total: usage(),
        wholeOk: whole.digest('hex') === meta.sha256,
      })
    })().catch((error: unknown) => send({ type: 'failed', error: String(error) }))
  })
  send({ type: 'ready' })
}

// ---------------------------------------------------------------------------------------------
// WebTorrent (no types of its own: the little used here, typed here)

type WtSimplePeer = {
  signal(data: unknown): void
  on(event: 'signal', listener: (data: unknown) => void): void
  on(event: 'connect', listener: () => void): void
  on(event: 'error', listener: (error: Error) => void): void
  destroy(): void
}
type WtSimplePeerClass = new (options: {
  initiator: boolean
  trickle: boolean
  config: RTCConfiguration
}) => WtSimplePeer
type WtTorrent = {
  infoHash: string
  torrentFile: Uint8Array
  done: boolean
  uploaded: number
  pieces: unknown[]
  store: { get(index: number, cb: (error: Error | null, bytes?: Uint8Array) => void): void }
  addPeer(peer: WtSimplePeer): boolean
  /** torrent-discovery: which of trackers, DHT and LSD it started (null when off). */
  discovery: { tracker: unknown; dht: unknown; lsd: unknown } | null
  on(event: 'done' | 'ready' | 'metadata', listener: () => void): void
  on(event: 'error' | 'warning', listener: (error: Error) => void): void
}
type WtClient = {
  dht: unknown
  utp: boolean
  seed(input: Buffer, options: object, onSeed: (torrent: WtTorrent) => void): WtTorrent
  add(torrentId: Buffer, options: object, onTorrent: (torrent: WtTorrent) => void): WtTorrent
  on(event: 'error' | 'warning', listener: (error: Error) => void): void
}

async function loadWebTorrent(): Promise<{
  client: WtClient
  SimplePeer: WtSimplePeerClass
  torrentOptions: object
}> {
  // @ts-expect-error: webtorrent 2 ships no type declarations
  const { default: WebTorrent } = await import('webtorrent')
  // @ts-expect-error: the simple-peer fork WebTorrent itself imports, untyped
  const { default: SimplePeer } = await import('@thaunknown/simple-peer/lite.js')
  // @ts-expect-error: WebTorrent's in-memory chunk store, untyped
  const { default: MemoryChunkStore } = await import('memory-chunk-store')
  const client = new WebTorrent({
    tracker: false,
    dht: false,
    lsd: false,
    utPex: false,
    utp: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
  }) as WtClient
  client.on('error', (error) => send({ type: 'failed', error: `client: ${error.message}` }))
  const torrentOptions = {
    announce: [],
    announceList: [],
    urlList: [],
    private: true,
    store: MemoryChunkStore,
  }
  return { client, SimplePeer: SimplePeer as WtSimplePeerClass, torrentOptions }
}

const noIceServers: RTCConfiguration = { iceServers: [] }

/**
 * An SDP without its candidates. node-datachannel gathers before the offer is made, so the offer
 * simple-peer signals already lists them; they travel as trickled candidates instead, which the
 * offerer holds back until it has the answer.
 */
function withoutCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n')
}

/** Fails unless WebTorrent runs with no tracker, DHT, LSD or uTP: it must find nobody by itself. */
function checkNoDiscovery(client: WtClient, torrent: WtTorrent): void {
  const { discovery } = torrent
  if (!discovery) throw new Error('WebTorrent has not set up its discovery yet: nothing to check')
  const on = [
    client.dht && 'DHT',
    client.utp && 'uTP',
    discovery.tracker && 'trackers',
    discovery.dht && 'torrent DHT',
    discovery.lsd && 'LSD',
  ].filter(Boolean)
  if (on.length) throw new Error(`WebTorrent discovery is on: ${on.join(', ')}`)
}

async function seedWebTorrent(options: Extract<Role, { role: 'seed' }>): Promise<void> {
  const prepStart = process.cpuUsage()
  const prepAt = performance.now()
  const { client, SimplePeer, torrentOptions } = await loadWebTorrent()
  const totalBytes = options.mib * MiB
  const data = benchData(totalBytes)
  const sha256 = createHash('sha256').update(data).digest('hex')
  const torrent = await new Promise<WtTorrent>((resolve) =>
    client.seed(
      data,
      { ...torrentOptions, name: 'bench.bin', pieceLength: PIECE_BYTES },
      (seeded) => resolve(seeded),
    ),
  )
  torrent.on('warning', (error) => log(`seed warning: ${error.message}`))
  checkNoDiscovery(client, torrent)
  const prepCpuSeconds = cpuSince(prepStart)
  const prepSeconds = (performance.now() - prepAt) / 1000
  const peers = new Map<string, WtSimplePeer>()
  let windowStart = process.cpuUsage()
  onParentMessage((message) => {
    if (message.type === 'go') windowStart = process.cpuUsage()
    if (message.type === 'stats')
      send({
        type: 'stats',
        window: usage(windowStart),
        total: usage(),
        uploadedBytes: torrent.uploaded,
      })
    if (message.type !== 'signal') return
    let peer = peers.get(message.from)
    if (!peer) {
      const created = new SimplePeer({ initiator: false, trickle: true, config: noIceServers })
      created.on('signal', (data) => send({ type: 'signal', from: 'seed', to: message.from, data }))
      created.on('error', (error) => log(`seed ↔ ${message.from}: ${error.message}`))
      torrent.addPeer(created)
      peers.set(message.from, (peer = created))
    }
    peer.signal(message.data)
  })
  send({
    type: 'ready',
    meta: { totalBytes, sha256, torrent: Buffer.from(torrent.torrentFile).toString('base64') },
    prepCpuSeconds,
    prepSeconds,
  })
}

async function fetchWebTorrent(options: Extract<Role, { role: 'fetch' }>): Promise<void> {
  const { client, SimplePeer, torrentOptions } = await loadWebTorrent()
  const { meta } = options
  const torrent = await new Promise<WtTorrent>((resolve) =>
    client.add(Buffer.from(meta.torrent!, 'base64'), torrentOptions, resolve),
  )
  torrent.on('warning', (error) => log(`${options.name} warning: ${error.message}`))
  checkNoDiscovery(client, torrent)
  let peer: WtSimplePeer | undefined
  let answered = false
  const heldCandidates: unknown[] = []
  const signalSeed = (data: unknown) =>
    send({ type: 'signal', from: options.name, to: 'seed', data })
  onParentMessage((message) => {
    if (message.type === 'signal') {
      peer?.signal(message.data)
      if ((message.data as { type?: string }).type === 'answer' && !answered) {
        answered = true
        for (const data of heldCandidates.splice(0)) signalSeed(data)
      }
      return
    }
    if (message.type !== 'go') return
    const start = process.cpuUsage()
    const goAt = performance.now()
    let connectMs = 0
    const created = new SimplePeer({ initiator: true, trickle: true, config: noIceServers })
    peer = created
    created.on('signal', (data) => {
      const signal = data as { type?: string; sdp?: string }
      if (signal.type === 'candidate' && !answered) heldCandidates.push(data)
      else if (signal.type === 'offer' && signal.sdp)
        signalSeed({ ...signal, sdp: withoutCandidates(signal.sdp) })
      else signalSeed(data)
    })
    created.on('connect', () => (connectMs = performance.now() - goAt))
    created.on('error', (error) => send({ type: 'failed', error: `peer: ${error.message}` }))
    torrent.addPeer(created)
    const finish = async () => {
      const ms = performance.now() - goAt
      const window = usage(start)
      const whole = createHash('sha256')
      for (let index = 0; index < torrent.pieces.length; index++) {
        const bytes = await new Promise<Uint8Array>((resolve, reject) =>
          torrent.store.get(index, (error, got) => (error ? reject(error) : resolve(got!))),
        )
        whole.update(bytes)
      }
      send({
        type: 'done',
        name: options.name,
        ms,
        connectMs,
        window,
        total: usage(),
        wholeOk: whole.digest('hex') === meta.sha256,
      })
    }
    torrent.on('done', () => {
      finish().catch((error: unknown) => send({ type: 'failed', error: String(error) }))
    })
  })
  send({ type: 'ready' })
}

// ---------------------------------------------------------------------------------------------
// the bench

class Child {
  readonly #child: ChildProcess
  readonly #waiting: { type: ChildMessage['type']; resolve: (m: ChildMessage) => void }[] = []
  readonly #failures: ((error: Error) => void)[] = []
  onSignal: (message: Extract<ChildMessage, { type: 'signal' }>) => void = () => undefined

  constructor(role: Role, label: string) {
    this.#child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(role)],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    )
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return
      const message = JSON.parse(line) as ChildMessage
      if (message.type === 'signal') return this.onSignal(message)
      if (message.type === 'failed') {
        for (const fail of this.#failures.splice(0)) fail(new Error(`${label}: ${message.error}`))
        return
      }
      const at = this.#waiting.findIndex((w) => w.type === message.type)
      if (at >= 0) this.#waiting.splice(at, 1)[0]!.resolve(message)
    })
    this.#child.on('exit', (code) => {
      for (const fail of this.#failures.splice(0)) fail(new Error(`${label} exited (${code})`))
    })
  }

  next<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ type, resolve: resolve as (m: ChildMessage) => void })
      this.#failures.push(reject)
    })
  }

  tell(message: ParentMessage): void {
    this.#child.stdin!.write(`${JSON.stringify(message)}\n`)
  }

  stop(): Promise<void> {
    if (this.#child.exitCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
      this.#child.on('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      this.#child.stdin!.end()
    })
  }
}

type Trial = {
  stack: Stack
  fetchers: number
  ok: boolean
  error?: string
  wallSeconds: number
  connectMs: number
  seedPrepCpuSeconds: number
  seedCpuSeconds: number
  fetcherCpuSeconds: number
  seedRssMiB: number
  fetcherRssMiB: number
  uploadedMiB: number
}

async function trial(
  stack: Stack,
  fetcherCount: number,
  mib: number,
  signalingUrl: string,
): Promise<Trial> {
  const seeder = new Child({ role: 'seed', stack, mib, signalingUrl }, `${stack} seeder`)
  const fetchers: Child[] = []
  const timeoutMs = 60_000 + mib * fetcherCount * 2000
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const ready = await seeder.next('ready')
    const meta = ready.meta!
    for (let i = 0; i < fetcherCount; i++) {
      const name = `fetcher-${i}`
      const fetcher = new Child(
        { role: 'fetch', stack, name, signalingUrl, meta },
        `${stack} ${name}`,
      )
      fetcher.onSignal = (message) => seeder.tell(message)
      fetchers.push(fetcher)
    }
    seeder.onSignal = (message) =>
      fetchers.find((_, i) => `fetcher-${i}` === message.to)?.tell(message)
    await Promise.all(fetchers.map((fetcher) => fetcher.next('ready')))
    const dones = fetchers.map((fetcher) => fetcher.next('done'))
    const goAt = performance.now()
    seeder.tell({ type: 'go' })
    for (const fetcher of fetchers) fetcher.tell({ type: 'go' })
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done after ${timeoutMs / 1000} s`)), timeoutMs)
    })
    const done = await Promise.race([Promise.all(dones), timeout])
    const wallSeconds = (performance.now() - goAt) / 1000
    for (const d of done)
      log(
        `  ${stack} ${d.name}: connected ${d.connectMs.toFixed(0)} ms, done ${d.ms.toFixed(0)} ms`,
      )
    const stats = seeder.next('stats')
    seeder.tell({ type: 'stats' })
    const seed = await Promise.race([stats, timeout])
    const bad = done.filter((d) => !d.wholeOk).map((d) => d.name)
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
    return {
      stack,
      fetchers: fetcherCount,
      ok: bad.length === 0,
      ...(bad.length && { error: `whole-data SHA-256 wrong at ${bad.join(', ')}` }),
      wallSeconds,
      connectMs: mean(done.map((d) => d.connectMs)),
      seedPrepCpuSeconds: ready.prepCpuSeconds ?? 0,
      seedCpuSeconds: seed.window.cpuSeconds,
      fetcherCpuSeconds: mean(done.map((d) => d.window.cpuSeconds)),
      seedRssMiB: seed.total.maxRssMiB,
      fetcherRssMiB: Math.max(...done.map((d) => d.total.maxRssMiB)),
      uploadedMiB: seed.uploadedBytes / MiB,
    }
  } catch (error) {
    return {
      stack,
      fetchers: fetcherCount,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
      wallSeconds: NaN,
      connectMs: NaN,
      seedPrepCpuSeconds: NaN,
      seedCpuSeconds: NaN,
      fetcherCpuSeconds: NaN,
      seedRssMiB: NaN,
      fetcherRssMiB: NaN,
      uploadedMiB: NaN,
    }
  } finally {
    clearTimeout(timer)
    await Promise.all([seeder, ...fetchers].map((child) => child.stop()))
  }
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function versionOf(name: string): string {
  try {
    const file = path.join(root, 'node_modules', name, 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

function machine(): string {
  const cpus = os.cpus()
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`
}

const fixed = (value: number, digits = 1) => (Number.isNaN(value) ? '–' : value.toFixed(digits))

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    console.error(
      'This bench opens WebRTC connections, which must stay inside a private network. Run:\n\n  ../shared/bin/private-net npx tsx bench/swarm/webtorrent.ts\n',
    )
    process.exit(2)
  }
  const mib = Number(process.env.BENCH_WT_MIB ?? 64)
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  const fetcherCounts = (process.env.BENCH_WT_FETCHERS ?? '1,3').split(',').map(Number)
  const { createSignalingServer } = await import('../../signaling/createSignalingServer.ts')
  const server = await createSignalingServer({ port: 0 })
  const started = Date.now()
  const trials: Trial[] = []
  try {
    for (const fetchers of fetcherCounts)
      for (let run = 0; run < runs; run++) {
        const order: Stack[] = run % 2 ? ['webtorrent', 'ours'] : ['ours', 'webtorrent']
        for (const stack of order) {
          const result = await trial(stack, fetchers, mib, server.url)
          trials.push(result)
          log(
            `${fetchers} fetcher(s), run ${run + 1}, ${stack}: ` +
              (result.ok
                ? `${result.wallSeconds.toFixed(2)} s, ${((mib * fetchers) / result.wallSeconds).toFixed(1)} MiB/s, seeder CPU ${result.seedCpuSeconds.toFixed(2)} s, fetcher CPU ${result.fetcherCpuSeconds.toFixed(2)} s`
                : `FAILED: ${result.error}`),
          )
        }
      }
  } finally {
    await server.close()
  }

  const lines = [
    `## Data swarm: our piece protocol against WebTorrent (${mib} MiB, one seeder)`,
    '',
    `${new Date().toISOString()}; ${machine()}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}; node ${process.version}, webtorrent ${versionOf('webtorrent')} ` +
      `(@thaunknown/simple-peer ${versionOf('@thaunknown/simple-peer')}, webrtc-polyfill ${versionOf('webrtc-polyfill')}), ` +
      `node-datachannel ${versionOf('node-datachannel')}, peerjs ${versionOf('peerjs')}; ` +
      `BENCH_RUNS=${runs}, ${((Date.now() - started) / 60_000).toFixed(1)} min. Medians of ${runs} rounds, fresh processes each; ` +
      'wall time from "start" to the last fetcher holding every piece, checked; MiB/s = MiB received by all fetchers ÷ wall time; ' +
      'CPU over that window, per process; seeder prep = hashing the pieces (ours: SHA-256) or making the torrent (SHA-1).',
    '',
    '| fetchers | stack | ok runs | wall s | MiB/s | connect ms | seeder CPU s | CPU s per fetcher | seeder prep CPU s | seeder peak RSS MiB | fetcher peak RSS MiB | seeder sent MiB |',
    '| -------: | ----- | ------: | -----: | ----: | ---------: | -----------: | ----------------: | ----------------: | ------------------: | -------------------: | --------------: |',
  ]
  const ratios: string[] = []
  const failures: string[] = []
  for (const fetchers of fetcherCounts) {
    const wall: Partial<Record<Stack, number>> = {}
    for (const stack of ['ours', 'webtorrent'] as const) {
      const all = trials.filter((t) => t.stack === stack && t.fetchers === fetchers)
      const ok = all.filter((t) => t.ok)
      for (const t of all) if (!t.ok) failures.push(`${stack}, ${fetchers} fetcher(s): ${t.error}`)
      const m = (key: keyof Trial) => median(ok.map((t) => t[key] as number))
      wall[stack] = m('wallSeconds')
      lines.push(
        `| ${fetchers} | ${stack} | ${ok.length}/${all.length} | ${fixed(m('wallSeconds'), 2)} | ` +
          `${fixed((mib * fetchers) / m('wallSeconds'))} | ${fixed(m('connectMs'), 0)} | ${fixed(m('seedCpuSeconds'), 2)} | ` +
          `${fixed(m('fetcherCpuSeconds'), 2)} | ${fixed(m('seedPrepCpuSeconds'), 2)} | ${fixed(m('seedRssMiB'), 0)} | ` +
          `${fixed(m('fetcherRssMiB'), 0)} | ${fixed(m('uploadedMiB'))} |`,
      )
    }
    // Per round, ours ÷ WebTorrent: both stacks of a round ran one after the other.
    const perRound: number[] = []
    for (let run = 0; run < runs; run++) {
      const of = (stack: Stack) =>
        trials.filter((t) => t.stack === stack && t.fetchers === fetchers)[run]
      const ours = of('ours')
      const theirs = of('webtorrent')
      if (ours?.ok && theirs?.ok) perRound.push(ours.wallSeconds / theirs.wallSeconds)
    }
    ratios.push(
      `- ${fetchers} fetcher(s): wall time ours ÷ WebTorrent **${fixed(median(perRound), 2)}** ` +
        `(per round ${perRound.map((r) => r.toFixed(2)).join(', ') || 'none'}; ratio of medians ${fixed((wall.ours ?? NaN) / (wall.webtorrent ?? NaN), 2)}; below 1: ours faster)`,
    )
  }
  lines.push('', ...ratios)
  if (failures.length) lines.push('', 'Failed:', '', ...failures.map((f) => `- ${f}`))
  process.stdout.write(`${lines.join('\n')}\n`)
}

const roleArgument = process.argv[2]
if (roleArgument?.startsWith('{')) {
  const role = JSON.parse(roleArgument) as Role
  const run =
    role.role === 'seed'
      ? role.stack === 'ours'
        ? seedOurs(role)
        : seedWebTorrent(role)
      : role.stack === 'ours'
        ? fetchOurs(role)
        : fetchWebTorrent(role)
  run.catch((error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? error.message : String(error) })
    process.exit(1)
  })
} else {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
