import type { Violation } from './JobRecord.ts'
import type { JobStanding } from './JobStanding.ts'
import type { SwarmFigures } from './PieceDesk.ts'

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
  /** What the job's data cost the requester's uplink. */
  data: DataFigures
}

export type DataFigures = {
  /** Bytes of kernels, inputs and pieces this host sent. */
  sentBytes: number
  /** The input file's size: `sentBytes / inputBytes` is what each input byte cost. */
  inputBytes: number
  /** The data swarm's figures, when volunteers fetch pieces from each other. */
  swarm: SwarmFigures | undefined
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
