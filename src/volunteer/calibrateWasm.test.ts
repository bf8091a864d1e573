import { describe, expect, it } from 'vitest'
import type { WasmUnit, WasmUnitResult } from '../kernels/wasmAbi.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import { calibrateWasm } from './calibrateWasm.ts'
import type { UnitRunner } from './UnitRunner.ts'

const n = 512
const flops = 2 * n ** 3

/**
 * A pool whose units report `kernelMs` (the worker's own timing of the kernel) while each takes
 * `wallMs` of real time: what messages and the CPU share's rests add.
 */
function fakePool(size: number, kernelMs: (call: number) => number, wallMs = 5) {
  const units: WasmUnit[] = []
  const loads: ComputeKernel[] = []
  const pool: UnitRunner<ComputeKernel> = {
    size,
    async load(kernel) {
      loads.push(kernel)
    },
    async run(unit): Promise<WasmUnitResult> {
      const call = units.push(unit) - 1
      await new Promise((resolve) => setTimeout(resolve, wallMs))
      return { output: new Uint8Array(unit.outputBytes), kernelMs: kernelMs(call) }
    },
  }
  return { pool, units, loads }
}

const kernelBytes = async () => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]).buffer

describe('calibrateWasm', () => {
  it('loads the kernel it is given, with its hash, and runs N=512 multiplies', async () => {
    const { pool, units, loads } = fakePool(2, () => 10)
    await calibrateWasm(pool, kernelBytes)
    expect(loads).toHaveLength(1)
    expect(loads[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(units[0]!.input.length).toBe(2 * n * n * 4)
    expect(units[0]!.outputBytes).toBe(n * n * 4)
  })

  it('times the kernel inside the worker: messages and rests do not count', async () => {
    const { pool } = fakePool(1, () => 4, 40)
    expect(await calibrateWasm(pool, kernelBytes)).toBeCloseTo(flops / 4e6)
  })

  it('is one thread’s rate times the workers', async () => {
    const one = await calibrateWasm(fakePool(1, () => 8).pool, kernelBytes)
    const four = await calibrateWasm(fakePool(4, () => 8).pool, kernelBytes)
    expect(one).toBeCloseTo(flops / 8e6)
    expect(four).toBeCloseTo(4 * one)
  })

  it('leaves the warm-up round out: one unit per worker at first', async () => {
    const { pool, units } = fakePool(3, (call) => (call < 3 ? 500 : 10))
    expect(await calibrateWasm(pool, kernelBytes)).toBeCloseTo((3 * flops) / 10e6)
    expect(units).toHaveLength(3 * 4)
  })
})
