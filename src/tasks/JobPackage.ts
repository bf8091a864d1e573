import type { Manifest } from './manifestSchema.ts'

/**
 * A job as a requester hands it over: the validated manifest, its kernel files (the ones the
 * manifest names, by their SHA-256) and its input file. What the upload form produces, what a
 * catalogue entry produces, and what the host publishes.
 */
export type JobPackage = {
  manifest: Manifest
  /** The WGSL kernel's source, when the manifest has a `wgsl` kernel. */
  wgsl?: string
  /** The WASM kernel's bytes, when the manifest has a `wasm` kernel. */
  wasm?: Uint8Array<ArrayBuffer>
  /** The input file, for `split` units; a Blob so that a large file is never all in memory. */
  input?: Blob
}
