import type { Manifest } from '../tasks/manifestSchema.ts'

/** Everything the host needs to run (or resume) a job, but its input file; stored as one record. */
export type JobRecord = {
  jobId: string
  name: string
  manifest: Manifest
  /** The WGSL kernel's source, when the manifest has a `wgsl` kernel. */
  wgsl?: string
  /** The WASM kernel's bytes, when the manifest has a `wasm` kernel. */
  wasm?: Uint8Array
  /** The manifest's params, packed: the same bytes for every unit. */
  params: Uint8Array
  unitsTotal: number
  /** Size of the input file (stored apart, see `JobStore.saveInput`); 0 for count units. */
  inputBytes: number
  /** SHA-256 of the input file, when there is one. */
  inputSha256?: string
  /** The catalogue entry the job came from, so the page knows how to present its output. */
  catalogueId?: string
  /** Time a volunteer has to return a unit, transfers included. */
  deadlineMs: number
  /** Proves ownership of the directory listing across reloads of the host. */
  ownerToken: string
  status: 'running' | 'complete'
  createdAt: number
  flagged: string[]
}
