import { OutputMissingError, OutputSizeError } from './errors.ts'
import type { Assemble, Reduction } from './manifestSchema.ts'
import { readScalar, reductionType, scalarBytes, writeScalar } from './scalarTypes.ts'

/**
 * The job's output from its accepted unit results, in unit order. `concat`: the results one
 * after another. `{ reduce }`: all results have the same length and are folded element by
 * element, unit 0 first: `acc = op(acc, unit[i])`, in the element type (f32 sums are rounded
 * to f32 after every addition, u32 and i32 sums wrap); min and max of floats behave like
 * `Math.min` and `Math.max` (a NaN wins, -0 is below +0). Throws `task/output-missing` when a
 * unit has no result, `task/output-size` when results to reduce differ in length.
 *
 * @example
 * const output = assembleOutputs(manifest.output.assemble, acceptedResults)
 */
export function assembleOutputs(
  assemble: Assemble,
  results: readonly (Uint8Array | undefined)[],
): Uint8Array<ArrayBuffer> {
  const present = presentResults(results)
  if (assemble === 'concat') {
    const output = new Uint8Array(present.reduce((sum, result) => sum + result.length, 0))
    let offset = 0
    for (const result of present) {
      output.set(result, offset)
      offset += result.length
    }
    return output
  }
  return reduceResults(assemble.reduce, present)
}

function presentResults(results: readonly (Uint8Array | undefined)[]): Uint8Array[] {
  const present: Uint8Array[] = []
  const missing: number[] = []
  // An index loop, not forEach: holes in a sparse array are missing units too.
  for (let index = 0; index < results.length; index++) {
    const result = results[index]
    if (result) present.push(result)
    else missing.push(index)
  }
  if (missing.length > 0) throw new OutputMissingError({ missing })
  return present
}

type Fold = (acc: number, value: number) => number

const folds: Record<Reduction, Fold> = {
  'sum-u32': (acc, value) => (acc + value) >>> 0,
  'sum-i32': (acc, value) => (acc + value) | 0,
  'sum-f32': (acc, value) => Math.fround(acc + value),
  'sum-f64': (acc, value) => acc + value,
  'min-u32': Math.min,
  'min-i32': Math.min,
  'min-f32': Math.min,
  'min-f64': Math.min,
  'max-u32': Math.max,
  'max-i32': Math.max,
  'max-f32': Math.max,
  'max-f64': Math.max,
}

function reduceResults(reduction: Reduction, results: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const [first, ...rest] = results
  if (!first) return new Uint8Array(0)
  const type = reductionType(reduction)
  const size = scalarBytes[type]
  if (first.length % size !== 0)
    throw new OutputSizeError(`${reduction} needs a multiple of ${size} bytes, got ${first.length}`)
  const fold = folds[reduction]
  const output = first.slice()
  const acc = new DataView(output.buffer)
  rest.forEach((result, i) => {
    if (result.length !== first.length)
      throw new OutputSizeError(
        `unit ${i + 1} has ${result.length} bytes to reduce, unit 0 has ${first.length}`,
      )
    const view = new DataView(result.buffer, result.byteOffset, result.byteLength)
    for (let offset = 0; offset < result.length; offset += size)
      writeScalar(
        acc,
        offset,
        type,
        fold(readScalar(acc, offset, type), readScalar(view, offset, type)),
      )
  })
  return output
}
