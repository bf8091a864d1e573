import type { Manifest } from '../tasks/manifestSchema.ts'

/**
 * A few lines that show what a unit's or a job's output holds: its size, its first bytes in
 * hex, and its first elements read as the type its comparison names (f32/f64), else as u32.
 *
 * @example
 * previewOutput(result, manifest) // ['4 bytes', 'hex: 2a 00 00 00', 'as u32: 42']
 */
export function previewOutput(bytes: Uint8Array, manifest: Manifest, elements = 8): string[] {
  const lines = [`${bytes.length.toLocaleString('en')} bytes`]
  if (bytes.length === 0) return lines
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ')
  lines.push(`hex: ${hex}${bytes.length > 16 ? ' …' : ''}`)
  const type = manifest.comparison.mode === 'float' ? manifest.comparison.elementType : 'u32'
  const size = type === 'f64' ? 8 : 4
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = Math.min(elements, Math.floor(bytes.length / size))
  const values = Array.from({ length: count }, (_, i) => {
    if (type === 'f64') return view.getFloat64(i * 8, true).toPrecision(8)
    if (type === 'f32') return view.getFloat32(i * 4, true).toPrecision(7)
    return String(view.getUint32(i * 4, true))
  })
  if (values.length)
    lines.push(`as ${type}: ${values.join(', ')}${bytes.length > count * size ? ', …' : ''}`)
  return lines
}
