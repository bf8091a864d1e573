import { pcgHash } from '../../tasks/unitRandom.ts'
import { sampleVocabulary } from './sampleVocabulary.ts'

export type CreateSampleTextParameters = {
  /** The job's chunk size (itemsPerUnit): no word crosses a multiple of it. */
  chunkBytes: number
  totalBytes: number
  seed?: number
}

export type CreateSampleTextReturnType = {
  /** ASCII text: words, capitals, commas, full stops, line breaks and a few numbers. */
  text: Uint8Array<ArrayBuffer>
  /** How many times each vocabulary word was written, in any case. */
  wordCounts: Map<string, number>
}

// Zipf's law over the vocabulary: rank r drawn with weight 1/(r + 1), as u32 thresholds.
const zipfThresholds: readonly number[] = (() => {
  const weights = sampleVocabulary.map((_, rank) => 1 / (rank + 1))
  const total = weights.reduce((sum, w) => sum + w, 0)
  let cumulative = 0
  return weights.map((w) => {
    cumulative += w
    return Math.min(Math.floor((cumulative / total) * 2 ** 32), 2 ** 32 - 1)
  })
})()

function zipfWord(draw: number): string {
  let low = 0
  let high = zipfThresholds.length - 1
  while (low < high) {
    const middle = (low + high) >> 1
    if (draw < zipfThresholds[middle]!) high = middle
    else low = middle + 1
  }
  return sampleVocabulary[low]!
}

/**
 * The word-frequency job's sample input: Zipf-distributed words of {@link sampleVocabulary},
 * drawn with the Task API's counter-based generator so every call gives the same bytes. Each
 * chunk of `chunkBytes` is filled with whole words and padded with spaces and a line break, so
 * no word is cut by a unit boundary.
 *
 * @example
 * const { text } = createSampleText({ chunkBytes: 65536, totalBytes: 2_117_152 })
 */
export function createSampleText(
  parameters: CreateSampleTextParameters,
): CreateSampleTextReturnType {
  const { chunkBytes, totalBytes, seed = 1 } = parameters
  const text = new Uint8Array(totalBytes)
  const wordCounts = new Map<string, number>()
  for (let chunk = 0; chunk * chunkBytes < totalBytes; chunk++) {
    const start = chunk * chunkBytes
    // The chunk's last byte stays a line break, so its last word always ends inside it.
    const end = Math.min(start + chunkBytes, totalBytes) - 1
    // unitRandomU32({ seed, unit: chunk, element: token, draw }), its first two hashes hoisted.
    const chunkHash = pcgHash((pcgHash(seed) + chunk) >>> 0)
    let at = start
    let sentenceStart = true
    for (let token = 0; ; token++) {
      const tokenHash = pcgHash((chunkHash + token) >>> 0)
      const draw = (d: number) => pcgHash((tokenHash + d) >>> 0)
      // Out of 100: 2 numbers, 1 word in capitals; 10 words followed by a comma or a full stop.
      const style = draw(1) % 100
      const word = style < 2 ? null : zipfWord(draw(0))
      const spelled =
        word === null
          ? String(draw(2) % 2000)
          : style === 2
            ? word.toUpperCase()
            : sentenceStart
              ? word[0]!.toUpperCase() + word.slice(1)
              : word
      const separator = style >= 99 ? '.\n' : style >= 95 ? '. ' : style >= 90 ? ', ' : ' '
      const piece = spelled + separator
      if (at + piece.length > end) break
      // ASCII only: one byte per character.
      for (let i = 0; i < piece.length; i++) text[at + i] = piece.charCodeAt(i)
      at += piece.length
      if (word !== null) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1)
      sentenceStart = separator.startsWith('.')
    }
    text.fill(0x20, at, end)
    text[end] = 0x0a
  }
  return { text, wordCounts }
}
