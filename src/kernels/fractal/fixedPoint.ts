/**
 * Fixed-point numbers of the fractal kernel: Q4.28 in an i32, so a value is `raw / 2^28` and
 * the range is [-8, 8). Integers give the same bits on every engine, where f32 and f64 would
 * differ by FMA contraction and precision.
 */
export const fractionBits = 28

/** 1.0 in Q4.28. */
export const fixedOne = 1 << fractionBits

/**
 * The nearest Q4.28 value to `value`.
 *
 * @example
 * toFixed(-0.75) // -201326592
 */
export function toFixed(value: number): number {
  const raw = Math.round(value * fixedOne)
  if (!(raw >= -0x80000000 && raw <= 0x7fffffff))
    throw new RangeError(`${value} does not fit Q4.28 (-8 ≤ value < 8)`)
  return raw
}

/** A Q4.28 value as a number (exact: 28 fraction bits fit a double). */
export function fromFixed(raw: number): number {
  return raw / fixedOne
}

// 2^-(shift - 16), looked up: computing the power in the loop made the reference ten times slower.
// Multiplying by a power of two is exact.
const inverseShifts = Array.from({ length: 32 }, (_, shift) =>
  shift < 16 ? NaN : 2 ** (16 - shift),
)

/**
 * `floor(a · b / 2^shift)` wrapped to i32, for i32 `a` and `b` and `shift` in 16..31: the low
 * 32 bits of the exact 64-bit product shifted right arithmetically, as the AssemblyScript kernel
 * computes with i64 and the WGSL kernel with 16-bit limbs.
 *
 * Doubles hold 53 bits, not the 62 of the product, so `a` is cut at bit 16: with
 * `a = ah·2^16 + al` (ah signed, al in 0..65535), `a·b = ah·b·2^16 + al·b`, and both partial
 * products (below 2^46 and 2^47 in magnitude) are exact. Flooring by 2^16 first and then by
 * 2^(shift − 16) is flooring by 2^shift.
 *
 * @example
 * mulShift(3 << 28, 1 << 27, 28) // 1.5 in Q4.28: 3 · 0.5
 */
export function mulShift(a: number, b: number, shift: number): number {
  const ah = a >> 16
  const al = a & 0xffff
  // floor((ah·b·2^16 + al·b) / 2^16) = ah·b + floor(al·b / 2^16); the sum stays below 2^48.
  const product16 = ah * b + Math.floor(al * b * 2 ** -16)
  return Math.floor(product16 * (inverseShifts[shift] ?? NaN)) | 0
}
