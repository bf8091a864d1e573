import wasmUrl from '../../../build/wasm/montecarlo.wasm?url'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { ballVolume } from './ballVolume.ts'
import source from './montecarlo.wgsl?raw'
import {
  montecarloDimensions,
  montecarloInvocationBytes,
  montecarloManifestParams,
  montecarloParamsFromManifest,
  montecarloSample,
} from './params.ts'

const workgroupSize = 64

/**
 * The sample job's package; tests in Node pass `fetchWasm` to read the built kernel from disk.
 *
 * @example
 * const job = await createMontecarloPackage()
 */
export function createMontecarloPackage(
  options: Pick<CreateCataloguePackageParameters, 'fetchWasm'> = {},
): Promise<JobPackage> {
  const { params, units, invocationsPerUnit } = montecarloSample
  return createCataloguePackage({
    manifest: {
      manifestVersion: 1,
      name: 'Monte Carlo volume of the unit ball in 2 to 16 dimensions',
      kernels: [
        // One invocation writes its eight counts.
        {
          kind: 'wgsl',
          entry: 'main',
          workgroupSize: [workgroupSize],
          elementsPerInvocation: montecarloDimensions.length,
        },
        { kind: 'wasm' },
      ],
      units: { mode: 'count', unitCount: units },
      params: montecarloManifestParams(params),
      // Each invocation's counts stay in their own words, summed over the units.
      output: {
        bytesPerUnit: invocationsPerUnit * montecarloInvocationBytes,
        assemble: { reduce: 'sum-u32' },
      },
      comparison: { mode: 'exact' },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 60_000, memoryBytes: 1 << 20 },
    },
    wgsl: source,
    wasmUrl,
    ...options,
  })
}

export type BallVolumeEstimate = {
  dimensions: number
  /** Points whose first `dimensions` coordinates fell inside the ball. */
  inside: number
  /** 2^d × the share inside. */
  volume: number
  /** One standard error of `volume`. */
  error: number
}

/**
 * The estimates of an assembled output (each invocation's counts, summed over the units) and
 * the number of points they come from.
 */
export function estimateBallVolumes(
  output: Uint8Array,
  manifest: Manifest,
): { points: number; estimates: BallVolumeEstimate[] } {
  const { samples } = montecarloParamsFromManifest(manifest.params)
  const units = manifest.units.mode === 'count' ? manifest.units.unitCount : 0
  const invocations = Math.floor(output.length / montecarloInvocationBytes)
  const points = units * invocations * samples
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  const estimates = montecarloDimensions.map((dimensions, m) => {
    let inside = 0
    for (let i = 0; i < invocations; i++)
      inside += view.getUint32(i * montecarloInvocationBytes + m * 4, true)
    const share = points > 0 ? inside / points : 0
    const scale = 2 ** dimensions
    const error = points > 0 ? scale * Math.sqrt((share * (1 - share)) / points) : 0
    return { dimensions, inside, volume: scale * share, error }
  })
  return { points, estimates }
}

function presentMontecarlo(output: Uint8Array, manifest: Manifest): Presentation {
  const { points, estimates } = estimateBallVolumes(output, manifest)
  const [circle] = estimates
  return {
    kind: 'text',
    lines: [
      `π ≈ ${(circle?.volume ?? 0).toFixed(5)} from ${points.toLocaleString('en-US')} random points, by hit or miss.`,
      'Volume of the unit ball, estimate ± standard error (exact):',
      ...estimates.map(
        ({ dimensions, volume, error, inside }) =>
          `d = ${dimensions}: ${volume.toFixed(5)} ± ${error.toFixed(5)} (${ballVolume(dimensions).toFixed(5)}), ${inside.toLocaleString('en-US')} points inside`,
      ),
    ],
  }
}

/** The catalogue's Monte Carlo job: the curse of dimensionality, counted. */
export const montecarloCatalogueEntry: CatalogueEntry = {
  id: 'montecarlo',
  title: 'Monte Carlo volume of the unit ball',
  summary:
    'Estimates π and the volume of the unit ball in up to 16 dimensions from 268 million random points, the hit-or-miss integration of statistics and physics, where the share inside shrinks as the dimension grows.',
  createPackage: () => createMontecarloPackage(),
  present: presentMontecarlo,
}
