import { concat, keccak256, type Hex } from 'viem'
import { proofIn } from '../pieces/merkleRoot.ts'

const missing = `0x${'00'.repeat(32)}` as const

/**
 * The root hash of a job's verified results, recorded on chain when the job completes: a
 * keccak256 Merkle tree (the EVM's own hash, so a contract can check a proof) over the units in
 * order. Leaf `i` is `keccak256(0x00 ‖ sha256(output i))`, 32 zero bytes standing for a unit that
 * failed; an inner node is `keccak256(0x01 ‖ left ‖ right)`, the prefixes keeping a leaf and an
 * inner node apart; a node without a sibling moves up unchanged. Anyone holding the outputs can
 * recompute it, and anyone holding one output and its proof (`resultProof`) can check that unit
 * alone against it (`verifyResultProof`).
 *
 * @example
 * const root = resultRoot(units.map((unit) => unit.acceptedSha256))
 */
export function resultRoot(unitSha256: readonly (string | undefined)[]): Hex {
  return resultLevels(unitSha256).at(-1)![0]!
}

/** The sibling hashes from unit `index`'s leaf up to the root. */
export function resultProof(unitSha256: readonly (string | undefined)[], index: number): Hex[] {
  return proofIn(resultLevels(unitSha256), index)
}

/**
 * Every level of the result tree, from the leaves up to the root: built once (a host serving
 * verifiers keeps it), it gives any unit's proof in O(log n) (`proofIn`).
 */
export function resultLevels(unitSha256: readonly (string | undefined)[]): Hex[][] {
  const levels = [leaves(unitSha256)]
  while (levels.at(-1)!.length > 1) levels.push(parents(levels.at(-1)!))
  return levels
}

/**
 * Whether a unit's output hash is unit `index` of `count` under `root`, by its proof. The count
 * fixes which levels give the unit's path a sibling, so a proof cannot be shortened or padded.
 */
export function verifyResultProof({
  root,
  sha256,
  index,
  count,
  proof,
}: {
  root: Hex
  /** The unit's output SHA-256, hex, without 0x. */
  sha256: string
  index: number
  count: number
  proof: readonly Hex[]
}): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= count || !/^[0-9a-f]{64}$/.test(sha256))
    return false
  let node = leaf(sha256)
  let used = 0
  for (let at = index, width = count; width > 1; at >>= 1, width = Math.ceil(width / 2)) {
    if ((at ^ 1) >= width) continue
    const other = proof[used++]
    if (!other || !/^0x[0-9a-fA-F]{64}$/.test(other)) return false
    node = inner(at & 1 ? other : node, at & 1 ? node : other)
  }
  return used === proof.length && node.toLowerCase() === root.toLowerCase()
}

function leaves(unitSha256: readonly (string | undefined)[]): Hex[] {
  if (unitSha256.length === 0) throw new RangeError('a result root needs at least one unit')
  return unitSha256.map(leaf)
}

function leaf(sha256: string | undefined): Hex {
  return keccak256(concat(['0x00', sha256 ? (`0x${sha256}` as Hex) : missing]))
}

function inner(left: Hex, right: Hex): Hex {
  return keccak256(concat(['0x01', left, right]))
}

function parents(level: readonly Hex[]): Hex[] {
  const next: Hex[] = []
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1]
    next.push(right ? inner(level[i]!, right) : level[i]!)
  }
  return next
}
