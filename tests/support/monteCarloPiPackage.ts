import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { referenceHits } from '../../src/tasks/examples/monteCarloPiReference.ts'

const exampleFolder = fileURLToPath(new URL('../../examples/monte-carlo-pi/', import.meta.url))

export type MonteCarloPiSweep = { unitCount: number; samples: number; seed: number }

/**
 * `examples/monte-carlo-pi` built in code with a smaller sweep, as a script using the SDK would
 * build it: a package for `createJob`, with `overrides` laid over its manifest.
 *
 * @example
 * const job = await createJob({ package: await monteCarloPiPackage({ unitCount: 8, samples: 20_000, seed: 7 }), signaling })
 */
export async function monteCarloPiPackage(
  { unitCount, samples, seed }: MonteCarloPiSweep,
  overrides: Record<string, unknown> = {},
) {
  const manifest = JSON.parse(await readFile(path.join(exampleFolder, 'manifest.json'), 'utf8'))
  return {
    manifest: {
      ...manifest,
      units: { mode: 'count', unitCount },
      params: [
        { name: 'seed', type: 'u32', value: seed },
        { name: 'samples', type: 'u32', value: samples },
      ],
      ...overrides,
    },
    wasm: new Uint8Array(await readFile(path.join(exampleFolder, 'monteCarloPi.wasm'))),
  }
}

/** Each unit's hits, computed here: what a verified output must hold. */
export function monteCarloPiHits({ unitCount, samples, seed }: MonteCarloPiSweep): number[] {
  return Array.from({ length: unitCount }, (_, unit) => referenceHits(seed, unit, samples))
}

/** The hits one unit's output holds (a little-endian u32). */
export function hitsOf(output: Uint8Array): number {
  return new DataView(output.buffer, output.byteOffset).getUint32(0, true)
}
