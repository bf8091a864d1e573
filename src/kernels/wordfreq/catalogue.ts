import wasmUrl from '../../../build/wasm/wordfreq.wasm?url'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import { createSampleText } from './createSampleText.ts'
import { wordfreqBucketsOf, wordfreqBucketsParam } from './params.ts'
import { sampleVocabulary } from './sampleVocabulary.ts'
import { wordBucket } from './wordHash.ts'
import source from './wordfreq.wgsl?raw'

/**
 * The sample job's sizes: 64 KiB chunks (one per unit) of a generated text of 32 full chunks
 * and a short last one, counted into 4096 buckets (16 KiB a unit). In 4096 buckets the 200
 * vocabulary words collide once ("what" and "evening" share a bucket), which present() shows.
 */
export const wordfreqSample = {
  chunkBytes: 65_536,
  totalBytes: 32 * 65_536 + 20_000,
  buckets: 4096,
} as const

const workgroupSize = 64
const topBuckets = 10

/**
 * The sample job's package; tests in Node pass `fetchWasm` to read the built kernel from disk.
 *
 * Chunk rule, for any input: a unit sees only its chunk, so the chunk's edges end words, and a
 * word cut by a chunk boundary counts as two words (its parts). The sample text never cuts one:
 * each chunk holds whole words and ends in spaces and a line break. Text of your own keeps its
 * counts exact when laid out the same way.
 *
 * @example
 * const job = await createWordfreqPackage()
 */
export function createWordfreqPackage(
  options: Pick<CreateCataloguePackageParameters, 'fetchWasm'> = {},
): Promise<JobPackage> {
  const { chunkBytes, totalBytes, buckets } = wordfreqSample
  const { text } = createSampleText({ chunkBytes, totalBytes })
  return createCataloguePackage({
    manifest: {
      manifestVersion: 1,
      name: 'Word frequencies',
      kernels: [{ kind: 'wgsl', entry: 'main', workgroupSize: [workgroupSize] }, { kind: 'wasm' }],
      units: { mode: 'split', itemBytes: 1, itemsPerUnit: chunkBytes },
      params: [{ name: wordfreqBucketsParam, type: 'u32', value: buckets }],
      output: { bytesPerUnit: buckets * 4, assemble: { reduce: 'sum-u32' } },
      comparison: { mode: 'exact' },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 30_000, memoryBytes: 4 << 20 },
    },
    wgsl: source,
    wasmUrl,
    input: new Blob([text], { type: 'text/plain' }),
    ...options,
  })
}

/** Vocabulary words by bucket, for naming the buckets of a histogram. */
function vocabularyByBucket(buckets: number): Map<number, string[]> {
  const names = new Map<number, string[]>()
  for (const word of sampleVocabulary) {
    const bucket = wordBucket(word, buckets)
    names.set(bucket, [...(names.get(bucket) ?? []), word])
  }
  return names
}

function presentWordfreq(output: Uint8Array, manifest: Manifest): Presentation {
  const buckets = wordfreqBucketsOf(manifest.params)
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  const counts = Array.from({ length: Math.floor(output.length / 4) }, (_, bucket) => ({
    bucket,
    count: view.getUint32(bucket * 4, true),
  }))
  const total = counts.reduce((sum, { count }) => sum + count, 0)
  const used = counts.filter(({ count }) => count > 0).length
  const names = vocabularyByBucket(buckets)
  const top = counts
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count || a.bucket - b.bucket)
    .slice(0, topBuckets)
  const format = (n: number) => n.toLocaleString('en-US')
  return {
    kind: 'text',
    lines: [
      `${format(total)} words, hashed into ${format(used)} of ${format(buckets)} buckets.`,
      `Most frequent (buckets named by re-hashing the sample's vocabulary; "a / b" share a bucket):`,
      ...top.map(({ bucket, count }, rank) => {
        const name = names.get(bucket)?.join(' / ') ?? `bucket ${bucket} (no vocabulary word)`
        const share = total > 0 ? ((count / total) * 100).toFixed(1) : '0.0'
        return `${rank + 1}. ${name}: ${format(count)} (${share}%)`
      }),
    ],
  }
}

/** The catalogue's word count: map over text chunks, reduce by summing histograms. */
export const wordfreqCatalogueEntry: CatalogueEntry = {
  id: 'wordfreq',
  title: 'Word frequencies',
  summary:
    'Counts the words of a 2 MiB text chunk by chunk into a hashed histogram and sums the chunks, the map-and-reduce of big-data processing.',
  createPackage: () => createWordfreqPackage(),
  present: presentWordfreq,
}
