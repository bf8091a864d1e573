/** What the host keeps of one work unit, in memory and in storage. */
export type UnitRecord = {
  index: number
  /**
   * `accepted` with `single` set is provisional: accepted on one identity's word, final only once
   * that identity passes a later check (a canary, or a replica that agrees).
   */
  status: 'open' | 'accepted' | 'failed'
  /** Replicas issued so far, over the whole life of the job (reloads included). */
  issued: number
  errors: number
  results: UnitResult[]
  acceptedSha256?: string
  /** The identity whose result alone accepted the unit, until that identity passes a check. */
  single?: string
  /**
   * Accepted by a quorum of established identities from distinct origins: its answer is known,
   * and the unit may be re-issued as a canary.
   */
  canary?: boolean
  /** Identities already credited for this unit (final units only): none is credited twice. */
  credited?: string[]
  /** Times the unit was reopened because an identity whose word accepted it was flagged. */
  reopened?: number
  failReason?: string
  lastError?: string
}

export type UnitResult = {
  /** The identity that computed it. */
  volunteerId: string
  /** Its vote: the result's hash, or its group's key with float tolerance. */
  sha256: string
  /** The network it came from (see `originKeyOf`), so no replica goes to the same one. */
  origin?: string
  /** The wallet that identity had bound, if any. */
  wallet?: string
}
