import { describe, expect, test } from 'vitest'
import { assertUnitOutputSize } from './assertUnitOutputSize.ts'
import { OutputSizeError } from './errors.ts'
import type { OutputSpec } from './manifestSchema.ts'
import { trimUnitOutput } from './trimUnitOutput.ts'

const fixed: OutputSpec = { bytesPerUnit: 8, assemble: 'concat' }
const variable: OutputSpec = { maxBytesPerUnit: 12, assemble: 'concat' }

function counted(count: number, size: number): Uint8Array {
  const buffer = new Uint8Array(size).map((_, i) => i)
  new DataView(buffer.buffer).setUint32(0, count, true)
  return buffer
}

describe('trimUnitOutput', () => {
  test('a fixed-size output is the whole buffer', () => {
    const buffer = new Uint8Array(8)
    expect(trimUnitOutput(fixed, buffer)).toBe(buffer)
  })

  test('a variable output is the payload after its u32 count', () => {
    expect([...trimUnitOutput(variable, counted(3, 12))]).toEqual([4, 5, 6])
    expect(trimUnitOutput(variable, counted(0, 12)).length).toBe(0)
    expect(trimUnitOutput(variable, counted(8, 12)).length).toBe(8)
  })

  test('a count past the buffer is refused', () => {
    expect(() => trimUnitOutput(variable, counted(9, 12))).toThrow(OutputSizeError)
    expect(() => trimUnitOutput(variable, new Uint8Array(2))).toThrow(OutputSizeError)
  })
})

describe('assertUnitOutputSize', () => {
  test('fixed sizes must match exactly', () => {
    expect(() => assertUnitOutputSize(fixed, 8, new Uint8Array(8))).not.toThrow()
    expect(() => assertUnitOutputSize(fixed, 8, new Uint8Array(7))).toThrow(
      /expected 8 bytes, got 7/,
    )
  })

  test('variable sizes may be anything up to the maximum less the count', () => {
    expect(() => assertUnitOutputSize(variable, 12, new Uint8Array(0))).not.toThrow()
    expect(() => assertUnitOutputSize(variable, 12, new Uint8Array(8))).not.toThrow()
    expect(() => assertUnitOutputSize(variable, 12, new Uint8Array(9))).toThrow(OutputSizeError)
  })
})
