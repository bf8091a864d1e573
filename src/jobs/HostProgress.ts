import type { Violation } from './JobRecord.ts'
import type { JobStanding } from './JobStanding.ts'

/** What a job host reports to its page after every change (`JobHost.onProgress`). */
export type HostProgress = {
  unitsTotal: number
  issued: number
  /** Units accepted and final. */
  validated: number
  /** Units accepted on one trusted identity's result, final once it passes its next check. */
  provisional: number
  failed: number
  inFlight: number
  volunteers: number
  /** Identities flagged in this job. */
  flagged: string[]
  /** Units accepted per second, over the last `rateWindowMs`. */
  unitsPerSecond: number
  /** Accepted units per partner site key (see `hello.siteKey`). */
  sites: Record<string, number>
  failures: { index: number; reason: string }[]
  complete: boolean
  /** What verification cost and caught: the figures a job's listing publishes. */
  verification: VerificationFigures
  /** Each identity that took part in this job, with its standing. */
  standings: StandingRow[]
  /** Protocol violations, and who made them. */
  violations: Violation[]
}

export type VerificationFigures = {
  /** Results received, checks and canaries included. */
  results: number
  /** Results per accepted unit: 2 for plain quorum 2, about 1.1 once volunteers are trusted. */
  resultsPerUnit: number
  canaries: number
  /** Units reopened because an identity whose word accepted them was flagged. */
  reopened: number
  flaggedIdentities: number
}

export type StandingRow = { identity: string } & JobStanding & {
    /** Consecutive valid results on the job's kernel (the reputation book, across jobs). */
    cv: number
    trusted: boolean
    flagged: boolean
    connected: boolean
  }
