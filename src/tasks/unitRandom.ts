/**
 * The reproducible random numbers of the Task API: a counter-based generator, so a unit's
 * numbers depend only on (seed, unit index, element index, draw) and every device, GPU or CPU,
 * draws the same ones. It uses integer arithmetic only (u32, wrapping), so WGSL, WASM and this
 * reference agree bit for bit.
 *
 * `pcgHash` is the PCG-RXS-M-XS hash (Jarzynski and Olano, "Hash Functions for GPU Rendering",
 * JCGT 2020):
 *   state = x * 747796405 + 2891336453
 *   word  = ((state >> ((state >> 28) + 4)) ^ state) * 277803737
 *   hash  = (word >> 22) ^ word
 * and the draw is `pcgHash(pcgHash(pcgHash(pcgHash(seed) + unit) + element) + draw)`.
 */
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0
  return ((word >>> 22) ^ word) >>> 0
}

export type UnitRandomParameters = { seed: number; unit: number; element: number; draw: number }

/**
 * A u32 that depends only on its counters.
 *
 * @example
 * unitRandomU32({ seed: 0, unit: 3, element: 17, draw: 0 })
 */
export function unitRandomU32({ seed, unit, element, draw }: UnitRandomParameters): number {
  const s = pcgHash(seed)
  const u = pcgHash((s + unit) >>> 0)
  const e = pcgHash((u + element) >>> 0)
  return pcgHash((e + draw) >>> 0)
}

/**
 * A number in [0, 1) with 24 random bits, `(u32 >> 8) / 2^24`: exact in f32, so a WGSL kernel
 * computing `f32(x >> 8u) * (1.0 / 16777216.0)` gets the very same value.
 */
export function unitRandomF32(parameters: UnitRandomParameters): number {
  return (unitRandomU32(parameters) >>> 8) / 16_777_216
}
