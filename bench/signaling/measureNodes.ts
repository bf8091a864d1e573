import type { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GeneratorFleet } from './GeneratorFleet.ts'
import { summarize } from './measureLatency.ts'
import type { LatencySample } from './measureLatency.ts'
import { readRedisCpu } from './readRedisCpu.ts'
import { startServer } from './startServer.ts'
import type { ServerUnderTest } from './startServer.ts'

export type NodesPhase = {
  /** Nodes holding peers after this phase. */
  nodes: number
  /** Peers held by all nodes together. */
  held: number
  refused: Record<string, number>
  perSecond: number
}

export type NodesThroughput = {
  nodes: 1 | 3
  perSecond: number
  /** CPU time per registration: every node's and Redis's. */
  cpuMs: number
}

export type MeasureNodesReturnType = {
  /** Each node's `--max-peers`. */
  perNodeCap: number
  phases: NodesPhase[]
  /** A cross-node OFFER→ANSWER round trip while the three nodes hold their peers. */
  crossWhileFull: LatencySample
  throughput: NodesThroughput[][]
}

export type MeasureNodesParameters = {
  fleet: GeneratorFleet
  redis: Redis
  redisUrl: string
  /** Peers each node takes (its `--max-peers`, below its descriptor limit). */
  perNode: number
  /** Registrations per throughput trial. */
  batch: number
  runs: number
  log: (line: string) => void
}

// Room on each node for the pairs of the cross-node check, beyond the peers it holds.
const checkPairs = 4

/**
 * Three nodes of ours on one Redis. First each node in turn is filled to `perNode` peers while
 * the others keep theirs (peers held by 1, 2 and 3 nodes), and a cross-node round trip is timed
 * with all of them held. Then, with nothing held, `batch` registrations to one node against the
 * same spread over three, alternating, `runs` times.
 *
 * @example
 * const nodes = await measureNodes({ fleet, redis, redisUrl, perNode: 16_000, batch: 3_000, runs: 3, log })
 */
export async function measureNodes({
  fleet,
  redis,
  redisUrl,
  perNode,
  batch,
  runs,
  log,
}: MeasureNodesParameters): Promise<MeasureNodesReturnType> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() => startServer('ours-redis', perNode + checkPairs, redisUrl)),
  )
  try {
    const phases: NodesPhase[] = []
    let held = 0
    for (const [i, node] of nodes.entries()) {
      const result = await fleet.open([node.url], perNode)
      held += result.opened
      const phase = {
        nodes: i + 1,
        held,
        refused: result.refused,
        perSecond: (result.opened / result.ms) * 1000,
      }
      phases.push(phase)
      log(
        `${phase.nodes} node(s): ${held} peers held, ${phase.perSecond.toFixed(0)} registrations/s${Object.keys(result.refused).length ? `, refused ${JSON.stringify(result.refused)}` : ''}`,
      )
    }
    const times = await fleet.first.call('latency', {
      fromUrl: nodes[0]!.url,
      toUrl: nodes[2]!.url,
      pairs: checkPairs,
      samples: 400,
    })
    const crossWhileFull = summarize(times)
    log(`cross-node with ${held} held: p95 ${crossWhileFull.p95.toFixed(3)} ms`)
    const lost = await fleet.closeAll()
    if (lost > 0) log(`${lost} held peers were closed by their node`)
    const throughput: NodesThroughput[][] = []
    for (let run = 0; run < runs; run += 1) {
      const trials: NodesThroughput[] = []
      for (const count of run % 2 ? ([3, 1] as const) : ([1, 3] as const)) {
        await sleep(500)
        trials.push(await registerBatch(fleet, nodes.slice(0, count), nodes, redis, batch, count))
        await fleet.closeAll()
        log(
          `throughput run ${run + 1}/${runs}, ${count} node(s): ${trials.at(-1)!.perSecond.toFixed(0)} registrations/s`,
        )
      }
      throughput.push(trials)
    }
    return { perNodeCap: perNode + checkPairs, phases, crossWhileFull, throughput }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
}

async function registerBatch(
  fleet: GeneratorFleet,
  targets: ServerUnderTest[],
  all: ServerUnderTest[],
  redis: Redis,
  batch: number,
  count: 1 | 3,
): Promise<NodesThroughput> {
  const cpu = async () =>
    (await Promise.all(all.map((node) => node.process.call('usage', { gc: false })))).reduce(
      (sum, usage) => sum + usage.cpuMs,
      await readRedisCpu(redis),
    )
  const before = await cpu()
  const result = await fleet.open(
    targets.map((node) => node.url),
    batch,
  )
  const after = await cpu()
  if (Object.keys(result.refused).length > 0)
    throw new Error(`registrations refused: ${JSON.stringify(result.refused)}`)
  return {
    nodes: count,
    perSecond: (result.opened / result.ms) * 1000,
    cpuMs: (after - before) / result.opened,
  }
}
