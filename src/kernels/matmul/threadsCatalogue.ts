import wasmUrl from '../../../build/wasm/matmulThreads.wasm?url'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { CatalogueEntry } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import { presentMatmulBatch, type MatmulBatchShape } from './catalogue.ts'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'

/** The sample job: 4 products of 512×512 matrices, one per unit: 8 MiB in, 4 MiB out. */
export const sampleLargeMatmul: Omit<MatmulBatchShape, 'pairsPerUnit'> = { n: 512, pairs: 4 }

/**
 * The job's manifest: one product per unit, computed by the threaded kernel on all of a
 * volunteer's cores at once. The kernel gives the same bits on any number of threads, and wasm
 * SIMD has no fused multiply-add, so replicas agree exactly.
 */
export function largeMatmulManifest(
  shape: Omit<MatmulBatchShape, 'pairsPerUnit'>,
): CreateCataloguePackageParameters['manifest'] {
  const { n } = shape
  return {
    manifestVersion: 1,
    name: `Large matrix products: ${n}×${n}, one per unit, on every core`,
    kernels: [{ kind: 'wasm' }],
    units: { mode: 'split', itemBytes: 8 * n * n, itemsPerUnit: 1 },
    params: [{ name: 'n', type: 'u32', value: n }],
    output: { bytesPerItem: 4 * n * n, assemble: 'concat' },
    comparison: { mode: 'exact' },
    replication: { quorum: 2 },
    limits: { timeLimitMs: 20_000, memoryBytes: 32 * 1024 * 1024 },
  }
}

/**
 * The sample job's package with its deterministic input (the batch job's generator); tests in
 * Node pass `fetchWasm` to read the built kernel from disk.
 *
 * @example
 * const { manifest, wasm, input } = await createLargeMatmulPackage()
 */
export function createLargeMatmulPackage(
  parameters: { fetchWasm?: CreateCataloguePackageParameters['fetchWasm'] } = {},
): Promise<JobPackage> {
  const { fetchWasm } = parameters
  return createCataloguePackage({
    manifest: largeMatmulManifest(sampleLargeMatmul),
    wasmUrl,
    input: new Blob([createMatmulSampleInput(sampleLargeMatmul)]),
    ...(fetchWasm && { fetchWasm }),
  })
}

/** Large matrix products on WASM threads, for the requester page's catalogue. */
export const largeMatmulCatalogueEntry: CatalogueEntry = {
  id: 'matmul-threads',
  title: 'Large matrix products (WASM threads)',
  summary:
    'Multiplies 512×512 matrices, one product per unit, each on all of a volunteer’s CPU cores at once through WebAssembly threads; replicas agree bit for bit.',
  createPackage: () => createLargeMatmulPackage(),
  present: presentMatmulBatch,
}
