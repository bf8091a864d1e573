/**
 * A SHA-256 Merkle tree over 32-byte leaf hashes (a job's piece hashes, its unit results):
 * each inner node is `sha256(0x01 ‖ left ‖ right)`, the prefix keeping an inner node from ever
 * passing for a leaf (RFC 6962's rule); a node without a sibling moves up unchanged, so no leaf
 * is ever counted twice. One leaf is its own root.
 */

/** The root of `leaves` (32 bytes each, in order). Throws on an empty or ragged list. */
export async function merkleRoot(leaves: readonly Uint8Array[]): Promise<Uint8Array> {
  return (await merkleLevels(leaves)).at(-1)![0]!
}

/** The sibling hashes from leaf `index` up to the root: what `verifyMerkleProof` needs. */
export async function merkleProof(
  leaves: readonly Uint8Array[],
  index: number,
): Promise<Uint8Array[]> {
  return proofIn(await merkleLevels(leaves), index)
}

/**
 * Every level of the tree over `leaves`, from the leaves up to the root: built once, it gives any
 * leaf's proof in O(log n) (`proofIn`). Throws on an empty or ragged list.
 */
export async function merkleLevels(leaves: readonly Uint8Array[]): Promise<Uint8Array[][]> {
  const levels = [checkLeaves(leaves)]
  while (levels.at(-1)!.length > 1) levels.push(await parents(levels.at(-1)!))
  return levels
}

/**
 * Leaf `index`'s proof, from a tree's levels (`merkleLevels`, or `resultLevels` for the keccak256
 * result tree): its sibling at each level that has one, from the leaf up.
 */
export function proofIn<Node>(levels: readonly (readonly Node[])[], index: number): Node[] {
  const count = levels[0]!.length
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new RangeError(`leaf ${index} is not in 0..${count - 1}`)
  const proof: Node[] = []
  for (let depth = 0, at = index; depth < levels.length - 1; depth++, at >>= 1) {
    const sibling = levels[depth]![at ^ 1]
    if (sibling !== undefined) proof.push(sibling)
  }
  return proof
}

/**
 * Whether `leaf` is leaf `index` of `count` under `root`, by its `proof`. The leaf count fixes
 * which levels give the leaf's path a sibling, so a proof cannot be shortened or padded.
 */
export async function verifyMerkleProof({
  root,
  leaf,
  index,
  count,
  proof,
}: {
  root: Uint8Array
  leaf: Uint8Array
  index: number
  count: number
  proof: readonly Uint8Array[]
}): Promise<boolean> {
  if (!Number.isInteger(index) || index < 0 || index >= count || leaf.length !== 32) return false
  let node = leaf
  let at = index
  let width = count
  let used = 0
  while (width > 1) {
    const sibling = at ^ 1
    if (sibling < width) {
      const other = proof[used++]
      if (!other || other.length !== 32) return false
      node = await inner(at & 1 ? other : node, at & 1 ? node : other)
    }
    at >>= 1
    width = Math.ceil(width / 2)
  }
  return used === proof.length && equalBytes(node, root)
}

function checkLeaves(leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  for (const leaf of leaves)
    if (leaf.length !== 32) throw new RangeError(`a leaf has ${leaf.length} bytes, not 32`)
  return [...leaves]
}

async function parents(level: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const next: Promise<Uint8Array>[] = []
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1]
    next.push(right ? inner(level[i]!, right) : Promise.resolve(level[i]!))
  }
  return Promise.all(next)
}

async function inner(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const bytes = new Uint8Array(65)
  bytes[0] = 1
  bytes.set(left, 1)
  bytes.set(right, 33)
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
