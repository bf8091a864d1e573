import { describe, expect, test } from 'vitest'
import { pcgHash, unitRandomF32, unitRandomU32 } from './unitRandom.ts'

// Test vectors for kernel authors (docs/task-api.md), computed independently in Python.
describe('unitRandom', () => {
  test('pcgHash', () => {
    expect([0, 1, 2, 0xffffffff].map(pcgHash)).toEqual([
      129708002, 2831084092, 2055130248, 3861530882,
    ])
  })

  test('unitRandomU32 chains the hash over seed, unit, element and draw', () => {
    expect(unitRandomU32({ seed: 0, unit: 0, element: 0, draw: 0 })).toBe(2368882721)
    expect(unitRandomU32({ seed: 0, unit: 3, element: 17, draw: 0 })).toBe(1698866682)
    expect(unitRandomU32({ seed: 42, unit: 3, element: 17, draw: 1 })).toBe(299940374)
  })

  test('unitRandomF32 is in [0, 1) and exact in f32', () => {
    const value = unitRandomF32({ seed: 0, unit: 3, element: 17, draw: 0 })
    expect(value).toBe(0.39554816484451294)
    expect(Math.fround(value)).toBe(value)
    for (let element = 0; element < 1000; element++) {
      const x = unitRandomF32({ seed: 1, unit: 0, element, draw: 0 })
      expect(x >= 0 && x < 1).toBe(true)
    }
  })
})
