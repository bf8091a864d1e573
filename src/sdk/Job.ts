import { createHash } from 'node:crypto'
import type { Peer } from 'peerjs'
import type { Hex } from 'viem'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { DirectoryError } from '../directory/DirectoryError.ts'
import { acceptVolunteers } from '../jobs/acceptVolunteers.ts'
import type { HostProgress, JobHost } from '../jobs/JobHost.ts'
import type { FinalUnit } from '../jobs/Scheduler.ts'
import type { SqliteJobStore } from '../node/SqliteJobStore.ts'
import { openNodePeer } from '../node/openNodePeer.ts'
import { keepOnSignaling } from '../p2p/keepOnSignaling.ts'
import type { SignalingLinkEvent } from '../p2p/keepOnSignaling.ts'
import { withBackoff } from '../p2p/withBackoff.ts'
import { listingProgress, listingReward } from '../requester/listingProgress.ts'
import { listingRegistration } from '../requester/listingRegistration.ts'
import { assembleOutputs } from '../tasks/assembleOutputs.ts'
import { JobStoppedError, UnitsFailedError } from './errors.ts'
import type { JobFunding, JobFundingState } from './JobFunding.ts'

/** A unit whose answer is final: verified by the job's policy, stored, and credited. */
export type UnitResult = {
  index: number
  /** SHA-256 of `output`, hex. */
  sha256: string
  output: Uint8Array
  /** The volunteer identities whose results agreed with it and were credited now. */
  agreeing: string[]
}

/** Where the job stands with the signaling server that lists it and introduces volunteers. */
export type SignalingEvent =
  | { kind: 'connecting'; url: string }
  /** Unreachable, or the listing was refused; the next try is in `delayMs`. */
  | { kind: 'retrying'; url: string; reason: string; delayMs: number }
  /** Listed in the directory: volunteers can find the job and connect to `hostPeerId`. */
  | { kind: 'listed'; url: string; hostPeerId: string }
  /** The connection to the server dropped; volunteers already connected go on meanwhile. */
  | { kind: 'lost'; url: string }

export type JobEvents = {
  /** After every change: units validated, volunteers, units/s, flagged identities… */
  progress: HostProgress
  /**
   * Each unit whose answer became final, once per answer: units accepted before a resume are not
   * told again (they are in `done()`), and a unit reopened and decided otherwise is told anew.
   */
  unit: UnitResult
  signaling: SignalingEvent
  /** A funded job's result root was recorded on chain, at its completion (before `done()`). */
  resultRoot: { root: Hex; transactionHash: Hex }
  /**
   * Something went wrong that the job survives (a listing update refused, a failed read, the
   * result root not recorded).
   */
  error: Error
}

/** What `done()` gives: the assembled output and every unit's own verified output. */
export type JobOutput = {
  /** The output file's bytes, assembled as the manifest says (concatenated or reduced). */
  bytes: Uint8Array
  /** SHA-256 of `bytes`, hex. */
  sha256: string
  /** Each unit's verified output, in unit order. */
  units: Uint8Array[]
}

export type JobParameters = {
  host: JobHost
  store: SqliteJobStore
  storeFile: string
  signalingUrl: string
  resumed: boolean
  /** Each unit's answer already accepted in the store (see `JobHost.acceptedHashes`): told before. */
  accepted: readonly (string | undefined)[]
  /** The requester's wallet, for a funded job: the listing's reward, the result root. */
  funding?: JobFunding | undefined
  /** Stay listed and connected once complete, for re-verification, until `stop()`. */
  keepServing?: boolean | undefined
}

type Listener<E extends keyof JobEvents> = (value: JobEvents[E]) => void
type Waiter = { resolve: (output: JobOutput) => void; reject: (error: Error) => void }

/** The longest the host keeps its links after completion, for the last acknowledgements and credits. */
const goodbyeMs = 5000
/** Listing updates are sent at most this often. */
const listingUpdateMs = 2000
/**
 * ... and at least this often, progress or not: a listing the directory lost (its Redis came back
 * empty) is listed again within this time.
 */
const listingRefreshMs = 15_000

