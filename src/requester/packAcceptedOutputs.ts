/**
 * The accepted units' outputs of a job that has none assembled (some units failed), in one file
 * the requester can download: for each accepted unit, in unit order, its index (u32,
 * little-endian), its output's length in bytes (u32, little-endian), then the output.
 *
 * @example
 * const { bytes, units } = packAcceptedOutputs(await host.outputs())
 */
export function packAcceptedOutputs(outputs: readonly (Uint8Array | undefined)[]): {
  bytes: Uint8Array<ArrayBuffer>
  /** How many units it holds. */
  units: number
} {
  let size = 0
  let units = 0
  for (const output of outputs)
    if (output) {
      size += 8 + output.length
      units++
    }
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  let offset = 0
  // An index loop: holes in a sparse array are units without output too.
  for (let index = 0; index < outputs.length; index++) {
    const output = outputs[index]
    if (!output) continue
    view.setUint32(offset, index, true)
    view.setUint32(offset + 4, output.length, true)
    bytes.set(output, offset + 8)
    offset += 8 + output.length
  }
  return { bytes, units }
}
