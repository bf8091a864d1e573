import { describe, expect, it } from 'vitest'
import { calibrateGpu } from './calibrateGpu.ts'

/** A device that computes at `gflops` after a fixed cost per dispatch; records the sizes run. */
function device(gflops: number, overheadMs = 0) {
  const sizes: number[] = []
  const runMatmul = async (n: number) => {
    sizes.push(n)
    return overheadMs + (2 * n ** 3) / (gflops * 1e6)
  }
  return { runMatmul, sizes }
}

describe('calibrateGpu', () => {
  it('stays at N=256 on a slow adapter: a warm-up, then three timed runs', async () => {
    const slow = device(1.2)
    expect(await calibrateGpu(slow)).toBeCloseTo(1.2)
    expect(slow.sizes).toEqual([256, 256, 256, 256])
  })

  it('grows the size on a fast GPU until a run takes 20 ms, so the dispatch cost fades', async () => {
    const fast = device(1000, 0.5)
    const gflops = await calibrateGpu(fast)
    expect(fast.sizes).toEqual([256, 256, 512, 1024, 2048, 2048, 2048])
    // At N=256 the fixed 0.5 ms would have made it 63 GFLOPS.
    expect(gflops).toBeGreaterThan(950)
  })

  it('stops at the first size that takes long enough', async () => {
    const middling = device(30)
    await calibrateGpu(middling)
    expect(middling.sizes).toEqual([256, 256, 512, 1024, 1024, 1024])
  })

  it('takes the median of the timed runs', async () => {
    const times = [25, 25, 200, 25]
    let call = 0
    const gflops = await calibrateGpu({ runMatmul: async () => times[call++]! })
    expect(gflops).toBeCloseTo((2 * 256 ** 3) / 25e6)
  })
})
