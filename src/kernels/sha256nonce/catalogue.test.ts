import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { fetchBuiltWasm } from '../testing/fetchBuiltWasm.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import {
  createSha256NoncePackage,
  sha256nonceCatalogueEntry,
  sha256NonceSampleParams,
} from './catalogue.ts'
import { sha256NonceManifestParams, sha256NonceMessage, type Sha256NonceParams } from './params.ts'
import { sha256NonceReference } from './reference.ts'

const fetchWasm = fetchBuiltWasm

const nodeSha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('sha256nonce catalogue entry', () => {
  test('the package validates and names its kernels by their hashes', async () => {
    const job = await createSha256NoncePackage({ fetchWasm })
    const { manifest } = job
    const wasm = await fetchWasm('/build/wasm/sha256nonce.wasm')
    expect(job.wasm).toEqual(wasm)
    expect(manifest.kernels).toEqual([
      expect.objectContaining({
        kind: 'wgsl',
        sha256: nodeSha256Hex(new TextEncoder().encode(job.wgsl)),
      }),
      { kind: 'wasm', sha256: nodeSha256Hex(wasm) },
    ])
    expect(job.input).toBeUndefined()
    const plan = planUnits(manifest, 0)
    expect(plan.unitCount).toBeGreaterThanOrEqual(8)
    expect(plan.outputBytes(0)).toBe(sha256NonceSampleParams.slotsPerUnit * 8)
    expect(manifest.comparison).toEqual({ mode: 'exact' })
    // Every nonce is searched once: the job stays inside the u32 nonce space.
    const { slotsPerUnit, noncesPerSlot } = sha256NonceSampleParams
    expect(plan.unitCount * slotsPerUnit * noncesPerSlot).toBeLessThanOrEqual(2 ** 32)
  })

  test('present() lists the hits of the reference output with their hashes', async () => {
    const { manifest: sample } = await createSha256NoncePackage({ fetchWasm })
    // A smaller search than the sample, so the TypeScript reference runs it in a moment.
    const params: Sha256NonceParams = {
      ...sha256NonceSampleParams,
      zeroBits: 9,
      slotsPerUnit: 32,
      noncesPerSlot: 64,
    }
    const unitCount = 8
    const manifest: Manifest = {
      ...sample,
      units: { mode: 'count', unitCount },
      params: sha256NonceManifestParams(params),
      output: { bytesPerUnit: params.slotsPerUnit * 8, assemble: 'concat' },
    }
    const results = Array.from({ length: unitCount }, (_, unit) =>
      sha256NonceReference(unit, params),
    )
    const output = assembleOutputs(manifest.output.assemble, results)

    // Every hit by brute force over the same nonces: 0 .. 8·32·64 − 1.
    const hitNonces = Array.from({ length: unitCount * 32 * 64 }, (_, nonce) => nonce).filter(
      (nonce) =>
        parseInt(nodeMessageHash(params, nonce).slice(0, 8), 16) >>> (32 - params.zeroBits) === 0,
    )
    expect(hitNonces.length).toBeGreaterThan(3)

    const presentation = sha256nonceCatalogueEntry.present(output, manifest)
    if (presentation.kind !== 'text') throw new Error('expected text')
    const [summary, ...hitLines] = presentation.lines
    expect(summary).toBe(
      `Searched 16,384 nonces of SHA-256("volunteer-sha256" ‖ nonce as 4 big-endian bytes) for 9 leading zero bits: ${hitNonces.length} hits.`,
    )
    expect(hitLines.length).toBeGreaterThan(0)
    for (const line of hitLines.filter((l) => l.startsWith('nonce'))) {
      const [, nonce, hash] =
        /^nonce (\d+) \(0x[0-9a-f]{8}\) gives hash ([0-9a-f]{64})/.exec(line) ?? []
      expect(hitNonces, line).toContain(Number(nonce))
      expect(hash).toBe(nodeMessageHash(params, Number(nonce)))
    }
  })
})

function nodeMessageHash(params: Sha256NonceParams, nonce: number): string {
  return nodeSha256Hex(sha256NonceMessage(params.prefix, nonce))
}
