import kernelUrl from '../../../build/wasm/mandelbrot.wasm?url'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import {
  demoMandelbrotParams,
  encodeMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
  type MandelbrotParams,
} from '../../kernels/mandelbrot/params.ts'
import type { JobRecord } from '../JobRecord.ts'

export type CreateMandelbrotJobParameters = {
  params?: MandelbrotParams
  /** Results that must agree before a unit counts. */
  quorum?: number
  fetchKernel?: () => Promise<Uint8Array<ArrayBuffer>>
}

/**
 * The built-in demo: a Mandelbrot render, one tile per unit, computed by the
 * AssemblyScript kernel in `assembly/mandelbrot.ts`.
 */
export async function createMandelbrotJob({
  params = demoMandelbrotParams,
  quorum = 2,
  fetchKernel = async () => new Uint8Array(await (await fetch(kernelUrl)).arrayBuffer()),
}: CreateMandelbrotJobParameters = {}): Promise<JobRecord> {
  const kernel = await fetchKernel()
  const random = crypto.getRandomValues(new Uint8Array(24))
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')
  return {
    jobId: `mandelbrot-${hex.slice(0, 12)}`,
    name: `Mandelbrot ${params.width}×${params.height}`,
    preset: 'mandelbrot',
    kernelKind: 'wasm',
    kernel,
    kernelSha256: await sha256Hex(kernel),
    params: encodeMandelbrotParams(params),
    unitsTotal: mandelbrotUnitCount(params),
    outputBytesPerUnit: mandelbrotUnitOutputBytes(params),
    quorum,
    maxResultsPerUnit: quorum + 3,
    maxErrorsPerUnit: 4,
    timeLimitMs: 30_000,
    deadlineMs: 60_000,
    ownerToken: hex + hex.slice(0, 16),
    status: 'running',
    createdAt: Date.now(),
    flagged: [],
  }
}
