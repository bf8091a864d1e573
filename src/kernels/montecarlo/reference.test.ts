import { describe, expect, test } from 'vitest'
import { ballVolume } from './ballVolume.ts'
import { montecarloDimensions } from './params.ts'
import { montecarloReference } from './reference.ts'

// The reference against the closed form of the ball's volume (within its statistical error),
// and the structure of its counts.

const counts = (bytes: Uint8Array) =>
  new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)

describe('ballVolume', () => {
  test('matches the tabulated volumes of the unit ball', () => {
    // π^(d/2) / Γ(d/2 + 1), to six significant digits.
    const table = [3.14159, 4.9348, 5.16771, 4.05871, 2.55016, 1.33526, 0.599265, 0.235331]
    montecarloDimensions.forEach((d, i) => expect(ballVolume(d)).toBeCloseTo(table[i]!, 5))
    expect(() => ballVolume(3)).toThrow(RangeError)
  })
})

describe('montecarloReference', () => {
  test('estimates every volume within five standard errors', () => {
    const invocations = 128
    const samples = 2048
    const output = counts(
      montecarloReference({
        index: 1,
        params: { seed: 99, samples },
        outputBytes: invocations * 32,
      }),
    )
    const points = invocations * samples
    montecarloDimensions.forEach((d, m) => {
      let inside = 0
      for (let i = 0; i < invocations; i++) inside += output[i * 8 + m]!
      const p = ballVolume(d) / 2 ** d
      const error = Math.sqrt((p * (1 - p)) / points)
      expect(Math.abs(inside / points - p), `d = ${d}`).toBeLessThan(5 * error + 1 / points)
    })
  })

  test('counts shrink with the dimension and never pass the samples', () => {
    const samples = 500
    const output = counts(
      montecarloReference({ index: 0, params: { seed: 1, samples }, outputBytes: 10 * 32 }),
    )
    for (let i = 0; i < 10; i++) {
      const row = Array.from(output.subarray(i * 8, i * 8 + 8))
      expect(row[0]).toBeLessThanOrEqual(samples)
      expect(row[0]).toBeGreaterThan(samples / 2)
      row.slice(1).forEach((value, m) => expect(value).toBeLessThanOrEqual(row[m]!))
    }
  })

  test('units, invocations and seeds draw different points; a unit is reproducible', () => {
    const unit = (index: number, seed: number) =>
      Array.from(
        counts(montecarloReference({ index, params: { seed, samples: 200 }, outputBytes: 64 })),
      )
    expect(unit(3, 7)).toEqual(unit(3, 7))
    expect(unit(3, 7)).not.toEqual(unit(4, 7))
    expect(unit(3, 7)).not.toEqual(unit(3, 8))
    const [first, second] = [unit(3, 7).slice(0, 8), unit(3, 7).slice(8)]
    expect(first).not.toEqual(second)
  })

  test('no samples count nothing; sizes must be whole invocations', () => {
    const output = montecarloReference({
      index: 0,
      params: { seed: 1, samples: 0 },
      outputBytes: 96,
    })
    expect(output).toEqual(new Uint8Array(96))
    expect(() =>
      montecarloReference({ index: 0, params: { seed: 1, samples: 1 }, outputBytes: 40 }),
    ).toThrow(RangeError)
  })
})
