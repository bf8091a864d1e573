import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { formatUnits } from 'viem'
import type { HostProgress } from '../jobs/HostProgress.ts'
import type { UploadProblems } from '../requester/checkUpload.ts'
import { createJob } from '../sdk/createJob.ts'
import { InvalidPackageError, JobStoppedError, UnitsFailedError } from '../sdk/errors.ts'
import type { Job, SignalingEvent } from '../sdk/Job.ts'
import type { JobRewardsOption } from '../sdk/JobFunding.ts'
import { formatProgress } from './formatProgress.ts'

export type HostJobParameters = {
  /** The job package folder (see `readJobPackageFolder`). */
  folder: string
  signalingUrl: string
  /** The host's store; default `<folder>/.volunteer-compute/host.sqlite`. */
  storeFile?: string | undefined
  /** Where the assembled output goes; default `<folder>/output.bin`. */
  outputFile?: string | undefined
  /** Replicas of a unit may go to one network: volunteers on the host's own LAN. */
  privatePool?: boolean
  /** Caps what the host sends, bytes per second. */
  uplinkBytesPerSecond?: number | undefined
  /** Volunteers fetch input pieces from each other (default true). */
  swarm?: boolean | undefined
  /** Once the output is written, answer re-verification until the signal aborts. */
  serve?: boolean | undefined
  /** Funds the job and pays its volunteers (see `createJob`); absent: unpaid. */
  rewards?: JobRewardsOption | undefined
  /** Progress and messages; a TTY gets one line rewritten in place. */
  out: NodeJS.WriteStream
  err: NodeJS.WriteStream
  /** Ends the job early (Ctrl-C): the host stops and keeps what it has for the next run. */
  signal?: AbortSignal
  /** Told of the hosted job once it is open (the status board reads it). */
  onJob?: (job: Job) => void
}

export type HostJobResult =
  | { kind: 'problems'; problems: UploadProblems }
  | { kind: 'complete'; outputFile: string; sha256: string; resumed: boolean }
  | { kind: 'failed-units'; failures: { index: number; reason: string }[] }
  | { kind: 'stopped' }

/**
 * `volunteer-compute host <folder>`: the SDK's `createJob` with a terminal's face. Checks the
 * package as the upload page does, hosts the job (its units, results and reputation in a SQLite
 * file), shows a live progress line, and writes the assembled output once every unit is final.
 * Run again after a stop or a crash, it resumes the same job from its store: no accepted result
 * is lost or computed again.
 */
export async function hostJob(parameters: HostJobParameters): Promise<HostJobResult> {
  const { folder, signalingUrl, out, err, signal } = parameters
  let job: Job
  const { rewards } = parameters
  if (rewards)
    err.write(
      `Rewards on ${rewards.chain.chainName} (chain ${rewards.chain.chainId}): a new job is funded before it is listed.\n`,
    )
  try {
    job = await createJob({
      package: folder,
      signaling: signalingUrl,
      ...(parameters.storeFile && { store: parameters.storeFile }),
      ...(parameters.privatePool && { privatePool: true }),
      ...(parameters.uplinkBytesPerSecond !== undefined && {
        uplinkBytesPerSecond: parameters.uplinkBytesPerSecond,
      }),
      ...(parameters.swarm === false && { swarm: false }),
      ...(parameters.serve && { keepServing: true }),
      ...(rewards && { rewards }),
    })
  } catch (error) {
    if (error instanceof InvalidPackageError) return { kind: 'problems', problems: error.problems }
    throw error
  }
  parameters.onJob?.(job)
  err.write(
    job.resumed
      ? `Resuming ${job.name} (${job.id}) from ${job.storeFile}: ${job.progress.validated} of ${job.unitsTotal} units already validated.\n`
      : `Hosting ${job.name} (${job.id}): ${job.unitsTotal} units; store ${job.storeFile}.\n`,
  )
  const funding = job.funding
  if (funding) {
    const tokens = (amount: bigint) =>
      `${formatUnits(amount, funding.tokenDecimals)} ${funding.tokenSymbol}`
    err.write(
      `${job.resumed ? 'Funded earlier' : 'Funded'} by ${funding.requester}: ${tokens(funding.budget)} in escrow ${funding.escrow} (job ${funding.chainJobId}), ${tokens(funding.rewardPerUnit)} per unit per agreeing volunteer; ${tokens(funding.budget - funding.promised)} left to earn.\n`,
    )
  }
  const progressLine = new ProgressLine(out)
  job.on('resultRoot', ({ root, transactionHash }) => {
    progressLine.interrupt()
    err.write(`Result root ${root} recorded on chain (transaction ${transactionHash}).\n`)
  })
  job.on('signaling', (event) => {
    progressLine.interrupt()
    err.write(signalingMessage(event))
  })
  job.on('error', (error) => {
    progressLine.interrupt()
    err.write(`${error.message}\n`)
  })
  job.on('progress', (progress) => progressLine.show(progress))
  progressLine.show(job.progress, true)

  const stop = () => void job.stop()
  if (signal?.aborted) stop()
  signal?.addEventListener('abort', stop, { once: true })
  try {
    const { bytes, sha256 } = await job.done()
    progressLine.show(job.progress, true)
    progressLine.end()
    const outputFile = parameters.outputFile ?? path.join(folder, 'output.bin')
    await writeFile(outputFile, bytes)
    if (parameters.serve) {
      err.write(
        `Output written to ${outputFile}. Answering re-verification of its units (volunteer-compute verify ${job.id} <unit>) until Ctrl-C.\n`,
      )
      await new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve()
        signal?.addEventListener('abort', () => resolve(), { once: true })
      })
      await job.stop()
    }
    return { kind: 'complete', outputFile, sha256, resumed: job.resumed }
  } catch (error) {
    progressLine.end()
    if (error instanceof JobStoppedError) {
      err.write(`Stopped. Run the same command again to resume from ${job.storeFile}.\n`)
      return { kind: 'stopped' }
    }
    if (error instanceof UnitsFailedError) {
      await job.stop()
      return { kind: 'failed-units', failures: error.failures }
    }
    throw error
  } finally {
    signal?.removeEventListener('abort', stop)
  }
}

function signalingMessage(event: SignalingEvent): string {
  switch (event.kind) {
    case 'connecting':
      return ''
    case 'retrying':
      return `Signaling server ${event.url} unreachable (${event.reason}); retrying in ${event.delayMs / 1000} s.\n`
    case 'listed':
      return `Listed at ${event.url} as host ${event.hostPeerId}. Waiting for volunteers.\n`
    case 'lost':
      return `Lost the signaling server ${event.url}; reconnecting. The volunteers already connected go on.\n`
  }
}

/**
 * The progress line: on a terminal, one line rewritten in place at most five times a second;
 * otherwise (a log file, a pipe) a line every five seconds.
 */
class ProgressLine {
  readonly #out: NodeJS.WriteStream
  #lastPrinted = 0
  #open = false

  constructor(out: NodeJS.WriteStream) {
    this.#out = out
  }

  show(progress: HostProgress, force = false): void {
    const now = Date.now()
    if (!force && now - this.#lastPrinted < (this.#out.isTTY ? 200 : 5000)) return
    this.#lastPrinted = now
    if (this.#out.isTTY) {
      this.#out.write(`\r${formatProgress(progress)}\x1b[K`)
      this.#open = true
    } else {
      this.#out.write(`${formatProgress(progress)}\n`)
    }
  }

  /** A message is about to be printed: end the line in place first. */
  interrupt(): void {
    if (!this.#open) return
    this.#out.write('\n')
    this.#open = false
  }

  end(): void {
    this.interrupt()
  }
}
