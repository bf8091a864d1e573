import { MandelbrotTileError } from './errors.ts'
import {
  assertMandelbrotParams,
  mandelbrotTileGrid,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
  type MandelbrotParams,
} from './params.ts'

// Palette control points at positions 0..1024 of one colour cycle; the segment lengths are
// powers of two so interpolation is a shift, the same in JavaScript and AssemblyScript
// (both shift i32 arithmetically). Mirrors `assembly/mandelbrot.ts`: change both together.
// Each stop: [position, log2 of the segment that starts there, r, g, b].
const stops = [
  [0, 7, 0, 7, 100],
  [128, 8, 32, 107, 203],
  [384, 8, 237, 255, 255],
  [640, 8, 255, 170, 0],
  [896, 7, 0, 2, 0],
  [1024, 0, 0, 7, 100],
] as const
// One colour cycle every 32 iterations: 1024 / 32 positions per iteration.
const positionsPerIteration = 32

/**
 * RGBA colour of a pixel as a little-endian u32 (R in the low byte), from its escape
 * iteration count alone: integer arithmetic only, so every engine produces the same bytes.
 */
export function mandelbrotColor(iterations: number, maxIterations: number): number {
  if (iterations >= maxIterations) return 0xff000000
  const position = (iterations * positionsPerIteration) & 1023
  let i = 0
  while (position >= stops[i + 1]![0]) i++
  const [start, shift, r0, g0, b0] = stops[i]!
  const [, , r1, g1, b1] = stops[i + 1]!
  const offset = position - start
  const r = r0 + (((r1 - r0) * offset) >> shift)
  const g = g0 + (((g1 - g0) * offset) >> shift)
  const b = b0 + (((b1 - b0) * offset) >> shift)
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0
}

/**
 * Escape iteration count of the point c = (x0, y0). The operation order is the kernel's
 * contract: wasm has no fused multiply-add, so the same order gives the same f64 bits.
 */
export function mandelbrotIterations(x0: number, y0: number, maxIterations: number): number {
  let x = 0
  let y = 0
  let i = 0
  while (i < maxIterations) {
    const xx = x * x
    const yy = y * y
    if (xx + yy > 4) break
    y = 2 * x * y + y0
    x = xx - yy + x0
    i++
  }
  return i
}

/**
 * Renders work unit `unitIndex` (tile `unitIndex` in row-major tile order) as RGBA8,
 * tileWidth*tileHeight*4 bytes; pixels outside the image stay 0.
 *
 * @example
 * const tile = renderMandelbrotTile(demoMandelbrotParams, 0)
 */
export function renderMandelbrotTile(params: MandelbrotParams, unitIndex: number): Uint8Array {
  assertMandelbrotParams(params)
  const unitCount = mandelbrotUnitCount(params)
  if (!Number.isInteger(unitIndex) || unitIndex < 0 || unitIndex >= unitCount)
    throw new MandelbrotTileError(`unit ${unitIndex} is not in 0..${unitCount - 1}`)
  const { width, height, tileWidth, tileHeight, centerX, centerY, spanX, maxIterations } = params
  const { columns } = mandelbrotTileGrid(params)
  const originX = (unitIndex % columns) * tileWidth
  const originY = Math.floor(unitIndex / columns) * tileHeight
  const step = spanX / width
  const output = new Uint8Array(mandelbrotUnitOutputBytes(params))
  for (let ty = 0; ty < tileHeight; ty++) {
    const py = originY + ty
    if (py >= height) break
    const y0 = centerY + (py + 0.5 - height / 2) * step
    for (let tx = 0; tx < tileWidth; tx++) {
      const px = originX + tx
      if (px >= width) break
      const x0 = centerX + (px + 0.5 - width / 2) * step
      const color = mandelbrotColor(mandelbrotIterations(x0, y0, maxIterations), maxIterations)
      const o = (ty * tileWidth + tx) * 4
      output[o] = color & 0xff
      output[o + 1] = (color >>> 8) & 0xff
      output[o + 2] = (color >>> 16) & 0xff
      output[o + 3] = color >>> 24
    }
  }
  return output
}

/**
 * Joins unit outputs (in unit order) into the whole RGBA8 image, width*height*4 bytes,
 * cropping edge tiles that stick out of the image.
 */
export function assembleTiles(params: MandelbrotParams, tiles: readonly Uint8Array[]): Uint8Array {
  assertMandelbrotParams(params)
  const unitCount = mandelbrotUnitCount(params)
  const tileBytes = mandelbrotUnitOutputBytes(params)
  if (tiles.length !== unitCount)
    throw new MandelbrotTileError(`expected ${unitCount} tiles, got ${tiles.length}`)
  const { width, height, tileWidth, tileHeight } = params
  const { columns } = mandelbrotTileGrid(params)
  const image = new Uint8Array(width * height * 4)
  tiles.forEach((tile, unitIndex) => {
    if (tile.length !== tileBytes)
      throw new MandelbrotTileError(`tile ${unitIndex} has ${tile.length} bytes, not ${tileBytes}`)
    const originX = (unitIndex % columns) * tileWidth
    const originY = Math.floor(unitIndex / columns) * tileHeight
    const rowBytes = Math.min(tileWidth, width - originX) * 4
    const rows = Math.min(tileHeight, height - originY)
    for (let ty = 0; ty < rows; ty++) {
      const from = ty * tileWidth * 4
      image.set(tile.subarray(from, from + rowBytes), ((originY + ty) * width + originX) * 4)
    }
  })
  return image
}

/** The whole RGBA8 image, rendered tile by tile exactly as the work units would be. */
export function renderMandelbrot(params: MandelbrotParams): Uint8Array {
  const tiles = Array.from({ length: mandelbrotUnitCount(params) }, (_, unitIndex) =>
    renderMandelbrotTile(params, unitIndex),
  )
  return assembleTiles(params, tiles)
}
