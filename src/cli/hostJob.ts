import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Peer } from 'peerjs'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { acceptVolunteers } from '../jobs/acceptVolunteers.ts'
import { createJobRecord } from '../jobs/createJobRecord.ts'
import { JobHost, type HostProgress } from '../jobs/JobHost.ts'
import type { JobRecord } from '../jobs/JobRecord.ts'
import { openNodePeer } from '../node/openNodePeer.ts'
import { reconnectPeer } from '../p2p/reconnectPeer.ts'
import { readJobPackageFolder } from '../node/readJobPackageFolder.ts'
import { SqliteJobStore } from '../node/SqliteJobStore.ts'
import { checkUpload, type UploadProblems } from '../requester/checkUpload.ts'
import { listingVerification } from '../requester/listingVerification.ts'
import { assembleOutputs } from '../tasks/assembleOutputs.ts'
import type { JobPackage } from '../tasks/JobPackage.ts'
import { formatProgress } from './formatProgress.ts'
import { withBackoff } from './withBackoff.ts'

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
  /** Progress and messages; a TTY gets one line rewritten in place. */
  out: NodeJS.WriteStream
  err: NodeJS.WriteStream
  /** Ends the job early (Ctrl-C): the host stops and keeps what it has for the next run. */
  signal?: AbortSignal
}

export type HostJobResult =
  | { kind: 'problems'; problems: UploadProblems }
  | { kind: 'complete'; outputFile: string; sha256: string; resumed: boolean }
  | { kind: 'failed-units'; failures: { index: number; reason: string }[] }
  | { kind: 'stopped' }

const fieldNames = {
  manifest: 'the manifest',
  wasm: 'the WASM kernel',
  wgsl: 'the WGSL kernel',
  input: 'the input',
} as const

/** The problems of a package as the upload page lists them, one field after another. */
export function formatProblems(problems: UploadProblems): string {
  return Object.entries(problems)
    .map(
      ([field, messages]) =>
        `Problems with ${fieldNames[field as keyof typeof fieldNames]}:\n${(messages ?? []).map((m) => `  - ${m}`).join('\n')}`,
    )
    .join('\n')
}

/**
 * `volunteer-compute host <folder>`: checks the package as the upload page does, hosts the job
 * over WebRTC from this process with its units, results and reputation in a SQLite file, lists
 * it in the signaling server's directory, and writes the assembled output once every unit is
 * final. Run again after a stop or a crash, it resumes the same job from its store: no accepted
 * result is lost or computed again.
 */
