import wasmUrl from '../../../build/wasm/mandelbrot.wasm?url'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest, ManifestInput } from '../../tasks/manifestSchema.ts'
import type { CatalogueEntry } from '../catalogue/CatalogueEntry.ts'
import { createCataloguePackage } from '../catalogue/createCataloguePackage.ts'
import {
  demoMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
  type MandelbrotParams,
} from './params.ts'
import { assembleTiles } from './reference.ts'

export type CreateMandelbrotPackageParameters = {
  params?: MandelbrotParams
  /** Results that must agree before a unit counts. */
  quorum?: number
  /** The manifest's verification policy; the defaults when left out. */
  verification?: ManifestInput['verification']
  fetchWasm?: (url: string) => Promise<Uint8Array<ArrayBuffer>>
}

// The kernel reads eight f64 in this order (encodeMandelbrotParams); packParams lays f64
// params out the same way.
const paramOrder = [
  'width',
  'height',
  'tileWidth',
  'tileHeight',
  'centerX',
  'centerY',
  'spanX',
  'maxIterations',
] as const

/**
 * The built-in demo as a job package: a Mandelbrot render, one tile per unit, computed by the
 * AssemblyScript kernel in `assembly/mandelbrot.ts` (WASM only).
 *
 * @example
 * const job = createJobRecord(await createMandelbrotPackage(), { catalogueId: 'mandelbrot' })
 */
export function createMandelbrotPackage(
  parameters: CreateMandelbrotPackageParameters = {},
): Promise<JobPackage> {
  const { params = demoMandelbrotParams, quorum = 2, verification, fetchWasm } = parameters
  return createCataloguePackage({
    manifest: {
      manifestVersion: 1,
      name: `Mandelbrot ${params.width}×${params.height}`,
      kernels: [{ kind: 'wasm' }],
      units: { mode: 'count', unitCount: mandelbrotUnitCount(params) },
      params: paramOrder.map((name) => ({ name, type: 'f64', value: params[name] })),
      output: { bytesPerUnit: mandelbrotUnitOutputBytes(params), assemble: 'concat' },
      comparison: { mode: 'exact' },
      replication: { quorum },
      ...(verification && { verification }),
      limits: { timeLimitMs: 30_000, memoryBytes: 16 * 1024 * 1024 },
    },
    wasmUrl,
    ...(fetchWasm && { fetchWasm }),
  })
}

/** The Mandelbrot view a manifest made by {@link createMandelbrotPackage} describes. */
export function mandelbrotParamsOf(manifest: Manifest): MandelbrotParams {
  const value = (name: (typeof paramOrder)[number]) => {
    const param = manifest.params.find((p) => p.name === name)
    if (!param) throw new Error(`not a Mandelbrot manifest: no param "${name}"`)
    return param.value
  }
  return Object.fromEntries(paramOrder.map((name) => [name, value(name)])) as MandelbrotParams
}

export const mandelbrotCatalogueEntry: CatalogueEntry = {
  id: 'mandelbrot',
  title: 'Mandelbrot set (WASM)',
  summary:
    'Renders the Mandelbrot set at 2048×1536 in 64 tiles with the AssemblyScript kernel: the demo of the whole loop.',
  createPackage: () => createMandelbrotPackage(),
  present(output, manifest) {
    const params = mandelbrotParamsOf(manifest)
    const tileBytes = mandelbrotUnitOutputBytes(params)
    const tiles = Array.from({ length: mandelbrotUnitCount(params) }, (_, i) =>
      output.subarray(i * tileBytes, (i + 1) * tileBytes),
    )
    return {
      kind: 'image',
      width: params.width,
      height: params.height,
      rgba: assembleTiles(params, tiles),
      caption: `Mandelbrot set around ${params.centerX} + ${params.centerY}i, ${params.maxIterations} iterations`,
    }
  },
}
