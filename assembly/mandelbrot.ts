// Mandelbrot tiles, WASM ABI v0 (see src/kernels/wasmAbi.ts); one work unit renders one
// tile as RGBA8. The TypeScript twin is src/kernels/mandelbrot/reference.ts: the escape loop
// and the palette must keep the same operation order, or results stop matching bit for bit.

// Error codes returned by run(); 0 is success. Mirrored by mandelbrotKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_UNIT_OUT_OF_RANGE: i32 = 3
const ERROR_OUTPUT_LENGTH: i32 = 4

// Same limits as assertMandelbrotParams, so a hostile job cannot ask for a huge tile.
const MAX_DIMENSION: f64 = 65536
const MAX_TILE_PIXELS: f64 = 4194304
const MAX_ITERATIONS: f64 = 16777216

// Palette stops: [position, log2 of the segment length, r, g, b]; see reference.ts.
// prettier-ignore
const STOPS: StaticArray<i32> = [
  0, 7, 0, 7, 100,
  128, 8, 32, 107, 203,
  384, 8, 237, 255, 255,
  640, 8, 255, 170, 0,
  896, 7, 0, 2, 0,
  1024, 0, 0, 7, 100,
]
const POSITIONS_PER_ITERATION: i32 = 32

export { alloc, reset } from './allocator'

function isIntegerIn(value: f64, max: f64): bool {
  return value == Math.floor(value) && value >= 1 && value <= max
}

function color(iterations: i32, maxIterations: i32): u32 {
  if (iterations >= maxIterations) return 0xff000000
  const position = (iterations * POSITIONS_PER_ITERATION) & 1023
  let i = 0
  while (position >= unchecked(STOPS[(i + 1) * 5])) i++
  const at = i * 5
  const start = unchecked(STOPS[at])
  const shift = unchecked(STOPS[at + 1])
  const offset = position - start
  const r0 = unchecked(STOPS[at + 2])
  const g0 = unchecked(STOPS[at + 3])
  const b0 = unchecked(STOPS[at + 4])
  const r = r0 + (((unchecked(STOPS[at + 7]) - r0) * offset) >> shift)
  const g = g0 + (((unchecked(STOPS[at + 8]) - g0) * offset) >> shift)
  const b = b0 + (((unchecked(STOPS[at + 9]) - b0) * offset) >> shift)
  return 0xff000000 | ((<u32>b) << 16) | ((<u32>g) << 8) | (<u32>r)
}

function iterate(x0: f64, y0: f64, maxIterations: i32): i32 {
  let x: f64 = 0
  let y: f64 = 0
  let i: i32 = 0
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

export function run(
  unitIndex: u32,
  unitCount: u32,
  paramsPtr: usize,
  paramsLen: u32,
  inputPtr: usize,
  inputLen: u32,
  outputPtr: usize,
  outputLen: u32,
): i32 {
  if (paramsLen != 64) return ERROR_PARAMS_LENGTH
  const width = load<f64>(paramsPtr, 0)
  const height = load<f64>(paramsPtr, 8)
  const tileWidthF = load<f64>(paramsPtr, 16)
  const tileHeightF = load<f64>(paramsPtr, 24)
  const centerX = load<f64>(paramsPtr, 32)
  const centerY = load<f64>(paramsPtr, 40)
  const spanX = load<f64>(paramsPtr, 48)
  const maxIterationsF = load<f64>(paramsPtr, 56)
  if (
    !isIntegerIn(width, MAX_DIMENSION) ||
    !isIntegerIn(height, MAX_DIMENSION) ||
    !isIntegerIn(tileWidthF, MAX_DIMENSION) ||
    !isIntegerIn(tileHeightF, MAX_DIMENSION) ||
    tileWidthF * tileHeightF > MAX_TILE_PIXELS ||
    !isIntegerIn(maxIterationsF, MAX_ITERATIONS) ||
    !isFinite(centerX) ||
    !isFinite(centerY) ||
    !isFinite(spanX) ||
    !(spanX > 0)
  )
    return ERROR_INVALID_PARAMS

  const imageWidth = <i32>width
  const imageHeight = <i32>height
  const tileWidth = <i32>tileWidthF
  const tileHeight = <i32>tileHeightF
  const maxIterations = <i32>maxIterationsF
  const columns = (imageWidth + tileWidth - 1) / tileWidth
  const rows = (imageHeight + tileHeight - 1) / tileHeight
  if (unitCount != <u32>(columns * rows) || unitIndex >= unitCount) return ERROR_UNIT_OUT_OF_RANGE
  if (outputLen != <u32>(tileWidth * tileHeight * 4)) return ERROR_OUTPUT_LENGTH

  const originX = (<i32>unitIndex % columns) * tileWidth
  const originY = (<i32>unitIndex / columns) * tileHeight
  const step = spanX / width
  memory.fill(outputPtr, 0, outputLen)
  for (let ty = 0; ty < tileHeight; ty++) {
    const py = originY + ty
    if (py >= imageHeight) break
    const y0 = centerY + (<f64>py + 0.5 - height / 2) * step
    const row = outputPtr + <usize>(ty * tileWidth * 4)
    for (let tx = 0; tx < tileWidth; tx++) {
      const px = originX + tx
      if (px >= imageWidth) break
      const x0 = centerX + (<f64>px + 0.5 - width / 2) * step
      store<u32>(row + <usize>(tx * 4), color(iterate(x0, y0, maxIterations), maxIterations))
    }
  }
  return 0
}
