import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSampleText } from '../../src/kernels/wordfreq/createSampleText.ts'
import { wordfreqReference } from '../../src/kernels/wordfreq/reference.ts'

const wasmFile = new URL('../../build/wasm/wordfreq.wasm', import.meta.url)

export type WordCountSize = {
  /** The input text's size. */
  totalBytes: number
  /** One unit's chunk: 1 MiB makes four pieces a unit. */
  chunkBytes: number
  buckets?: number
}

/**
 * The catalogue's word-frequency kernel over a generated text of any size: a data-heavy job
 * (light compute, an input that matters), built as a script using the SDK would build it. Plain
 * quorum 2, so each unit's input goes to exactly two volunteers; replicas may share a network
 * (every volunteer of a test is on one).
 *
 * @example
 * const pkg = await wordCountPackage({ totalBytes: 8 << 20, chunkBytes: 1 << 20 })
 * const job = await createJob({ package: pkg, signaling })
 */
export async function wordCountPackage({ totalBytes, chunkBytes, buckets = 1024 }: WordCountSize) {
  const { text } = createSampleText({ chunkBytes, totalBytes })
  const wasm = new Uint8Array(await readFile(wasmFile))
  return {
    manifest: {
      manifestVersion: 1,
      name: 'Word counts',
      kernels: [{ kind: 'wasm', sha256: createHash('sha256').update(wasm).digest('hex') }],
      units: { mode: 'split', itemBytes: 1, itemsPerUnit: chunkBytes },
      params: [{ name: 'buckets', type: 'u32', value: buckets }],
      output: { bytesPerUnit: buckets * 4, assemble: { reduce: 'sum-u32' } },
      comparison: { mode: 'exact' },
      replication: { quorum: 2 },
      verification: { adaptive: false, canaryRate: 0, distinctOrigins: false },
      limits: { timeLimitMs: 30_000, memoryBytes: 4 << 20 },
    },
    wasm,
    input: text,
  }
}

/** The counts a verified output must hold: every chunk counted here, summed. */
export function expectedWordCounts(
  text: Uint8Array,
  { chunkBytes, buckets = 1024 }: Omit<WordCountSize, 'totalBytes'>,
): Uint32Array {
  const sum = new Uint32Array(buckets)
  for (let start = 0; start < text.length; start += chunkBytes) {
    const counts = new Uint32Array(
      wordfreqReference(text.subarray(start, start + chunkBytes), buckets).buffer,
    )
    for (let i = 0; i < buckets; i++) sum[i]! += counts[i]!
  }
  return sum
}
