import { fnv1a32, isAsciiLetter } from './wordHash.ts'

/**
 * One unit of the word count, in plain TypeScript: the histogram of the words of one input
 * slice, `buckets` little-endian u32 counts. A word is a maximal run of ASCII letters inside the
 * slice (every other byte, UTF-8 sequences included, separates words), counted in the bucket
 * `fnv1a32(lowercased word) % buckets`. The slice's edges end words: a word cut by a chunk
 * boundary counts as two words, its two parts (the sample input never cuts one).
 *
 * @example
 * wordfreqReference(new TextEncoder().encode('The cat, the hat'), 4096)
 */
export function wordfreqReference(slice: Uint8Array, buckets: number): Uint8Array<ArrayBuffer> {
  const counts = new Uint32Array(buckets)
  let start = -1
  for (let i = 0; i <= slice.length; i++) {
    const letter = i < slice.length && isAsciiLetter(slice[i]!)
    if (letter && start < 0) start = i
    if (letter || start < 0) continue
    const word = slice.subarray(start, i).map((byte) => byte | 0x20)
    counts[fnv1a32(word) % buckets]!++
    start = -1
  }
  return new Uint8Array(counts.buffer)
}
