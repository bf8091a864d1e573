import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'

/** How a job's assembled output is shown on the requester page. */
export type Presentation =
  | { kind: 'image'; width: number; height: number; rgba: Uint8Array; caption?: string }
  | { kind: 'text'; lines: string[] }

/**
 * A built-in job of the requester page's catalogue: one of the whitepaper's use cases, with a
 * WGSL and an AssemblyScript kernel and a sample input, ready to run in two clicks.
 */
export type CatalogueEntry = {
  /** Stable, URL-safe: `matmul`, `nbody`, ... */
  id: string
  title: string
  /** One sentence: what it computes and which field uses it. */
  summary: string
  /** Fetches the kernels, fills in their hashes, makes the sample input. */
  createPackage(): Promise<JobPackage>
  /** Turns the assembled output (every unit accepted) into something a person can read. */
  present(output: Uint8Array, manifest: Manifest): Presentation
}