export async function hostJob(parameters: HostJobParameters): Promise<HostJobResult> {
  const { folder, signalingUrl, out, err, signal } = parameters
  const read = await readJobPackageFolder(folder)
  if (!read.ok) return { kind: 'problems', problems: read.problems }
  const checked = await checkUpload(read.files)
  if (!checked.ok) return { kind: 'problems', problems: checked.problems }
  const pkg = checked.package
  const inputSha256 = pkg.input ? await sha256OfBlob(pkg.input) : undefined

  const storeFile = parameters.storeFile ?? path.join(folder, '.volunteer-compute', 'host.sqlite')
  await mkdir(path.dirname(storeFile), { recursive: true })
  const store = new SqliteJobStore(storeFile)
  let peer: Peer | undefined
  let host: JobHost | undefined
  try {
    const stored = await store.latestJob()
    const resumed = stored !== undefined && sameJob(stored, pkg, inputSha256)
    const job = resumed ? stored : createJobRecord(pkg, inputSha256 ? { inputSha256 } : {})
    if (!resumed && parameters.privatePool) job.privatePool = true
    host = await JobHost.open(store, job, !resumed && pkg.input ? { input: pkg.input } : {})
    err.write(
      resumed
        ? `Resuming ${job.name} (${job.jobId}) from ${storeFile}: ${host.progress.validated} of ${job.unitsTotal} units already validated.\n`
        : `Hosting ${job.name} (${job.jobId}): ${job.unitsTotal} units; store ${storeFile}.\n`,
    )
    const running = host
    if (!running.progress.complete) {
      peer = await withBackoff(() => openNodePeer({ signalingUrl }), {
        onRetry: (error, delayMs) =>
          err.write(
            `Signaling server ${signalingUrl} unreachable (${describe(error)}); retrying in ${delayMs / 1000} s.\n`,
          ),
      })
      acceptVolunteers(peer, running)
      const directory = new DirectoryClient(signalingUrl)
      const opened = peer
      const list = () =>
        directory.register({
          jobId: job.jobId,
          name: job.name,
          hostPeerId: opened.id,
          kernelKinds: job.manifest.kernels.map((kernel) => kernel.kind),
          unitsTotal: job.unitsTotal,
          unitsDone: running.progress.validated + running.progress.failed,
          ownerToken: job.ownerToken,
          verification: listingVerification(running.progress.verification),
        })
      await list()
      err.write(`Listed at ${signalingUrl} as host ${peer.id}. Waiting for volunteers.\n`)
      // The signaling server went away (a restart, the network): the volunteers already here keep
      // computing over their data connections; new ones need the peer back, and the listing.
      opened.on('disconnected', () => {
        if (opened.destroyed || running.progress.complete) return
        err.write(`\nLost the signaling server ${signalingUrl}; reconnecting.\n`)
        withBackoff(() => reconnectPeer(opened), {
          tries: 10,
          onRetry: (error, delayMs) =>
            err.write(`Still unreachable (${describe(error)}); retrying in ${delayMs / 1000} s.\n`),
        })
          .then(() => list().catch(() => undefined))
          .then(() => err.write(`Back on ${signalingUrl} as host ${opened.id}.\n`))
          .catch((error: unknown) =>
            err.write(
              `Could not get back on the signaling server (${describe(error)}): only the volunteers already connected can go on.\n`,
            ),
          )
      })
      running.start()
      const ended = await runUntilComplete(running, directory, out, signal)
      await directory.remove(job.jobId, job.ownerToken).catch(() => undefined)
      if (ended === 'stopped') {
        err.write(`Stopped. Run the same command again to resume from ${storeFile}.\n`)
        return { kind: 'stopped' }
      }
      // Last acknowledgements and credits reach the volunteers before the links close.
      peer.disconnect()
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    const progress = running.progress
    if (progress.failed) return { kind: 'failed-units', failures: progress.failures }
    const outputs = await running.outputs()
    const bytes = assembleOutputs(job.manifest.output.assemble, outputs)
    const outputFile = parameters.outputFile ?? path.join(folder, 'output.bin')
    await writeFile(outputFile, bytes)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    return { kind: 'complete', outputFile, sha256, resumed }
  } finally {
    host?.stop()
    peer?.destroy()
    store.close()
  }
}

/** Prints progress until the job completes, or `signal` aborts. */
function runUntilComplete(
  host: JobHost,
  directory: DirectoryClient,
  out: NodeJS.WriteStream,
  signal: AbortSignal | undefined,
): Promise<'complete' | 'stopped'> {
  const { job } = host
  let lastPrinted = 0
  let lastListed = 0
  const print = (progress: HostProgress, force = false) => {
    const now = Date.now()
    if (out.isTTY) {
      if (force || now - lastPrinted > 200) {
        out.write(`\r${formatProgress(progress)}\x1b[K`)
        lastPrinted = now
      }
    } else if (force || now - lastPrinted > 5000) {
      out.write(`${formatProgress(progress)}\n`)
      lastPrinted = now
    }
    if (!progress.complete && now - lastListed > 2000) {
      lastListed = now
      directory
        .update(job.jobId, job.ownerToken, {
          unitsDone: progress.validated + progress.failed,
          verification: listingVerification(progress.verification),
        })
        .catch(() => undefined)
    }
  }
  return new Promise((resolve) => {
    if (host.progress.complete) return resolve('complete')
    const unsubscribe = host.onProgress((progress) => {
      print(progress, progress.complete)
      if (!progress.complete) return
      finish('complete')
    })
    const abort = () => finish('stopped')
    const finish = (how: 'complete' | 'stopped') => {
      unsubscribe()
      signal?.removeEventListener('abort', abort)
      if (out.isTTY) out.write('\n')
      resolve(how)
    }
    if (signal?.aborted) return finish('stopped')
    signal?.addEventListener('abort', abort, { once: true })
    print(host.progress, true)
  })
}

/** The stored job is this package: same manifest, kernels and input. */
function sameJob(stored: JobRecord, pkg: JobPackage, inputSha256: string | undefined): boolean {
  return (
    JSON.stringify(stored.manifest) === JSON.stringify(pkg.manifest) &&
    stored.wgsl === pkg.wgsl &&
    sameBytes(stored.wasm, pkg.wasm) &&
    stored.inputSha256 === inputSha256
  )
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

async function sha256OfBlob(blob: Blob): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of blob.stream()) hash.update(chunk)
  return hash.digest('hex')
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
