import { compareResults } from '../tasks/compareResults.ts'
import type { JobPackage } from '../tasks/JobPackage.ts'
import { packParams } from '../tasks/packParams.ts'
import { planUnits } from '../tasks/planUnits.ts'
import { trimUnitOutput } from '../tasks/trimUnitOutput.ts'
import type { UnitRunner } from '../volunteer/UnitRunner.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import type { GpuComputeKernel } from '../workers/webgpu/createGpuComputeApi.ts'
import { describe } from './checkUpload.ts'

export type DryRunKernel =
  | { kind: 'wasm' | 'wgsl'; ok: true; output: Uint8Array; ms: number }
  | { kind: 'wasm' | 'wgsl'; ok: false; error: string; code: string }

export type DryRunReturnType = {
  kernels: DryRunKernel[]
  /** With both kernels run: whether their unit-0 results pass the manifest's comparison. */
  agreement?: { agree: true } | { agree: false; detail: string }
  /** Whether the job may be published: every kernel ran, and they agree. */
  ok: boolean
}

export type DryRunRunners = {
  wasm?: UnitRunner<ComputeKernel> | undefined
  /** Absent when this device has no WebGPU: a WGSL kernel then cannot be dry-run. */
  wgsl?: UnitRunner<GpuComputeKernel> | undefined
}

/**
 * Runs unit 0 of a checked package on the requester's own device, with each of its kernels,
 * under the manifest's time and memory limits, as a volunteer would; with two kernels, compares
 * their results by the manifest's comparison (replicas of one unit may come from either).
 *
 * @example
 * const { ok, kernels } = await dryRun(pkg, { wasm: pool, wgsl: gpu })
 */
export async function dryRun(pkg: JobPackage, runners: DryRunRunners): Promise<DryRunReturnType> {
  const { manifest } = pkg
  const plan = planUnits(manifest, pkg.input?.size ?? 0)
  const { start, end } = plan.inputRange(0)
  const input = pkg.input
    ? new Uint8Array(await pkg.input.slice(start, end).arrayBuffer())
    : new Uint8Array()
  const unit = {
    index: 0,
    count: plan.unitCount,
    params: packParams(manifest.params),
    input,
    outputBytes: plan.outputBytes(0),
  }
  const options = { timeLimitMs: manifest.limits.timeLimitMs }
  const kernels: DryRunKernel[] = []
  for (const kernel of manifest.kernels) {
    try {
      const started = performance.now()
      let buffer: Uint8Array
      if (kernel.kind === 'wasm') {
        if (!runners.wasm || !pkg.wasm) throw new Error('no WebAssembly engine or kernel')
        const bytes = pkg.wasm.slice().buffer
        await runners.wasm.load({
          bytes,
          sha256: kernel.sha256,
          memoryBytes: manifest.limits.memoryBytes,
        })
        buffer = (await runners.wasm.run({ ...unit, input: input.slice() }, options)).output
      } else {
        if (!runners.wgsl)
          throw Object.assign(
            new Error('This device has no WebGPU, so the WGSL kernel cannot be dry-run here.'),
            {
              code: 'webgpu/unavailable',
            },
          )
        const bytes = new TextEncoder().encode(pkg.wgsl).buffer
        await runners.wgsl.load({
          bytes,
          sha256: kernel.sha256,
          entry: kernel.entry,
          workgroupSize: kernel.workgroupSize,
          elementsPerInvocation: kernel.elementsPerInvocation,
        })
        buffer = (await runners.wgsl.run({ ...unit, input: input.slice() }, options)).output
      }
      const output = trimUnitOutput(manifest.output, buffer).slice()
      kernels.push({ kind: kernel.kind, ok: true, output, ms: performance.now() - started })
    } catch (error) {
      const code = (error as { code?: unknown }).code
      kernels.push({
        kind: kernel.kind,
        ok: false,
        error: describe(error),
        code: typeof code === 'string' ? code : 'unit/failed',
      })
    }
  }
  const [first, second] = kernels
  let agreement: DryRunReturnType['agreement']
  if (first?.ok && second?.ok) {
    const compared = compareResults(first.output, second.output, manifest.comparison)
    agreement = compared.equal
      ? { agree: true }
      : {
          agree: false,
          detail: `${first.kind} and ${second.kind} differ at ${manifest.comparison.mode === 'exact' ? 'byte' : 'element'} ${compared.index}: ${compared.a} vs ${compared.b}`,
        }
  }
  const ok = kernels.every((kernel) => kernel.ok) && agreement?.agree !== false
  return { kernels, ...(agreement && { agreement }), ok }
}
