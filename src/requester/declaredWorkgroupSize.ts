/**
 * The `@workgroup_size` a WGSL source declares for its compute entry point `entry`: the three
 * sizes (1 for those left out), `undefined` for a size that is not an integer literal (an
 * override or a constant, which only the GPU compiler can resolve). Returns `undefined` when
 * no `@compute … fn entry` with a workgroup size is found. A check for the requester's sake,
 * not a WGSL parser: comments are removed first, nothing else is interpreted.
 *
 * @example
 * declaredWorkgroupSize('@compute @workgroup_size(64) fn main() {}', 'main') // [64, 1, 1]
 */
export function declaredWorkgroupSize(
  source: string,
  entry: string,
): (number | undefined)[] | undefined {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ')
  const attributes = String.raw`((?:@\w+(?:\s*\([^)]*\))?\s*)+)`
  const match = new RegExp(`${attributes}fn\\s+${entry}\\s*\\(`).exec(code)
  if (!match?.[1]?.includes('@compute')) return undefined
  const size = /@workgroup_size\s*\(([^)]*)\)/.exec(match[1])
  if (!size?.[1]) return undefined
  const parts = size[1]
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
  const values = parts.map((part) => {
    const literal = /^(\d+)[iu]?$/.exec(part)
    return literal ? Number(literal[1]) : undefined
  })
  while (values.length < 3) values.push(1)
  return values
}
