/**
 * Load on the signaling server's peer sockets: ours alone (LocalPeerRouter), ours on Redis
 * (RedisPeerRouter) and the `peer` package's bare PeerServer as the anchor, each in a process of
 * its own, driven by WebSocket peers (the `ws` package, speaking the PeerJS server protocol) in
 * several generator processes, on loopback only. Markdown on stdout, progress on stderr.
 *
 * 1. Registrations per second as peers held grow in steps to BENCH_SIGNALING_MAX_PEERS, the
 *    servers taking turns at each step, and 2. RSS per idle peer after GC at each step.
 * 3. Relayed OFFER/CANDIDATE frames per second of server CPU time, BENCH_RUNS times each.
 * 4. OFFER→ANSWER round trip across two nodes on one Redis against within one node.
 * 5. Peers held by 1, 2 and 3 nodes at the same per-node cap, and registrations per second of
 *    one node against three.
 *
 *   ../shared/bin/private-net npx tsx bench/signaling/run.ts
 *
 * BENCH_RUNS (default 3); BENCH_SIGNALING_MAX_PEERS (default 16000: peers per server, and per
 * node in part 5; under the descriptor limit); BENCH_SIGNALING_STEP (default max / 8);
 * BENCH_SIGNALING_IN_FLIGHT (handshakes at once, default 128); BENCH_SIGNALING_RELAY_SECONDS
 * (default 3); BENCH_SIGNALING_ONLY (a comma-separated subset of
 * registrations,relay,latency,nodes); BENCH_SIGNALING_PROFILE (a folder: a CPU profile of every
 * child process there). A smoke run: BENCH_RUNS=1 BENCH_SIGNALING_MAX_PEERS=600.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { startRedis } from '../../signaling/testing/startRedis.ts'
import { formatReport } from './formatReport.ts'
import type { SignalingBenchResults, SignalingBenchSettings } from './formatReport.ts'
import { GeneratorFleet } from './GeneratorFleet.ts'
import { measureLatency } from './measureLatency.ts'
import { measureNodes } from './measureNodes.ts'
import { measureRegistrations } from './measureRegistrations.ts'
import { measureRelay } from './measureRelay.ts'
import { startServer } from './startServer.ts'
import type { ServerKind } from './startServer.ts'

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}
const runs = positive('BENCH_RUNS', 3)
const maxPeers = positive('BENCH_SIGNALING_MAX_PEERS', 16_000)
const step = positive('BENCH_SIGNALING_STEP', Math.max(1, Math.round(maxPeers / 8)))
const relaySeconds = positive('BENCH_SIGNALING_RELAY_SECONDS', 3)
const only = new Set(
  (process.env.BENCH_SIGNALING_ONLY ?? 'registrations,relay,latency,nodes').split(','),
)
// Flat out, then one frame in flight per peer: nothing for a socket to batch.
const relayLoads = [
  { pairs: 16, window: 16 },
  { pairs: 64, window: 1 },
]
// One pair: the hops alone; 8 at once: with some queueing.
const latency = { pairs: [1, 8], samples: 1000 }
const nodesBatch = Math.min(maxPeers, 3000)
const handshakesInFlight = positive('BENCH_SIGNALING_IN_FLIGHT', 128)
const kinds: ServerKind[] = ['ours', 'ours-redis', 'peerjs']

const log = (line: string) => console.error(line)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
// Read from the file: some packages (peer) do not export their package.json.
const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version
const whole = (value: number) => Math.round(value).toLocaleString('en-US')
const fixed = (value: number, digits = 2) => value.toFixed(digits)
const settings: SignalingBenchSettings = {
  runs,
  kinds,
  step,
  maxPeers,
  relaySeconds,
  latency,
  nodesBatch,
}

function descriptorLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim())
}

async function main(): Promise<void> {
  const limit = descriptorLimit()
  // A server's sockets, its listener, stdio and Redis connections must all fit under its limit.
  if (maxPeers + 200 > limit)
    throw new Error(
      `BENCH_SIGNALING_MAX_PEERS (${maxPeers}) must stay 200 under the descriptor limit (ulimit -n: ${limit}).`,
    )
  const perGenerator = Math.min(15_000, limit - 500)
  const generators = Math.ceil((3 * maxPeers) / perGenerator)
  const loadBefore = os.loadavg()
  const started = Date.now()
  const redisServer = await startRedis()
  const redis = new Redis(redisServer.url)
  const fleet = await GeneratorFleet.start(generators, handshakesInFlight)
  const results: SignalingBenchResults = {}
  let redisVersion = 'unknown'
  try {
    redisVersion = /^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1] ?? 'unknown'
    if (only.has('registrations') || only.has('relay')) {
      const servers = await Promise.all(
        kinds.map((kind) => startServer(kind, maxPeers + 64, redisServer.url)),
      )
      try {
        if (only.has('registrations'))
          results.registrations = await measureRegistrations({
            servers,
            fleet,
            maxPeers,
            step,
            redis,
            log,
          })
        if (only.has('relay'))
          results.relay = await measureRelay({
            servers,
            fleet,
            runs,
            loads: relayLoads,
            seconds: relaySeconds,
            redis,
            log,
          })
      } finally {
        await Promise.all(servers.map((server) => server.stop()))
      }
    }
    if (only.has('latency'))
      results.latency = await measureLatency({
        fleet,
        redisUrl: redisServer.url,
        runs,
        ...latency,
        log,
      })
    if (only.has('nodes'))
      results.nodes = await measureNodes({
        fleet,
        redis,
        redisUrl: redisServer.url,
        perNode: maxPeers,
        batch: nodesBatch,
        runs,
        log,
      })
  } finally {
    await fleet.stop()
    redis.disconnect()
    await redisServer.stop()
  }
  const header = [
    `## Signaling: peer sockets under load, ${runs} runs`,
    '',
    `- machine: ${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${fixed(os.totalmem() / 1024 ** 3, 0)} GiB; load average ${loadBefore.map((l) => fixed(l, 1)).join(' / ')} before, ${os
      .loadavg()
      .map((l) => fixed(l, 1))
      .join(' / ')} after; ${((Date.now() - started) / 60_000).toFixed(1)} min`,
    `- node ${process.version}, ws ${versionOf('ws')}, peer ${versionOf('peer')}, ioredis ${versionOf('ioredis')}, redis-server ${redisVersion} (append-only file, fsync always, as \`signaling/testing/startRedis.ts\` runs it)`,
    `- descriptor limit ${whole(limit)} per process; ${generators} generator processes, ${handshakesInFlight} handshakes in flight in all; every server under test in its own process`,
    '- ours with `--max-connections-per-address 1000000 --peer-messages-per-second 1000000 --peer-message-burst 1000000` (every bench peer comes from 127.0.0.1, and relays flat out); bench peers send no HEARTBEAT, so both servers keep silent sockets 30 min instead of 90 s',
  ]
  console.log([...header, '', ...formatReport(results, settings)].join('\n'))
}

// Exit explicitly: nothing should hold the process open, but a stray handle must not hang a bench run.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
