import { describe, expect, test } from 'vitest'
import { InputSizeError } from './errors.ts'
import type { Manifest } from './manifestSchema.ts'
import { planUnits } from './planUnits.ts'

type Shape = Pick<Manifest, 'units' | 'output'>

const split = (
  itemBytes: number,
  itemsPerUnit: number,
  output: Omit<Manifest['output'], 'assemble'> = { bytesPerItem: 4 },
): Shape => ({
  units: { mode: 'split', itemBytes, itemsPerUnit },
  output: { assemble: 'concat', ...output },
})

describe('planUnits', () => {
  test('whole units, then a short last unit', () => {
    const plan = planUnits(split(4, 10), 4 * 25)
    expect(plan.unitCount).toBe(3)
    expect([0, 1, 2].map(plan.inputRange)).toEqual([
      { start: 0, end: 40 },
      { start: 40, end: 80 },
      { start: 80, end: 100 },
    ])
    expect([0, 1, 2].map(plan.items)).toEqual([10, 10, 5])
    expect([0, 1, 2].map(plan.outputBytes)).toEqual([40, 40, 20])
  })

  test('input of exactly whole units has no short unit', () => {
    const plan = planUnits(split(3, 2), 12)
    expect(plan.unitCount).toBe(2)
    expect(plan.inputRange(1)).toEqual({ start: 6, end: 12 })
  })

  test('one item makes one unit', () => {
    const plan = planUnits(split(8, 1000), 8)
    expect(plan.unitCount).toBe(1)
    expect(plan.inputRange(0)).toEqual({ start: 0, end: 8 })
    expect(plan.items(0)).toBe(1)
  })

  test('fixed output sizes do not follow the input', () => {
    const plan = planUnits(split(4, 10, { bytesPerUnit: 16 }), 84)
    expect([0, 1, 2].map(plan.outputBytes)).toEqual([16, 16, 16])
    const variable = planUnits(split(4, 10, { maxBytesPerUnit: 100 }), 84)
    expect(variable.outputBytes(2)).toBe(100)
  })

  test('an empty input is refused', () => {
    expect(() => planUnits(split(4, 10), 0)).toThrow(InputSizeError)
    expect(() => planUnits(split(4, 10), 0)).toThrow(/the input file is empty/)
  })

  test('an input that is not whole items is refused, saying what is left over', () => {
    const attempt = () => planUnits(split(12, 10), 100)
    expect(attempt).toThrow(InputSizeError)
    expect(attempt).toThrow(/100 bytes, not a multiple of itemBytes \(12\): 4 bytes are left over/)
  })

  test('too many units or too much output are refused', () => {
    expect(() => planUnits(split(1, 1, { bytesPerItem: 1 }), 10_000_001)).toThrow(
      /10000001 units, more than 10000000/,
    )
    expect(() => planUnits(split(1, 1000, { bytesPerItem: 1024 }), 2 * 1024 * 1024)).toThrow(
      /assembled output would reach 2147483648 bytes/,
    )
  })

  test('count units take no input', () => {
    const shape: Shape = {
      units: { mode: 'count', unitCount: 4 },
      output: { assemble: 'concat', bytesPerUnit: 8 },
    }
    const plan = planUnits(shape, 0)
    expect(plan.unitCount).toBe(4)
    expect(plan.inputRange(3)).toEqual({ start: 0, end: 0 })
    expect(plan.items(3)).toBe(0)
    expect(plan.outputBytes(3)).toBe(8)
    expect(() => planUnits(shape, 1)).toThrow(/count units take no input file/)
  })

  test('an index outside the plan is a RangeError', () => {
    const plan = planUnits(split(4, 10), 40)
    expect(() => plan.inputRange(1)).toThrow(RangeError)
    expect(() => plan.items(-1)).toThrow(RangeError)
    expect(() => plan.outputBytes(0.5)).toThrow(RangeError)
  })
})
