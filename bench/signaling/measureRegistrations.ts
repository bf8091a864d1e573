import type { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GeneratorFleet } from './GeneratorFleet.ts'
import { readRedisCpu } from './readRedisCpu.ts'
import type { ServerUsage } from './serverProcess.ts'
import type { ServerKind, ServerUnderTest } from './startServer.ts'
import { slope } from './statistics.ts'

export type RegistrationStep = {
  /** Peers the server holds after this step. */
  held: number
  opened: number
  refused: Record<string, number>
  /** Registrations per second of wall time, WebSocket handshake to OPEN. */
  perSecond: number
  /** The server's CPU time per registration; for ours on Redis, Redis's CPU time besides. */
  cpuMs: number
  redisCpuMs: number
  /** The generators' CPU time per registration. */
  generatorCpuMs: number
  /** After the step, collected and settled. */
  usage: ServerUsage
}

export type RegistrationSweep = {
  kind: ServerKind
  /** Before any peer, collected and settled. */
  baseline: ServerUsage
  steps: RegistrationStep[]
  /** Least-squares slope of RSS over peers held, after GC at each step. */
  rssBytesPerPeer: number
  heapBytesPerPeer: number
}

export type MeasureRegistrationsReturnType = {
  sweeps: RegistrationSweep[]
  /** Held peers that a server closed on its own during the sweep: should be 0. */
  lost: number
}

export type MeasureRegistrationsParameters = {
  servers: ServerUnderTest[]
  fleet: GeneratorFleet
  maxPeers: number
  step: number
  redis: Redis
  log: (line: string) => void
}

/**
 * Opens peers on every server in steps of `step` up to `maxPeers`, the servers taking turns
 * within each step (the order rotating, so none always goes first), and holds them: the
 * registration rate at each level of peers held, and the RSS and heap after GC at each level.
 *
 * @example
 * const sweeps = await measureRegistrations({ servers, fleet, maxPeers: 16_000, step: 2_000, redis, log })
 */
export async function measureRegistrations({
  servers,
  fleet,
  maxPeers,
  step,
  redis,
  log,
}: MeasureRegistrationsParameters): Promise<MeasureRegistrationsReturnType> {
  // A first round of registrations, not measured, so that every server runs compiled code.
  for (const server of servers) await fleet.open([server.url], Math.min(step, 1000))
  await fleet.closeAll()
  await sleep(500)
  const sweeps = new Map<ServerUnderTest, RegistrationSweep>()
  for (const server of servers)
    sweeps.set(server, {
      kind: server.kind,
      baseline: await server.process.call('usage', { gc: true }),
      steps: [],
      rssBytesPerPeer: 0,
      heapBytesPerPeer: 0,
    })
  for (let held = step, round = 0; held <= maxPeers; held += step, round += 1) {
    const order = servers.map((_, i) => servers[(i + round) % servers.length]!)
    for (const server of order) {
      const before = await server.process.call('usage', { gc: false })
      const redisBefore = await readRedisCpu(redis)
      const result = await fleet.open([server.url], step)
      const after = await server.process.call('usage', { gc: false })
      const redisAfter = await readRedisCpu(redis)
      const opened = Math.max(1, result.opened)
      const sweep = sweeps.get(server)!
      const previous = sweep.steps.at(-1)?.held ?? 0
      sweep.steps.push({
        held: previous + result.opened,
        opened: result.opened,
        refused: result.refused,
        perSecond: (result.opened / result.ms) * 1000,
        cpuMs: (after.cpuMs - before.cpuMs) / opened,
        redisCpuMs: server.kind === 'ours-redis' ? (redisAfter - redisBefore) / opened : 0,
        generatorCpuMs: result.cpuMs / opened,
        usage: after,
      })
      const refused = Object.entries(result.refused)
      log(
        `${server.kind}: ${previous + result.opened} held, ${((result.opened / result.ms) * 1000).toFixed(0)} registrations/s, ${((after.cpuMs - before.cpuMs) / opened).toFixed(3)} CPU ms each (generators ${(result.cpuMs / opened).toFixed(3)})${refused.length ? `, refused ${JSON.stringify(result.refused)}` : ''}`,
      )
    }
    // Measured for every server after the step, together: collecting is not part of the timed steps.
    await Promise.all(
      servers.map(async (server) => {
        sweeps.get(server)!.steps.at(-1)!.usage = await server.process.call('usage', { gc: true })
      }),
    )
  }
  for (const sweep of sweeps.values()) {
    const points = (pick: (usage: ServerUsage) => number) =>
      sweep.steps.map(({ held, usage }) => ({ x: held, y: pick(usage) }))
    sweep.rssBytesPerPeer = slope(points((usage) => usage.rssBytes))
    sweep.heapBytesPerPeer = slope(points((usage) => usage.heapUsedBytes))
  }
  const lost = await fleet.closeAll()
  if (lost > 0) log(`${lost} held peers were closed by their server during the sweep`)
  return { sweeps: [...sweeps.values()], lost }
}
