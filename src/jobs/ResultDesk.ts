import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JOB_PROTOCOL_VERSION, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import { assertUnitOutputSize } from '../tasks/assertUnitOutputSize.ts'
import type { UnitPlan } from '../tasks/planUnits.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore } from './JobStore.ts'
import { outputChangeFor } from './outputChangeFor.ts'
import { RateMeter } from './RateMeter.ts'
import { ResultClassifier } from './ResultClassifier.ts'
import type { RewardsDesk } from './RewardsDesk.ts'
import type { FinalUnit, ResultOutcome, Scheduler } from './Scheduler.ts'
import type { UnitWriteBatcher } from './UnitWriteBatcher.ts'

type VolunteerLink = PeerLink<HostMessage, VolunteerMessage>

export type ResultMessage = Extract<VolunteerMessage, { type: 'result' }>

export type ResultDeskParameters = {
  job: JobRecord
  store: JobStore
  /** The host's unit writes: a result's unit record and output go in its transactions. */
  writer: UnitWriteBatcher
  scheduler: Scheduler
  plan: UnitPlan
  /** Pays the agreeing volunteers of an accepted unit. */
  rewards: RewardsDesk
  /** The links the host serves now for an identity: credit goes there only. */
  linksOf: (identity: string) => Iterable<VolunteerLink>
  now: () => number
  /** The window of `unitsPerSecond`. */
  rateWindowMs: number
  /** Told of each unit that became final, once its record and output are stored. */
  onFinal?: ((unit: FinalUnit) => void) | undefined
}

/** A result whose body has its claimed hash and its unit's size. */
export type CheckedResult = {
  assignmentId: string
  index: number
  output: Uint8Array
  sha256: string
}

export type ResultCheck =
  | { kind: 'checked'; result: CheckedResult }
  /** The volunteer broke the protocol: drop it. */
  | { kind: 'violation'; what: string }
  /** The result lies about itself: flag its volunteer. */
  | { kind: 'liar'; why: string }

/** At most this many partner sites are credited in one job; units of later ones count for none. */
const maxSites = 100

/**
 * The host's side of volunteers' results: checks each result's hash and size, sorts it into
 * agreeing groups (`ResultClassifier`), records it with the Scheduler, stores it and only then
 * acknowledges it. On an accepted unit it credits the partner sites and the agreeing
 * volunteers and has the `RewardsDesk` pay them. It also reads the accepted outputs back.
 * Scheduling stays with the host: it acts on the check and on the outcome it is given back.
 *
 * @example
 * const results = new ResultDesk({ job, store, writer, scheduler, plan, rewards, linkOf, now, rateWindowMs })
 * const check = await results.check(link, message, body)
 * if (check.kind === 'checked') handle(await results.record(link, check.result))
 */
export class ResultDesk {
  readonly #job: JobRecord
  readonly #store: JobStore
  readonly #writer: UnitWriteBatcher
  readonly #scheduler: Scheduler
  readonly #plan: UnitPlan
  readonly #rewards: RewardsDesk
  readonly #linksOf: (identity: string) => Iterable<VolunteerLink>
  readonly #now: () => number
  readonly #onFinal: ((unit: FinalUnit) => void) | undefined
  readonly #classifier: ResultClassifier
  readonly #acceptedRate: RateMeter
  /** Classifying a result and recording it happen one result at a time (see `record`). */
  #recording: Promise<unknown> = Promise.resolve()
  /** The partner site each volunteer came by, kept after it leaves for its late-accepted units. */
  readonly #siteOf = new Map<string, string>()
  // By link, not peer id: a peer that connects again counts from zero.
  readonly #accepted = new WeakMap<VolunteerLink, number>()

