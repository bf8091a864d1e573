// Fractal tiles, WASM ABI v0 (see src/kernels/wasmAbi.ts): one work unit renders one tile of
// the Mandelbrot set as RGBA8, in Q4.28 fixed point so that every engine gives the same bytes.
// Twins: src/kernels/fractal/reference.ts and fractal.wgsl compute the same integers in the
// same order; change all three together. No SIMD: the loop is i64 multiplies and an early exit
// per pixel, and wasm SIMD multiplies only two i64 lanes at once.

// Error codes returned by run(); 0 is success. Mirrored by fractalKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INVALID_PARAMS: i32 = 2
const ERROR_UNIT_OUT_OF_RANGE: i32 = 3
const ERROR_OUTPUT_LENGTH: i32 = 4

// Eight 4-byte params (fractalParamDeclarations), packed to 32 bytes.
const PARAMS_BYTES: u32 = 32
// Same caps as assertFractalParams.
const MAX_DIMENSION: u32 = 1 << 16
const MAX_TILE_PIXELS: u64 = 1 << 23
const MAX_ITERATIONS: u32 = 1 << 16

const FRACTION_BITS: i64 = 28
// 2 and 4 in Q4.28: past |x| or |y| = 2 the point has escaped; below, x², y² ≤ 2^30 and their
// sum ≤ 2^31 fits a u32.
const TWO: i32 = 2 << 28
const FOUR: u32 = 4 << 28

// Palette stops r, g, b; see fractalColor in reference.ts.
// prettier-ignore
const STOPS: StaticArray<i32> = [
  8, 16, 64,
  32, 128, 224,
  240, 248, 255,
  255, 160, 16,
]
const POSITIONS_PER_ITERATION: i32 = 16

export { alloc, reset } from './allocator'

// floor(a·b / 2^shift), wrapped to i32: exact, as the product fits an i64.
function mulShift(a: i32, b: i32, shift: i64): i32 {
  return <i32>((<i64>a * <i64>b) >> shift)
}

function iterate(cx: i32, cy: i32, maxIterations: u32): u32 {
  let x: i32 = 0
  let y: i32 = 0
  let i: u32 = 0
  while (i < maxIterations) {
    if (x > TWO || x < -TWO || y > TWO || y < -TWO) break
    const xx = mulShift(x, x, FRACTION_BITS)
    const yy = mulShift(y, y, FRACTION_BITS)
    if (<u32>xx + <u32>yy > FOUR) break
    const nextY = mulShift(x, y, FRACTION_BITS - 1) + cy
    x = xx - yy + cx
    y = nextY
    i++
  }
  return i
}

function color(iterations: u32, maxIterations: u32): u32 {
  if (iterations >= maxIterations) return 0xff000000
  const position = (<i32>iterations * POSITIONS_PER_ITERATION) & 1023
  const from = (position >> 8) * 3
  const to = (((position >> 8) + 1) & 3) * 3
  const offset = position & 255
  const r0 = unchecked(STOPS[from])
  const g0 = unchecked(STOPS[from + 1])
  const b0 = unchecked(STOPS[from + 2])
  const r = r0 + (((unchecked(STOPS[to]) - r0) * offset) >> 8)
  const g = g0 + (((unchecked(STOPS[to + 1]) - g0) * offset) >> 8)
  const b = b0 + (((unchecked(STOPS[to + 2]) - b0) * offset) >> 8)
  return 0xff000000 | ((<u32>b) << 16) | ((<u32>g) << 8) | (<u32>r)
}

function isDimension(value: u32): bool {
  return value >= 1 && value <= MAX_DIMENSION
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
  if (paramsLen != PARAMS_BYTES) return ERROR_PARAMS_LENGTH
  const centreX = load<i32>(paramsPtr, 0)
  const centreY = load<i32>(paramsPtr, 4)
  const pixelSize = load<i32>(paramsPtr, 8)
  const width = load<u32>(paramsPtr, 12)
  const height = load<u32>(paramsPtr, 16)
  const tileWidth = load<u32>(paramsPtr, 20)
  const tileHeight = load<u32>(paramsPtr, 24)
  const maxIterations = load<u32>(paramsPtr, 28)
  if (
    !isDimension(width) ||
    !isDimension(height) ||
    !isDimension(tileWidth) ||
    !isDimension(tileHeight) ||
    width % tileWidth != 0 ||
    height % tileHeight != 0 ||
    <u64>tileWidth * <u64>tileHeight > MAX_TILE_PIXELS ||
    maxIterations < 1 ||
    maxIterations > MAX_ITERATIONS
  )
    return ERROR_INVALID_PARAMS
  const columns = width / tileWidth
  if (unitCount != columns * (height / tileHeight) || unitIndex >= unitCount)
    return ERROR_UNIT_OUT_OF_RANGE
  if (outputLen != tileWidth * tileHeight * 4) return ERROR_OUTPUT_LENGTH

  const originX = <i32>((unitIndex % columns) * tileWidth)
  const originY = <i32>((unitIndex / columns) * tileHeight)
  const halfWidth = <i32>(width >> 1)
  const halfHeight = <i32>(height >> 1)
  let out = outputPtr
  for (let ty = 0; ty < <i32>tileHeight; ty++) {
    const cy = centreY + (halfHeight - (originY + ty)) * pixelSize
    for (let tx = 0; tx < <i32>tileWidth; tx++) {
      const cx = centreX + (originX + tx - halfWidth) * pixelSize
      store<u32>(out, color(iterate(cx, cy, maxIterations), maxIterations))
      out += 4
    }
  }
  return 0
}
