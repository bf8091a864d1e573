import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, test } from 'vitest'
import { fetchBuiltWasm } from '../testing/fetchBuiltWasm.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { createWordfreqPackage, wordfreqCatalogueEntry, wordfreqSample } from './catalogue.ts'
import { createSampleText } from './createSampleText.ts'
import { wordfreqReference } from './reference.ts'
import { wordBucket } from './wordHash.ts'

const fetchWasm = fetchBuiltWasm

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

const { chunkBytes, totalBytes, buckets } = wordfreqSample
let job: JobPackage
let manifest: Manifest
let text: Uint8Array

beforeAll(async () => {
  job = await createWordfreqPackage({ fetchWasm })
  manifest = job.manifest
  if (!job.input) throw new Error('the job has no input')
  text = new Uint8Array(await job.input.arrayBuffer())
})

describe('wordfreq catalogue entry', () => {
  test('the package validates, names its kernels by their hashes and splits the sample text', async () => {
    const wasm = await fetchWasm('/build/wasm/wordfreq.wasm')
    expect(job.wasm).toEqual(wasm)
    expect(manifest.kernels).toEqual([
      expect.objectContaining({
        kind: 'wgsl',
        sha256: sha256Hex(new TextEncoder().encode(job.wgsl)),
      }),
      { kind: 'wasm', sha256: sha256Hex(wasm) },
    ])
    expect(Buffer.from(text).equals(createSampleText({ chunkBytes, totalBytes }).text)).toBe(true)
    const plan = planUnits(manifest, text.length)
    expect(plan.unitCount).toBe(33)
    expect(plan.inputRange(32)).toEqual({ start: 32 * chunkBytes, end: totalBytes })
    expect(plan.outputBytes(32)).toBe(buckets * 4)
    expect(manifest.output.assemble).toEqual({ reduce: 'sum-u32' })
    expect(manifest.comparison).toEqual({ mode: 'exact' })
  })

  test('present() names the most frequent words of the reference output', () => {
    const plan = planUnits(manifest, text.length)
    const results = Array.from({ length: plan.unitCount }, (_, index) => {
      const { start, end } = plan.inputRange(index)
      return wordfreqReference(text.subarray(start, end), buckets)
    })
    const output = assembleOutputs(manifest.output.assemble, results)
    const presentation = wordfreqCatalogueEntry.present(output, manifest)
    if (presentation.kind !== 'text') throw new Error('expected text')

    // What the generator wrote, counted independently of the kernels.
    const { wordCounts } = createSampleText({ chunkBytes, totalBytes })
    const total = [...wordCounts.values()].reduce((sum, n) => sum + n, 0)
    const ranked = [...wordCounts].sort((a, b) => b[1] - a[1]).slice(0, 10)
    const [summary, heading, ...top] = presentation.lines
    expect(summary).toMatch(
      new RegExp(`^${total.toLocaleString('en-US')} words, hashed into \\d+ of 4,096 buckets\\.$`),
    )
    expect(heading).toContain('vocabulary')
    expect(top).toEqual(
      ranked.map(
        ([word, n], rank) =>
          `${rank + 1}. ${word}: ${n.toLocaleString('en-US')} (${((n / total) * 100).toFixed(1)}%)`,
      ),
    )
  })

  test('present() shows a bucket that two vocabulary words share, and one none names', () => {
    const counts = new Uint32Array(buckets)
    // "what" and "evening" share a bucket in 4096; bucket 0 holds no vocabulary word.
    const shared = wordBucket('what', buckets)
    expect(wordBucket('evening', buckets)).toBe(shared)
    counts[shared] = 5
    counts[0] = 2
    const presentation = wordfreqCatalogueEntry.present(new Uint8Array(counts.buffer), manifest)
    if (presentation.kind !== 'text') throw new Error('expected text')
    expect(presentation.lines.slice(2)).toEqual([
      '1. what / evening: 5 (71.4%)',
      '2. bucket 0 (no vocabulary word): 2 (28.6%)',
    ])
  })
})
