import type { Redis } from 'ioredis'
import type { GeneratorFleet } from './GeneratorFleet.ts'
import { readRedisCpu } from './readRedisCpu.ts'
import type { ServerKind, ServerUnderTest } from './startServer.ts'

export type RelaySample = {
  frames: number
  /** Relayed frames per second of wall time. */
  perSecond: number
  /** Relayed frames per second of the server's CPU time (all its threads), Redis's added for ours on Redis. */
  perCpuSecond: number
  /** The kernel's share of the server's CPU time. */
  systemShare: number
  /** The share of that CPU time that Redis used. */
  redisShare: number
  meanFrameBytes: number
  faults: number
}

/** Pairs of peers, and frames each peer keeps in flight to its partner. */
export type RelayLoad = { pairs: number; window: number }

export type RelayResult = { load: RelayLoad; samples: Map<ServerKind, RelaySample[]> }

export type MeasureRelayParameters = {
  servers: ServerUnderTest[]
  fleet: GeneratorFleet
  runs: number
  loads: RelayLoad[]
  seconds: number
  redis: Redis
  log: (line: string) => void
}

/**
 * Pairs of peers on one server send OFFER and CANDIDATE frames to each other as fast as it
 * relays them (a window of frames in flight per peer), the servers taking turns (the order
 * rotating), `runs` times for each load.
 *
 * @example
 * const results = await measureRelay({ servers, fleet, runs: 3, loads: [{ pairs: 16, window: 16 }], seconds: 3, redis, log })
 */
export async function measureRelay({
  servers,
  fleet,
  runs,
  loads,
  seconds,
  redis,
  log,
}: MeasureRelayParameters): Promise<RelayResult[]> {
  const results: RelayResult[] = []
  for (const load of loads) {
    const samples = new Map<ServerKind, RelaySample[]>(servers.map(({ kind }) => [kind, []]))
    for (let run = 0; run < runs; run += 1) {
      const order = servers.map((_, i) => servers[(i + run) % servers.length]!)
      for (const server of order) {
        const sample = await relayOnce(server, fleet, load, seconds, redis)
        samples.get(server.kind)!.push(sample)
        log(
          `relay ${load.pairs} pairs × ${load.window} in flight, run ${run + 1}/${runs} ${server.kind}: ${sample.perSecond.toFixed(0)} frames/s, ${sample.perCpuSecond.toFixed(0)} per CPU second${sample.redisShare ? ` (Redis ${(sample.redisShare * 100).toFixed(0)}%)` : ''}${sample.faults ? `, ${sample.faults} faults` : ''}`,
        )
      }
    }
    results.push({ load, samples })
  }
  return results
}

async function relayOnce(
  server: ServerUnderTest,
  fleet: GeneratorFleet,
  { pairs, window }: RelayLoad,
  seconds: number,
  redis: Redis,
): Promise<RelaySample> {
  const before = await server.process.call('usage', { gc: false })
  const redisBefore = await readRedisCpu(redis)
  const result = await fleet.first.call('relay', { url: server.url, pairs, window, seconds })
  const after = await server.process.call('usage', { gc: false })
  const redisMs = server.kind === 'ours-redis' ? (await readRedisCpu(redis)) - redisBefore : 0
  const serverMs = after.cpuMs - before.cpuMs
  return {
    frames: result.frames,
    perSecond: (result.frames / result.ms) * 1000,
    perCpuSecond: (result.frames / (serverMs + redisMs)) * 1000,
    systemShare: (after.systemCpuMs - before.systemCpuMs) / serverMs,
    redisShare: redisMs / (serverMs + redisMs),
    meanFrameBytes: result.bytes / Math.max(1, result.frames),
    faults: result.faults,
  }
}
