import { fractionBits, mulShift } from './fixedPoint.ts'
import { assertFractalParams, fractalUnitCount, type FractalParams } from './params.ts'

// The unit function of the fractal job, in plain TypeScript. `assembly/fractal.ts` and
// `fractal.wgsl` compute the same integers in the same order: change all three together.

// 2 and 4 in Q4.28. A point with |x| or |y| above 2 has escaped; below, x² and y² are at most
// 4 (2^30), so they and their sum (2^31, compared unsigned) fit 32 bits.
const two = 2 << fractionBits
const four = 4 << fractionBits

/**
 * Escape iteration count of c = (cx, cy) in Q4.28: z ← z² + c from z = 0, in fixed point with
 * every product floored, until |z|² > 4 or `maxIterations`. All sums wrap as i32.
 *
 * @example
 * fractalIterations(1 << 28, 0, 100) // 3: z = 1, 2, 5
 */
export function fractalIterations(cx: number, cy: number, maxIterations: number): number {
  let x = 0
  let y = 0
  let i = 0
  while (i < maxIterations) {
    if (x > two || x < -two || y > two || y < -two) break
    const xx = mulShift(x, x, fractionBits)
    const yy = mulShift(y, y, fractionBits)
    if (xx + yy > four) break
    // 2xy is the product shifted one bit less.
    const nextY = (mulShift(x, y, fractionBits - 1) + cy) | 0
    x = (xx - yy + cx) | 0
    y = nextY
    i++
  }
  return i
}

// One colour cycle of 1024 positions through four stops (r, g, b), 256 positions apart, so
// interpolation is a shift; 16 positions per iteration make a cycle every 64 iterations.
const stops = [
  [8, 16, 64],
  [32, 128, 224],
  [240, 248, 255],
  [255, 160, 16],
] as const
const positionsPerIteration = 16

/**
 * RGBA colour of a pixel from its iteration count, as a u32 whose little-endian bytes are R, G,
 * B, A: black inside the set, a cycling palette outside. Integers only (`>>` is arithmetic, as
 * in the kernels).
 *
 * @example
 * fractalColor(100, 100) // 0xff000000: inside, opaque black
 */
export function fractalColor(iterations: number, maxIterations: number): number {
  if (iterations >= maxIterations) return 0xff000000
  const position = (iterations * positionsPerIteration) & 1023
  const from = stops[position >> 8]!
  const to = stops[((position >> 8) + 1) & 3]!
  const offset = position & 255
  const channel = (c: 0 | 1 | 2) => from[c] + (((to[c] - from[c]) * offset) >> 8)
  return (0xff000000 | (channel(2) << 16) | (channel(1) << 8) | channel(0)) >>> 0
}

/** The point of the complex plane at pixel (px, py), Q4.28; y grows upwards in the plane. */
export function fractalPixelPoint(
  params: FractalParams,
  px: number,
  py: number,
): { cx: number; cy: number } {
  const { centreX, centreY, pixelSize, width, height } = params
  return {
    cx: (centreX + Math.imul(px - (width >>> 1), pixelSize)) | 0,
    cy: (centreY + Math.imul((height >>> 1) - py, pixelSize)) | 0,
  }
}

/**
 * One unit's output: tile `index` (row-major over the image) as RGBA8 pixels, row by row.
 *
 * @example
 * const tile = fractalReference({ index: 0, count: fractalUnitCount(params), params })
 */
export function fractalReference(unit: {
  index: number
  count: number
  params: FractalParams
}): Uint8Array<ArrayBuffer> {
  const { index, count, params } = unit
  assertFractalParams(params)
  if (count !== fractalUnitCount(params) || !Number.isInteger(index) || index < 0 || index >= count)
    throw new RangeError(`unit ${index} of ${count} is not a tile of this image`)
  const { width, tileWidth, tileHeight, maxIterations } = params
  const columns = width / tileWidth
  const originX = (index % columns) * tileWidth
  const originY = Math.floor(index / columns) * tileHeight
  const pixels = new Uint32Array(tileWidth * tileHeight)
  for (let ty = 0; ty < tileHeight; ty++) {
    for (let tx = 0; tx < tileWidth; tx++) {
      const { cx, cy } = fractalPixelPoint(params, originX + tx, originY + ty)
      pixels[ty * tileWidth + tx] = fractalColor(
        fractalIterations(cx, cy, maxIterations),
        maxIterations,
      )
    }
  }
  // Uint32Array is host-endian; the output is little-endian by contract.
  const bytes = new Uint8Array(pixels.length * 4)
  const view = new DataView(bytes.buffer)
  pixels.forEach((pixel, i) => view.setUint32(i * 4, pixel, true))
  return bytes
}
