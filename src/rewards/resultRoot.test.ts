import { keccak256 } from 'viem'
import { describe, expect, test } from 'vitest'
import { resultRoot } from './resultRoot.ts'

describe('resultRoot', () => {
  test('hashes the units’ SHA-256 in order, 32 zero bytes for a failed unit', () => {
    const a = 'aa'.repeat(32)
    const b = 'bb'.repeat(32)
    expect(resultRoot([a, undefined, b])).toBe(keccak256(`0x${a}${'00'.repeat(32)}${b}`))
    expect(resultRoot([a, b])).not.toBe(resultRoot([b, a]))
  })
})
