import { beforeAll, describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { packParams } from '../../tasks/packParams.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { runWasmUnit } from '../wasmAbi.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import { createSampleSystems } from './createSampleSystems.ts'
import {
  lennardJonesKernelErrorCodes,
  lennardJonesManifestParams,
  lennardJonesSampleParams,
  type LennardJonesParams,
} from './params.ts'
import { lennardJonesReference } from './reference.ts'
import { systemBytes } from './systemLayout.ts'

const comparison = { mode: 'float', elementType: 'f32', absolute: 1e-3, relative: 1e-3 } as const
const sample = lennardJonesSampleParams

let instance: WebAssembly.Instance

beforeAll(async () => {
  instance = await instantiateBuiltKernel('lennardJones')
})

function runUnit(
  input: Uint8Array,
  params: LennardJonesParams,
  unit: { index: number; count: number } = { index: 0, count: 1 },
): Uint8Array {
  return runWasmUnit(instance, {
    ...unit,
    params: packParams(lennardJonesManifestParams(params)),
    input,
    outputBytes: input.length,
  }).output
}

const bytesOf = (floats: Float32Array) =>
  new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength)

describe('lennardJones wasm kernel', () => {
  test('every unit of a job, the short last one included, equals the reference', () => {
    // Five systems, two per unit: units of 2, 2 and 1 systems.
    const input = bytesOf(
      createSampleSystems({ systems: 5, box: sample.box, temperature: 1, seed: 1 }),
    )
    const manifest: Pick<Manifest, 'units' | 'output'> = {
      units: { mode: 'split', itemBytes: systemBytes, itemsPerUnit: 2 },
      output: { bytesPerItem: systemBytes, assemble: 'concat' },
    }
    const plan = planUnits(manifest, input.length)
    expect(plan.unitCount).toBe(3)
    for (let index = 0; index < plan.unitCount; index++) {
      const { start, end } = plan.inputRange(index)
      const slice = input.slice(start, end)
      const output = runUnit(slice, sample, { index, count: plan.unitCount })
      expect(output.length).toBe(plan.outputBytes(index))
      const expected = bytesOf(lennardJonesReference(new Float32Array(slice.buffer), sample))
      expect(compareResults(output, expected, comparison)).toEqual({ equal: true })
      // IEEE f32 in the same order, no fused operations: the same bits, not only close.
      expect(compareResults(output, expected, { mode: 'exact' })).toEqual({ equal: true })
    }
  })

  test('a hotter, denser system with a shorter cutoff equals the reference too', () => {
    const params = { steps: 30, dt: 0.002, box: 3.8, cutoff: 1.5 }
    const input = createSampleSystems({ systems: 2, box: params.box, temperature: 3, seed: 4 })
    const output = runUnit(bytesOf(input), params)
    const expected = bytesOf(lennardJonesReference(input, params))
    expect(compareResults(output, expected, { mode: 'exact' })).toEqual({ equal: true })
  })

  test('an output fed back as input continues the trajectory exactly', () => {
    const input = bytesOf(
      createSampleSystems({ systems: 1, box: sample.box, temperature: 1, seed: 2 }),
    )
    const half = { ...sample, steps: 50 }
    const twice = runUnit(runUnit(input, half), half)
    expect(compareResults(twice, runUnit(input, sample), { mode: 'exact' })).toEqual({
      equal: true,
    })
  })

  test('sizes that are not whole systems make run() fail with the kernel error code', () => {
    const input = bytesOf(
      createSampleSystems({ systems: 1, box: sample.box, temperature: 1, seed: 3 }),
    )
    const params = packParams(lennardJonesManifestParams(sample))
    const unit = { index: 0, count: 1, params, input, outputBytes: input.length }
    expect(() => runWasmUnit(instance, { ...unit, params: params.subarray(4) })).toThrow(
      expect.objectContaining({
        code: 'kernel/run-failed',
        kernelCode: lennardJonesKernelErrorCodes.paramsLength,
      }),
    )
    expect(() =>
      runWasmUnit(instance, { ...unit, input: input.subarray(32), outputBytes: input.length - 32 }),
    ).toThrow(expect.objectContaining({ kernelCode: lennardJonesKernelErrorCodes.inputLength }))
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: input.length - 4 })).toThrow(
      expect.objectContaining({ kernelCode: lennardJonesKernelErrorCodes.outputLength }),
    )
  })
})
