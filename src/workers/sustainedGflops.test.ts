import { describe, expect, it } from 'vitest'
import { sustainedGflops } from './sustainedGflops.ts'

const flopsPerUnit = 2 * 512 ** 3

describe('sustainedGflops', () => {
  it('is the rate of one unit for one thread', () => {
    expect(sustainedGflops({ flopsPerUnit, unitMs: [10], threads: 1 })).toBeCloseTo(
      flopsPerUnit / 1e7,
    )
  })

  it('scales the per-thread rate by the threads', () => {
    const one = sustainedGflops({ flopsPerUnit, unitMs: [8, 8], threads: 1 })
    expect(sustainedGflops({ flopsPerUnit, unitMs: [8, 8], threads: 6 })).toBeCloseTo(6 * one)
  })

  it('takes the median unit, so one slow or fast unit does not move it', () => {
    const steady = sustainedGflops({ flopsPerUnit, unitMs: [10, 10, 10], threads: 2 })
    expect(sustainedGflops({ flopsPerUnit, unitMs: [10, 400, 10], threads: 2 })).toBe(steady)
    expect(sustainedGflops({ flopsPerUnit, unitMs: [0.01, 10, 10], threads: 2 })).toBe(steady)
  })

  it('averages the two middle rates of an even count', () => {
    const gflops = sustainedGflops({ flopsPerUnit: 1e9, unitMs: [1000, 500], threads: 1 })
    expect(gflops).toBeCloseTo(1.5)
  })

  it('ignores times that cannot be real, and is 0 when no unit was timed', () => {
    expect(sustainedGflops({ flopsPerUnit, unitMs: [], threads: 4 })).toBe(0)
    expect(sustainedGflops({ flopsPerUnit, unitMs: [0, -1, NaN, Infinity], threads: 4 })).toBe(0)
    expect(sustainedGflops({ flopsPerUnit: 1e9, unitMs: [0, 1000], threads: 1 })).toBeCloseTo(1)
  })
})
