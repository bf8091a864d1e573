import type { GeneratorFleet } from './GeneratorFleet.ts'
import { startServer } from './startServer.ts'
import { percentile } from './statistics.ts'

export type LatencySample = { p50: number; p95: number; p99: number; samples: number }

export type MeasureLatencyReturnType = {
  same: LatencySample[]
  cross: LatencySample[]
}

export type MeasureLatencyParameters = {
  fleet: GeneratorFleet
  redisUrl: string
  runs: number
  pairs: number
  samples: number
  log: (line: string) => void
}

/**
 * Two nodes of ours on one Redis. Peer A sends OFFER to B, which answers with ANSWER on receipt;
 * A times the round trip. Cross-node: A on node 1, B on node 2 (both frames go through Redis);
 * same node: both on node 1. The two alternate, `runs` times.
 *
 * @example
 * const { same, cross } = await measureLatency({ fleet, redisUrl, runs: 3, pairs: 8, samples: 2000, log })
 */
export async function measureLatency({
  fleet,
  redisUrl,
  runs,
  pairs,
  samples,
  log,
}: MeasureLatencyParameters): Promise<MeasureLatencyReturnType> {
  const nodes = await Promise.all([
    startServer('ours-redis', 1000, redisUrl),
    startServer('ours-redis', 1000, redisUrl),
  ])
  const result: MeasureLatencyReturnType = { same: [], cross: [] }
  try {
    const [one, two] = nodes
    const modes = ['same', 'cross'] as const
    for (let run = 0; run < runs; run += 1) {
      for (const mode of run % 2 ? [...modes].reverse() : modes) {
        const times = await fleet.first.call('latency', {
          fromUrl: one!.url,
          toUrl: mode === 'same' ? one!.url : two!.url,
          pairs,
          samples,
        })
        const sample = {
          p50: percentile(times, 50),
          p95: percentile(times, 95),
          p99: percentile(times, 99),
          samples: times.length,
        }
        result[mode].push(sample)
        log(
          `latency run ${run + 1}/${runs} ${mode} node: p50 ${sample.p50.toFixed(3)} ms, p95 ${sample.p95.toFixed(3)} ms`,
        )
      }
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  return result
}
