const fnvOffsetBasis = 0x811c9dc5
const fnvPrime = 0x01000193

/**
 * 32-bit FNV-1a of some bytes (Fowler, Noll, Vo): `h = 2166136261; for each byte: h = (h ^ byte)
 * · 16777619 mod 2³²`. Integer-only, so WGSL, WASM and TypeScript agree bit for bit.
 *
 * @example
 * fnv1a32(new TextEncoder().encode('foobar')) // 0xbf9cf968
 */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = fnvOffsetBasis
  for (const byte of bytes) hash = Math.imul(hash ^ byte, fnvPrime) >>> 0
  return hash
}

/** Whether a byte is an ASCII letter, the only bytes words are made of. */
export function isAsciiLetter(byte: number): boolean {
  return ((byte | 0x20) - 0x61) >>> 0 < 26
}

/**
 * The histogram bucket of a word: FNV-1a of its lowercased ASCII letters, modulo `buckets`.
 *
 * @example
 * wordBucket('The', 4096) === wordBucket('the', 4096) // true
 */
export function wordBucket(word: string, buckets: number): number {
  const bytes = new TextEncoder().encode(word.toLowerCase())
  if (!bytes.every(isAsciiLetter)) throw new RangeError(`"${word}" is not made of ASCII letters`)
  return fnv1a32(bytes) % buckets
}
