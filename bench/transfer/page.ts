import { Peer, type DataConnection } from 'peerjs'
import { FramedChannel } from '../../src/p2p/FramedChannel.ts'
import { MAX_FRAME_BYTES } from '../../src/p2p/frameCodec.ts'

/**
 * Both ends of the transfer benchmark; run.ts drives one page per Chromium process through
 * `window.bench`. Each method gets a fresh connection per run so none inherits a warmed-up SCTP
 * association from another.
 */

export type Method = 'ours' | 'raw' | 'peerjs'

export type SendSettings = {
  totalBytes: number
  /** Message body size for ours and PeerJS; raw sends frame-sized pieces. */
  chunkBytes: number
  highWaterMark: number
  lowWaterMark: number
}

export type SendReport = { startedAt: number; frameBytes: number }
export type ReceiveReport = { endedAt: number; bytes: number; verified: boolean }
export type ProbeReport = { latenessMs: number; longestGapMs: number; longTaskMs: number }

const PROBE_INTERVAL_MS = 10

let source = new Uint8Array(0)
let connection: RTCPeerConnection | undefined
let channel: RTCDataChannel | undefined
let peer: Peer | undefined
let peerConnection: DataConnection | undefined
let receiving:
  | { total: number; chunks: Uint8Array[]; bytes: number; done: (report: ReceiveReport) => void }
  | undefined
let received: Promise<ReceiveReport> | undefined
let stopProbe: (() => ProbeReport) | undefined

const now = () => performance.timeOrigin + performance.now()

/** Same pseudo-random bytes on both pages, so the receiver can check every byte. */
function prepare(totalBytes: number, seed: number): void {
  const words = new Uint32Array(totalBytes / 4)
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  source = new Uint8Array(words.buffer)
}

function verify(chunks: Uint8Array[]): boolean {
  let offset = 0
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] !== source[offset + i]) return false
    offset += chunk.length
  }
  return offset === source.length
}

function expect(totalBytes: number): void {
  received = new Promise((done) => {
    receiving = { total: totalBytes, chunks: [], bytes: 0, done }
  })
}

function take(bytes: Uint8Array): void {
  const state = receiving
  if (!state) throw new Error('Data arrived with no transfer expected.')
  state.chunks.push(bytes)
  state.bytes += bytes.length
  if (state.bytes < state.total) return
  const endedAt = now()
  receiving = undefined
  state.done({ endedAt, bytes: state.bytes, verified: verify(state.chunks) })
}

function waitForIce(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve()
    })
  })
}

async function rtcOffer(): Promise<string> {
  connection = new RTCPeerConnection({ iceServers: [] })
  channel = connection.createDataChannel('bench', { ordered: true })
  channel.binaryType = 'arraybuffer'
  await connection.setLocalDescription(await connection.createOffer())
  await waitForIce(connection)
  return connection.localDescription!.sdp
}

async function rtcAnswer(
  offer: string,
  method: 'ours' | 'raw',
  totalBytes: number,
): Promise<string> {
  expect(totalBytes)
  connection = new RTCPeerConnection({ iceServers: [] })
  connection.addEventListener('datachannel', ({ channel: incoming }) => {
    channel = incoming
    if (method === 'ours') {
      const framed = new FramedChannel(incoming)
      framed.onMessage(({ body }) => take(body))
      framed.onProtocolError((error) => console.error(error))
    } else {
      incoming.binaryType = 'arraybuffer'
      incoming.addEventListener('message', ({ data }) => take(new Uint8Array(data as ArrayBuffer)))
    }
  })
  await connection.setRemoteDescription({ type: 'offer', sdp: offer })
  await connection.setLocalDescription(await connection.createAnswer())
  await waitForIce(connection)
  return connection.localDescription!.sdp
}

async function rtcAccept(answer: string): Promise<void> {
  await connection!.setRemoteDescription({ type: 'answer', sdp: answer })
  const open = channel!
  if (open.readyState === 'open') return
  await new Promise((resolve) => open.addEventListener('open', resolve, { once: true }))
}

