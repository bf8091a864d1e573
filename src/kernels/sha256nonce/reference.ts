import {
  sha256NonceMessage,
  sha256NonceNoHit,
  sha256NonceSlotBytes,
  slotFirstNonce,
  type Sha256NonceParams,
} from './params.ts'
import { sha256 } from './sha256.ts'

/** Whether a digest starts with at least `bits` zero bits. */
export function hasLeadingZeroBits(digest: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) if ((digest[i >> 3]! >> (7 - (i & 7))) & 1) return false
  return true
}

/**
 * One unit of the nonce search, in plain TypeScript: hashes every message of the unit with the
 * general-purpose {@link sha256} and writes, per slot, the number of hits and the first hit in
 * search order (`0xffffffff` when none), two little-endian u32. The kernels must produce these
 * very bytes.
 *
 * @example
 * sha256NonceReference(3, { prefix, zeroBits: 8, slotsPerUnit: 4, noncesPerSlot: 256 })
 */
export function sha256NonceReference(
  unitIndex: number,
  params: Sha256NonceParams,
): Uint8Array<ArrayBuffer> {
  const { prefix, zeroBits, slotsPerUnit, noncesPerSlot } = params
  const output = new Uint8Array(slotsPerUnit * sha256NonceSlotBytes)
  const view = new DataView(output.buffer)
  for (let slot = 0; slot < slotsPerUnit; slot++) {
    const first = slotFirstNonce(unitIndex, slot, params)
    let hits = 0
    let firstHit = sha256NonceNoHit
    for (let k = 0; k < noncesPerSlot; k++) {
      const nonce = (first + k) >>> 0
      if (!hasLeadingZeroBits(sha256(sha256NonceMessage(prefix, nonce)), zeroBits)) continue
      if (hits === 0) firstHit = nonce
      hits++
    }
    view.setUint32(slot * sha256NonceSlotBytes, hits, true)
    view.setUint32(slot * sha256NonceSlotBytes + 4, firstHit, true)
  }
  return output
}
