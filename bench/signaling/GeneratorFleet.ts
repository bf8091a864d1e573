import { randomBytes } from 'node:crypto'
import type { GeneratorApi, OpenResult } from './loadGenerator.ts'
import { startBenchChild } from './startBenchChild.ts'
import type { BenchChild } from './startBenchChild.ts'

/**
 * Several load generator processes used as one: peers to open are shared out among them, so
 * that no process holds more sockets than its descriptor limit allows. Relay and latency runs
 * use the first alone.
 *
 * @example
 * const fleet = await GeneratorFleet.start(4)
 * const { opened, ms } = await fleet.open([url], 2000)
 */
export class GeneratorFleet {
  readonly #generators: BenchChild<GeneratorApi>[]
  readonly #concurrency: number

  private constructor(generators: BenchChild<GeneratorApi>[], concurrency: number) {
    this.#generators = generators
    this.#concurrency = concurrency
  }

  /** `concurrency`: WebSocket handshakes in flight, all processes together. */
  static async start(processes: number, concurrency = 128): Promise<GeneratorFleet> {
    const run = randomBytes(3).toString('hex')
    const generators = await Promise.all(
      Array.from({ length: processes }, (_, i) =>
        startBenchChild<GeneratorApi>('loadGenerator.ts', { idPrefix: `b${run}g${i}` }),
      ),
    )
    return new GeneratorFleet(generators, concurrency)
  }

  get first(): BenchChild<GeneratorApi> {
    return this.#generators[0]!
  }

  /** Opens `count` peers, round-robin over `urls`, shared among the processes; `ms` is the wall time of the whole. */
  async open(urls: string[], count: number): Promise<OpenResult> {
    const size = this.#generators.length
    const perProcess = Math.max(1, Math.ceil(this.#concurrency / size))
    const started = performance.now()
    const results = await Promise.all(
      this.#generators.map((generator, i) => {
        const share = Math.floor(count / size) + (i < count % size ? 1 : 0)
        return share === 0
          ? { opened: 0, refused: {}, ms: 0, cpuMs: 0 }
          : generator.call('open', { urls, count: share, concurrency: perProcess })
      }),
    )
    const refused: Record<string, number> = {}
    for (const result of results)
      for (const [reason, n] of Object.entries(result.refused))
        refused[reason] = (refused[reason] ?? 0) + n
    return {
      opened: results.reduce((sum, result) => sum + result.opened, 0),
      refused,
      ms: performance.now() - started,
      cpuMs: results.reduce((sum, result) => sum + result.cpuMs, 0),
    }
  }

  /** Closes every held peer; resolves with how many the servers had closed before (should be 0). */
  async closeAll(): Promise<number> {
    const results = await Promise.all(this.#generators.map((g) => g.call('closeAll')))
    return results.reduce((sum, result) => sum + result.lostBefore, 0)
  }

  async stop(): Promise<void> {
    await Promise.all(this.#generators.map((generator) => generator.stop()))
  }
}
