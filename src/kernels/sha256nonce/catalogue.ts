import wasmUrl from '../../../build/wasm/sha256nonce.wasm?url'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import {
  prefixWords,
  sha256NonceManifestParams,
  sha256NonceMessage,
  sha256NonceParamsFromManifest,
  sha256NonceSlotBytes,
  type Sha256NonceParams,
} from './params.ts'
import { sha256 } from './sha256.ts'
import source from './sha256nonce.wgsl?raw'

/**
 * The sample search: 16 units × 2048 slots × 1024 nonces = 2²⁵ nonces, at 22 zero bits about
 * 8 hits (2²⁵ / 2²²). A unit is 2²¹ hashes: a fraction of a second in the SIMD WASM kernel on
 * a laptop core, a few seconds on a phone.
 */
export const sha256NonceSampleParams: Sha256NonceParams = {
  prefix: prefixWords('volunteer-sha256'),
  zeroBits: 22,
  slotsPerUnit: 2048,
  noncesPerSlot: 1024,
}

const sampleUnits = 16
const workgroupSize = 64
// Hits listed one per line; the rest are counted.
const listedHits = 12

/**
 * The sample job's package; tests in Node pass `fetchWasm` to read the built kernel from disk.
 *
 * @example
 * const job = await createSha256NoncePackage()
 */
export function createSha256NoncePackage(
  options: Pick<CreateCataloguePackageParameters, 'fetchWasm'> = {},
): Promise<JobPackage> {
  const params = sha256NonceSampleParams
  return createCataloguePackage({
    manifest: {
      manifestVersion: 1,
      name: 'SHA-256 nonce search',
      kernels: [
        // One invocation per slot writes the slot's two words.
        { kind: 'wgsl', entry: 'main', workgroupSize: [workgroupSize], elementsPerInvocation: 2 },
        { kind: 'wasm' },
      ],
      units: { mode: 'count', unitCount: sampleUnits },
      params: sha256NonceManifestParams(params),
      output: { bytesPerUnit: params.slotsPerUnit * sha256NonceSlotBytes, assemble: 'concat' },
      comparison: { mode: 'exact' },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 60_000, memoryBytes: 4 << 20 },
    },
    wgsl: source,
    wasmUrl,
    ...options,
  })
}

type Hit = { nonce: number; runHits: number }

/**
 * The hits of an assembled search, in nonce-search order: the first hit of every slot that
 * has one, and how many hits that slot had in all.
 */
export function sha256NonceHits(output: Uint8Array): Hit[] {
  const view = new DataView(output.buffer, output.byteOffset, output.byteLength)
  const hits: Hit[] = []
  for (let at = 0; at + sha256NonceSlotBytes <= output.length; at += sha256NonceSlotBytes) {
    const runHits = view.getUint32(at, true)
    if (runHits > 0) hits.push({ nonce: view.getUint32(at + 4, true), runHits })
  }
  return hits
}

function describePrefix(prefix: Sha256NonceParams['prefix']): string {
  const bytes = sha256NonceMessage(prefix, 0).subarray(0, 16)
  const printable = bytes.every((byte) => byte >= 0x20 && byte < 0x7f)
  return printable ? JSON.stringify(String.fromCharCode(...bytes)) : `0x${hex(bytes)}`
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function presentSha256Nonce(output: Uint8Array, manifest: Manifest): Presentation {
  const params = sha256NonceParamsFromManifest(manifest.params)
  const hits = sha256NonceHits(output)
  const total = hits.reduce((sum, hit) => sum + hit.runHits, 0)
  const searched = (output.length / sha256NonceSlotBytes) * params.noncesPerSlot
  const lines = [
    `Searched ${searched.toLocaleString('en-US')} nonces of SHA-256(${describePrefix(params.prefix)} ‖ nonce as 4 big-endian bytes) for ${params.zeroBits} leading zero bits: ${total} ${total === 1 ? 'hit' : 'hits'}.`,
    ...hits.slice(0, listedHits).map(({ nonce, runHits }) => {
      const digest = hex(sha256(sha256NonceMessage(params.prefix, nonce)))
      const more =
        runHits > 1 ? ` (and ${runHits - 1} more in its run of ${params.noncesPerSlot} nonces)` : ''
      return `nonce ${nonce} (0x${nonce.toString(16).padStart(8, '0')}) gives hash ${digest}${more}`
    }),
  ]
  if (hits.length > listedHits) lines.push(`… and ${hits.length - listedHits} more runs with hits.`)
  return { kind: 'text', lines }
}

/** The catalogue's SHA-256 nonce search: proof-of-work style hashing, distributed.net style. */
export const sha256nonceCatalogueEntry: CatalogueEntry = {
  id: 'sha256nonce',
  title: 'SHA-256 nonce search',
  summary:
    'Searches 33 million nonces for a SHA-256 hash with 22 leading zero bits, the proof-of-work kind of job (cryptography, distributed.net).',
  createPackage: () => createSha256NoncePackage(),
  present: presentSha256Nonce,
}
