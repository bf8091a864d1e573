import { concat, keccak256, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { resultProof, resultRoot, verifyResultProof } from './resultRoot.ts'

const hash = (byte: number) => byte.toString(16).padStart(2, '0').repeat(32)
const leaf = (sha256: string | undefined) =>
  keccak256(concat(['0x00', sha256 ? (`0x${sha256}` as Hex) : `0x${'00'.repeat(32)}`]))
const inner = (left: Hex, right: Hex) => keccak256(concat(['0x01', left, right]))

describe('resultRoot', () => {
  test('is a keccak256 Merkle root: leaves and inner nodes prefixed, an odd node moved up', () => {
    const [a, b, c] = [hash(0xaa), hash(0xbb), hash(0xcc)]
    expect(resultRoot([a])).toBe(leaf(a))
    expect(resultRoot([a, b])).toBe(inner(leaf(a), leaf(b)))
    expect(resultRoot([a, undefined, c])).toBe(inner(inner(leaf(a), leaf(undefined)), leaf(c)))
    expect(resultRoot([a, b])).not.toBe(resultRoot([b, a]))
  })

  test('refuses a job of no units', () => {
    expect(() => resultRoot([])).toThrow(RangeError)
  })
})

describe('resultProof and verifyResultProof', () => {
  const units = Array.from({ length: 13 }, (_, i) => (i === 5 ? undefined : hash(i + 1)))
  const root = resultRoot(units)

  test('prove every unit of a job of 13 (one failed), and nothing else', () => {
    for (let index = 0; index < units.length; index++) {
      const sha256 = units[index] ?? '00'.repeat(32)
      const proof = resultProof(units, index)
      const count = units.length
      // A failed unit's leaf is the zero hash: its proof shows the unit failed.
      expect(verifyResultProof({ root, sha256, index, count, proof }), `unit ${index}`).toBe(true)
      if (units[index] === undefined) continue
      // Another output, another position, a proof cut or padded: all refused. (The count is the
      // job's unitsTotal, which the verifier reads from the job, not from the proof.)
      expect(verifyResultProof({ root, sha256: hash(0xee), index, count, proof })).toBe(false)
      expect(verifyResultProof({ root, sha256, index: (index + 1) % count, count, proof })).toBe(
        false,
      )
      expect(verifyResultProof({ root, sha256, index, count, proof: proof.slice(1) })).toBe(false)
      expect(verifyResultProof({ root, sha256, index, count, proof: [...proof, root] })).toBe(false)
    }
  })

  test('a job of one unit needs no proof', () => {
    const a = hash(7)
    expect(resultProof([a], 0)).toEqual([])
    expect(
      verifyResultProof({ root: resultRoot([a]), sha256: a, index: 0, count: 1, proof: [] }),
    ).toBe(true)
  })

  test('a malformed hash or index is refused, not thrown', () => {
    const proof = resultProof(units, 0)
    expect(verifyResultProof({ root, sha256: 'xyz', index: 0, count: 13, proof })).toBe(false)
    expect(verifyResultProof({ root, sha256: units[0]!, index: -1, count: 13, proof })).toBe(false)
    expect(() => resultProof(units, 13)).toThrow(RangeError)
  })
})
