import { OutputSizeError } from './errors.ts'
import type { OutputSpec } from './manifestSchema.ts'

/**
 * Engine side: the result a unit returns, taken from the output buffer its kernel wrote. With a
 * fixed size it is the whole buffer; with `maxBytesPerUnit` the kernel wrote a little-endian u32
 * byte count `n` at offset 0 and its payload at 4..4+n, and the result is that payload alone (a
 * view, not a copy), so hashes, comparison and assembly never see the count. Throws
 * `task/output-size` when `n` runs past the buffer.
 *
 * @example
 * const result = trimUnitOutput(manifest.output, outputBuffer)
 */
export function trimUnitOutput(output: OutputSpec, buffer: Uint8Array): Uint8Array {
  if (output.maxBytesPerUnit === undefined) return buffer
  if (buffer.length < 4)
    throw new OutputSizeError(`the output buffer has ${buffer.length} bytes, too few for its count`)
  const count = new DataView(buffer.buffer, buffer.byteOffset, 4).getUint32(0, true)
  if (count > buffer.length - 4)
    throw new OutputSizeError(
      `the kernel reported ${count} output bytes, but at most ${buffer.length - 4} fit after the count`,
    )
  return buffer.subarray(4, 4 + count)
}
