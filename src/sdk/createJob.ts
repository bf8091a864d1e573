import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { createJobRecord } from '../jobs/createJobRecord.ts'
import { hashJobInput } from '../jobs/hashJobInput.ts'
import { JobHost } from '../jobs/JobHost.ts'
import type { JobRecord } from '../jobs/JobRecord.ts'
import { readJobPackageFolder } from '../node/readJobPackageFolder.ts'
import { SqliteJobStore } from '../node/SqliteJobStore.ts'
import type { InputPieces } from '../pieces/InputPieces.ts'
import { checkUpload, type UploadFiles } from '../requester/checkUpload.ts'
import type { JobPackage } from '../tasks/JobPackage.ts'
import { FundingMismatchError, InvalidPackageError } from './errors.ts'
import { Job } from './Job.ts'
import { JobFunding, type JobRewardsOption } from './JobFunding.ts'

/**
 * A job package built in code: the manifest (an object or its JSON text), its kernel files and
 * its input, as `docs/task-api.md` describes them.
 */
export type JobPackageSource = {
  manifest: string | object
  wasm?: Uint8Array | Blob
  wgsl?: string | Blob
  input?: Uint8Array | Blob
}

export type CreateJobOptions = {
  /** A job package folder (as `volunteer-compute host` takes), or a package built in code. */
  package: string | JobPackageSource
  /** The signaling server that lists the job and introduces volunteers, e.g. `http://127.0.0.1:9000`. */
  signaling: string
  /**
   * The job's SQLite store: units, results, reputation. A job created again with the same
   * package and store resumes. Default: `<folder>/.volunteer-compute/host.sqlite` for a folder,
   * `.volunteer-compute/jobs/<package digest>.sqlite` under the working directory otherwise.
   */
  store?: string
  /**
   * Replicas of a unit may go to volunteers on one network (your own LAN). Off by default: the
   * replicas that check each other come from different networks.
   */
  privatePool?: boolean
  /**
   * Funds the job in the escrow from this wallet before it is listed, pays its volunteers in
   * vouchers, and records its result root on chain when it completes. A resumed job keeps the
   * funding it has (its reward and budget); a funded job resumes only with `rewards` on its chain.
   */
  rewards?: JobRewardsOption
  /**
   * Caps what this host sends (kernels, inputs), bytes per second: keep it under your uplink so
   * the job leaves room for everything else on the connection. Default: no cap.
   */
  uplinkBytesPerSecond?: number
  /**
   * Volunteers fetch the input's pieces from each other, this host sending only what nobody else
   * has (default true). False: this host sends every unit's input itself (the star).
   */
  swarm?: boolean
  /**
   * Once complete, stay listed and connected, answering re-verification of the accepted units
   * (`volunteer-compute verify`, the `/verify` page), until `stop()`. Default false: a complete
   * job leaves the signaling server and closes its store.
   */
  keepServing?: boolean
}

/**
 * Hosts a job from this Node process. Checks the package exactly as the upload page does
 * (rejecting with `InvalidPackageError` and the page's messages), opens or resumes its store,
 * and starts hosting: the job is listed on the signaling server, volunteers (browser tabs or
 * headless nodes) connect over WebRTC, and their results are verified by the manifest's policy
 * before they count. Resolves once the job is open; connecting to the signaling server goes on
 * in the background, retried with backoff (`signaling` events). With `rewards`, a new job is
 * funded in the escrow first (and stored with its funding before anything else happens); an
 * underfunded wallet or a wrong chain rejects with a typed error (`sdk/insufficient-funds`,
 * `sdk/wrong-chain`…) and nothing is listed.
 *
 * @example
 * const job = await createJob({ package: 'examples/monte-carlo-pi', signaling: 'http://127.0.0.1:9000' })
 * job.on('progress', (p) => console.log(`${p.validated}/${p.unitsTotal} units`))
 * const { bytes, units } = await job.done()
 */