/**
 * A job hosted from this process (see `createJob`): its units go to volunteers over WebRTC, its
 * results are verified, stored in its SQLite file before they are acknowledged, and assembled
 * into its output. Events tell of progress, of each final unit and of the signaling server;
 * `done()` resolves with the output; `stop()` ends hosting and keeps the store for a resume.
 *
 * @example
 * const job = await createJob({ package: 'examples/monte-carlo-pi', signaling })
 * job.on('progress', (p) => console.log(`${p.validated}/${p.unitsTotal}`))
 * const { bytes } = await job.done()
 */
export class Job {
  readonly id: string
  readonly name: string
  readonly unitsTotal: number
  /** The store already held this job: accepted results were kept, and only the rest is computed. */
  readonly resumed: boolean
  readonly storeFile: string
  readonly signalingUrl: string
  readonly #host: JobHost
  readonly #store: SqliteJobStore
  readonly #directory: DirectoryClient
  readonly #funding: JobFunding | undefined
  readonly #listeners = new Map<keyof JobEvents, Set<Listener<never>>>()
  readonly #abort = new AbortController()
  /**
   * The answer last told for each unit, so a unit is told again only when it changes: an array
   * by unit index (8 bytes a unit; the strings are the unit records' own).
   */
  readonly #told: (string | undefined)[]
  readonly #reading = new Set<Promise<void>>()
  #waiters: Waiter[] = []
  #peer: Peer | undefined
  #listed = false
  readonly #keepServing: boolean
  #lastListed = 0
  #refresh: ReturnType<typeof setInterval> | undefined
  #finishing = false
  #stopKeeping: (() => void) | undefined
  #output: JobOutput | undefined
  #failed: UnitsFailedError | undefined
  #stopped: JobStoppedError | undefined
  #closed = false

