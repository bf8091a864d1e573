import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

export type TrivialPackageOptions = {
  units: number
  /** Replicas a unit needs; verification never trusts a volunteer alone, so every unit takes this many. */
  quorum: number
  /** Makes each run's package (and job id) its own. */
  seed: number
  /**
   * The manifest's default verification (adaptive replication and canaries: trusted volunteers'
   * units take one result) instead of `quorum` results for every unit.
   */
  adaptive?: boolean
}

const example = new URL('../../examples/monte-carlo-pi/', import.meta.url)

/**
 * The bench's job: the Monte Carlo π example with one sample per unit, so a unit costs a
 * volunteer next to nothing and the host's own work is what is measured (4 bytes of output per
 * unit). Unless `adaptive`, adaptive replication and canaries are off: every unit takes `quorum`
 * results (until a volunteer has 10,000 valid results in a row), whatever its standing.
 *
 * @example
 * const { manifest, wasm } = await trivialPackage({ units: 1500, quorum: 2, seed: 1 })
 */
export async function trivialPackage(options: TrivialPackageOptions) {
  const wasm = new Uint8Array(await readFile(new URL('monteCarloPi.wasm', example)))
  const manifest = {
    manifestVersion: 1,
    name: `Trivial units (${options.units})`,
    kernels: [{ kind: 'wasm', sha256: createHash('sha256').update(wasm).digest('hex') }],
    units: { mode: 'count', unitCount: options.units },
    params: [
      { name: 'seed', type: 'u32', value: options.seed },
      { name: 'samples', type: 'u32', value: 1 },
    ],
    output: { bytesPerUnit: 4, assemble: { reduce: 'sum-u32' } },
    comparison: { mode: 'exact' },
    replication: { quorum: options.quorum },
    ...(!options.adaptive && { verification: { minConsecutiveValid: 10_000, canaryRate: 0 } }),
    limits: { timeLimitMs: 10_000, memoryBytes: 1 << 20 },
  }
  return { manifest, wasm }
}
