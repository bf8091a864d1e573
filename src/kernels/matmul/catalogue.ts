import wasmUrl from '../../../build/wasm/matmulBatch.wasm?url'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'
import source from './matmulBatch.wgsl?raw'

export type MatmulBatchShape = {
  /** Rows and columns of every matrix. */
  n: number
  /** Pairs (A, B) in the job. */
  pairs: number
  /** Pairs per work unit; the last unit takes what is left. */
  pairsPerUnit: number
}

/**
 * The sample job: a layer's worth of 64×64 products, 100 pairs in 13 units of 8 (the last
 * holds 4): 3.3 MB in, 1.6 MB out, a few milliseconds of wasm per unit.
 */
export const sampleMatmulBatch: MatmulBatchShape = { n: 64, pairs: 100, pairsPerUnit: 8 }

// The WGSL kernel's `@workgroup_size`.
const workgroupSize = 64

/**
 * Replicas sum each element's n products in f32 in their own way (WGSL perhaps fusing multiply
 * and add, wasm rounding both). In any order, an f32 dot product is within about
 * n·2⁻²⁴·Σ|aₖbₖ| of the exact value, at most n²·2⁻²⁴ for the sample's entries in [−1, 1), so two
 * replicas differ by at most 2·n²·2⁻²⁴ ≈ 4.9e-4 for n = 64 (the wasm kernel measured 4e-6 from the
 * f64 reference). `absolute` 1e-3 covers that bound with room; `relative` adds slack for large
 * entries. The sums have no branches, so a last-bit difference cannot turn into a large one.
 */
const comparison = { mode: 'float', elementType: 'f32', absolute: 1e-3, relative: 1e-4 } as const

/** The job's manifest for a batch shape, kernels not yet hashed. */
export function matmulBatchManifest(
  shape: MatmulBatchShape,
): CreateCataloguePackageParameters['manifest'] {
  const { n, pairsPerUnit } = shape
  return {
    manifestVersion: 1,
    name: `Matrix products: a batch of ${n}×${n} pairs`,
    kernels: [{ kind: 'wgsl', entry: 'main', workgroupSize: [workgroupSize] }, { kind: 'wasm' }],
    // One item is one pair (A, B); it makes one C.
    units: { mode: 'split', itemBytes: 8 * n * n, itemsPerUnit: pairsPerUnit },
    params: [{ name: 'n', type: 'u32', value: n }],
    output: { bytesPerItem: 4 * n * n, assemble: 'concat' },
    comparison,
    replication: { quorum: 2 },
    limits: { timeLimitMs: 10_000, memoryBytes: 16 * 1024 * 1024 },
  }
}

/**
 * The sample job's package (or another shape's) with its deterministic input; tests in Node
 * pass `fetchWasm` to read the built kernel from disk.
 *
 * @example
 * const { manifest, input } = await createMatmulBatchPackage()
 */
export function createMatmulBatchPackage(
  parameters: {
    shape?: MatmulBatchShape
    fetchWasm?: CreateCataloguePackageParameters['fetchWasm']
  } = {},
): Promise<JobPackage> {
  const { shape = sampleMatmulBatch, fetchWasm } = parameters
  return createCataloguePackage({
    manifest: matmulBatchManifest(shape),
    wgsl: source,
    wasmUrl,
    input: new Blob([createMatmulSampleInput(shape)]),
    ...(fetchWasm && { fetchWasm }),
  })
}

/** A few lines on the products: their shape, the first values, the size of the entries. */
export function presentMatmulBatch(output: Uint8Array, manifest: Manifest): Presentation {
  const n = manifest.params.find((p) => p.name === 'n')?.value ?? 0
  const matrixBytes = 4 * n * n
  if (n < 1 || output.length === 0 || output.length % matrixBytes !== 0)
    return {
      kind: 'text',
      lines: [`${output.length} bytes that are not whole ${n}×${n} f32 matrices`],
    }
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  const count = output.length / 4
  const products = output.length / matrixBytes
  let largest = 0
  let at = 0
  let squares = 0
  for (let i = 0; i < count; i++) {
    const value = view.getFloat32(i * 4, true)
    squares += value * value
    if (Math.abs(value) > Math.abs(largest)) [largest, at] = [value, i]
  }
  const first = Array.from({ length: Math.min(4, n) }, (_, j) => view.getFloat32(j * 4, true))
  const where = { product: Math.floor(at / (n * n)) + 1, row: Math.floor((at % (n * n)) / n) + 1 }
  return {
    kind: 'text',
    lines: [
      `${products} product${products === 1 ? '' : 's'} C = A × B of ${n}×${n} f32 matrices`,
      `C₁ row 1 starts ${first.map(format).join(', ')}${n > 4 ? ', …' : ''}`,
      `largest |entry| ${format(Math.abs(largest))} (product ${where.product}, row ${where.row}, column ${(at % n) + 1}); root mean square ${format(Math.sqrt(squares / count))}`,
      `for entries of A and B uniform in [−1, 1), the root mean square of C is about √(n/9) = ${format(Math.sqrt(n / 9))}`,
    ],
  }
}

function format(value: number): string {
  return value.toFixed(4).replace('-', '−')
}

/** A batch of small matrix products for the requester page's catalogue. */
export const matmulCatalogueEntry: CatalogueEntry = {
  id: 'matmul',
  title: 'Matrix products',
  summary:
    'Multiplies a batch of independent 64×64 matrix pairs, as a neural-network layer does, on GPUs or CPUs; results agree within f32 rounding.',
  createPackage: () => createMatmulBatchPackage(),
  present: presentMatmulBatch,
}
