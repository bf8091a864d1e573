import type { Param } from '../../tasks/manifestSchema.ts'

/**
 * A Monte Carlo estimate of the volume of the unit ball in 2, 4, …, 16 dimensions, by hit or
 * miss: each sample is a point of [0, 1)¹⁶, and its first d coordinates fall inside the ball
 * with probability V_d / 2^d (the ball's share of the positive orthant).
 *
 * A unit runs `invocations` independent streams of `samples` points each. Invocation i of unit
 * u reads the Task API generator's stream `random(seed, u, i, t)`, t = 0, 1, 2, …; each draw
 * gives two 13-bit coordinates c, as `(2c + 1) / 2¹⁴` (the midpoints of an 8192-cell grid), so
 * the test `Σ (2c + 1)² < 2²⁸` is exact u32 arithmetic. A point takes draws until it leaves the
 * ball (it is then outside in every higher dimension too) or has all 16 coordinates: about 2.2
 * draws a point, at most 8.
 */
export type MontecarloParams = {
  seed: number
  /**
   * Points per invocation; keep unitCount × samples below 2³² (the counts are u32) and
   * samples below 2²⁹ (an invocation's draws are counted in u32).
   */
  samples: number
}

/** Counters per invocation: dimensions 2, 4, …, 16. */
export const montecarloDimensions = [2, 4, 6, 8, 10, 12, 14, 16] as const

/** An invocation's record in the output: one u32 count per dimension. */
export const montecarloInvocationBytes = montecarloDimensions.length * 4

/** Squared radius of the ball on the grid of doubled coordinates, `(2 · 2¹³)²`. */
export const montecarloRadius2 = 2 ** 28

/**
 * The sample job: 32 units × 1024 invocations × 8192 points = 2²⁸ points, about 2²⁹ draws of
 * the generator's 2³² (its last stage hashes a u32). A unit takes about 0.2 s in the WASM
 * kernel on a laptop core (some 20 ns a point: the early exit saves draws but costs branch
 * mispredictions; the hash's per-lane shift rules out wasm SIMD).
 */
export const montecarloSample = {
  params: { seed: 2718, samples: 8192 },
  units: 32,
  invocationsPerUnit: 1024,
} as const satisfies { params: MontecarloParams; units: number; invocationsPerUnit: number }

/** The manifest's parameter names, in the order the kernels read them. */
export const montecarloParamNames = ['seed', 'samples'] as const

/** Non-zero codes the wasm kernel's run() returns (see `assembly/montecarlo.ts`). */
export const montecarloKernelErrorCodes = {
  paramsLength: 1,
  inputLength: 2,
  outputLength: 3,
} as const

/**
 * The manifest parameters, in kernel order.
 *
 * @example
 * montecarloManifestParams({ seed: 1, samples: 4096 })
 */
export function montecarloManifestParams(params: MontecarloParams): Param[] {
  return montecarloParamNames.map((name) => ({ name, type: 'u32', value: params[name] }))
}

/** Reads the parameters back from a manifest; throws when one is missing or not a u32. */
export function montecarloParamsFromManifest(params: readonly Param[]): MontecarloParams {
  const [seed, samples] = montecarloParamNames.map((name) => {
    const param = params.find((p) => p.name === name)
    if (param?.type !== 'u32') throw new Error(`the u32 parameter "${name}" is missing`)
    return param.value
  }) as [number, number]
  return { seed, samples }
}
