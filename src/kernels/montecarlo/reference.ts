import { unitRandomU32 } from '../../tasks/unitRandom.ts'
import {
  montecarloDimensions,
  montecarloInvocationBytes,
  montecarloRadius2,
  type MontecarloParams,
} from './params.ts'

/**
 * The unit function of the Monte Carlo ball-volume job in plain TypeScript: for each of the
 * unit's `outputBytes / 32` invocations, how many of its `samples` points have their first
 * 2, 4, …, 16 coordinates inside the unit ball (eight u32, little-endian). Built directly on
 * the Task API generator (`unitRandomU32`), a draw at a time, counting each dimension as it
 * goes where the kernels count how far each point got.
 *
 * @example
 * const counts = montecarloReference({ index: 3, params: { seed: 1, samples: 100 }, outputBytes: 64 })
 */
export function montecarloReference(unit: {
  index: number
  params: MontecarloParams
  outputBytes: number
}): Uint8Array<ArrayBuffer> {
  const { index, params, outputBytes } = unit
  if (outputBytes % montecarloInvocationBytes !== 0)
    throw new RangeError(`${outputBytes} bytes are not whole invocations of 32 bytes`)
  const invocations = outputBytes / montecarloInvocationBytes
  const pairs = montecarloDimensions.length
  const counts = new Uint32Array(invocations * pairs)
  for (let element = 0; element < invocations; element++) {
    let draw = 0
    for (let s = 0; s < params.samples; s++) {
      let sum = 0
      for (let k = 0; k < pairs; k++) {
        const bits = unitRandomU32({ seed: params.seed, unit: index, element, draw: draw++ })
        const a = 2 * (bits >>> 19) + 1
        const b = 2 * ((bits >>> 6) & 0x1fff) + 1
        sum += a * a + b * b
        // Outside in 2(k + 1) dimensions is outside in all higher ones: the point is done.
        if (sum >= montecarloRadius2) break
        counts[element * pairs + k]!++
      }
    }
  }
  return new Uint8Array(counts.buffer)
}
