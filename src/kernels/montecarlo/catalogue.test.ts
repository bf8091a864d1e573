import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { fetchBuiltWasm } from '../testing/fetchBuiltWasm.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { ballVolume } from './ballVolume.ts'
import {
  createMontecarloPackage,
  estimateBallVolumes,
  montecarloCatalogueEntry,
} from './catalogue.ts'
import { montecarloManifestParams, montecarloSample } from './params.ts'
import { montecarloReference } from './reference.ts'

const fetchWasm = fetchBuiltWasm

const nodeSha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('montecarlo catalogue entry', () => {
  test('the package validates and names its kernels by their hashes', async () => {
    const job = await createMontecarloPackage({ fetchWasm })
    const { manifest } = job
    const wasm = await fetchWasm('/build/wasm/montecarlo.wasm')
    expect(job.wasm).toEqual(wasm)
    expect(manifest.kernels).toEqual([
      expect.objectContaining({
        kind: 'wgsl',
        sha256: nodeSha256Hex(new TextEncoder().encode(job.wgsl)),
        workgroupSize: [64, 1, 1],
        elementsPerInvocation: 8,
      }),
      { kind: 'wasm', sha256: nodeSha256Hex(wasm) },
    ])
    expect(job.input).toBeUndefined()
    const plan = planUnits(manifest, 0)
    expect(plan.unitCount).toBeGreaterThanOrEqual(8)
    expect(plan.outputBytes(0)).toBe(montecarloSample.invocationsPerUnit * 32)
    expect(manifest.comparison).toEqual({ mode: 'exact' })
    expect(manifest.output.assemble).toEqual({ reduce: 'sum-u32' })
    // No count can wrap: each word sums at most unitCount × samples points.
    expect(plan.unitCount * montecarloSample.params.samples).toBeLessThan(2 ** 32)
  })

  test('present() shows π and the volumes from the reference output of a smaller job', async () => {
    const { manifest: sample } = await createMontecarloPackage({ fetchWasm })
    const params = { seed: 5, samples: 512 }
    const unitCount = 8
    const invocations = 32
    const manifest: Manifest = {
      ...sample,
      units: { mode: 'count', unitCount },
      params: montecarloManifestParams(params),
      output: { ...sample.output, bytesPerUnit: invocations * 32 },
    }
    const output = assembleOutputs(
      manifest.output.assemble,
      Array.from({ length: unitCount }, (_, index) =>
        montecarloReference({ index, params, outputBytes: invocations * 32 }),
      ),
    )
    const { points, estimates } = estimateBallVolumes(output, manifest)
    expect(points).toBe(unitCount * invocations * params.samples)
    for (const { dimensions, volume, error } of estimates.slice(0, 4))
      expect(Math.abs(volume - ballVolume(dimensions))).toBeLessThan(5 * error)
    const presentation = montecarloCatalogueEntry.present(output, manifest)
    if (presentation.kind !== 'text') throw new Error('expected text')
    const [pi, , circle, ...rest] = presentation.lines
    expect(pi).toMatch(/^π ≈ 3\.1\d{4} from 131,072 random points/)
    expect(circle).toMatch(
      /^d = 2: 3\.1\d{4} ± 0\.00\d{3} \(3\.14159\), \d{3},\d{3} points inside$/,
    )
    expect(rest.at(-1)).toMatch(/^d = 16: \d\.\d{5} ± \d\.\d{5} \(0\.23533\)/)
  })
})