  constructor({
    host,
    store,
    storeFile,
    signalingUrl,
    resumed,
    accepted,
    funding,
    keepServing = false,
  }: JobParameters) {
    this.#keepServing = keepServing
    this.#host = host
    this.#funding = funding
    this.#store = store
    this.storeFile = storeFile
    this.signalingUrl = signalingUrl
    this.resumed = resumed
    this.id = host.job.jobId
    this.name = host.job.name
    this.unitsTotal = host.job.unitsTotal
    this.#directory = new DirectoryClient(signalingUrl)
    this.#told = Array.from({ length: host.job.unitsTotal }, (_, index) => accepted[index])
    host.onUnitFinal((unit) => this.#tellUnit(unit))
    host.onProgress((progress) => this.#onProgress(progress))
  }

  /** Starts hosting: the deadline sweep, the signaling server, the listing. Called by `createJob`. */
  start(): void {
    const complete = this.#host.progress.complete
    if (complete && !this.#keepServing) {
      this.#onProgress(this.#host.progress)
      return
    }
    this.#host.start()
    void this.#serve()
    this.#refresh = setInterval(() => this.#updateListing(this.#host.progress), listingRefreshMs)
    this.#refresh.unref()
    if (complete) this.#onProgress(this.#host.progress)
  }

  get progress(): HostProgress {
    return this.#host.progress
  }

  /** A funded job's escrow, budget and what its vouchers promised so far; `undefined` unfunded. */
  get funding(): JobFundingState | undefined {
    const rewards = this.#host.job.rewards
    return rewards && this.#funding?.stateOf(rewards)
  }

  /** The host's peer id on the signaling server, once connected. */
  get hostPeerId(): string | undefined {
    return this.#peer?.id
  }

  /** Listens to an event; returns the function that stops listening. */
  on<E extends keyof JobEvents>(event: E, listener: Listener<E>): () => void {
    let listeners = this.#listeners.get(event)
    if (!listeners) this.#listeners.set(event, (listeners = new Set()))
    listeners.add(listener as Listener<never>)
    return () => this.off(event, listener)
  }

  off<E extends keyof JobEvents>(event: E, listener: Listener<E>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>)
  }

  /**
   * Resolves with the output once every unit is final. Rejects with `UnitsFailedError` when units
   * failed (the job keeps running: `retryFailed()` then `done()` again, or `stop()`), and with
   * `JobStoppedError` after `stop()`.
   */
  done(): Promise<JobOutput> {
    if (this.#output) return Promise.resolve(this.#output)
    if (this.#stopped) return Promise.reject(this.#stopped)
    if (this.#failed) return Promise.reject(this.#failed)
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** Puts the failed units back in the queue; returns their indices. */
  async retryFailed(): Promise<number[]> {
    this.#failed = undefined
    return this.#host.retryFailed()
  }

  /**
   * Stops hosting: volunteers are told, the listing is removed, the store is closed with every
   * accepted result in it. Creating the same job with the same store resumes it.
   */
  async stop(): Promise<void> {
    if (this.#closed) return
    this.#stopped = new JobStoppedError(this.storeFile)
    this.#abort.abort(this.#stopped)
    await this.#unlist()
    await this.#close()
    this.#settle()
  }

  #emit<E extends keyof JobEvents>(event: E, value: JobEvents[E]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) (listener as Listener<E>)(value)
  }

  #onProgress(progress: HostProgress): void {
    this.#emit('progress', progress)
    if (Date.now() - this.#lastListed > listingUpdateMs) this.#updateListing(progress)
    if (!progress.complete || this.#finishing || this.#closed) return
    if (progress.failed) {
      this.#failed = new UnitsFailedError(progress.failures)
      this.#settle()
      return
    }
    this.#finishing = true
    void this.#finish()
  }

  #updateListing(progress: HostProgress): void {
    if (this.#listed && (!progress.complete || this.#keepServing)) {
      this.#lastListed = Date.now()
      this.#directory
        .update(this.id, this.#host.job.ownerToken, {
          ...listingReward(this.#host.job.rewards, this.#funding?.chain),
          ...listingProgress(progress),
        })
        .catch((error: unknown) => {
          // The directory lost the listing (its Redis came back empty, or it expired while the
          // host was away): list the job again rather than stay invisible.
          const peer = this.#peer
          if (isNotFound(error) && peer && !peer.disconnected) return void this.#relist(peer)
          this.#emit('error', asError(error, 'The listing update'))
        })
    }
  }

  /** Assembles the output, says goodbye to the volunteers, and closes. */
  async #finish(): Promise<void> {
    try {
      if (!this.#keepServing) await this.#unlist()
      const outputs = await this.#host.outputs()
      const units = outputs.map((output, index) => {
        if (!output) throw new Error(`Unit ${index} is complete but has no stored output.`)
        return output
      })
      const bytes = assembleOutputs(this.#host.job.manifest.output.assemble, units)
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      await this.#recordResultRoot()
      if (this.#keepServing) this.#updateListing(this.#host.progress)
      else {
        await this.#goodbye()
        await this.#close()
      }
      this.#output = { bytes, sha256, units }
    } catch (error) {
      this.#failed = undefined
      this.#stopped = new JobStoppedError(this.storeFile)
      this.#emit('error', asError(error, 'Assembling the output'))
      await this.#close()
    }
    this.#settle()
  }

  /**
   * Leaves the signaling server but keeps the data links until the host has let every volunteer
   * go (it does once the last result's acknowledgement, credit and voucher are sent), or for
   * `goodbyeMs` at most: a volunteer that has not left by then is cut off.
   */
  async #goodbye(): Promise<void> {
    const peer = this.#peer
    if (!peer) return
    this.#stopKeeping?.()
    peer.disconnect()
    const deadline = Date.now() + goodbyeMs
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
    while (this.#host.progress.volunteers > 0 && Date.now() < deadline) await sleep(50)
    // Each volunteer closes its link once it has read the refusal, and so everything before it:
    // the links are not torn down under a last voucher still in flight.
    await Promise.race([this.#host.dismissed(), sleep(deadline - Date.now())])
  }

  /** A funded job's result root goes on chain once; failing to record it spoils no output. */
  async #recordResultRoot(): Promise<void> {
    const funding = this.#funding
    if (!funding) return
    const { job } = this.#host
    try {
      const recorded = await funding.recordResultRoot(job, await this.#host.acceptedHashes(), () =>
        this.#store.saveJob(job),
      )
      if (recorded) this.#emit('resultRoot', recorded)
    } catch (error) {
      this.#emit('error', asError(error, 'Recording the result root on chain'))
    }
  }

  #settle(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const { resolve, reject } of waiters) {
      if (this.#output) resolve(this.#output)
      else if (this.#stopped) reject(this.#stopped)
      else if (this.#failed) reject(this.#failed)
    }
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#refresh)
    this.#abort.abort()
    this.#host.stop()
    this.#peer?.destroy()
    await Promise.all(this.#reading)
    this.#store.close()
  }

  #tellUnit(unit: FinalUnit): void {
    if (this.#told[unit.index] === unit.sha256 || this.#closed) return
    this.#told[unit.index] = unit.sha256
    const reading = this.#host
      .outputOf(unit.index, unit.sha256)
      .then((output) => {
        if (!output) throw new Error(`no stored output with SHA-256 ${unit.sha256}`)
        this.#emit('unit', {
          index: unit.index,
          sha256: unit.sha256,
          output,
          agreeing: unit.agreeing,
        })
      })
      .catch((error: unknown) =>
        this.#emit('error', asError(error, `Reading unit ${unit.index}'s output`)),
      )
      .finally(() => this.#reading.delete(reading))
    this.#reading.add(reading)
  }

  /** Connects to the signaling server (with backoff, for as long as it takes) and lists the job. */
  async #serve(): Promise<void> {
    const url = this.signalingUrl
    const signal = this.#abort.signal
    const onRetry = (error: unknown, delayMs: number) =>
      this.#emit('signaling', { kind: 'retrying', url, reason: describe(error), delayMs })
    try {
      this.#emit('signaling', { kind: 'connecting', url })
      const peer = await withBackoff(() => openNodePeer({ signalingUrl: url }), {
        tries: Infinity,
        signal,
        onRetry,
      })
      if (this.#closed) {
        peer.destroy()
        return
      }
      this.#peer = peer
      acceptVolunteers(peer, this.#host)
      this.#stopKeeping = keepOnSignaling(peer, {
        signal,
        onEvent: (event) => this.#onSignaling(peer, event),
      })
      await this.#list(peer)
    } catch (error) {
      if (!signal.aborted) this.#emit('error', asError(error, 'Hosting on the signaling server'))
    }
  }

  /**
   * The signaling server went away (a node drained or died, the network): `keepOnSignaling`
   * brings the peer back under its id; the volunteers already here keep computing over their
   * data links meanwhile, and the job is listed again once the peer is back.
   */
  #onSignaling(peer: Peer, event: SignalingLinkEvent): void {
    if (this.#closed || this.#finishing) return
    const url = this.signalingUrl
    switch (event.kind) {
      case 'lost':
        return this.#emit('signaling', { kind: 'lost', url })
      case 'retrying':
        return this.#emit('signaling', {
          kind: 'retrying',
          url,
          reason: event.reason,
          delayMs: event.delayMs,
        })
      case 'back':
        return this.#relist(peer)
    }
  }

  #relist(peer: Peer): void {
    this.#list(peer).catch((error: unknown) => {
      if (!this.#abort.signal.aborted) this.#emit('error', asError(error, 'Listing the job again'))
    })
  }

  async #list(peer: Peer): Promise<void> {
    const url = this.signalingUrl
    await withBackoff(
      () => this.#directory.register(listingRegistration(this.#host, peer, this.#funding?.chain)),
      {
        tries: Infinity,
        signal: this.#abort.signal,
        onRetry: (error, delayMs) =>
          this.#emit('signaling', {
            kind: 'retrying',
            url,
            reason: `the directory refused the listing: ${describe(error)}`,
            delayMs,
          }),
      },
    )
    this.#listed = true
    this.#lastListed = Date.now()
    this.#emit('signaling', { kind: 'listed', url, hostPeerId: peer.id })
  }

  async #unlist(): Promise<void> {
    if (!this.#listed) return
    this.#listed = false
    await this.#directory.remove(this.id, this.#host.job.ownerToken).catch(() => undefined)
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof DirectoryError && error.code === 'directory/not-found'
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function asError(error: unknown, what: string): Error {
  return new Error(`${what} failed: ${describe(error)}`, { cause: error })
}
