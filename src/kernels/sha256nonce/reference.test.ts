import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import {
  prefixWords,
  sha256NonceManifestParams,
  sha256NonceParamsFromManifest,
  slotFirstNonce,
  type Sha256NonceParams,
} from './params.ts'
import { hasLeadingZeroBits, sha256NonceReference } from './reference.ts'
import { sha256 } from './sha256.ts'

const nodeSha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest()

/** Deterministic bytes (an LCG), so a failure reproduces. */
function bytesOf(length: number, seed: number): Uint8Array {
  let state = seed >>> 0
  return Uint8Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state >>> 24
  })
}

describe('sha256', () => {
  test('the FIPS 180-4 examples', () => {
    const hex = (text: string) =>
      Buffer.from(sha256(new TextEncoder().encode(text))).toString('hex')
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
  })

  // 55, 56 and 64 bytes are where the padding spills into a second block.
  test('equals node:crypto for every length from 0 to 200 bytes', () => {
    for (let length = 0; length <= 200; length++) {
      const message = bytesOf(length, length + 1)
      expect(Buffer.from(sha256(message)), `length ${length}`).toEqual(nodeSha256(message))
    }
  })
})

describe('hasLeadingZeroBits', () => {
  test('counts zero bits across bytes', () => {
    const digest = Uint8Array.from([0x00, 0x1f, 0xff])
    expect(hasLeadingZeroBits(digest, 0)).toBe(true)
    expect(hasLeadingZeroBits(digest, 11)).toBe(true)
    expect(hasLeadingZeroBits(digest, 12)).toBe(false)
    expect(hasLeadingZeroBits(Uint8Array.from([0x80]), 1)).toBe(false)
  })
})

describe('sha256NonceReference', () => {
  const prefix = prefixWords('volunteer-sha256')

  /** The unit's records by brute force with node:crypto, nonces counted in BigInt. */
  function bruteForce(unitIndex: number, params: Sha256NonceParams): number[] {
    const records: number[] = []
    const { slotsPerUnit, noncesPerSlot, zeroBits } = params
    for (let slot = 0; slot < slotsPerUnit; slot++) {
      const first = BigInt(unitIndex * slotsPerUnit + slot) * BigInt(noncesPerSlot)
      const hitNonces: number[] = []
      for (let k = 0n; k < BigInt(noncesPerSlot); k++) {
        const nonce = Number((first + k) % 2n ** 32n)
        const message = Buffer.alloc(20)
        prefix.forEach((word, i) => message.writeUInt32BE(word, i * 4))
        message.writeUInt32BE(nonce, 16)
        const value = BigInt('0x' + createHash('sha256').update(message).digest('hex'))
        if (value >> BigInt(256 - zeroBits) === 0n) hitNonces.push(nonce)
      }
      records.push(hitNonces.length, hitNonces[0] ?? 0xffffffff)
    }
    return records
  }

  test.each([
    { unitIndex: 0, zeroBits: 6, slotsPerUnit: 4, noncesPerSlot: 100 },
    { unitIndex: 3, zeroBits: 8, slotsPerUnit: 5, noncesPerSlot: 77 },
    { unitIndex: 1, zeroBits: 0, slotsPerUnit: 2, noncesPerSlot: 3 },
    { unitIndex: 2, zeroBits: 32, slotsPerUnit: 2, noncesPerSlot: 50 },
  ])('equals a node:crypto brute force at %o', ({ unitIndex, ...rest }) => {
    const params = { prefix, ...rest }
    const output = sha256NonceReference(unitIndex, params)
    expect([...new Uint32Array(output.buffer)]).toEqual(bruteForce(unitIndex, params))
  })

  test('the test above sees hits and misses', () => {
    const records = bruteForce(0, { prefix, zeroBits: 6, slotsPerUnit: 4, noncesPerSlot: 100 })
    const counts = records.filter((_, i) => i % 2 === 0)
    expect(counts.some((hits) => hits > 1)).toBe(true)
    expect(bruteForce(2, { prefix, zeroBits: 32, slotsPerUnit: 1, noncesPerSlot: 5 })).toEqual([
      0, 0xffffffff,
    ])
  })

  test('nonces wrap around 2³² as u32 arithmetic does', () => {
    const params = { slotsPerUnit: 4, noncesPerSlot: 2 ** 30 + 3 }
    for (const [unit, slot] of [
      [3, 1],
      [1000, 2],
      [2 ** 31, 3],
    ] as const) {
      const expected = (BigInt(unit * 4 + slot) * BigInt(params.noncesPerSlot)) % 2n ** 32n
      expect(slotFirstNonce(unit, slot, params)).toBe(Number(expected))
    }
  })
})

describe('params', () => {
  test('the prefix is the text as big-endian words, and the manifest round-trips', () => {
    expect(prefixWords('ABCDabcd01234567')).toEqual([
      0x41424344, 0x61626364, 0x30313233, 0x34353637,
    ])
    expect(() => prefixWords('short')).toThrow(RangeError)
    const params = {
      prefix: prefixWords('volunteer-sha256'),
      zeroBits: 9,
      slotsPerUnit: 7,
      noncesPerSlot: 5,
    }
    expect(sha256NonceParamsFromManifest(sha256NonceManifestParams(params))).toEqual(params)
    expect(() => sha256NonceParamsFromManifest([])).toThrow(/prefix0/)
  })
})
