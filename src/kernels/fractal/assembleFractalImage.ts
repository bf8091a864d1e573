import { fractalUnitCount, fractalUnitOutputBytes, type FractalParams } from './params.ts'

/**
 * The whole image, RGBA8 row by row, from the job's output: every tile's pixels one tile after
 * another (the `concat` of the units, tiles in row-major order).
 *
 * @example
 * const rgba = assembleFractalImage(assembleOutputs('concat', tiles), params)
 */
export function assembleFractalImage(
  tiles: Uint8Array,
  params: FractalParams,
): Uint8Array<ArrayBuffer> {
  const { width, height, tileWidth, tileHeight } = params
  const tileBytes = fractalUnitOutputBytes(params)
  const expected = tileBytes * fractalUnitCount(params)
  if (tiles.length !== expected)
    throw new RangeError(`the tiles hold ${tiles.length} bytes, the image needs ${expected}`)
  const image = new Uint8Array(width * height * 4)
  const columns = width / tileWidth
  const rowBytes = tileWidth * 4
  for (let tile = 0; tile * tileBytes < tiles.length; tile++) {
    const originX = (tile % columns) * tileWidth
    const originY = Math.floor(tile / columns) * tileHeight
    for (let row = 0; row < tileHeight; row++) {
      const from = tile * tileBytes + row * rowBytes
      image.set(tiles.subarray(from, from + rowBytes), ((originY + row) * width + originX) * 4)
    }
  }
  return image
}
