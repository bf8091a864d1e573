import { concat, keccak256, type Hex } from 'viem'

const missing = `0x${'00'.repeat(32)}` as const

/**
 * The root hash of a job's verified results, recorded on chain when the job completes:
 * `keccak256(sha256(output 0) ‖ sha256(output 1) ‖ … )` over the units in order (32 zero bytes
 * for a unit that failed). Anyone holding the outputs can recompute it.
 *
 * @example
 * const root = resultRoot(units.map((unit) => unit.acceptedSha256))
 */
export function resultRoot(unitSha256: readonly (string | undefined)[]): Hex {
  return keccak256(concat(unitSha256.map((hash) => (hash ? (`0x${hash}` as Hex) : missing))))
}
