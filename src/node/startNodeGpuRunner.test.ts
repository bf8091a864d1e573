import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createMatmulBatchPackage } from '../kernels/matmul/catalogue.ts'
import { matmulBatchReference } from '../kernels/matmul/matmulBatchReference.ts'
import { compareResults } from '../tasks/compareResults.ts'
import { packParams } from '../tasks/packParams.ts'
import { planUnits } from '../tasks/planUnits.ts'
import { NodeWorker } from './NodeWorker.ts'
import { startNodeGpuRunner } from './startNodeGpuRunner.ts'

// The Node volunteer's GPU path: the tab's GpuUnitRunner on a worker thread running Dawn. On
// these machines Dawn finds only Mesa's llvmpipe through OpenGL ES in compatibility mode; where
// it finds nothing, the test that needs an adapter is skipped and its name says why.

const root = path.resolve(import.meta.dirname, '../..')
const fetchWasm = async (url: string) =>
  new Uint8Array(await readFile(path.join(root, new URL(url, 'http://localhost/').pathname)))

const dawn = await startNodeGpuRunner({ gpuShare: 1 })
afterAll(() => dawn.runner?.dispose())

describe('startNodeGpuRunner', () => {
  it.skipIf(!dawn.runner)(
    `runs the catalogue's matmul units on Dawn as the reference computes them${dawn.runner ? '' : ` (skipped: ${dawn.reason})`}`,
    async () => {
      const runner = dawn.runner!
      expect(dawn.gflops).toBeGreaterThan(0)
      if (/llvmpipe/.test(runner.adapter.device))
        expect(runner.adapter.isFallbackAdapter).toBe(true)
      const shape = { n: 16, pairs: 6, pairsPerUnit: 4 }
      const { manifest, wgsl, input } = await createMatmulBatchPackage({ shape, fetchWasm })
      const kernel = manifest.kernels.find((k) => k.kind === 'wgsl')
      if (kernel?.kind !== 'wgsl' || !wgsl || !input) throw new Error('an incomplete package')
      const bytes = new Uint8Array(await input.arrayBuffer())
      const plan = planUnits(manifest, bytes.length)
      await runner.load({ ...kernel, bytes: new TextEncoder().encode(wgsl).buffer })
      for (let index = 0; index < plan.unitCount; index++) {
        const { start, end } = plan.inputRange(index)
        const unit = bytes.slice(start, end)
        const { output } = await runner.run(
          {
            index,
            count: plan.unitCount,
            params: packParams(manifest.params),
            input: unit,
            outputBytes: plan.outputBytes(index),
          },
          { timeLimitMs: 60_000 },
        )
        const expected = matmulBatchReference({ input: unit, n: shape.n })
        expect(compareResults(output, expected, manifest.comparison)).toMatchObject({ equal: true })
      }
    },
    120_000,
  )

  it('says so when the webgpu package does not load', async () => {
    const started = await startNodeGpuRunner({
      gpuShare: 1,
      load: () => Promise.reject(new Error("Cannot find package 'webgpu'")),
    })
    expect(started.runner).toBeUndefined()
    expect(started.reason).toMatch(/optional package webgpu .*Cannot find package 'webgpu'/)
  })

  it('says so when Dawn finds no adapter', async () => {
    const started = await startNodeGpuRunner({
      gpuShare: 1,
      createWorker: () =>
        new NodeWorker(new URL('./testing/noAdapterGpuThread.ts', import.meta.url)),
    })
    expect(started.runner).toBeUndefined()
    expect(started.reason).toMatch(/^Dawn found no adapter/)
  })

  it('says so when the GPU thread dies before it answers', async () => {
    const started = await startNodeGpuRunner({
      gpuShare: 1,
      createWorker: () => new NodeWorker(new URL('./testing/missingGpuThread.ts', import.meta.url)),
    })
    expect(started.runner).toBeUndefined()
    expect(started.reason).toMatch(/^the GPU thread failed/)
  })
})
