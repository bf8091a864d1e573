import { describe, expect, it } from 'vitest'
import { packAcceptedOutputs } from './packAcceptedOutputs.ts'

describe('packAcceptedOutputs', () => {
  it('keeps each accepted unit with its index and length, and skips the others', () => {
    const { bytes, units } = packAcceptedOutputs([
      new Uint8Array([1, 2]),
      undefined,
      new Uint8Array([]),
      new Uint8Array([9]),
    ])
    expect(units).toBe(3)
    expect([...bytes]).toEqual([
      ...[0, 0, 0, 0, 2, 0, 0, 0, 1, 2],
      ...[2, 0, 0, 0, 0, 0, 0, 0],
      ...[3, 0, 0, 0, 1, 0, 0, 0, 9],
    ])
  })

  it('is empty when no unit was accepted', () => {
    expect(packAcceptedOutputs([undefined, undefined])).toEqual({
      bytes: new Uint8Array(0),
      units: 0,
    })
  })
})
