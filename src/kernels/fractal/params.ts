import type { Param, ParamType } from '../../tasks/manifestSchema.ts'

/**
 * Parameters of a fractal job: one image of the Mandelbrot set cut into equal tiles, one tile
 * per work unit, tiles in row-major order. Coordinates are Q4.28 fixed point (`fixedPoint.ts`).
 */
export type FractalParams = {
  /** Centre of the view in the complex plane, Q4.28. */
  centreX: number
  centreY: number
  /** Width (and height) of one pixel in the complex plane, Q4.28: the zoom. */
  pixelSize: number
  /** Image size in pixels; a multiple of the tile size. */
  width: number
  height: number
  tileWidth: number
  tileHeight: number
  /** Iterations before a point counts as inside the set. */
  maxIterations: number
}

/**
 * The manifest's parameters in packing order: the WGSL uniform and the WASM params read them at
 * these offsets (4 bytes each, 32 bytes in all).
 */
export const fractalParamDeclarations = [
  { name: 'centreX', type: 'i32' },
  { name: 'centreY', type: 'i32' },
  { name: 'pixelSize', type: 'i32' },
  { name: 'width', type: 'u32' },
  { name: 'height', type: 'u32' },
  { name: 'tileWidth', type: 'u32' },
  { name: 'tileHeight', type: 'u32' },
  { name: 'maxIterations', type: 'u32' },
] as const satisfies readonly { name: keyof FractalParams; type: ParamType }[]

/** Non-zero codes the wasm kernel's run() returns; they mirror `assembly/fractal.ts`. */
export const fractalKernelErrorCodes = {
  paramsLength: 1,
  invalidParams: 2,
  unitOutOfRange: 3,
  outputLength: 4,
} as const

// The same caps as the wasm kernel: a tile fits a unit's 32 MiB output, and a pixel's loop
// stays short enough for a GPU invocation.
const maxDimension = 1 << 16
const maxTilePixels = 1 << 23
export const maxFractalIterations = 1 << 16

/** The manifest's `params` for these values, in declaration order. */
export function fractalManifestParams(params: FractalParams): Param[] {
  return fractalParamDeclarations.map(({ name, type }) => ({ name, type, value: params[name] }))
}

/** Reads a manifest's params back by name; throws RangeError for a missing one. */
export function fractalParamsFromManifest(params: readonly Param[]): FractalParams {
  const value = (name: keyof FractalParams): number => {
    const param = params.find((p) => p.name === name)
    if (!param) throw new RangeError(`the fractal job has no parameter ${name}`)
    return param.value
  }
  return {
    centreX: value('centreX'),
    centreY: value('centreY'),
    pixelSize: value('pixelSize'),
    width: value('width'),
    height: value('height'),
    tileWidth: value('tileWidth'),
    tileHeight: value('tileHeight'),
    maxIterations: value('maxIterations'),
  }
}

/**
 * Throws RangeError unless the params describe an image cut into whole tiles; the wasm kernel
 * applies the same rules and returns `invalidParams`.
 */
export function assertFractalParams(params: FractalParams): void {
  const { width, height, tileWidth, tileHeight, maxIterations } = params
  for (const [name, value] of Object.entries({ width, height, tileWidth, tileHeight })) {
    if (!Number.isInteger(value) || value < 1 || value > maxDimension)
      throw new RangeError(`${name} must be an integer in 1..${maxDimension}`)
  }
  if (width % tileWidth !== 0 || height % tileHeight !== 0)
    throw new RangeError('the image size must be a multiple of the tile size')
  if (tileWidth * tileHeight > maxTilePixels)
    throw new RangeError(`a tile must have at most ${maxTilePixels} pixels`)
  if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > maxFractalIterations)
    throw new RangeError(`maxIterations must be an integer in 1..${maxFractalIterations}`)
}

/** Units of the job: one per tile. */
export function fractalUnitCount(params: FractalParams): number {
  return (params.width / params.tileWidth) * (params.height / params.tileHeight)
}

/** Bytes of one unit's output: the tile's RGBA8 pixels. */
export function fractalUnitOutputBytes(params: FractalParams): number {
  return params.tileWidth * params.tileHeight * 4
}
