import { sha256Hex } from '../crypto/sha256Hex.ts'
import { bytesToBase64 } from '../encoding/base64.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import type { Address } from 'viem'
import { assertUnitOutputSize } from '../tasks/assertUnitOutputSize.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import { planUnits, type UnitPlan } from '../tasks/planUnits.ts'
import { chooseKernel } from './chooseKernel.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'
import { outputChangeFor } from './outputChangeFor.ts'
import { RateMeter } from './RateMeter.ts'
import { ResultClassifier } from './ResultClassifier.ts'
import { RewardsDesk, type JobHostRewards } from './RewardsDesk.ts'
import { Scheduler } from './Scheduler.ts'
import { UnitInputs } from './UnitInputs.ts'
import { UnitWriteBatcher } from './UnitWriteBatcher.ts'

export type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

export type HostProgress = {
  unitsTotal: number
  issued: number
  validated: number
  failed: number
  inFlight: number
  volunteers: number
  flagged: string[]
  /** Units accepted per second, over the last `rateWindowMs`. */
  unitsPerSecond: number
  /** Accepted units per partner site key (see `hello.siteKey`). */
  sites: Record<string, number>
  failures: { index: number; reason: string }[]
  complete: boolean
}

export type { JobHostRewards }

export type JobHostOptions = {
  rewards?: JobHostRewards | undefined
  /** The input file of a new job (split units); a resumed job's comes from the store. */
  input?: Blob
  now?: () => number
  /** A volunteer that has not said hello by then is dropped. */
  helloTimeoutMs?: number
  rateWindowMs?: number
}

type RefusalCode = Extract<HostMessage, { type: 'refuse' }>['code']

type Volunteer = {
  link: VolunteerLink
  /** The job's kernel this volunteer runs (see `chooseKernel`). */
  kernel: KernelRef
  slots: number
  inFlight: Set<string>
  accepted: number
}

/** At most this many partner sites are credited in one job; units of later ones count for none. */
const maxSites = 100

