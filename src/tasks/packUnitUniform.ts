/** Size of the unit header that starts every WGSL kernel's uniform. */
export const unitHeaderBytes = 16

export type UnitHeader = {
  index: number
  count: number
  inputBytes: number
  /** Workgroups before this dispatch's first, when the engine slices a unit's dispatch. */
  workgroupOffset?: number
}

/** Byte offset of `workgroupOffset` in the uniform, rewritten for each slice of a dispatch. */
export const workgroupOffsetByte = 12

/**
 * The bytes of a WGSL kernel's uniform (group 0, binding 2) for one unit: the header
 * `{ unitIndex: u32, unitCount: u32, inputBytes: u32, workgroupOffset: u32 }`, then the packed job
 * parameters from `packParams`, whose 16-byte rounding keeps the whole uniform 16-aligned.
 *
 * @example
 * packUnitUniform({ index: 3, count: 10, inputBytes: 4096 }, packParams(manifest.params))
 */
export function packUnitUniform(unit: UnitHeader, params: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(unitHeaderBytes + params.length)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, unit.index, true)
  view.setUint32(4, unit.count, true)
  view.setUint32(8, unit.inputBytes, true)
  view.setUint32(workgroupOffsetByte, unit.workgroupOffset ?? 0, true)
  bytes.set(params, unitHeaderBytes)
  return bytes
}
