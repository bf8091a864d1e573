import { BaseError } from '../../errors/BaseError.ts'

/** Thrown when Mandelbrot job parameters cannot describe a tiled image. */
export class MandelbrotParamsError extends BaseError {
  override readonly code = 'mandelbrot/invalid-params'

  constructor(details: string) {
    super('Invalid Mandelbrot parameters', { details })
  }
}

/** Thrown when a tile index or tile buffer does not fit the job's tiling. */
export class MandelbrotTileError extends BaseError {
  override readonly code = 'mandelbrot/invalid-tile'

  constructor(details: string) {
    super('Invalid Mandelbrot tile', { details })
  }
}
