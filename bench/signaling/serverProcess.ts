/**
 * One signaling server under test, in a process of its own (so that its RSS, CPU time and file
 * descriptors are its own): ours (`createSignalingServer`, alone or on a shared Redis) or the
 * `peer` package's bare PeerServer. Both serve peer sockets on `/peerjs/peerjs`. Started by
 * `run.ts` through `startBenchChild`; answers `usage` and `stop`.
 *
 *   node --expose-gc --import tsx bench/signaling/serverProcess.ts '<ServerOptions as JSON>'
 */
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { PeerServer } from 'peer'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { answerParent } from './answerParent.ts'

export type ServerOptions = {
  kind: 'ours' | 'peerjs'
  /** Peer sockets this server accepts at most (`--max-peers`, PeerServer's `concurrent_limit`). */
  maxPeers: number
  /** Ours only: the Redis that several nodes share (`--redis`). */
  redisUrl?: string | undefined
}

export type ServerUsage = {
  rssBytes: number
  heapUsedBytes: number
  /** User and system CPU time of the whole process (every thread) since it started. */
  cpuMs: number
  /** The system (kernel) part of it: socket reads and writes, mostly. */
  systemCpuMs: number
}

export type ServerApi = {
  /** With `gc`, collects garbage twice and lets the process settle before measuring. */
  usage: (argument: { gc: boolean }) => Promise<ServerUsage>
  stop: () => Promise<void>
}

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions
const gc = (globalThis as { gc?: () => void }).gc
// Bench peers hold their sockets without HEARTBEAT (idle, for the memory figure); both servers
// would close them after 90 s of silence, which a long run passes.
const idlePeersKeptMs = 30 * 60_000

async function startOurs(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = await createSignalingServer({
    port: 0,
    host: '127.0.0.1',
    maxPeers: options.maxPeers,
    // Every bench peer comes from 127.0.0.1, and relays as fast as the server lets it.
    maxConnectionsPerAddress: 1_000_000,
    peerMessagesPerSecond: 1_000_000,
    peerMessageBurst: 1_000_000,
    redisUrl: options.redisUrl,
    peerTimings: { aliveTimeoutMs: idlePeersKeptMs },
    onError: (error) => console.error('signaling server under test:', error),
  })
  return { port: server.port, close: () => server.close() }
}

async function startPeerServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    PeerServer(
      {
        host: '127.0.0.1',
        port: 0,
        path: '/peerjs',
        concurrent_limit: options.maxPeers,
        alive_timeout: idlePeersKeptMs,
      },
      (listening) => resolve(listening as Server),
    )
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    // PeerServer keeps interval timers that would hold the process open: the caller exits.
    close: async () => void server.close(),
  }
}

const server = options.kind === 'ours' ? await startOurs() : await startPeerServer()

const api: ServerApi = {
  usage: async ({ gc: collect }) => {
    if (collect && gc) {
      gc()
      await sleep(200)
      gc()
      await sleep(300)
    }
    const cpu = process.cpuUsage()
    return {
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      cpuMs: (cpu.user + cpu.system) / 1000,
      systemCpuMs: cpu.system / 1000,
    }
  },
  stop: async () => {
    await server.close()
    setImmediate(() => process.exit(0))
  },
}

answerParent(api, { port: server.port })