/**
 * Runs one job for the volunteers that connect to it: welcomes them with the
 * kernel, hands out units by the Scheduler, checks every result's hash, stores
 * it, and only then acknowledges it. No DOM: it runs in a tab or headless.
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
  readonly #inputs: UnitInputs
  readonly #classifier: ResultClassifier
  /** Classifying a result and recording it happen one result at a time (see #onResult). */
  #recording: Promise<unknown> = Promise.resolve()
  readonly #volunteers = new Map<string, Volunteer>()
  /** The partner site each volunteer came by, kept after it leaves for its late-accepted units. */
  readonly #siteOf = new Map<string, string>()
  readonly #listeners = new Set<(progress: HostProgress) => void>()
  readonly #now: () => number
  readonly #helloTimeoutMs: number
  readonly #acceptedRate: RateMeter
  readonly #desk: RewardsDesk
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = false

  private constructor(
    job: JobRecord,
    store: JobStore,
    scheduler: Scheduler,
    inputs: { plan: UnitPlan; file: Blob | undefined },
    options: JobHostOptions,
  ) {
    this.job = job
    this.#store = store
    this.#writer = new UnitWriteBatcher((writes) => store.saveUnits(job.jobId, writes))
    this.#scheduler = scheduler
    this.#plan = inputs.plan
    this.#inputs = new UnitInputs(inputs.plan, inputs.file)
    this.#classifier = new ResultClassifier(job.manifest.comparison, (index, sha256) =>
      store.loadOutput(job.jobId, index, sha256),
    )
    this.#now = options.now ?? Date.now
    this.#helloTimeoutMs = options.helloTimeoutMs ?? 10_000
    this.#acceptedRate = new RateMeter(options.rateWindowMs ?? 10_000)
    const volunteers = this.#volunteers
    this.#desk = new RewardsDesk({
      rewards: options.rewards,
      jobRewards: job.rewards,
      persist: () => store.saveJob(job),
      *links() {
        for (const volunteer of volunteers.values()) yield volunteer.link
      },
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
    const stored = await store.loadJob(job.jobId)
    const current = stored ?? job
    const plan = planUnits(current.manifest, current.inputBytes)
    if (!stored) {
      if (options.input) await store.saveInput(job.jobId, options.input)
      await store.saveJob(job)
    }
    const file = current.inputBytes > 0 ? await store.loadInput(job.jobId) : undefined
    const units = await store.loadUnits(job.jobId)
    const { replication } = current.manifest
    const scheduler = new Scheduler(
      {
        unitsTotal: current.unitsTotal,
        quorum: replication.quorum,
        maxResultsPerUnit: replication.maxResults,
        maxErrorsPerUnit: replication.maxErrors,
        deadlineMs: current.deadlineMs,
      },
      { units, flagged: current.flagged },
    )
    return new JobHost(current, store, scheduler, { plan, file }, options)
  }

  get progress(): HostProgress {
    const stats = this.#scheduler.stats
    return {
      unitsTotal: stats.unitsTotal,
      issued: stats.issued,
      validated: stats.accepted,
      failed: stats.failed,
      inFlight: stats.inFlight,
      volunteers: this.#volunteers.size,
      flagged: [...this.#scheduler.flagged],
      unitsPerSecond: this.#acceptedRate.perSecond(this.#now()),
      sites: { ...this.job.siteCredits },
      failures: [...this.#scheduler.failures],
      complete: this.#scheduler.done,
    }
  }

  onProgress(listener: (progress: HostProgress) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Starts the deadline sweep. */
  start(sweepMs = 1000): void {
    this.#timer ??= setInterval(() => void this.#sweep(), sweepMs)
  }

  stop(): void {
    this.#stopped = true
    clearInterval(this.#timer)
    for (const { link } of this.#volunteers.values())
      this.#refuse(link, 'host/stopping', 'The job host stopped.')
    this.#volunteers.clear()
  }

  /** The SHA-256 of every unit's accepted output, in unit order; undefined where there is none. */
  async acceptedHashes(): Promise<(string | undefined)[]> {
    await this.#writer.idle()
    const hashes: (string | undefined)[] = Array.from({ length: this.job.unitsTotal })
    for (const unit of await this.#store.loadUnits(this.job.jobId))
      if (unit.status === 'accepted') hashes[unit.index] = unit.acceptedSha256
    return hashes
  }

  /** The accepted output of every unit, in unit order; undefined for units not (yet) accepted. */
  async outputs(): Promise<(Uint8Array | undefined)[]> {
    await this.#writer.idle()
    const units = await this.#store.loadUnits(this.job.jobId)
    const outputs: (Uint8Array | undefined)[] = Array.from({ length: this.job.unitsTotal })
    await Promise.all(
      units.map(async (unit) => {
        if (unit.status !== 'accepted' || !unit.acceptedSha256) return
        outputs[unit.index] = await this.#store.loadOutput(
          this.job.jobId,
          unit.index,
          unit.acceptedSha256,
        )
      }),
    )
    return outputs
  }

  /** Takes a newly opened link to a volunteer; it must say hello first. */
  attach(link: VolunteerLink): void {
    if (this.#stopped) return link.close()
    let volunteer: Volunteer | undefined
    const helloTimer = setTimeout(() => {
      if (!volunteer) link.close()
    }, this.#helloTimeoutMs)
    link.onClose(() => {
      clearTimeout(helloTimer)
      if (!volunteer || this.#volunteers.get(link.peerId) !== volunteer) return
      this.#volunteers.delete(link.peerId)
      const dropped = this.#scheduler.removeVolunteer(link.peerId)
      void this.#persistUnits(dropped.map((a) => a.index))
      this.#fillAll()
      this.#emit()
    })
    link.onMessage((message, body) => {
      switch (message.type) {
        case 'hello': {
          if (volunteer) return this.#violation(link, 'a second hello')
          if (message.jobId !== this.job.jobId) {
            return this.#refuse(link, 'job/unknown', `This host runs job ${this.job.jobId}.`)
          }
          if (this.#scheduler.isFlagged(link.peerId)) {
            return this.#refuse(
              link,
              'volunteer/flagged',
              'Your results disagreed with verified ones.',
            )
          }
          if (this.#scheduler.done)
            return this.#refuse(link, 'job/complete', 'The job is complete.')
          const choice = chooseKernel(
            this.job.manifest.kernels,
            message.engines,
            message.allowFallbackGpu,
          )
          if (!choice.kernel) return this.#refuse(link, 'volunteer/no-engine', choice.reason)
          volunteer = {
            link,
            kernel: choice.kernel,
            slots: choice.engine.slots,
            inFlight: new Set(),
            accepted: 0,
          }
          this.#volunteers.get(link.peerId)?.link.close()
          this.#volunteers.set(link.peerId, volunteer)
          if (message.siteKey) this.#siteOf.set(link.peerId, message.siteKey)
          void this.#welcome(volunteer)
          if (message.wantsRewards) this.#desk.requestBinding(link)
          return
        }
        case 'bind':
          if (!volunteer) return this.#violation(link, 'a binding before hello')
          return void this.#onBind(link, message)
        case 'voucher-ack':
          // Stored on the volunteer's side; the next voucher supersedes it anyway.
          return
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
  }

  /** The wallet address each connected volunteer bound, by peer id. */
  get bindings(): ReadonlyMap<string, Address> {
    return this.#desk.bindings
  }

  async #onBind(link: VolunteerLink, message: Extract<VolunteerMessage, { type: 'bind' }>) {
    await this.#desk.bind(link, message)
    this.#emit()
  }

  async #welcome(volunteer: Volunteer): Promise<void> {
    const { job } = this
    const { kernel } = volunteer
    const { limits, output } = job.manifest
    const body = kernel.kind === 'wgsl' ? new TextEncoder().encode(job.wgsl) : job.wasm
    if (!body) throw new Error(`job ${job.jobId} has no ${kernel.kind} kernel file`)
    await volunteer.link.send(
      {
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
      },
      body,
    )
    this.#fill(volunteer)
    this.#emit()
  }

  #fill(volunteer: Volunteer): void {
    if (this.#stopped) return
    const changed: number[] = []
    while (volunteer.inFlight.size < volunteer.slots) {
      const assignment = this.#scheduler.nextAssignment(volunteer.link.peerId, this.#now())
      if (!assignment) break
      volunteer.inFlight.add(assignment.assignmentId)
      changed.push(assignment.index)
      this.#inputs
        .read(assignment.index)
        .then((input) =>
          volunteer.link.send(
            {
              v: JOB_PROTOCOL_VERSION,
              type: 'assign',
              assignmentId: assignment.assignmentId,
              index: assignment.index,
              outputBytes: this.#plan.outputBytes(assignment.index),
            },
            input,
          ),
        )
        .catch(() => volunteer.link.close())
    }
    if (changed.length) void this.#persistUnits(changed)
  }

  #fillAll(): void {
    for (const volunteer of this.#volunteers.values()) this.#fill(volunteer)
  }

  /** Results being handled: the volunteers are let go only once none is (see #release). */
  #handling = 0
  #released = false

  async #onResult(
    volunteer: Volunteer,
    message: Extract<VolunteerMessage, { type: 'result' }>,
    body: Uint8Array,
  ): Promise<void> {
    this.#handling++
    try {
      await this.#handleResult(volunteer, message, body)
    } finally {
      this.#handling--
      this.#release()
    }
  }

  async #handleResult(
    volunteer: Volunteer,
    message: Extract<VolunteerMessage, { type: 'result' }>,
    body: Uint8Array,
  ): Promise<void> {
    const { link } = volunteer
    const assignment = this.#scheduler.assignment(message.assignmentId)
    if (
      assignment &&
      (assignment.volunteerId !== link.peerId || assignment.index !== message.index)
    ) {
      return this.#violation(link, 'a result for a unit it was not given')
    }
    // Copy out of the receive buffer: it is kept (stored) past this call.
    const output = body.slice()
    const sha256 = await sha256Hex(output)
    if (sha256 !== message.sha256)
      return this.#flagLiar(link.peerId, 'a result whose hash is not its body')
    try {
      assertUnitOutputSize(this.job.manifest.output, this.#plan.outputBytes(message.index), output)
    } catch {
      return this.#flagLiar(link.peerId, 'a result of the wrong size')
    }
    volunteer.inFlight.delete(message.assignmentId)
    // One result at a time from classifying to recording: two close results of one unit must
    // see each other, or two that agree within tolerance could start two groups.
    const recorded = this.#recording.then(async () => {
      const unitBefore = this.#scheduler.unit(message.index)
      const knownHashes = new Set(unitBefore?.results.map((r) => r.sha256))
      const key = await this.#classifier.classify(unitBefore, output, sha256)
      const outcome = this.#scheduler.recordResult(message.assignmentId, key)
      if (outcome.kind !== 'unknown-assignment' && outcome.kind !== 'pending')
        this.#classifier.forget(outcome.index)
      return { outcome, key, knownHashes }
    })
    this.#recording = recorded.catch(() => undefined)
    const { outcome, key, knownHashes } = await recorded
    if (outcome.kind === 'unknown-assignment') return this.#fill(volunteer)
    const unit = this.#scheduler.unit(outcome.index)
    if (unit) {
      const change = outputChangeFor(outcome, { sha256: key, bytes: output }, knownHashes)
      await this.#writer.write(unit, change)
    }
    // Persisted: now the volunteer may forget it.
    await link
      .send({ v: JOB_PROTOCOL_VERSION, type: 'ack', assignmentId: message.assignmentId })
      .catch(() => undefined)
    if (outcome.kind === 'accepted') {
      this.#acceptedRate.record(this.#now())
      await this.#creditSites(outcome.agreeing)
      await this.#desk.credit(outcome.agreeing)
      for (const id of outcome.agreeing) {
        const agreeing = this.#volunteers.get(id)
        if (!agreeing) continue
        agreeing.accepted++
        void agreeing.link
          .send({
            v: JOB_PROTOCOL_VERSION,
            type: 'credit',
            index: outcome.index,
            acceptedUnits: agreeing.accepted,
          })
          .catch(() => undefined)
      }
    }
    if ('flagged' in outcome) for (const id of outcome.flagged) await this.#disconnectFlagged(id)
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  async #onUnitError(
    volunteer: Volunteer,
    message: Extract<VolunteerMessage, { type: 'unit-error' }>,
  ): Promise<void> {
    const assignment = this.#scheduler.assignment(message.assignmentId)
    if (!assignment || assignment.volunteerId !== volunteer.link.peerId) return
    volunteer.inFlight.delete(message.assignmentId)
    this.#scheduler.recordError(message.assignmentId, `${message.code}: ${message.message}`)
    await this.#persistUnits([message.index])
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  async #persistUnits(indexes: number[]): Promise<void> {
    await Promise.all(
      [...new Set(indexes)].map((index) => {
        const unit = this.#scheduler.unit(index)
        return unit && this.#writer.write(unit)
      }),
    )
  }

  async #sweep(): Promise<void> {
    const expired = this.#scheduler.expire(this.#now())
    if (!expired.length) return
    for (const { assignment } of expired) {
      this.#volunteers.get(assignment.volunteerId)?.inFlight.delete(assignment.assignmentId)
    }
    await this.#persistUnits(expired.map((e) => e.assignment.index))
    await this.#completeIfDone()
    this.#fillAll()
    this.#emit()
  }

  async #completeIfDone(): Promise<void> {
    if (!this.#scheduler.done || this.job.status === 'complete') return
    this.job.status = 'complete'
    // The job is marked complete only once every unit write before it is stored.
    await this.#writer.idle()
    await this.#store.saveJob(this.job)
    clearInterval(this.#timer)
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
    for (const { link } of this.#volunteers.values()) {
      this.#refuse(link, 'job/complete', 'The job is complete. Thank you!')
    }
    this.#volunteers.clear()
  }

  async #flagLiar(volunteerId: string, why: string): Promise<void> {
    const dropped = this.#scheduler.flag(volunteerId)
    await this.#persistUnits(dropped.map((a) => a.index))
    await this.#disconnectFlagged(volunteerId, why)
    this.#fillAll()
    this.#emit()
  }

  async #disconnectFlagged(volunteerId: string, why = 'a disagreeing result'): Promise<void> {
    if (!this.job.flagged.includes(volunteerId)) {
      this.job.flagged.push(volunteerId)
      await this.#store.saveJob(this.job)
    }
    this.#scheduler.flag(volunteerId)
    const volunteer = this.#volunteers.get(volunteerId)
    if (!volunteer) return
    this.#volunteers.delete(volunteerId)
    this.#refuse(
      volunteer.link,
      'volunteer/flagged',
      `Flagged for ${why}; no more units of this job.`,
    )
  }

  #refuse(link: VolunteerLink, code: RefusalCode, message: string): void {
    link
      .send({ v: JOB_PROTOCOL_VERSION, type: 'refuse', code, message })
      .finally(() => link.close())
      .catch(() => undefined)
  }

  /** A peer that breaks the protocol is dropped; its units go back to the queue. */
  #violation(link: VolunteerLink, what: string): void {
    console.warn(`volunteer ${link.peerId} sent ${what}; disconnecting it`)
    link.close()
  }

  /** Counts an accepted unit for the partner site of each agreeing volunteer that came by one. */
  async #creditSites(agreeing: readonly string[]): Promise<void> {
    const sites = agreeing.flatMap((id) => this.#siteOf.get(id) ?? [])
    if (sites.length === 0) return
    const credits = (this.job.siteCredits ??= {})
    for (const site of sites) {
      if (!(site in credits) && Object.keys(credits).length >= maxSites) continue
      credits[site] = (credits[site] ?? 0) + 1
    }
    await this.#store.saveJob(this.job)
  }

  #emit(): void {
    const progress = this.progress
    for (const listener of this.#listeners) listener(progress)
  }
}
