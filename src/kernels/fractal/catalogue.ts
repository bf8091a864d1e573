import wasmUrl from '../../../build/wasm/fractal.wasm?url'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import { assembleFractalImage } from './assembleFractalImage.ts'
import { fromFixed, toFixed } from './fixedPoint.ts'
import source from './fractal.wgsl?raw'
import {
  fractalManifestParams,
  fractalParamsFromManifest,
  fractalUnitCount,
  fractalUnitOutputBytes,
  type FractalParams,
} from './params.ts'

/**
 * The sample job: the seahorse valley of the Mandelbrot set, 2048×1536 pixels in 64 tiles of
 * 256×192. About 5 s of wasm on one core of a 2-core machine for the whole image (twice that
 * with every unit replicated), the slowest tile about 0.2 s.
 */
export const sampleFractalParams: FractalParams = {
  centreX: toFixed(-0.7453),
  centreY: toFixed(0.1127),
  pixelSize: toFixed(0.02 / 2048),
  width: 2048,
  height: 1536,
  tileWidth: 256,
  tileHeight: 192,
  maxIterations: 1024,
}

// The WGSL kernel's `@workgroup_size`.
const workgroupSize = 64

/** The job's manifest for some params, kernels not yet hashed. */
export function fractalManifest(
  params: FractalParams,
): CreateCataloguePackageParameters['manifest'] {
  return {
    manifestVersion: 1,
    name: 'Fractal: the Mandelbrot set in fixed point',
    kernels: [{ kind: 'wgsl', entry: 'main', workgroupSize: [workgroupSize] }, { kind: 'wasm' }],
    units: { mode: 'count', unitCount: fractalUnitCount(params) },
    params: fractalManifestParams(params),
    output: { bytesPerUnit: fractalUnitOutputBytes(params), assemble: 'concat' },
    // Integers only: a GPU and a CPU give the same bytes.
    comparison: { mode: 'exact' },
    replication: { quorum: 2 },
    limits: { timeLimitMs: 20_000, memoryBytes: 16 * 1024 * 1024 },
  }
}

/**
 * The sample job's package (or another view's); tests in Node pass `fetchWasm` to read the
 * built kernel from disk.
 *
 * @example
 * const { manifest, wgsl, wasm } = await createFractalPackage()
 */
export function createFractalPackage(
  parameters: {
    params?: FractalParams
    fetchWasm?: CreateCataloguePackageParameters['fetchWasm']
  } = {},
): Promise<JobPackage> {
  const { params = sampleFractalParams, fetchWasm } = parameters
  return createCataloguePackage({
    manifest: fractalManifest(params),
    wgsl: source,
    wasmUrl,
    ...(fetchWasm && { fetchWasm }),
  })
}

/** The image from the assembled tiles, with a caption saying where in the plane it is. */
export function presentFractal(output: Uint8Array, manifest: Manifest): Presentation {
  const params = fractalParamsFromManifest(manifest.params)
  const { width, height, pixelSize, maxIterations } = params
  const x = fromFixed(params.centreX)
  const y = fromFixed(params.centreY)
  const centre = `${x < 0 ? '−' : ''}${short(Math.abs(x))} ${y < 0 ? '−' : '+'} ${short(Math.abs(y))}i`
  return {
    kind: 'image',
    width,
    height,
    rgba: assembleFractalImage(output, params),
    caption: `The Mandelbrot set around ${centre}, ${short(fromFixed(pixelSize) * width, 3)} wide: ${width}×${height} pixels in ${fractalUnitCount(params)} tiles, up to ${maxIterations} iterations (black: inside)`,
  }
}

// Significant digits without trailing zeros: Q4.28 turns 0.1127 into 0.11270000040531158, and
// the pixel size rounded to Q4.28 makes the sample 0.0199966 wide rather than 0.02.
function short(value: number, digits = 6): string {
  return String(Number(value.toPrecision(digits)))
}

/** Fractal tiles for the requester page's catalogue. */
export const fractalCatalogueEntry: CatalogueEntry = {
  id: 'fractal',
  title: 'Fractal image',
  summary:
    'Renders the Mandelbrot set tile by tile in fixed-point integers, as renderers split an image among processors, so GPUs and CPUs give the same pixels.',
  createPackage: () => createFractalPackage(),
  present: presentFractal,
}