function frameBytes(): number {
  const limit = connection?.sctp?.maxMessageSize ?? 0
  return limit > 0 ? Math.min(limit, MAX_FRAME_BYTES) : MAX_FRAME_BYTES
}

function startProbe(): void {
  let last = performance.now()
  let latenessMs = 0
  let longestGapMs = 0
  let longTaskMs = 0
  const timer = setInterval(() => {
    const at = performance.now()
    const gap = at - last
    last = at
    latenessMs += Math.max(0, gap - PROBE_INTERVAL_MS)
    longestGapMs = Math.max(longestGapMs, gap)
  }, PROBE_INTERVAL_MS)
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTaskMs += entry.duration
  })
  observer.observe({ type: 'longtask' })
  stopProbe = () => {
    clearInterval(timer)
    observer.disconnect()
    return { latenessMs, longestGapMs, longTaskMs }
  }
}

async function send(method: Method, settings: SendSettings): Promise<SendReport> {
  startProbe()
  const { totalBytes, chunkBytes } = settings
  const startedAt = now()
  if (method === 'ours') {
    const framed = new FramedChannel(channel!, {
      peerConnection: connection,
      highWaterMark: settings.highWaterMark,
      lowWaterMark: settings.lowWaterMark,
    })
    const sends: Promise<void>[] = []
    for (let offset = 0, index = 0; offset < totalBytes; offset += chunkBytes, index++) {
      sends.push(
        framed.send({ type: 'chunk', index }, source.subarray(offset, offset + chunkBytes)),
      )
    }
    await Promise.all(sends)
  } else if (method === 'raw') {
    await sendRaw(channel!, frameBytes(), settings)
  } else {
    for (let offset = 0; offset < totalBytes; offset += chunkBytes) {
      peerConnection!.send(source.subarray(offset, offset + chunkBytes))
    }
  }
  return { startedAt, frameBytes: method === 'peerjs' ? 16300 : frameBytes() }
}

/** The least a sender can do: frame-sized slices, the same water marks, no header. */
function sendRaw(dc: RTCDataChannel, size: number, settings: SendSettings): Promise<void> {
  dc.bufferedAmountLowThreshold = settings.lowWaterMark
  let offset = 0
  return new Promise((resolve) => {
    const pump = () => {
      while (offset < settings.totalBytes) {
        if (dc.bufferedAmount >= settings.highWaterMark) return
        dc.send(source.subarray(offset, offset + size))
        offset += size
      }
      dc.removeEventListener('bufferedamountlow', pump)
      resolve()
    }
    dc.addEventListener('bufferedamountlow', pump)
    pump()
  })
}

function rtcClose(): void {
  channel?.close()
  connection?.close()
  channel = undefined
  connection = undefined
}

function peerOpen(id: string, port: number): Promise<void> {
  const opened = new Peer(id, {
    host: '127.0.0.1',
    port,
    path: '/',
    secure: false,
    config: { iceServers: [] },
  })
  peer = opened
  opened.on('connection', (incoming) => {
    peerConnection = incoming
    incoming.on('data', (data) => {
      take(data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array))
    })
  })
  return new Promise((resolve, reject) => {
    opened.on('open', () => resolve())
    opened.on('error', reject)
  })
}

async function peerConnect(target: string): Promise<void> {
  const outgoing = peer!.connect(target, { serialization: 'binary', reliable: true })
  peerConnection = outgoing
  await new Promise<void>((resolve, reject) => {
    outgoing.on('open', resolve)
    outgoing.on('error', reject)
  })
}

function peerClose(): void {
  peerConnection?.close()
  peerConnection = undefined
}

export const bench = {
  prepare,
  expect,
  received: () => received!,
  rtcOffer,
  rtcAnswer,
  rtcAccept,
  rtcClose,
  peerOpen,
  peerConnect,
  peerClose,
  send,
  stopProbe: () => stopProbe!(),
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
}
export type BenchApi = typeof bench

Object.assign(globalThis, { bench })
