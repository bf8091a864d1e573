import { OutputSizeError } from './errors.ts'
import type { OutputSpec } from './manifestSchema.ts'

/**
 * Host side: throws `task/output-size` unless a result returned for a unit has a size that unit
 * may return: exactly `bufferBytes` (from `UnitPlan.outputBytes`) for fixed sizes, at most
 * `bufferBytes - 4` for `maxBytesPerUnit`.
 *
 * @example
 * assertUnitOutputSize(manifest.output, plan.outputBytes(index), result)
 */
export function assertUnitOutputSize(
  output: OutputSpec,
  bufferBytes: number,
  result: Uint8Array,
): void {
  if (output.maxBytesPerUnit === undefined) {
    if (result.length !== bufferBytes)
      throw new OutputSizeError(`expected ${bufferBytes} bytes, got ${result.length}`)
  } else if (result.length > bufferBytes - 4) {
    throw new OutputSizeError(`expected at most ${bufferBytes - 4} bytes, got ${result.length}`)
  }
}
