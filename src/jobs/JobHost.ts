import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import type { Address } from 'viem'
import type { UnitPlan } from '../tasks/planUnits.ts'
import type { HostProgress } from './HostProgress.ts'
import { admitVolunteer } from './admitVolunteer.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'
import { openStoredJob, type StoredJob } from './openStoredJob.ts'
import { refuseVolunteer } from './refuseVolunteer.ts'
import { ResultDesk, type ResultMessage } from './ResultDesk.ts'
import { RewardsDesk, type JobHostRewards } from './RewardsDesk.ts'
import type { Scheduler } from './Scheduler.ts'
import { UnitInputs } from './UnitInputs.ts'
import { UnitWriteBatcher } from './UnitWriteBatcher.ts'
import { VolunteerRoster, type Volunteer } from './VolunteerRoster.ts'
import { welcomeMessage } from './welcomeMessage.ts'

export type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

export type { HostProgress, JobHostRewards }

export type JobHostOptions = {
  rewards?: JobHostRewards | undefined
  /** The input file of a new job (split units); a resumed job's comes from the store. */
  input?: Blob
  now?: () => number
  /** A volunteer that has not said hello by then is dropped. */
  helloTimeoutMs?: number
  rateWindowMs?: number
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
  readonly #inputs: UnitInputs
  readonly #volunteers = new VolunteerRoster()
  readonly #listeners = new Set<(progress: HostProgress) => void>()
  readonly #now: () => number
  readonly #helloTimeoutMs: number
  readonly #rewardsDesk: RewardsDesk
  readonly #resultDesk: ResultDesk
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = false

  private constructor(store: JobStore, opened: StoredJob, options: JobHostOptions) {
    const { job, plan, scheduler } = opened
    this.job = job
    this.#store = store
    this.#writer = new UnitWriteBatcher((writes) => store.saveUnits(job.jobId, writes))
    this.#scheduler = scheduler
    this.#plan = plan
    this.#inputs = new UnitInputs(plan, opened.file)
    this.#now = options.now ?? Date.now
    this.#helloTimeoutMs = options.helloTimeoutMs ?? 10_000
    const volunteers = this.#volunteers
    this.#rewardsDesk = new RewardsDesk({
      rewards: options.rewards,
      jobRewards: job.rewards,
      persist: () => store.saveJob(job),
      links: () => volunteers.links(),
      isFlaggedAddress: (address) => job.flaggedAddresses?.includes(address.toLowerCase()) ?? false,
    })
    this.#resultDesk = new ResultDesk({
      job,
      store,
      writer: this.#writer,
      scheduler,
      plan,
      rewards: this.#rewardsDesk,
      linkOf: (peerId) => volunteers.get(peerId)?.link,
      now: this.#now,
      rateWindowMs: options.rateWindowMs ?? 10_000,
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
    return new JobHost(store, await openStoredJob(store, job, options.input), options)
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
      unitsPerSecond: this.#resultDesk.unitsPerSecond,
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

  /** Takes a newly opened link to a volunteer; it must say hello first. */
  attach(link: VolunteerLink): void {
    if (this.#stopped) return link.close()
    let volunteer: Volunteer | undefined
    const helloTimer = setTimeout(() => {
      if (!volunteer) link.close()
    }, this.#helloTimeoutMs)
    link.onClose(() => {
      clearTimeout(helloTimer)
      if (!volunteer || !this.#volunteers.remove(volunteer)) return
      const dropped = this.#scheduler.removeVolunteer(link.peerId)
      void this.#persistUnits(dropped.map((a) => a.index))
      this.#fillAll()
      this.#emit()
    })
    link.onMessage((message, body) => {
      switch (message.type) {
        case 'hello': {
          if (volunteer) return this.#violation(link, 'a second hello')
          const admission = admitVolunteer(this.job, this.#scheduler, link.peerId, message)
          if (!admission.admitted) return refuseVolunteer(link, admission.code, admission.message)
          const { kernel, slots } = admission
          volunteer = { link, kernel, slots, inFlight: new Set() }
          this.#volunteers.add(volunteer)
          if (message.siteKey) this.#resultDesk.noteSite(link.peerId, message.siteKey)
          void this.#welcome(volunteer)
          if (message.wantsRewards) this.#rewardsDesk.requestBinding(link)
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
    return this.#rewardsDesk.bindings
  }

  async #onBind(link: VolunteerLink, message: Extract<VolunteerMessage, { type: 'bind' }>) {
    const outcome = await this.#rewardsDesk.bind(link, message)
    // A flagged volunteer back under a new peer id, with the same wallet: no more units either.
    if (outcome === 'bind/flagged')
      return this.#flagLiar(link.peerId, 'a wallet flagged in this job')
    this.#emit()
  }

  async #welcome(volunteer: Volunteer): Promise<void> {
    const { message, body } = welcomeMessage(this.job, volunteer.kernel)
    await volunteer.link.send(message, body)
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

  async #onResult(volunteer: Volunteer, message: ResultMessage, body: Uint8Array): Promise<void> {
    this.#handling++
    try {
      const { link } = volunteer
      const check = await this.#resultDesk.check(link, message, body)
      if (check.kind === 'violation') return this.#violation(link, check.what)
      if (check.kind === 'liar') return await this.#flagLiar(link.peerId, check.why)
      volunteer.inFlight.delete(message.assignmentId)
      const outcome = await this.#resultDesk.record(link, check.result)
      if (outcome.kind === 'unknown-assignment') return this.#fill(volunteer)
      if ('flagged' in outcome) for (const id of outcome.flagged) await this.#disconnectFlagged(id)
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
    this.#volunteers.dismissAll('job/complete', 'The job is complete. Thank you!')
  }

  async #flagLiar(volunteerId: string, why: string): Promise<void> {
    const dropped = this.#scheduler.flag(volunteerId)
    await this.#persistUnits(dropped.map((a) => a.index))
    await this.#disconnectFlagged(volunteerId, why)
    this.#fillAll()
    this.#emit()
  }

  async #disconnectFlagged(volunteerId: string, why = 'a disagreeing result'): Promise<void> {
    // Its wallet too: the same volunteer under a new peer id is refused when it binds.
    const address = this.#rewardsDesk.addressOf(volunteerId)?.toLowerCase()
    let changed = false
    if (!this.job.flagged.includes(volunteerId)) {
      this.job.flagged.push(volunteerId)
      changed = true
    }
    if (address && !this.job.flaggedAddresses?.includes(address)) {
      ;(this.job.flaggedAddresses ??= []).push(address)
      changed = true
    }
    if (changed) await this.#store.saveJob(this.job)
    this.#scheduler.flag(volunteerId)
    this.#volunteers.dismiss(
      volunteerId,
      'volunteer/flagged',
      `Flagged for ${why}; no more units of this job.`,
    )
  }

  /** A peer that breaks the protocol is dropped; its units go back to the queue. */
  #violation(link: VolunteerLink, what: string): void {
    console.warn(`volunteer ${link.peerId} sent ${what}; disconnecting it`)
    link.close()
  }

  #emit(): void {
    const progress = this.progress
    for (const listener of this.#listeners) listener(progress)
  }
}
