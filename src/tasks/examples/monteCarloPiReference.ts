import { unitRandomU32 } from '../unitRandom.ts'

/**
 * What `monteCarloPi.wat` answers for one unit, in TypeScript: of `samples` points drawn with
 * the counter-based generator (15-bit coordinates), how many fall inside the quarter circle.
 *
 * @example
 * referenceHits(42, 0, 1000) // the unit-0 output of a job with seed 42 and 1,000 samples
 */
export function referenceHits(seed: number, unit: number, samples: number): number {
  let hits = 0
  for (let i = 0; i < samples; i++) {
    const x = unitRandomU32({ seed, unit, element: i, draw: 0 }) >>> 17
    const y = unitRandomU32({ seed, unit, element: i, draw: 1 }) >>> 17
    if (x * x + y * y < 0x40000000) hits++
  }
  return hits
}
