import { bytesToBase64 } from '../encoding/base64.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage } from '../p2p/messages.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import type { JobRecord } from './JobRecord.ts'

export type WelcomeMessage = Extract<HostMessage, { type: 'welcome' }>

/**
 * The host's answer to a volunteer's `hello`: the job's settings and, as the body, the file of
 * the kernel chosen for that volunteer (`chooseKernel`). Throws when the job lacks that file.
 *
 * @example
 * const { message, body } = welcomeMessage(job, choice.kernel)
 * await link.send(message, body)
 */
export function welcomeMessage(
  job: JobRecord,
  kernel: KernelRef,
): { message: WelcomeMessage; body: Uint8Array } {
  const { limits, output } = job.manifest
  const body = kernel.kind === 'wgsl' ? new TextEncoder().encode(job.wgsl) : job.wasm
  if (!body) throw new Error(`job ${job.jobId} has no ${kernel.kind} kernel file`)
  const message: WelcomeMessage = {
    v: JOB_PROTOCOL_VERSION,
    type: 'welcome',
    jobId: job.jobId,
    name: job.name,
    kernel,
    params: bytesToBase64(job.params),
    unitsTotal: job.unitsTotal,
    timeLimitMs: limits.timeLimitMs,
    memoryBytes: limits.memoryBytes,
    variableOutput: output.maxBytesPerUnit !== undefined,
  }
  return { message, body }
}
