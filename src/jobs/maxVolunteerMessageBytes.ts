import { planUnits } from '../tasks/planUnits.ts'
import type { JobRecord } from './JobRecord.ts'

/**
 * Room for a message's 4-byte length prefix and the largest JSON header a volunteer may send.
 * That is `bind` (src/p2p/messages.ts): a SIWE message of at most 2,000 UTF-16 code units, each
 * at most 6 bytes once JSON-escaped (`\u0000`), and a signature of at most 2,002 characters, so
 * about 14 KB with its field names. A `result` header is under 300 bytes.
 */
export const VOLUNTEER_HEADER_ALLOWANCE_BYTES = 16 * 1024

/**
 * The largest message a volunteer of this job may send: a `result` carrying the largest unit
 * output, plus {@link VOLUNTEER_HEADER_ALLOWANCE_BYTES}. The host refuses anything longer at its
 * first frame, so a peer cannot make it hold more than a real result would need.
 *
 * Unit 0 has the largest output, with no loop over the units: every split unit but the last has
 * `itemsPerUnit` items and the last at most that many, an output of `bytesPerItem` grows with the
 * items, and `bytesPerUnit` or `maxBytesPerUnit` (variable output) is the same for every unit.
 *
 * @example
 * const link = createPeerLink({
 *   connection,
 *   schema: volunteerMessageSchema,
 *   channel: { maxReceiveBytes: maxVolunteerMessageBytes(job) },
 * })
 */
export function maxVolunteerMessageBytes(job: Pick<JobRecord, 'manifest' | 'inputBytes'>): number {
  const plan = planUnits(job.manifest, job.inputBytes)
  return plan.outputBytes(0) + VOLUNTEER_HEADER_ALLOWANCE_BYTES
}
