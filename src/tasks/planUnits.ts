import { InputSizeError } from './errors.ts'
import type { Manifest, OutputSpec, UnitsSpec } from './manifestSchema.ts'
import { taskLimits } from './taskLimits.ts'

export type ByteRange = { start: number; end: number }

export type UnitPlan = {
  unitCount: number
  inputBytes: number
  /** Where unit `index` reads in the input file (a view's bounds, nothing is copied); empty for count units. */
  inputRange: (index: number) => ByteRange
  /** Input items of unit `index` (0 for count units). */
  items: (index: number) => number
  /** Size of the output buffer unit `index` writes (for `maxBytesPerUnit`, that maximum). */
  outputBytes: (index: number) => number
}

/**
 * Cuts a job into units: split units take `itemsPerUnit` items of `itemBytes` bytes each from
 * the input, the last unit the remaining items (at least one); count units take no input.
 * Throws `task/input-size` when the input does not fit: empty or not a whole number of items
 * for split units, present for count units, or too large (file, units, assembled output).
 *
 * @example
 * const plan = planUnits(manifest, file.size)
 * const { start, end } = plan.inputRange(0)
 * const unitInput = input.subarray(start, end)
 */
export function planUnits(
  manifest: Pick<Manifest, 'units' | 'output'>,
  inputBytes: number,
): UnitPlan {
  const { units, output } = manifest
  if (units.mode === 'count') {
    if (inputBytes !== 0)
      throw new InputSizeError(
        `count units take no input file, but one of ${inputBytes} bytes was given; remove it or use split units`,
      )
    const bytes = unitOutputBytes(output, units, 0)
    return {
      unitCount: units.unitCount,
      inputBytes: 0,
      inputRange: (index) => (check(index, units.unitCount), { start: 0, end: 0 }),
      items: (index) => (check(index, units.unitCount), 0),
      outputBytes: (index) => (check(index, units.unitCount), bytes),
    }
  }
  const { itemBytes, itemsPerUnit } = units
  if (inputBytes === 0)
    throw new InputSizeError(
      `the input file is empty; split units need at least one item of ${itemBytes} bytes`,
    )
  if (inputBytes > taskLimits.maxInputBytes)
    throw new InputSizeError(
      `the input file has ${inputBytes} bytes, more than the ${taskLimits.maxInputBytes} allowed`,
    )
  const leftOver = inputBytes % itemBytes
  if (leftOver !== 0)
    throw new InputSizeError(
      `the input file has ${inputBytes} bytes, not a multiple of itemBytes (${itemBytes}): ${leftOver} bytes are left over`,
    )
  const totalItems = inputBytes / itemBytes
  const unitCount = Math.ceil(totalItems / itemsPerUnit)
  if (unitCount > taskLimits.maxUnits)
    throw new InputSizeError(
      `the input file makes ${unitCount} units, more than ${taskLimits.maxUnits}; raise itemsPerUnit`,
    )
  const itemsOf = (index: number): number =>
    Math.min(itemsPerUnit, totalItems - check(index, unitCount) * itemsPerUnit)
  const plan: UnitPlan = {
    unitCount,
    inputBytes,
    inputRange: (index) => {
      const start = check(index, unitCount) * itemsPerUnit * itemBytes
      return { start, end: start + itemsOf(index) * itemBytes }
    },
    items: itemsOf,
    outputBytes: (index) => unitOutputBytes(output, units, itemsOf(index)),
  }
  const assembled = assembledOutputBytes(manifest, unitCount, inputBytes)
  if (assembled > taskLimits.maxJobOutputBytes)
    throw new InputSizeError(
      `the assembled output would reach ${assembled} bytes, more than the ${taskLimits.maxJobOutputBytes} allowed; use a smaller input`,
    )
  return plan
}

/** Output buffer size of a unit with `items` input items (ignored unless `bytesPerItem`). */
export function unitOutputBytes(output: OutputSpec, units: UnitsSpec, items: number): number {
  if (output.bytesPerUnit !== undefined) return output.bytesPerUnit
  if (output.maxBytesPerUnit !== undefined) return output.maxBytesPerUnit
  return units.mode === 'split' ? (output.bytesPerItem ?? 0) * items : 0
}

/** The most bytes the assembled output of `unitCount` units over `inputBytes` can have. */
export function assembledOutputBytes(
  manifest: Pick<Manifest, 'units' | 'output'>,
  unitCount: number,
  inputBytes: number,
): number {
  const { output, units } = manifest
  if (output.assemble !== 'concat') return output.bytesPerUnit ?? 0
  if (output.bytesPerUnit !== undefined) return output.bytesPerUnit * unitCount
  if (output.maxBytesPerUnit !== undefined) return (output.maxBytesPerUnit - 4) * unitCount
  return units.mode === 'split' ? ((output.bytesPerItem ?? 0) * inputBytes) / units.itemBytes : 0
}

function check(index: number, unitCount: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= unitCount)
    throw new RangeError(`unit index ${index} is not in 0..${unitCount - 1}`)
  return index
}
