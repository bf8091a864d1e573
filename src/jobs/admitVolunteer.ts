import type { VolunteerMessage } from '../p2p/messages.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import { chooseKernel } from './chooseKernel.ts'
import type { JobRecord } from './JobRecord.ts'
import type { RefusalCode } from './refuseVolunteer.ts'
import type { Scheduler } from './Scheduler.ts'

export type Admission =
  | { admitted: true; kernel: KernelRef; slots: number }
  | { admitted: false; code: RefusalCode; message: string }

/**
 * Whether a volunteer that said hello gets units of this job, and with which of its kernels
 * (`chooseKernel`); if not, the refusal to send it. Refused: a hello for another job, a volunteer
 * the job flagged, any volunteer once the job is complete, and one with no engine for the job.
 *
 * @example
 * const admission = admitVolunteer(job, scheduler, identity, hello)
 * if (!admission.admitted) refuseVolunteer(link, admission.code, admission.message)
 */
export function admitVolunteer(
  job: JobRecord,
  scheduler: Scheduler,
  identity: string,
  hello: Extract<VolunteerMessage, { type: 'hello' }>,
): Admission {
  const refuse = (code: RefusalCode, message: string): Admission => ({
    admitted: false,
    code,
    message,
  })
  if (hello.jobId !== job.jobId) return refuse('job/unknown', `This host runs job ${job.jobId}.`)
  if (scheduler.isFlagged(identity))
    return refuse('volunteer/flagged', 'Your results disagreed with verified ones.')
  if (scheduler.isBenched(identity))
    return refuse('volunteer/unreliable', 'Too many of your units failed or missed their deadline.')
  if (scheduler.done) return refuse('job/complete', 'The job is complete.')
  const choice = chooseKernel(job.manifest.kernels, hello.engines, hello.allowFallbackGpu)
  if (!choice.kernel) return refuse('volunteer/no-engine', choice.reason)
  return { admitted: true, kernel: choice.kernel, slots: choice.engine.slots }
}
