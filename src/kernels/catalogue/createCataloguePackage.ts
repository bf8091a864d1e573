import { sha256Hex } from '../../crypto/sha256Hex.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { ManifestInput } from '../../tasks/manifestSchema.ts'
import { validateManifest } from '../../tasks/validateManifest.ts'

type KernelInput = ManifestInput['kernels'][number]
type Unhashed<K> = K extends unknown ? Omit<K, 'sha256'> : never

export type CreateCataloguePackageParameters = {
  /** The manifest, its kernels without their `sha256` (filled in from the files). */
  manifest: Omit<ManifestInput, 'kernels'> & { kernels: Unhashed<KernelInput>[] }
  wgsl?: string
  /** Where the built kernel is served (a Vite `?url` import of `build/wasm/<name>.wasm`). */
  wasmUrl?: string
  input?: Blob
  /** Tests in Node read the file themselves. */
  fetchWasm?: (url: string) => Promise<Uint8Array<ArrayBuffer>>
}

/**
 * Builds a catalogue job's package: fetches its WASM kernel, hashes both kernels into the
 * manifest and validates it, as an uploaded job would be.
 *
 * @example
 * createCataloguePackage({ manifest, wgsl: matmulWgsl, wasmUrl: matmulWasmUrl, input })
 */
export async function createCataloguePackage(
  parameters: CreateCataloguePackageParameters,
): Promise<JobPackage> {
  const { manifest, wgsl, wasmUrl, input, fetchWasm = fetchBytes } = parameters
  const wasm = wasmUrl === undefined ? undefined : await fetchWasm(wasmUrl)
  const kernels = await Promise.all(
    manifest.kernels.map(async (kernel) => {
      const bytes = kernel.kind === 'wgsl' ? encodeUtf8(wgsl) : wasm
      if (!bytes) throw new Error(`the catalogue job "${manifest.name}" lacks its ${kernel.kind}`)
      return { ...kernel, sha256: await sha256Hex(bytes) }
    }),
  )
  return {
    manifest: validateManifest({ ...manifest, kernels }),
    ...(wgsl !== undefined && { wgsl }),
    ...(wasm && { wasm }),
    ...(input && { input }),
  }
}

function encodeUtf8(text: string | undefined): Uint8Array<ArrayBuffer> | undefined {
  return text === undefined ? undefined : new TextEncoder().encode(text)
}

async function fetchBytes(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}