  constructor(parameters: ResultDeskParameters) {
    const { job, store } = parameters
    this.#job = job
    this.#store = store
    this.#writer = parameters.writer
    this.#scheduler = parameters.scheduler
    this.#plan = parameters.plan
    this.#rewards = parameters.rewards
    this.#linksOf = parameters.linksOf
    this.#now = parameters.now
    this.#onFinal = parameters.onFinal
    this.#classifier = new ResultClassifier(job.manifest.comparison, (index, sha256) =>
      store.loadOutput(job.jobId, index, sha256),
    )
    this.#acceptedRate = new RateMeter(parameters.rateWindowMs)
  }

  /** Units accepted per second, over the last `rateWindowMs`. */
  get unitsPerSecond(): number {
    return this.#acceptedRate.perSecond(this.#now())
  }

  /** Remembers the partner site (`hello.siteKey`) an identity came by. */
  noteSite(identity: string, siteKey: string): void {
    this.#siteOf.set(identity, siteKey)
  }

  /**
   * Checks that a result answers an assignment of this volunteer (or one the Scheduler no
   * longer knows), that its body has the claimed hash and that it has its unit's size.
   */
  async check(link: VolunteerLink, message: ResultMessage, body: Uint8Array): Promise<ResultCheck> {
    const assignment = this.#scheduler.assignment(message.assignmentId)
    if (assignment && (assignment.peerId !== link.peerId || assignment.index !== message.index)) {
      return { kind: 'violation', what: 'a result for a unit it was not given' }
    }
    // Copy out of the receive buffer: it is kept (stored) past this call.
    const output = body.slice()
    const sha256 = await sha256Hex(output)
    if (sha256 !== message.sha256)
      return { kind: 'liar', why: 'a result whose hash is not its body' }
    try {
      assertUnitOutputSize(this.#job.manifest.output, this.#plan.outputBytes(message.index), output)
    } catch {
      return { kind: 'liar', why: 'a result of the wrong size' }
    }
    const { assignmentId, index } = message
    return { kind: 'checked', result: { assignmentId, index, output, sha256 } }
  }

  /**
   * Records a checked result: classifies it, has the Scheduler count it, stores the unit, the
   * outputs to keep, every unit the outcome touched (reopened, settled, made final) and the
   * reputation it changed, then acknowledges it and credits the units that became final.
   * Returns the Scheduler's outcome: the host reissues, flags and completes by it.
   */
  async record(link: VolunteerLink, result: CheckedResult): Promise<ResultOutcome> {
    const { assignmentId, output, sha256 } = result
    // One result at a time from classifying to recording: two close results of one unit must
    // see each other, or two that agree within tolerance could start two groups.
    const recorded = this.#recording.then(async () => {
      const unitBefore = this.#scheduler.unit(result.index)
      const knownHashes = new Set(unitBefore?.results.map((r) => r.sha256))
      const key = await this.#classifier.classify(unitBefore, output, sha256)
      const outcome = this.#scheduler.recordResult(assignmentId, key, this.#now())
      if (outcome.kind === 'recorded' && outcome.unit !== 'pending' && outcome.unit !== 'disputed')
        this.#classifier.forget(outcome.index)
      return { outcome, key, knownHashes }
    })
    this.#recording = recorded.catch(() => undefined)
    const { outcome, key, knownHashes } = await recorded
    if (outcome.kind === 'unknown-assignment') return outcome
    const unit = this.#scheduler.unit(outcome.index)
    const change = outputChangeFor(
      outcome,
      { sha256: key, bytes: output },
      knownHashes,
      key === sha256,
    )
    await Promise.all([
      unit && this.#writer.write(unit, change),
      this.persistUnits([
        ...outcome.reopened,
        ...outcome.settled,
        ...outcome.finalized.map((f) => f.index),
      ]),
    ])
    // Persisted: now the volunteer may forget it.
    await link.send({ v: JOB_PROTOCOL_VERSION, type: 'ack', assignmentId }).catch(() => undefined)
    await this.credit(outcome.finalized)
    return outcome
  }

  /** Stores the records of these units (and the reputation changed with them). */
  async persistUnits(indexes: readonly number[]): Promise<void> {
    await Promise.all(
      [...new Set(indexes)].map((index) => {
        const unit = this.#scheduler.unit(index)
        return unit && this.#writer.write(unit)
      }),
    )
  }

  /** The SHA-256 of every unit's accepted output, in unit order; undefined where there is none. */
  async acceptedHashes(): Promise<(string | undefined)[]> {
    await this.#writer.idle()
    const hashes: (string | undefined)[] = Array.from({ length: this.#job.unitsTotal })
    for (const unit of await this.#store.loadUnits(this.#job.jobId))
      if (unit.status === 'accepted') hashes[unit.index] = unit.acceptedSha256
    return hashes
  }

  /** The accepted output of every unit, in unit order; undefined for units not (yet) accepted. */
  async outputs(): Promise<(Uint8Array | undefined)[]> {
    await this.#writer.idle()
    const { jobId, unitsTotal } = this.#job
    const units = await this.#store.loadUnits(jobId)
    const outputs: (Uint8Array | undefined)[] = Array.from({ length: unitsTotal })
    await Promise.all(
      units.map(async (unit) => {
        if (unit.status !== 'accepted' || !unit.acceptedSha256) return
        outputs[unit.index] = await this.#store.loadOutput(jobId, unit.index, unit.acceptedSha256)
      }),
    )
    return outputs
  }

  /** Credits units that became final: their sites, their identities' links, their wallets. */
  async credit(finalized: readonly FinalUnit[]): Promise<void> {
    for (const unit of finalized) {
      const { index, agreeing } = unit
      this.#onFinal?.(unit)
      this.#acceptedRate.record(this.#now())
      await this.#creditSites(agreeing)
      await this.#rewards.credit(agreeing)
      for (const id of agreeing) {
        for (const link of this.#linksOf(id)) {
          const acceptedUnits = (this.#accepted.get(link) ?? 0) + 1
          this.#accepted.set(link, acceptedUnits)
          void link
            .send({ v: JOB_PROTOCOL_VERSION, type: 'credit', index, acceptedUnits })
            .catch(() => undefined)
          // One link of the identity is credited: the one it computes through.
          break
        }
      }
    }
  }

  /** Counts an accepted unit for the partner site of each agreeing volunteer that came by one. */
  async #creditSites(agreeing: readonly string[]): Promise<void> {
    const sites = agreeing.flatMap((id) => this.#siteOf.get(id) ?? [])
    if (sites.length === 0) return
    const credits = (this.#job.siteCredits ??= {})
    for (const site of sites) {
      if (!(site in credits) && Object.keys(credits).length >= maxSites) continue
      credits[site] = (credits[site] ?? 0) + 1
    }
    await this.#store.saveJob(this.#job)
  }
}
