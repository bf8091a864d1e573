/** What the host keeps of one work unit, in memory and in storage. */
export type UnitRecord = {
  index: number
  status: 'open' | 'accepted' | 'failed'
  /** Replicas issued so far, over the whole life of the job (reloads included). */
  issued: number
  errors: number
  results: UnitResult[]
  acceptedSha256?: string
  failReason?: string
  lastError?: string
}

export type UnitResult = { volunteerId: string; sha256: string }
