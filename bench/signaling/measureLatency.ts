import type { GeneratorFleet } from './GeneratorFleet.ts'
import { measureRedisRoundTrip } from './measureRedisRoundTrip.ts'
import { startServer } from './startServer.ts'
import { percentile } from './statistics.ts'

export type LatencySample = { p50: number; p95: number; p99: number; samples: number }

export type LatencyResult = {
  /** Pairs timing round trips at once, each one OFFER at a time. */
  pairs: number
  same: LatencySample[]
  cross: LatencySample[]
}

export type MeasureLatencyReturnType = {
  byPairs: LatencyResult[]
  /** A message to another process and back through Redis's sharded pub/sub, for comparison. */
  redisRoundTrip: LatencySample
}

export type MeasureLatencyParameters = {
  fleet: GeneratorFleet
  redisUrl: string
  runs: number
  pairs: number[]
  samples: number
  log: (line: string) => void
}

/** The median, 95th and 99th percentiles of round trips in ms. */
export function summarize(times: number[]): LatencySample {
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    samples: times.length,
  }
}

/**
 * Two nodes of ours on one Redis. Peer A sends OFFER to B, which answers with ANSWER on receipt;
 * A times the round trip. Cross-node: A on node 1, B on node 2 (both frames go through Redis);
 * same node: both on node 1. The two alternate, `runs` times for each number of pairs. Then a
 * round trip through Redis pub/sub to another process and back alone: what the cross-node
 * path adds at least.
 *
 * @example
 * const results = await measureLatency({ fleet, redisUrl, runs: 3, pairs: [1, 8], samples: 2000, log })
 */
export async function measureLatency({
  fleet,
  redisUrl,
  runs,
  pairs,
  samples,
  log,
}: MeasureLatencyParameters): Promise<MeasureLatencyReturnType> {
  const [one, two] = await Promise.all([
    startServer('ours-redis', 1000, redisUrl),
    startServer('ours-redis', 1000, redisUrl),
  ])
  try {
    const results: LatencyResult[] = []
    for (const count of pairs) {
      const result: LatencyResult = { pairs: count, same: [], cross: [] }
      for (let run = 0; run < runs; run += 1) {
        for (const mode of run % 2 ? (['cross', 'same'] as const) : (['same', 'cross'] as const)) {
          const sample = summarize(
            await fleet.first.call('latency', {
              fromUrl: one!.url,
              toUrl: mode === 'same' ? one!.url : two!.url,
              pairs: count,
              samples,
            }),
          )
          result[mode].push(sample)
          log(
            `latency, ${count} pair(s), run ${run + 1}/${runs}, ${mode} node: p50 ${sample.p50.toFixed(3)} ms, p95 ${sample.p95.toFixed(3)} ms`,
          )
        }
      }
      results.push(result)
    }
    const redisRoundTrip = await measureRedisRoundTrip(redisUrl, samples)
    log(
      `Redis pub/sub round trip: p50 ${redisRoundTrip.p50.toFixed(3)} ms, p95 ${redisRoundTrip.p95.toFixed(3)} ms`,
    )
    return { byPairs: results, redisRoundTrip }
  } finally {
    await Promise.all([one!.stop(), two!.stop()])
  }
}