export async function createJob(options: CreateJobOptions): Promise<Job> {
  const source = options.package
  const files = typeof source === 'string' ? await readFolder(source) : filesOf(source)
  const checked = await checkUpload(files)
  if (!checked.ok) throw new InvalidPackageError(checked.problems)
  const pkg = checked.package
  const inputSha256 = pkg.input ? await sha256OfBlob(pkg.input) : undefined
  const storeFile =
    options.store ??
    (typeof source === 'string'
      ? path.join(source, '.volunteer-compute', 'host.sqlite')
      : path.join('.volunteer-compute', 'jobs', `${packageDigest(pkg, inputSha256)}.sqlite`))

  const funding = options.rewards && (await JobFunding.connect(options.rewards))
  await mkdir(path.dirname(storeFile), { recursive: true })
  const store = new SqliteJobStore(storeFile)
  try {
    const stored = await store.latestJob()
    const resumed = stored !== undefined && sameJob(stored, pkg, inputSha256)
    const record = resumed ? stored : createJobRecord(pkg, inputSha256 ? { inputSha256 } : {})
    if (!resumed && options.privatePool) record.privatePool = true
    let input = !resumed && pkg.input ? pkg.input : undefined
    let pieces: InputPieces | undefined
    if (funding && !record.rewards) {
      await funding.checkFunds(record)
      // The input first, then the funding, then at once the record that holds it: a crash after
      // the funding transaction leaves a stored, funded job to resume, never one funded twice.
      // The escrow job commits to the stored input's pieces.
      if (input) await store.saveInput(record.jobId, input)
      input = undefined
      pieces = await hashJobInput(record, await store.loadInput(record.jobId))
      record.rewards = await funding.fund(record, pieces)
      await store.saveJob(record)
    } else if (funding && record.rewards) {
      funding.checkStored(record.rewards)
    } else if (record.rewards) {
      throw new FundingMismatchError(
        `The stored job was funded in escrow ${record.rewards.escrow} on chain ${record.rewards.chainId}: resume it with the rewards option (the requester's key and that chain), so its volunteers are paid.`,
      )
    }
    const host = await JobHost.open(store, record, {
      ...(input && { input }),
      pieces,
      rewards: funding?.hostRewards,
      ...(options.uplinkBytesPerSecond !== undefined && {
        uplinkBytesPerSecond: options.uplinkBytesPerSecond,
      }),
      ...(options.swarm !== undefined && { swarm: options.swarm }),
    })
    const job = new Job({
      funding,
      host,
      store,
      storeFile,
      signalingUrl: options.signaling,
      resumed,
      accepted: resumed ? await host.acceptedHashes() : [],
      keepServing: options.keepServing === true,
    })
    job.start()
    return job
  } catch (error) {
    store.close()
    throw error
  }
}

async function readFolder(folder: string): Promise<UploadFiles> {
  const read = await readJobPackageFolder(folder)
  if (!read.ok) throw new InvalidPackageError(read.problems)
  return read.files
}

function filesOf(source: JobPackageSource): UploadFiles {
  const blob = (part: Uint8Array | Blob | string | undefined) =>
    part === undefined
      ? undefined
      : part instanceof Blob
        ? part
        : new Blob([typeof part === 'string' ? part : unshared(part)])
  return {
    manifestText:
      typeof source.manifest === 'string' ? source.manifest : JSON.stringify(source.manifest),
    wasm: blob(source.wasm),
    wgsl: blob(source.wgsl),
    input: blob(source.input),
  }
}

/** The bytes as a Blob part: as they are, or copied out of a SharedArrayBuffer. */
function unshared(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes)
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

/** Names a package's default store: its manifest, kernels and input, hashed. */
function packageDigest(pkg: JobPackage, inputSha256: string | undefined): string {
  const hash = createHash('sha256').update(JSON.stringify(pkg.manifest))
  hash.update(`\0${pkg.wgsl ?? ''}\0${inputSha256 ?? ''}\0`)
  if (pkg.wasm) hash.update(pkg.wasm)
  return hash.digest('hex').slice(0, 16)
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

async function sha256OfBlob(blob: Blob): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of blob.stream()) hash.update(chunk)
  return hash.digest('hex')
}
