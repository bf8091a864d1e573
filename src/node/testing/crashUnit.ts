import { createHash } from 'node:crypto'
import type { UnitRecord } from '../../jobs/UnitRecord.ts'
import type { ReputationEntry } from '../../trust/ReputationBook.ts'

export const crashJobId = 'crash-job'

/** What the crash test's writer saves for unit `index`, so that the test can check it after. */
export function crashUnit(index: number): {
  unit: UnitRecord
  bytes: Uint8Array
  sha256: string
  reputation: ReputationEntry
} {
  // A few pages per unit, different for every unit, so a torn or misplaced write shows.
  const bytes = Uint8Array.from(
    { length: 8_192 + (index % 7) * 1_000 },
    (_, i) => (i * 7 + index) % 256,
  )
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  return {
    unit: {
      index,
      status: 'accepted',
      issued: 2,
      errors: 0,
      results: [{ volunteerId: `key-${index % 5}`, sha256 }],
      acceptedSha256: sha256,
    },
    bytes,
    sha256,
    reputation: {
      identity: `key-${index % 5}`,
      firstSeen: 0,
      lastSeen: index,
      kernels: {},
      flaggedJobs: [],
    },
  }
}
