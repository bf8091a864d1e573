import { describe, expect, test } from 'vitest'
import { createSampleText } from './createSampleText.ts'
import { wordfreqReference } from './reference.ts'
import { sampleVocabulary } from './sampleVocabulary.ts'
import { fnv1a32, isAsciiLetter, wordBucket } from './wordHash.ts'

const encode = (text: string) => new TextEncoder().encode(text)
const counts = (output: Uint8Array) =>
  new Uint32Array(output.buffer, output.byteOffset, output.length / 4)

/** The histogram by another road: a regular expression over the decoded text, and a Map. */
function regexHistogram(text: string, buckets: number): Uint32Array {
  const histogram = new Uint32Array(buckets)
  for (const [word] of text.matchAll(/[A-Za-z]+/g)) histogram[wordBucket(word, buckets)]!++
  return histogram
}

describe('fnv1a32', () => {
  // Published FNV-1a 32-bit test vectors (Fowler, Noll, Vo; draft-eastlake-fnv).
  test.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('of "%s" is %i', (text, hash) => {
    expect(fnv1a32(encode(text))).toBe(hash)
  })
})

describe('isAsciiLetter', () => {
  test('holds for A-Z and a-z, and no other byte', () => {
    for (let byte = 0; byte < 256; byte++)
      expect(isAsciiLetter(byte), `byte ${byte}`).toBe(/[A-Za-z]/.test(String.fromCharCode(byte)))
  })
})

describe('wordfreqReference', () => {
  test('counts lowercased words in their buckets', () => {
    const histogram = counts(wordfreqReference(encode('The cat, the HAT! 42 cats.\n'), 4096))
    const expected = new Uint32Array(4096)
    for (const [word, n] of [
      ['the', 2],
      ['cat', 1],
      ['hat', 1],
      ['cats', 1],
    ] as const)
      expected[wordBucket(word, 4096)]! += n
    expect(histogram).toEqual(expected)
  })

  test('equals a regular-expression count, whatever the edges and bytes', () => {
    const texts = [
      'word',
      'Letters at both edges',
      "don't stop: well-known café naïve résumé",
      '  \n\t  ',
      'x',
      'A'.repeat(3000) + ' b',
    ]
    for (const text of texts)
      for (const buckets of [1, 7, 4096])
        expect(counts(wordfreqReference(encode(text), buckets)), text).toEqual(
          regexHistogram(text, buckets),
        )
  })

  test('a chunk edge ends a word: a cut word counts as its two parts', () => {
    const whole = encode('hello world')
    const parts = [whole.subarray(0, 3), whole.subarray(3)]
    const sum = new Uint32Array(64)
    for (const part of parts) counts(wordfreqReference(part, 64)).forEach((n, i) => (sum[i]! += n))
    expect(sum).toEqual(regexHistogram('hel lo world', 64))
  })
})

describe('the sample text', () => {
  const chunkBytes = 65_536
  const totalBytes = 5 * chunkBytes + 1234
  const { text, wordCounts } = createSampleText({ chunkBytes, totalBytes })

  test('is the same every time, and no word crosses a chunk boundary', () => {
    // Buffer.equals: a deep toEqual over 300 KB takes seconds.
    expect(Buffer.from(createSampleText({ chunkBytes, totalBytes }).text).equals(text)).toBe(true)
    expect(text.length).toBe(totalBytes)
    for (let edge = chunkBytes; edge < totalBytes; edge += chunkBytes)
      expect(isAsciiLetter(text[edge - 1]!), `byte before ${edge}`).toBe(false)
  })

  test('summed per chunk, equals the count of the whole text and the words written', () => {
    const buckets = 4096
    const sum = new Uint32Array(buckets)
    for (let start = 0; start < totalBytes; start += chunkBytes)
      counts(wordfreqReference(text.subarray(start, start + chunkBytes), buckets)).forEach(
        (n, i) => (sum[i]! += n),
      )
    expect(sum).toEqual(regexHistogram(new TextDecoder().decode(text), buckets))
    const written = new Uint32Array(buckets)
    for (const [word, n] of wordCounts) written[wordBucket(word, buckets)]! += n
    expect(sum).toEqual(written)
  })

  test('follows Zipf: the most frequent words are the first of the vocabulary', () => {
    const ranked = [...wordCounts].sort((a, b) => b[1] - a[1]).map(([word]) => word)
    expect(ranked.slice(0, 3)).toEqual(sampleVocabulary.slice(0, 3))
    // Weight 1/(r + 1): "the" about twice "of", three times "and".
    const the = wordCounts.get('the')!
    expect(the / wordCounts.get('of')!).toBeCloseTo(2, 0)
    expect(the / wordCounts.get('and')!).toBeCloseTo(3, 0)
  })
})
