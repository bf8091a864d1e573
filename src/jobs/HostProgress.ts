/** What a job host reports to its page after every change (`JobHost.onProgress`). */
export type HostProgress = {
  unitsTotal: number
  issued: number
  validated: number
  failed: number
  inFlight: number
  volunteers: number
  flagged: string[]
  /** Units accepted per second, over the last `rateWindowMs`. */
  unitsPerSecond: number
  /** Accepted units per partner site key (see `hello.siteKey`). */
  sites: Record<string, number>
  failures: { index: number; reason: string }[]
  complete: boolean
}
