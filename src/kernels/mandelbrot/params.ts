import { MandelbrotParamsError } from './errors.ts'

/** Parameters of a Mandelbrot job: one image cut into tiles, one tile per work unit. */
export type MandelbrotParams = {
  /** Image size in pixels. */
  width: number
  height: number
  /** Tile size in pixels; edge tiles may stick out of the image (those pixels stay 0). */
  tileWidth: number
  tileHeight: number
  /** Centre of the view in the complex plane. */
  centerX: number
  centerY: number
  /** Width of the view in the complex plane; pixels are square. */
  spanX: number
  maxIterations: number
}

/**
 * The demo job: the whole set, 64 tiles of 256x192. maxIterations is high enough that
 * a tile costs a visible fraction of a second in wasm, which makes scheduling and
 * throttling observable, without changing the picture.
 */
export const demoMandelbrotParams: MandelbrotParams = {
  width: 2048,
  height: 1536,
  tileWidth: 256,
  tileHeight: 192,
  centerX: -0.5,
  centerY: 0,
  spanX: 3,
  maxIterations: 1024,
}

/** Non-zero codes the wasm kernel's run() returns (see `assembly/mandelbrot.ts`). */
export const mandelbrotKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  unitOutOfRange: 3,
  outputLength: 4,
} as const

/** Byte length of encoded params: eight little-endian f64. */
export const mandelbrotParamsByteLength = 64

// The kernel rejects anything larger, so a hostile job cannot ask for a 4 GiB tile.
const maxDimension = 1 << 16
const maxTilePixels = 1 << 22
const maxIterationsLimit = 1 << 24

/**
 * Throws `mandelbrot/invalid-params` unless `params` describes a renderable image. The
 * AssemblyScript kernel applies the same rules and returns error code 2 instead.
 */
export function assertMandelbrotParams(params: MandelbrotParams): void {
  const { width, height, tileWidth, tileHeight, centerX, centerY, spanX, maxIterations } = params
  for (const [name, value] of Object.entries({ width, height, tileWidth, tileHeight })) {
    if (!Number.isInteger(value) || value < 1 || value > maxDimension)
      throw new MandelbrotParamsError(`${name} must be an integer in 1..${maxDimension}`)
  }
  if (tileWidth * tileHeight > maxTilePixels)
    throw new MandelbrotParamsError(`a tile must have at most ${maxTilePixels} pixels`)
  if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > maxIterationsLimit)
    throw new MandelbrotParamsError(`maxIterations must be an integer in 1..${maxIterationsLimit}`)
  if (!Number.isFinite(centerX) || !Number.isFinite(centerY))
    throw new MandelbrotParamsError('the centre must be finite')
  if (!Number.isFinite(spanX) || spanX <= 0)
    throw new MandelbrotParamsError('spanX must be finite and positive')
}

/** Tiles across and down; edge tiles are partial when the image size is not a multiple. */
export function mandelbrotTileGrid(params: MandelbrotParams): { columns: number; rows: number } {
  return {
    columns: Math.ceil(params.width / params.tileWidth),
    rows: Math.ceil(params.height / params.tileHeight),
  }
}

/** Number of work units of the job: one per tile. */
export function mandelbrotUnitCount(params: MandelbrotParams): number {
  const { columns, rows } = mandelbrotTileGrid(params)
  return columns * rows
}

/** Output bytes of one unit: an RGBA8 tile. */
export function mandelbrotUnitOutputBytes(params: MandelbrotParams): number {
  return params.tileWidth * params.tileHeight * 4
}

/**
 * Params as the kernel reads them: Float64Array [width, height, tileWidth, tileHeight,
 * centerX, centerY, spanX, maxIterations], little-endian, 64 bytes.
 *
 * @example
 * const bytes = encodeMandelbrotParams(demoMandelbrotParams) // bytes.length === 64
 */
export function encodeMandelbrotParams(params: MandelbrotParams): Uint8Array {
  assertMandelbrotParams(params)
  const bytes = new Uint8Array(mandelbrotParamsByteLength)
  const view = new DataView(bytes.buffer)
  const fields = [
    params.width,
    params.height,
    params.tileWidth,
    params.tileHeight,
    params.centerX,
    params.centerY,
    params.spanX,
    params.maxIterations,
  ]
  fields.forEach((value, i) => view.setFloat64(i * 8, value, true))
  return bytes
}

/** Inverse of {@link encodeMandelbrotParams}; validates what it reads. */
export function decodeMandelbrotParams(bytes: Uint8Array): MandelbrotParams {
  if (bytes.length !== mandelbrotParamsByteLength)
    throw new MandelbrotParamsError(
      `expected ${mandelbrotParamsByteLength} bytes, got ${bytes.length}`,
    )
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const at = (i: number): number => view.getFloat64(i * 8, true)
  const params: MandelbrotParams = {
    width: at(0),
    height: at(1),
    tileWidth: at(2),
    tileHeight: at(3),
    centerX: at(4),
    centerY: at(5),
    spanX: at(6),
    maxIterations: at(7),
  }
  assertMandelbrotParams(params)
  return params
}
