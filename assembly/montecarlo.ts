// Monte Carlo volume of the unit ball in 2, 4, ..., 16 dimensions, WASM ABI v0 (see
// src/kernels/wasmAbi.ts). A count unit of `outputLen / 32` invocations; invocation i writes
// eight u32 at 32·i, how many of its `samples` points have their first 2, 4, ..., 16
// coordinates inside the ball. Params as packParams lays them out: seed u32, samples u32.
//
// Integer arithmetic only, so this equals its WGSL twin (src/kernels/montecarlo/montecarlo.wgsl)
// and the TypeScript reference (reference.ts) bit for bit: the job compares results exactly.
// No SIMD: the hash shifts each lane by its own amount, which wasm's i32x4 shifts cannot do.

// Error codes returned by run(); 0 is success. Mirrored by montecarloKernelErrorCodes.
const ERROR_PARAMS_LENGTH: i32 = 1
const ERROR_INPUT_LENGTH: i32 = 2
const ERROR_OUTPUT_LENGTH: i32 = 3

const PARAMS_BYTES: u32 = 16
const DIMENSION_PAIRS: u32 = 8
const INVOCATION_BYTES: u32 = DIMENSION_PAIRS * 4
// (2 · 2¹³)²: a doubled 13-bit coordinate 2c + 1 is below 2¹⁴, so sixteen squares fit a u32.
const RADIUS2: u32 = 1 << 28

// How many points stopped after each number of pairs inside (0 to 8), for one invocation.
const depths = memory.data(<i32>((DIMENSION_PAIRS + 1) * 4), 16)

export { alloc, reset } from './allocator'

// PCG-RXS-M-XS, the Task API's hash (docs/task-api.md).
function pcg(v: u32): u32 {
  const state = v * 747796405 + 2891336453
  const word = ((state >> ((state >> 28) + 4)) ^ state) * 277803737
  return (word >> 22) ^ word
}

// Two coordinates from one draw, 13 bits each, as doubled cell midpoints squared and summed.
function pairSquares(draw: u32): u32 {
  const a = ((draw >> 19) << 1) + 1
  const b = (((draw >> 6) & 0x1fff) << 1) + 1
  return a * a + b * b
}

function countInvocation(elementHash: u32, samples: u32, output: usize): void {
  memory.fill(depths, 0, (DIMENSION_PAIRS + 1) * 4)
  // The invocation's stream of draws, random(seed, unit, i, draw) for draw = 0, 1, 2, ...
  let draw: u32 = 0
  for (let s: u32 = 0; s < samples; s++) {
    // Once the sum passes the radius, every higher dimension misses too: the point takes no
    // more draws, and the next point goes on with the stream.
    let sum: u32 = 0
    let depth: u32 = 0
    while (depth < DIMENSION_PAIRS) {
      sum += pairSquares(pcg(elementHash + draw))
      draw++
      if (sum >= RADIUS2) break
      depth++
    }
    const at = depths + ((<usize>depth) << 2)
    store<u32>(at, load<u32>(at) + 1)
  }
  // Dimension 2(m + 1) counts the points that went deeper than m pairs.
  let inside: u32 = 0
  for (let m = <i32>DIMENSION_PAIRS - 1; m >= 0; m--) {
    inside += load<u32>(depths + ((<usize>(m + 1)) << 2))
    store<u32>(output + ((<usize>m) << 2), inside)
  }
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
  if (inputLen != 0) return ERROR_INPUT_LENGTH
  if (outputLen == 0 || outputLen % INVOCATION_BYTES != 0) return ERROR_OUTPUT_LENGTH
  const seed = load<u32>(paramsPtr)
  const samples = load<u32>(paramsPtr, 4)
  const unitHash = pcg(pcg(seed) + unitIndex)
  const invocations = outputLen / INVOCATION_BYTES
  for (let i: u32 = 0; i < invocations; i++)
    countInvocation(pcg(unitHash + i), samples, outputPtr + <usize>(i * INVOCATION_BYTES))
  return 0
}
