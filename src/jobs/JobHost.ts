import { base64ToBytes } from '../encoding/base64.ts'
import { createChallengeNonce } from '../identity/createChallengeNonce.ts'
import { verifyHelloProof } from '../identity/verifyHelloProof.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import {
  consecutiveValidNeeded,
  isTrusted,
  type ReputationBook,
  type ReputationEntry,
} from '../trust/ReputationBook.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import type { Address } from 'viem'
import type { UnitPlan } from '../tasks/planUnits.ts'
import type { HostProgress } from './HostProgress.ts'
import { admitVolunteer } from './admitVolunteer.ts'
import { DataDesk } from './DataDesk.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'
import type { InputPieces } from '../pieces/InputPieces.ts'
import { openStoredJob, type StoredJob } from './openStoredJob.ts'
import { refuseVolunteer } from './refuseVolunteer.ts'
import { ResultDesk, type ResultMessage } from './ResultDesk.ts'
import { RewardsDesk, type JobHostRewards } from './RewardsDesk.ts'
import type { FinalUnit, Scheduler } from './Scheduler.ts'
import { UnitWriteBatcher } from './UnitWriteBatcher.ts'
import { VerifyDesk, type VerifierLink } from './VerifyDesk.ts'
import { VolunteerRoster, type Volunteer } from './VolunteerRoster.ts'
import { welcomeMessage } from './welcomeMessage.ts'

export type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

type Hello = Extract<VolunteerMessage, { type: 'hello' }>

/** Violations kept with the job for the requester to see. */
const maxViolations = 100

export type { HostProgress, JobHostRewards }

export type JobHostOptions = {
  rewards?: JobHostRewards | undefined
  /** The input file of a new job (split units); a resumed job's comes from the store. */
  input?: Blob
  /** The input's pieces, when they were hashed already (to fund the job): not hashed again. */
  pieces?: InputPieces | undefined
  now?: () => number
  /** A volunteer that has not said hello by then is dropped. */
  helloTimeoutMs?: number
  rateWindowMs?: number
  /**
   * Volunteers fetch the kernel's and the input's pieces from each other, the host sending only
   * what nobody else has (default true). False: the host sends the kernel in its `welcome` and
   * every unit's input in its `assign` itself.
   */
  swarm?: boolean
  /** Caps what the host sends, in bytes per second (a home uplink); default no cap. */
  uplinkBytesPerSecond?: number
}

/**
 * Runs one job for the volunteers that connect to it: admits them (`admitVolunteer`),
 * welcomes them with their kernel, hands out units by the Scheduler, reissues them on
 * deadline, error or disconnect, and leaves their results to its `ResultDesk` (checked,
 * stored, only then acknowledged) and their wallets to its `RewardsDesk`. No DOM: it runs
 * in a tab or headless.
 *
 * @example
 * const host = await JobHost.open(store, job)
 * peer.on('connection', (c) => c.on('open', () => host.attach(createPeerLink({ connection: c, schema: volunteerMessageSchema }))))
 */
export class JobHost {
  readonly job: JobRecord
  readonly #store: JobStore
  readonly #writer: UnitWriteBatcher
  readonly #scheduler: Scheduler
  readonly #plan: UnitPlan
  /** How the kernel and the units' inputs reach volunteers: the swarm, or the star. */
  readonly #data: DataDesk
  readonly #verifyDesk: VerifyDesk
  readonly #volunteers = new VolunteerRoster()
  readonly #listeners = new Set<(progress: HostProgress) => void>()
  readonly #finalListeners = new Set<(unit: FinalUnit) => void>()
  readonly #now: () => number
  readonly #helloTimeoutMs: number
  readonly #rewardsDesk: RewardsDesk
  readonly #resultDesk: ResultDesk
  readonly #book: ReputationBook
  /** The identity each admitted link proved. */
  readonly #identityOfLink = new WeakMap<VolunteerLink, string>()
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = false

