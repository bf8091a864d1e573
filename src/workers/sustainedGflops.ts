export type SustainedGflopsParameters = {
  /** Floating-point operations in one unit (2·N³ for an N×N matrix multiply). */
  flopsPerUnit: number
  /**
   * Each timed unit's compute time in milliseconds, as the engine measured it: inside the
   * worker or on the device, so messages, queueing and the CPU or GPU share's rests are not in it.
   */
  unitMs: readonly number[]
  /** Units the engine runs at once (its workers); the figure is per unit times this. */
  threads: number
}

/**
 * What an engine sustains, in GFLOPS: the median of the timed units' own rates (one slow unit,
 * a neighbour's burst on a shared machine, does not move it), times the units it runs at once.
 * 0 when no unit was timed, as the engine offer says "not measured".
 *
 * @example
 * sustainedGflops({ flopsPerUnit: 2 * 512 ** 3, unitMs: [6.1, 5.9, 6.4], threads: 4 }) // ≈ 180
 */
export function sustainedGflops(parameters: SustainedGflopsParameters): number {
  const { flopsPerUnit, unitMs, threads } = parameters
  const rates = unitMs
    .filter((ms) => ms > 0 && Number.isFinite(ms))
    .map((ms) => flopsPerUnit / (ms * 1e6))
    .sort((a, b) => a - b)
  if (rates.length === 0) return 0
  const middle = rates.length >> 1
  const median = rates.length % 2 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2
  return median * threads
}
