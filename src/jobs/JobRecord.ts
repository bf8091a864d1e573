/** Everything the host needs to run (or resume) a job; stored as one record. */
export type JobRecord = {
  jobId: string
  name: string
  /** Which built-in job this is, so the requester page knows how to show its output. */
  preset: 'mandelbrot'
  kernelKind: 'wasm'
  kernel: Uint8Array
  kernelSha256: string
  params: Uint8Array
  unitsTotal: number
  outputBytesPerUnit: number
  quorum: number
  maxResultsPerUnit: number
  maxErrorsPerUnit: number
  /** Time limit for one unit on a volunteer's device. */
  timeLimitMs: number
  /** Time a volunteer has to return a unit, transfers included. */
  deadlineMs: number
  /** Proves ownership of the directory listing across reloads of the host. */
  ownerToken: string
  status: 'running' | 'complete'
  createdAt: number
  flagged: string[]
}