  private constructor(store: JobStore, opened: StoredJob, data: DataDesk, options: JobHostOptions) {
    const { job, plan, scheduler, book } = opened
    this.job = job
    this.#store = store
    this.#book = book
    // The reputation a result changed is stored in the same transaction as its unit.
    this.#writer = new UnitWriteBatcher((writes) =>
      store.saveUnits(job.jobId, writes, book.takeChanged()),
    )
    this.#scheduler = scheduler
    this.#plan = plan
    this.#data = data
    this.#now = options.now ?? Date.now
    this.#helloTimeoutMs = options.helloTimeoutMs ?? 10_000
    const volunteers = this.#volunteers
    this.#rewardsDesk = new RewardsDesk({
      rewards: options.rewards,
      jobRewards: job.rewards,
      persist: () => store.saveJob(job),
      links: () => volunteers.links(),
      isFlaggedAddress: (address) => job.flaggedAddresses?.includes(address.toLowerCase()) ?? false,
      identityOf: (link) => this.#identityOfLink.get(link),
    })
    this.#resultDesk = new ResultDesk({
      job,
      store,
      writer: this.#writer,
      scheduler,
      plan,
      rewards: this.#rewardsDesk,
      linksOf: (identity) => volunteers.linksOf(identity),
      now: this.#now,
      rateWindowMs: options.rateWindowMs ?? 10_000,
      onFinal: (unit) => {
        for (const listener of this.#finalListeners) listener(unit)
      },
    })
    this.#verifyDesk = new VerifyDesk({
      job,
      store,
      plan,
      pieces: opened.pieces,
      file: opened.file,
      uplink: data.uplink,
      acceptedHashes: () => this.#resultDesk.acceptedHashes(),
    })
  }

  /**
   * Saves a new job (its input file first), or resumes a stored one from its unit records.
   * Throws `task/input-size` when the input does not fit the job's units.
   */
  static async open(
    store: JobStore,
    job: JobRecord,
    options: JobHostOptions = {},
  ): Promise<JobHost> {
    const opened = await openStoredJob(store, job, options.input, options.pieces)
    // The desk reports to the host, which exists once the desk does.
    let host: JobHost | undefined
    const data = await DataDesk.open(opened, {
      swarm: options.swarm,
      uplinkBytesPerSecond: options.uplinkBytesPerSecond,
      violation: (link, what) => host && host.#violation(link, what),
      record: (link, what) => host && host.#record(link, what),
    })
    host = new JobHost(store, opened, data, options)
    return host
  }

  /** The Merkle root of what volunteers fetch (`JobContent`), for the listing; none for the star. */
  get contentRoot(): string | undefined {
    return this.#data.contentRoot
  }

  get progress(): HostProgress {
    const stats = this.#scheduler.stats
    const { minConsecutiveValid } = this.job.manifest.verification
    const kernelOf = new Map(
      [...this.#volunteers.values()].map((v) => [v.identity, v.kernel.sha256] as const),
    )
    return {
      unitsTotal: stats.unitsTotal,
      issued: stats.issued,
      validated: stats.accepted - stats.provisional,
      provisional: stats.provisional,
      failed: stats.failed,
      inFlight: stats.inFlight,
      volunteers: this.#volunteers.size,
      flagged: [...this.#scheduler.flagged],
      unitsPerSecond: this.#resultDesk.unitsPerSecond,
      sites: { ...this.job.siteCredits },
      failures: [...this.#scheduler.failures],
      complete: this.#scheduler.done,
      verification: {
        results: stats.results,
        resultsPerUnit: stats.accepted ? stats.results / stats.accepted : 0,
        canaries: stats.canariesIssued,
        reopened: stats.reopened,
        flaggedIdentities: this.#scheduler.flagged.size,
      },
      standings: [...this.#scheduler.standings].map(([identity, standing]) => {
        const kernel = kernelOf.get(identity) ?? this.job.manifest.kernels[0]?.sha256 ?? ''
        const book = this.#book.standing(identity, kernel)
        return {
          identity,
          ...standing,
          cv: book.cv,
          trusted: isTrusted(book, minConsecutiveValid),
          flagged: this.#scheduler.isFlagged(identity),
          connected: kernelOf.has(identity),
        }
      }),
      violations: [...(this.job.violations ?? [])],
      data: this.#data.figures,
    }
  }

  /** The requester's reputation book, across its jobs: one entry per identity. */
  reputation(): ReputationEntry[] {
    return [...this.#book.entries()].map((entry) => structuredClone(entry))
  }

  onProgress(listener: (progress: HostProgress) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Tells `listener` of each unit that became final, once its record and output are stored. A
   * unit is told again when a later check credits more identities, and, after a reopening (an
   * identity its acceptance rested on was flagged), with the answer decided then.
   */
  onUnitFinal(listener: (unit: FinalUnit) => void): () => void {
    this.#finalListeners.add(listener)
    return () => this.#finalListeners.delete(listener)
  }

  /** A unit's stored output with this hash (see `onUnitFinal`). */
  outputOf(index: number, sha256: string): Promise<Uint8Array | undefined> {
    return this.#store.loadOutput(this.job.jobId, index, sha256)
  }

  /** Starts the deadline sweep. */
  start(sweepMs = 1000): void {
    this.#timer ??= setInterval(() => void this.#sweep(), sweepMs)
  }

  stop(): void {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#volunteers.dismissAll('host/stopping', 'The job host stopped.')
  }

  /** The SHA-256 of every unit's accepted output, in unit order; undefined where there is none. */
  acceptedHashes(): Promise<(string | undefined)[]> {
    return this.#resultDesk.acceptedHashes()
  }

  /** The accepted output of every unit, in unit order; undefined for units not (yet) accepted. */
  outputs(): Promise<(Uint8Array | undefined)[]> {
    return this.#resultDesk.outputs()
  }

  /**
   * Takes a link from someone re-verifying the job's accepted units (`VerifyDesk`): answered
   * even after the job completed, for as long as this host runs.
   */
  attachVerifier(link: VerifierLink): void {
    if (this.#stopped) return link.close()
    this.#verifyDesk.attach(link)
  }

  /**
   * Takes a newly opened link to a volunteer: challenges it at once; it must answer with a hello
   * that proves its identity key.
   */
  attach(link: VolunteerLink): void {
    if (this.#stopped) return link.close()
    let volunteer: Volunteer | undefined
    let admitting = false
    const nonce = createChallengeNonce()
    const helloTimer = setTimeout(() => {
      if (!volunteer && !admitting) link.close()
    }, this.#helloTimeoutMs)
    link.onClose(() => {
      clearTimeout(helloTimer)
      if (!volunteer || !this.#volunteers.remove(volunteer)) return
      this.#data.leave(link)
      const dropped = this.#scheduler.leave(volunteer.identity, link.peerId, volunteer.slots)
      void this.#resultDesk.persistUnits(dropped.map((a) => a.index))
      this.#fillAll()
      this.#emit()
    })
    link.onMessage((message, body) => {
      switch (message.type) {
        case 'hello': {
          if (volunteer || admitting) return this.#violation(link, 'a second hello')
          admitting = true
          void this.#admit(link, message, nonce).then((admitted) => {
            volunteer = admitted
            admitting = false
          })
          return
        }
        case 'bind':
          if (!volunteer) return this.#violation(link, 'a binding before hello')
          return void this.#onBind(volunteer, message)
        case 'voucher-ack':
          // Stored on the volunteer's side; the next voucher supersedes it anyway.
          return
        case 'piece-request':
        case 'have':
        case 'bad-piece':
          return this.#onPieces(link, volunteer, message)
        case 'result':
          if (!volunteer) return this.#violation(link, 'a result before hello')
          return void this.#onResult(volunteer, message, body)
        case 'unit-error':
          if (!volunteer) return this.#violation(link, 'an error before hello')
          return void this.#onUnitError(volunteer, message)
        default: {
          const unexpected: never = message
          return this.#violation(link, `an unexpected message ${JSON.stringify(unexpected)}`)
        }
      }
    })
    link.send({ v: JOB_PROTOCOL_VERSION, type: 'challenge', nonce }).catch(() => link.close())
  }

  /** Checks a hello's identity proof and admits the volunteer, or refuses it saying why. */
  async #admit(link: VolunteerLink, hello: Hello, nonce: string): Promise<Volunteer | undefined> {
    let identity: string
    try {
      identity = await verifyHelloProof({
        publicKey: base64ToBytes(hello.identity.publicKey),
        signature: base64ToBytes(hello.identity.signature),
        jobId: hello.jobId,
        hostPeerId: link.localPeerId,
        volunteerPeerId: link.peerId,
        nonce,
      })
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      this.#record(link, `a hello whose identity proof failed (${why})`)
      void refuseVolunteer(link, 'volunteer/identity', `Your identity proof was refused: ${why}`)
      return undefined
    }
    const admission = admitVolunteer(this.job, this.#scheduler, identity, hello)
    if (!admission.admitted) {
      void refuseVolunteer(link, admission.code, admission.message)
      return undefined
    }
    const origin = await link.remoteOrigin().catch(() => ({ key: 'hidden' }))
    if (this.#stopped) return undefined
    // For a job with input, one unit more than its engines run at once: the next unit's pieces
    // arrive while it computes, instead of between units.
    const { kernel } = admission
    const slots = admission.slots + (this.#data.prefetches ? 1 : 0)
    const volunteer: Volunteer = { link, identity, kernel, slots, inFlight: new Set() }
    this.#volunteers.add(volunteer)
    this.#identityOfLink.set(link, identity)
    this.#scheduler.join(
      {
        id: identity,
        origin: origin.key,
        kernel: kernel.sha256,
        wallet: this.#rewardsDesk.addressOf(identity),
      },
      slots,
    )
    if (hello.siteKey) this.#resultDesk.noteSite(identity, hello.siteKey)
    this.#data.join(link, identity, hello.servesPieces, hello.held)
    void this.#welcome(volunteer)
    if (hello.wantsRewards) this.#rewardsDesk.requestBinding(link)
    return volunteer
  }

  /** The wallet address each connected volunteer bound, by peer id. */
  get bindings(): ReadonlyMap<string, Address> {
    return this.#rewardsDesk.bindings
  }

  async #onBind(volunteer: Volunteer, message: Extract<VolunteerMessage, { type: 'bind' }>) {
    const outcome = await this.#rewardsDesk.bind(volunteer.link, message)
    // A flagged volunteer back under a new identity, with the same wallet: no more units either.
    if (outcome === 'bind/flagged')
      return this.#flagIdentity(volunteer.identity, 'a wallet flagged in this job')
    const address = this.#rewardsDesk.addressOf(volunteer.identity)
    if (outcome === 'bound' && address) this.#scheduler.setWallet(volunteer.identity, address)
    this.#emit()
  }

  async #welcome(volunteer: Volunteer): Promise<void> {
    try {
      await this.#data.welcome(
        volunteer.link,
        welcomeMessage(this.job, volunteer.kernel),
        volunteer.kernel.kind,
      )
    } catch {
      return volunteer.link.close()
    }
    volunteer.welcomed = true
    this.#sendStanding(volunteer.identity)
    this.#fill(volunteer)
    this.#emit()
  }

  #fill(volunteer: Volunteer): void {
    if (this.#stopped || !volunteer.welcomed) return
    const changed: number[] = []
    const { link, identity } = volunteer
    while (volunteer.inFlight.size < volunteer.slots) {
      const assignment = this.#scheduler.nextAssignment(identity, link.peerId, this.#now())
      if (!assignment) break
      volunteer.inFlight.add(assignment.assignmentId)
      changed.push(assignment.index)
      void this.#assign(link, assignment).catch(() => link.close())
    }
    if (changed.length) void this.#resultDesk.persistUnits(changed)
  }

  async #assign(
    link: VolunteerLink,
    { assignmentId, index }: { assignmentId: string; index: number },
  ): Promise<void> {
    const outputBytes = this.#plan.outputBytes(index)
    await this.#data.assign(link, {
      v: JOB_PROTOCOL_VERSION,
      type: 'assign',
      assignmentId,
      index,
      outputBytes,
    })
  }

  #onPieces(
    link: VolunteerLink,
    volunteer: Volunteer | undefined,
    message: Extract<VolunteerMessage, { type: 'piece-request' | 'have' | 'bad-piece' }>,
  ): void {
    if (!volunteer) return this.#violation(link, `a ${message.type} before hello`)
    this.#data.pieces(link, message, (what) => this.#violation(link, what))
  }

  #fillAll(): void {
    for (const volunteer of this.#volunteers.values()) this.#fill(volunteer)
  }

  /** Results being handled: the volunteers are let go only once none is (see #release). */
  #handling = 0
  #released = false
  #dismissed: Promise<void> = Promise.resolve()

  async #onResult(volunteer: Volunteer, message: ResultMessage, body: Uint8Array): Promise<void> {
    this.#handling++
    try {
      const { link, identity } = volunteer
      const check = await this.#resultDesk.check(link, message, body)
      if (check.kind === 'violation') return this.#violation(link, check.what)
      if (check.kind === 'liar') return await this.#flagIdentity(identity, check.why)
      volunteer.inFlight.delete(message.assignmentId)
      const outcome = await this.#resultDesk.record(link, check.result)
      if (outcome.kind === 'unknown-assignment') return this.#fill(volunteer)
      for (const id of outcome.flagged) await this.#dismissFlagged(id)
      this.#sendStanding(identity)
      await this.#completeIfDone()
      this.#fillAll()
      this.#emit()
    } finally {
      this.#handling--
      this.#release()
    }
  }

  async #onUnitError(
    volunteer: Volunteer,
    message: Extract<VolunteerMessage, { type: 'unit-error' }>,
  ): Promise<void> {
    const assignment = this.#scheduler.assignment(message.assignmentId)
    if (!assignment || assignment.peerId !== volunteer.link.peerId) return
    volunteer.inFlight.delete(message.assignmentId)
    const outcome = this.#scheduler.recordError(
      message.assignmentId,
      `${message.code}: ${message.message}`,
      this.#now(),
    )
    await this.#resultDesk.persistUnits([message.index])
    if (outcome.kind !== 'unknown-assignment' && outcome.benched) this.#bench(volunteer.identity)
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  async #sweep(): Promise<void> {
    const expired = this.#scheduler.expire(this.#now())
    if (!expired.length) return
    for (const { assignment, outcome } of expired) {
      this.#volunteers.get(assignment.peerId)?.inFlight.delete(assignment.assignmentId)
      if (outcome.kind !== 'unknown-assignment' && outcome.benched)
        this.#bench(assignment.volunteerId)
    }
    await this.#resultDesk.persistUnits(expired.map((e) => e.assignment.index))
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  /** An identity that fails far more than the others: no more units of this job. */
  #bench(identity: string): void {
    for (const { link } of this.#volunteers.ofIdentity(identity))
      this.#volunteers.dismiss(
        link.peerId,
        'volunteer/unreliable',
        'Too many of your units failed or missed their deadline; no more units of this job.',
      )
  }

  async #completeIfDone(): Promise<void> {
    if (!this.#scheduler.done || this.job.status === 'complete') return
    this.job.status = 'complete'
    // The job is marked complete only once every unit write before it is stored.
    await this.#writer.idle()
    await this.#store.saveJob(this.job)
    clearInterval(this.#timer)
    // start() sweeps again if retried units reopen the job (retryFailed).
    this.#timer = undefined
    this.#release()
  }

  /**
   * Lets the volunteers of a complete job go, once no result is being handled: a result
   * accepted just before the last one still owes its volunteers their ack, credit and voucher.
   */
  #release(): void {
    if (this.job.status !== 'complete' || this.#handling > 0 || this.#released) return
    if (!this.#scheduler.done) return
    this.#released = true
    this.#dismissed = this.#volunteers.dismissAll('job/complete', 'The job is complete. Thank you!')
  }

  /**
   * Resolves once every volunteer let go at the job's end has closed its link (having read its
   * last ack, credit and voucher), or been closed after a grace time. Resolved at once before.
   */
  dismissed(): Promise<void> {
    return this.#dismissed
  }

  /**
   * Failed units go back to the queue; a job complete because of them runs again, and `start()`
   * sweeps its deadlines again.
   */
  async retryFailed(): Promise<number[]> {
    const retried = this.#scheduler.retryFailed()
    if (!retried.length) return retried
    await this.#resultDesk.persistUnits(retried)
    if (this.job.status === 'complete') {
      this.job.status = 'running'
      this.#released = false
      await this.#store.saveJob(this.job)
    }
    this.#fillAll()
    this.#emit()
    return retried
  }

  /** Flags an identity (a lying result, a flagged wallet) and everything that follows from it. */
  async #flagIdentity(identity: string, why: string): Promise<void> {
    const effects = this.#scheduler.flag(identity, this.#now())
    await this.#resultDesk.persistUnits([
      ...effects.dropped.map((a) => a.index),
      ...effects.reopened,
      ...effects.settled,
      ...effects.finalized.map((f) => f.index),
    ])
    await this.#resultDesk.credit(effects.finalized)
    for (const id of effects.flagged)
      await this.#dismissFlagged(id, id === identity ? why : undefined)
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  async #dismissFlagged(
    identity: string,
    why = 'a result that disagreed with verified ones',
  ): Promise<void> {
    // Its wallet too: the same volunteer under a new identity is refused when it binds.
    const address = this.#rewardsDesk.addressOf(identity)?.toLowerCase()
    let changed = false
    if (!this.job.flagged.includes(identity)) {
      this.job.flagged.push(identity)
      changed = true
    }
    if (address && !this.job.flaggedAddresses?.includes(address)) {
      ;(this.job.flaggedAddresses ??= []).push(address)
      changed = true
    }
    if (changed) await this.#store.saveJob(this.job)
    for (const { link } of this.#volunteers.ofIdentity(identity))
      this.#volunteers.dismiss(
        link.peerId,
        'volunteer/flagged',
        `Flagged for ${why}; no more units of this job.`,
      )
  }

  /** Tells an identity's links their standing with this host. */
  #sendStanding(identity: string): void {
    const volunteers = this.#volunteers.ofIdentity(identity)
    const first = volunteers[0]
    if (!first) return
    const kernel = first.kernel.sha256
    const book = this.#book.standing(identity, kernel)
    const job = this.#scheduler.standings.get(identity)
    const { minConsecutiveValid } = this.job.manifest.verification
    for (const { link } of volunteers)
      void link
        .send({
          v: JOB_PROTOCOL_VERSION,
          type: 'standing',
          identity,
          valid: book.valid,
          invalid: book.invalid,
          cv: book.cv,
          trusted: isTrusted(book, minConsecutiveValid),
          minConsecutiveValid: consecutiveValidNeeded(book, minConsecutiveValid),
          canariesPassed: book.canariesPassed,
          errors: job?.errors ?? 0,
          missed: job?.missed ?? 0,
          provisional: this.#scheduler.provisionalOf(identity),
        })
        .catch(() => undefined)
  }

  /** A peer that breaks the protocol is dropped; its units go back to the queue. */
  #violation(link: VolunteerLink, what: string): void {
    this.#record(link, what)
    link.close()
  }

  /** Keeps a violation for the requester to see, with who made it. */
  #record(link: VolunteerLink, what: string): void {
    const identity = this.#identityOfLink.get(link)
    const violations = (this.job.violations ??= [])
    violations.push({ at: this.#now(), peerId: link.peerId, ...(identity && { identity }), what })
    if (violations.length > maxViolations) violations.splice(0, violations.length - maxViolations)
    void this.#store.saveJob(this.job).catch(() => undefined)
    this.#emit()
  }

  #emit(): void {
    const progress = this.progress
    for (const listener of this.#listeners) listener(progress)
  }
}
