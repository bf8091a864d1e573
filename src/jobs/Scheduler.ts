import type { Verification } from '../tasks/manifestSchema.ts'
import { isTrusted, type ReputationBook } from '../trust/ReputationBook.ts'
import { countVotes, votesToAccept } from './countVotes.ts'
import { JobStanding } from './JobStanding.ts'
import type { UnitRecord, UnitResult } from './UnitRecord.ts'

/**
 * The life of a job's work units, as plain state: no timers, no I/O, no DOM. The host feeds it
 * events (an identity joins or asks for work, a result or an error arrives, the clock moves, an
 * identity leaves) and acts on what each call returns.
 *
 * What it promises a requester (docs/protocol.md, "Trust"):
 * - Volunteers never choose units: each assignment is drawn at random from the units open to that
 *   identity, among at least `minChoices` untouched ones, so two colluders asking in turn rarely
 *   hold the same unit; and two replicas of a unit never go to one network origin or one wallet.
 * - Adaptive replication (BOINC): an identity with `minConsecutiveValid` checked results in a row
 *   on the kernel gets a unit alone with probability 1 − 1/cv. That unit is provisional until the
 *   identity passes a later check; the job completes only when every accepted unit is final.
 * - Canaries: at `canaryRate`, an identity is given a unit whose answer a quorum of established
 *   identities from distinct origins already agreed on. A disagreeing answer disputes the unit,
 *   which goes to more identities until one answer leads by a quorum; the losers are flagged.
 * - A flagged identity's votes stop counting: every unit accepted on its word is reopened.
 * - Errors and missed deadlines cost the sender: a unit fails only on those of established
 *   identities from distinct origins; an identity that fails far more than the others gets one
 *   unit at a time, then none.
 */
export type SchedulerConfig = {
  jobId: string
  unitsTotal: number
  /** Agreeing results that accept a unit without dissent. */
  quorum: number
  maxResultsPerUnit: number
  /** Errors (or missed deadlines) of established identities, from distinct origins, that fail a unit. */
  maxErrorsPerUnit: number
  /** How long an identity has for a unit, from the moment it is issued. */
  deadlineMs: number
  verification: Verification
  /** Uniform in [0, 1); seeded in tests. */
  random?: () => number
  /** Untouched units offered to each choice, at least (default max(16, 2 × identities present)). */
  minChoices?: number
  /** In-flight units a new identity may hold; it rises by one per consecutive valid result. */
  startingCap?: number
}

/** An identity the host serves now (one or more links of one key). */
export type Participant = {
  id: string
  /** Its network origin key (`originKeyOf`): replicas of one unit never share one. */
  origin: string
  /** SHA-256 of the kernel it runs: trust is earned per kernel. */
  kernel: string
  wallet?: string | undefined
}

export type Assignment = {
  assignmentId: string
  index: number
  /** The identity. */
  volunteerId: string
  /** The link (peer id) it went to, for an identity connected through several. */
  peerId: string
  deadline: number
  /** The unit was already accepted: this replica checks it (a canary, or a provisional unit's check). */
  check: boolean
}

/** A unit that became final: its agreeing identities earn credit now. */
export type FinalUnit = { index: number; sha256: string; agreeing: string[] }

/** What a result, an error or a flag changed besides its own unit. */
export type SideEffects = {
  /** Units that became final: credit and pay their agreeing identities. */
  finalized: FinalUnit[]
  /** Identities flagged now: dismiss them. */
  flagged: string[]
  /** Units reopened because their acceptance rested on a flagged identity. */
  reopened: number[]
  /** Open units decided once a flagged identity's votes stopped counting: store them. */
  settled: number[]
}

export type ResultOutcome =
  | { kind: 'unknown-assignment' }
  | ({
      kind: 'recorded'
      index: number
      /**
       * What became of the unit: `pending` (more votes needed), `provisional` (accepted on this
       * one result), `accepted` (final), `failed`, `checked` (a check that agreed), `disputed`
       * (a check that did not: the unit is open again), `late` (decided meanwhile).
       */
      unit: 'pending' | 'provisional' | 'accepted' | 'failed' | 'checked' | 'disputed' | 'late'
      /** The accepted answer, when `unit` is `provisional` or `accepted`. */
      sha256?: string
      reason?: string
    } & SideEffects)

export type ErrorOutcome =
  | { kind: 'unknown-assignment' }
  | { kind: 'reissue'; index: number; benched: boolean }
  | { kind: 'failed'; index: number; reason: string; benched: boolean }

export type SchedulerStats = {
  unitsTotal: number
  issued: number
  /** Accepted units, final or provisional. */
  accepted: number
  /** Accepted on one identity's word, awaiting its next check. */
  provisional: number
  failed: number
  inFlight: number
  /** Results received, checks included: divided by `accepted` this is the job's overhead. */
  results: number
  errors: number
  canariesIssued: number
  reopened: number
}

/**
 * The `inFlight` of every unit with no replica out: most units, once a job is under way. A unit
 * gets a Map of its own at its first assignment and gives it up when the last one ends (an empty
 * Map costs about 180 bytes; a job may have millions of units). Never written to.
 */
const noAssignments: Map<string, Assignment> = new Map()

/** Records a result in its unit: a new array of the exact length, as `concat` above. */
function addResult(record: UnitRecord, result: UnitResult): void {
  record.results = record.results.concat([result])
}

type Unit = {
  record: UnitRecord
  /**
   * How it is verified, decided at its first issue: `single` (one trusted identity's word, then
   * a later check) or `quorum`; undefined while untouched.
   */
  mode: 'single' | 'quorum' | undefined
  inFlight: Map<string, Assignment>
  /** Identities that failed it (error, missed deadline): it goes to others. */
  failedBy?: Set<string>
  /** Origins of established identities that failed it. */
  errorOrigins?: Set<string>
}

type Present = Participant & { links: number; inFlight: number; slots: number }

const defaultStartingCap = 2

export class Scheduler {
  readonly config: SchedulerConfig
  readonly #book: ReputationBook
  readonly #random: () => number
  readonly #units = new Map<number, Unit>()
  /** Open units in play: issued at least once, or offered as untouched choices. */
  readonly #active = new Set<number>()
  readonly #assignments = new Map<string, Assignment>()
  readonly #flagged = new Set<string>()
  readonly #present = new Map<string, Present>()
  /** The kernel each identity ran, kept after it leaves: its trust is recorded on it. */
  readonly #kernelOf = new Map<string, string>()
  /** Per identity: the job's tallies, for reliability and the requester's table. */
  readonly #standings = new Map<string, JobStanding>()
  /** Per identity: its provisional units. */
  readonly #provisional = new Map<string, Set<number>>()
  /** Per identity: accepted units its vote helped accept (reopened if it is flagged). */
  readonly #vouched = new Map<string, Set<number>>()
  /** Final units whose answer is known to established identities: canary candidates. */
  readonly #canaries: number[] = []
  readonly #canarySet = new Set<number>()
  /** Per identity: canaries it was given, never twice the same. */
  readonly #canariesGiven = new Map<string, Set<number>>()
  readonly #failures: { index: number; reason: string }[] = []
  #nextFresh = 0
  #nextAssignment = 0
  #complete = false
  readonly #assignmentPrefix: string
  #stats = {
    issued: 0,
    accepted: 0,
    provisional: 0,
    failed: 0,
    results: 0,
    errors: 0,
    canariesIssued: 0,
    reopened: 0,
  }

  constructor(
    config: SchedulerConfig,
    book: ReputationBook,
    restored: { units?: Iterable<UnitRecord>; flagged?: Iterable<string> } = {},
  ) {
    if (config.quorum < 1 || config.maxResultsPerUnit < config.quorum)
      throw new RangeError('quorum must be at least 1 and at most maxResultsPerUnit')
    this.config = config
    this.#book = book
    this.#random = config.random ?? Math.random
    // Assignment ids must not repeat across a reload of the host, nor be guessed.
    this.#assignmentPrefix = Math.floor(this.#random() * 36 ** 6).toString(36)
    for (const id of restored.flagged ?? []) this.#flagged.add(id)
    for (const record of restored.units ?? []) this.#restore(structuredClone(record))
    this.#complete = this.done
  }

  #restore(record: UnitRecord): void {
    const unit: Unit = { record, mode: undefined, inFlight: noAssignments }
    this.#units.set(record.index, unit)
    this.#stats.issued += record.issued
    this.#stats.results += record.results.length
    this.#stats.errors += record.errors
    this.#stats.reopened += record.reopened ?? 0
    if (record.status === 'accepted') {
      this.#stats.accepted++
      if (record.single) {
        this.#stats.provisional++
        this.#setOf(this.#provisional, record.single).add(record.index)
      }
      for (const r of record.results)
        if (r.sha256 === record.acceptedSha256)
          this.#setOf(this.#vouched, r.volunteerId).add(record.index)
      if (record.canary) this.#addCanary(record.index)
    } else if (record.status === 'failed') {
      this.#stats.failed++
      this.#failures.push({ index: record.index, reason: record.failReason ?? '' })
    } else {
      if (record.results.length) unit.mode = 'quorum'
      this.#active.add(record.index)
    }
  }

  /** Every unit is final (accepted and checked) or failed. */
  get done(): boolean {
    const { accepted, provisional, failed } = this.#stats
    return accepted - provisional + failed === this.config.unitsTotal
  }

  get stats(): SchedulerStats {
    return { unitsTotal: this.config.unitsTotal, ...this.#stats, inFlight: this.#assignments.size }
  }

  /** Failed units with the reason the requester sees, in the order they failed. */
  get failures(): readonly { index: number; reason: string }[] {
    return this.#failures
  }

  get flagged(): ReadonlySet<string> {
    return this.#flagged
  }

  isFlagged(volunteerId: string): boolean {
    return this.#flagged.has(volunteerId)
  }

  /** Too many errors or missed deadlines, compared with the job's other identities: no more units. */
  isBenched(volunteerId: string): boolean {
    return this.#reliabilityCap(volunteerId) === 0
  }

  /** The job's tallies of each identity that took part. */
  get standings(): ReadonlyMap<string, Readonly<JobStanding>> {
    return this.#standings
  }

  /** Units accepted on this identity's word that await its next check. */
  provisionalOf(volunteerId: string): number {
    return this.#provisional.get(volunteerId)?.size ?? 0
  }

  unit(index: number): Readonly<UnitRecord> | undefined {
    return this.#units.get(index)?.record
  }

  assignment(assignmentId: string): Assignment | undefined {
    return this.#assignments.get(assignmentId)
  }

  /** An identity's link joined (with `slots` units at once); an identity may have several links. */
  join(joining: Participant, slots: number): void {
    const participant = { ...joining, wallet: joining.wallet?.toLowerCase() }
    this.#kernelOf.set(participant.id, participant.kernel)
    const present = this.#present.get(participant.id)
    if (present) {
      // A link that comes without the wallet does not unbind the one the identity bound.
      Object.assign(present, participant, { wallet: participant.wallet ?? present.wallet })
      present.links++
      present.slots += slots
    } else {
      this.#present.set(participant.id, { ...participant, links: 1, inFlight: 0, slots })
      this.#standing(participant.id)
    }
  }

  /** The identity bound a wallet: no replica of a unit goes to two identities of one wallet. */
  setWallet(volunteerId: string, wallet: string): void {
    const present = this.#present.get(volunteerId)
    if (present) present.wallet = wallet.toLowerCase()
  }

  /** A link left: its units in flight go back to the queue without counting as errors. */
  leave(volunteerId: string, peerId: string, slots: number): Assignment[] {
    const dropped = [...this.#assignments.values()].filter(
      (a) => a.volunteerId === volunteerId && a.peerId === peerId,
    )
    for (const assignment of dropped) this.#release(assignment)
    const present = this.#present.get(volunteerId)
    if (present && --present.links <= 0) this.#present.delete(volunteerId)
    else if (present) present.slots -= slots
    return dropped
  }

  /**
   * Units this identity may hold at once: low for a new identity, rising with its consecutive
   * valid results on the kernel, never above its engines' slots; one, then none, for an identity
   * that fails far more often than the job's others.
   */
  capacity(volunteerId: string): number {
    const present = this.#present.get(volunteerId)
    if (!present || this.#flagged.has(volunteerId)) return 0
    const { cv } = this.#book.standing(volunteerId, present.kernel)
    const trustCap = (this.config.startingCap ?? defaultStartingCap) + cv
    return Math.min(present.slots, trustCap, this.#reliabilityCap(volunteerId))
  }

  /** The next unit for this identity's link, or undefined when it has nothing (more) to do. */
  nextAssignment(volunteerId: string, peerId: string, now: number): Assignment | undefined {
    const present = this.#present.get(volunteerId)
    if (!present || this.#complete) return undefined
    if (present.inFlight >= this.capacity(volunteerId)) return undefined
    const open = this.#pickOpen(present)
    // A canary stands in for real work, at the canary rate: it looks like any other unit.
    if (open && this.#random() < this.config.verification.canaryRate) {
      const canary = this.#pickCanary(present)
      if (canary !== undefined) return this.#issue(canary, present, peerId, now, true)
    }
    if (open) return this.#issue(open.index, present, peerId, now, open.check)
    // Nothing else to do: settle provisional units, its own by a canary, others' by a check.
    if (this.#provisional.get(volunteerId)?.size) {
      const canary = this.#pickCanary(present)
      if (canary !== undefined) return this.#issue(canary, present, peerId, now, true)
    }
    const check = this.#pickProvisionalCheck(present, false)
    if (check !== undefined) return this.#issue(check, present, peerId, now, true)
    return undefined
  }

  recordResult(assignmentId: string, sha256: string, now: number): ResultOutcome {
    const assignment = this.#assignments.get(assignmentId)
    if (!assignment) return { kind: 'unknown-assignment' }
    const unit = this.#release(assignment, false)
    const { record } = unit
    const id = assignment.volunteerId
    this.#stats.results++
    this.#standing(id).results++
    const effects: SideEffects = { finalized: [], flagged: [], reopened: [], settled: [] }
    const recorded = (
      status: Extract<ResultOutcome, { kind: 'recorded' }>['unit'],
      extra: { sha256?: string; reason?: string } = {},
    ): ResultOutcome => ({
      kind: 'recorded',
      index: record.index,
      unit: status,
      ...extra,
      ...effects,
    })
    if (this.#complete || record.status === 'failed' || this.#flagged.has(id))
      return recorded('late')
    const result: UnitResult = { volunteerId: id, sha256, ...this.#whereFrom(id) }
    if (record.status === 'accepted') {
      if (sha256 === record.acceptedSha256) {
        // A check passed: the checker and, for a provisional unit, its owner.
        addResult(record, result)
        this.#setOf(this.#vouched, id).add(record.index)
        if (assignment.check && record.canary) this.#standing(id).canariesPassed++
        const owner = record.single
        this.#passCheck(id, now, effects, assignment.check && record.canary === true)
        if (owner) this.#passCheck(owner, now, effects, false)
        // Checks earn credit like any unit: a canary that paid nothing would give itself away.
        if (!record.single) this.#credit(record, [id], effects)
        this.#afterChange()
        return recorded('checked', { sha256 })
      }
      // A disagreeing check: the unit is open again until one answer leads by a quorum.
      addResult(record, result)
      if (assignment.check && record.canary) {
        this.#standing(id).canariesFailed++
        const kernel = this.#kernelOf.get(id)
        if (kernel) this.#book.recordCanaryFailed(id, kernel, now)
      }
      this.#reopen(unit)
      // Checks that agreed before may already outvote it.
      const settled = this.#settle(unit, now, effects)
      this.#afterChange()
      return settled.status === 'pending' ? recorded('disputed') : recorded(settled.status, settled)
    }
    addResult(record, result)
    const settled = this.#settle(unit, now, effects, id)
    this.#afterChange()
    return recorded(settled.status, settled)
  }

  recordError(assignmentId: string, reason: string, now: number, missed = false): ErrorOutcome {
    const assignment = this.#assignments.get(assignmentId)
    if (!assignment) return { kind: 'unknown-assignment' }
    const unit = this.#release(assignment)
    const id = assignment.volunteerId
    const kernel = this.#kernelOf.get(id)
    const standing = this.#standing(id)
    if (missed) standing.missed++
    else standing.errors++
    if (kernel) {
      if (missed) this.#book.recordMissed(id, kernel, now)
      else this.#book.recordError(id, kernel, now)
    }
    this.#stats.errors++
    const benched = this.isBenched(id)
    const { record } = unit
    if (assignment.check || record.status !== 'open')
      return { kind: 'reissue', index: record.index, benched }
    ;(unit.failedBy ??= new Set()).add(id)
    record.errors++
    record.lastError = reason
    // Only established identities can fail a unit, one vote per origin: a new identity's
    // errors (a griefer's, a Sybil farm's) just send the unit to someone else.
    if (kernel && this.#book.trusted(id, kernel, this.config.verification.minConsecutiveValid)) {
      const origins = (unit.errorOrigins ??= new Set())
      origins.add(this.#diversityKey(id))
      if (origins.size >= this.config.maxErrorsPerUnit) {
        const failed = this.#fail(unit, `${record.errors} errors, the last: ${reason}`)
        this.#afterChange()
        return { ...failed, benched }
      }
    }
    return { kind: 'reissue', index: record.index, benched }
  }

  /** Assignments past their deadline count as errors of their sender. */
  expire(now: number): { assignment: Assignment; outcome: ErrorOutcome }[] {
    const expired = [...this.#assignments.values()].filter((a) => a.deadline <= now)
    return expired.map((assignment) => ({
      assignment,
      outcome: this.recordError(
        assignment.assignmentId,
        'unit/deadline: no result before the deadline',
        now,
        true,
      ),
    }))
  }

  /**
   * Flags an identity (a wrong result, a protocol violation, a flagged wallet): its units in
   * flight go back to the queue, its votes stop counting, and every unit accepted on its word is
   * reopened.
   */
  flag(volunteerId: string, now: number): SideEffects & { dropped: Assignment[] } {
    const effects: SideEffects = { finalized: [], flagged: [], reopened: [], settled: [] }
    const dropped = [...this.#assignments.values()].filter((a) => a.volunteerId === volunteerId)
    for (const assignment of dropped) this.#release(assignment)
    if (!this.#flagged.has(volunteerId)) this.#invalid(volunteerId, now, effects)
    this.#afterChange()
    return { ...effects, dropped }
  }

  /** Failed units go back to the queue, as new; returns their indexes. */
  retryFailed(): number[] {
    const retried: number[] = []
    for (const unit of this.#units.values()) {
      if (unit.record.status !== 'failed') continue
      const { record } = unit
      record.status = 'open'
      record.errors = 0
      delete record.failReason
      delete record.lastError
      delete unit.failedBy
      delete unit.errorOrigins
      unit.mode = record.results.length ? 'quorum' : undefined
      this.#active.add(record.index)
      this.#stats.failed--
      retried.push(record.index)
    }
    this.#failures.length = 0
    this.#complete = false
    return retried
  }

  /** Accepts, fails or leaves open a unit by its votes; `single` is the identity that just answered. */
  #settle(
    unit: Unit,
    now: number,
    effects: SideEffects,
    single?: string,
  ): {
    status: 'pending' | 'provisional' | 'accepted' | 'failed'
    sha256?: string
    reason?: string
  } {
    const { record } = unit
    const { quorum } = this.config
    const count = countVotes(record.results, (v) => this.#flagged.has(v))
    const leader = count.leader
    if (leader === undefined) return { status: 'pending' }
    if (
      single !== undefined &&
      unit.mode === 'single' &&
      quorum > 1 &&
      count.leaderVotes === 1 &&
      count.dissent === 0
    ) {
      // Accepted on this identity's word alone: provisional until it passes a later check.
      record.status = 'accepted'
      record.acceptedSha256 = leader
      record.single = single
      this.#close(unit)
      this.#stats.accepted++
      this.#stats.provisional++
      this.#setOf(this.#provisional, single).add(record.index)
      this.#setOf(this.#vouched, single).add(record.index)
      return { status: 'provisional', sha256: leader }
    }
    if (count.leaderVotes >= votesToAccept(count, quorum)) {
      record.status = 'accepted'
      record.acceptedSha256 = leader
      delete record.single
      this.#close(unit)
      this.#stats.accepted++
      const counted = record.results.filter((r) => !this.#flagged.has(r.volunteerId))
      const agreeing = counted.filter((r) => r.sha256 === leader)
      for (const loser of counted)
        if (loser.sha256 !== leader) this.#invalid(loser.volunteerId, now, effects)
      // Its answer is known once established identities from distinct origins agreed on it.
      const { minConsecutiveValid } = this.config.verification
      const established = agreeing.filter((r) => {
        const kernel = this.#kernelOf.get(r.volunteerId)
        return kernel && this.#book.trusted(r.volunteerId, kernel, minConsecutiveValid)
      })
      if (
        quorum > 1 &&
        new Set(established.map((r) => this.#resultDiversityKey(r))).size >= quorum
      ) {
        record.canary = true
        this.#addCanary(record.index)
      }
      for (const r of agreeing) {
        this.#setOf(this.#vouched, r.volunteerId).add(record.index)
        this.#passCheck(r.volunteerId, now, effects, false)
      }
      this.#credit(
        record,
        agreeing.map((r) => r.volunteerId),
        effects,
      )
      return { status: 'accepted', sha256: leader }
    }
    const counted = count.leaderVotes + count.dissent
    // Past the limit, it fails unless the replicas in flight can still settle it.
    const reachable = count.leaderVotes + unit.inFlight.size >= votesToAccept(count, quorum)
    if (counted + unit.inFlight.size >= this.config.maxResultsPerUnit && !reachable) {
      const reason = `no answer led by ${quorum} among ${record.results.length} results`
      return { status: 'failed', reason: this.#fail(unit, reason).reason }
    }
    unit.mode = 'quorum'
    return { status: 'pending' }
  }

  /** The identity passed a check: its earlier provisional units become final. */
  #passCheck(id: string, now: number, effects: SideEffects, canary: boolean): void {
    const kernel = this.#kernelOf.get(id)
    if (kernel) this.#book.recordValid(id, kernel, now, canary)
    this.#standing(id).valid++
    const provisional = this.#provisional.get(id)
    if (!provisional) return
    for (const index of provisional) {
      const record = this.#units.get(index)?.record
      if (!record || record.status !== 'accepted' || record.single !== id) continue
      delete record.single
      this.#stats.provisional--
      this.#credit(record, [id], effects)
    }
    this.#provisional.delete(id)
  }

  /** A final unit earns its agreeing identities credit, once each. */
  #credit(record: UnitRecord, ids: readonly string[], effects: SideEffects): void {
    const credited = new Set(record.credited)
    const fresh = ids.filter((id) => !credited.has(id))
    if (!fresh.length) return
    // concat: an array of the exact length (a hundred thousand units each keep one).
    record.credited = (record.credited ?? []).concat(fresh)
    effects.finalized.push({
      index: record.index,
      sha256: record.acceptedSha256 ?? '',
      agreeing: fresh,
    })
  }

  #invalid(id: string, now: number, effects: SideEffects): void {
    const kernel = this.#kernelOf.get(id)
    if (kernel) this.#book.recordInvalid(id, kernel, now)
    this.#standing(id).invalid++
    this.#flag(id, now, effects)
  }

  #flag(id: string, now: number, effects: SideEffects): void {
    if (this.#flagged.has(id)) return
    this.#flagged.add(id)
    this.#book.recordFlagged(id, this.config.jobId, now)
    effects.flagged.push(id)
    for (const assignment of [...this.#assignments.values()])
      if (assignment.volunteerId === id) this.#release(assignment)
    if (this.#complete) return
    // Open units it voted in may now be decided without its vote.
    for (const index of [...this.#active]) {
      const unit = this.#units.get(index)
      if (unit?.record.status !== 'open') continue
      if (!unit.record.results.some((r) => r.volunteerId === id)) continue
      const settled = this.#settle(unit, now, effects)
      if (settled.status !== 'pending') effects.settled.push(index)
    }
    // Every unit whose acceptance rested on its vote is computed again.
    const rested = new Set([...(this.#provisional.get(id) ?? []), ...(this.#vouched.get(id) ?? [])])
    this.#provisional.delete(id)
    this.#vouched.delete(id)
    for (const index of rested) {
      const unit = this.#units.get(index)
      if (!unit || unit.record.status !== 'accepted') continue
      const count = countVotes(unit.record.results, (v) => this.#flagged.has(v))
      const standsWithout =
        !unit.record.single &&
        count.leader === unit.record.acceptedSha256 &&
        count.leaderVotes >= votesToAccept(count, this.config.quorum)
      if (standsWithout) continue
      this.#reopen(unit)
      unit.record.reopened = (unit.record.reopened ?? 0) + 1
      this.#stats.reopened++
      effects.reopened.push(index)
      if (this.#settle(unit, now, effects).status !== 'pending') effects.settled.push(index)
    }
  }

  /** An accepted unit is open again: for a dispute, or a vote that no longer counts. */
  #reopen(unit: Unit): void {
    const { record } = unit
    if (record.status !== 'accepted') return
    this.#stats.accepted--
    if (record.single) {
      this.#stats.provisional--
      this.#provisional.get(record.single)?.delete(record.index)
    }
    record.status = 'open'
    delete record.acceptedSha256
    delete record.single
    if (record.canary) this.#removeCanary(record.index)
    delete record.canary
    for (const set of this.#vouched.values()) set.delete(record.index)
    unit.mode = 'quorum'
    this.#active.add(record.index)
  }

  #afterChange(): void {
    if (this.done) this.#complete = true
  }

  /** Replicas still wanted for a unit: votes its leader needs, less those in flight. */
  #wanted(unit: Unit): number {
    if (unit.record.status !== 'open') return 0
    if (unit.mode === undefined) return unit.inFlight.size === 0 ? 1 : 0
    if (unit.mode === 'single') return unit.record.results.length + unit.inFlight.size ? 0 : 1
    const count = countVotes(unit.record.results, (v) => this.#flagged.has(v))
    const room = this.config.maxResultsPerUnit - count.leaderVotes - count.dissent
    const needed = votesToAccept(count, this.config.quorum) - count.leaderVotes
    return Math.min(needed, room) - unit.inFlight.size
  }

  #pickOpen(present: Present): { index: number; check: boolean } | undefined {
    this.#topUpChoices()
    const choices: number[] = []
    for (const index of this.#active) {
      const unit = this.#units.get(index)
      if (!unit || unit.record.status !== 'open') {
        this.#active.delete(index)
        continue
      }
      if (this.#wanted(unit) > 0 && this.#eligible(unit, present)) choices.push(index)
    }
    // Provisional units whose owner left can no longer be settled by its canaries: check them.
    const orphan = this.#pickProvisionalCheck(present, true)
    if (orphan !== undefined) choices.push(orphan)
    if (!choices.length) return undefined
    const index = choices[Math.floor(this.#random() * choices.length)] ?? choices[0]!
    return { index, check: index === orphan }
  }

  /** Keeps at least `minChoices` untouched units open, so that no one can predict its next unit. */
  #topUpChoices(): void {
    const minChoices = this.config.minChoices ?? Math.max(16, 2 * this.#present.size)
    let untouched = 0
    for (const index of this.#active) {
      const unit = this.#units.get(index)
      if (unit && unit.record.status === 'open' && unit.mode === undefined) untouched++
    }
    while (untouched < minChoices && this.#nextFresh < this.config.unitsTotal) {
      const index = this.#nextFresh++
      if (this.#units.has(index)) continue
      this.#units.set(index, {
        record: { index, status: 'open', issued: 0, errors: 0, results: [] },
        mode: undefined,
        inFlight: noAssignments,
      })
      this.#active.add(index)
      untouched++
    }
  }

  /** Whether this identity may hold a replica of this unit. */
  #eligible(unit: Unit, present: Present): boolean {
    const { id } = present
    if (unit.failedBy?.has(id)) return false
    const key = this.#diversityKey(id)
    for (const r of unit.record.results) {
      if (r.volunteerId === id || this.#resultDiversityKey(r) === key) return false
      if (present.wallet && r.wallet === present.wallet) return false
    }
    for (const a of unit.inFlight.values()) {
      if (a.volunteerId === id || this.#diversityKey(a.volunteerId) === key) return false
      const wallet = this.#present.get(a.volunteerId)?.wallet
      if (present.wallet && wallet === present.wallet) return false
    }
    return true
  }

  #pickCanary(present: Present): number | undefined {
    if (!this.#canaries.length) return undefined
    const given = this.#canariesGiven.get(present.id)
    const tries = Math.min(16, this.#canaries.length)
    for (let i = 0; i < tries; i++) {
      const index = this.#canaries[Math.floor(this.#random() * this.#canaries.length)]
      if (index === undefined || given?.has(index)) continue
      const unit = this.#units.get(index)
      if (unit && unit.record.status === 'accepted' && this.#eligible(unit, present)) return index
    }
    return undefined
  }

  /**
   * A provisional unit of another identity to check (one check in flight per owner), or, with
   * `orphansOnly`, only of an identity that left.
   */
  #pickProvisionalCheck(present: Present, orphansOnly: boolean): number | undefined {
    for (const [owner, indexes] of this.#provisional) {
      if (owner === present.id || (orphansOnly && this.#present.has(owner))) continue
      let checking = false
      let candidate: number | undefined
      for (const index of indexes) {
        const unit = this.#units.get(index)
        if (!unit) continue
        if (unit.inFlight.size) checking = true
        else if (candidate === undefined && this.#eligible(unit, present)) candidate = index
      }
      if (!checking && candidate !== undefined) return candidate
    }
    return undefined
  }

  #issue(index: number, present: Present, peerId: string, now: number, check: boolean): Assignment {
    const unit = this.#units.get(index)
    if (!unit) throw new Error(`unit ${index} is not known`)
    if (!check && unit.mode === undefined) unit.mode = this.#firstMode(present)
    const assignment: Assignment = {
      assignmentId: `${this.#assignmentPrefix}-${(this.#nextAssignment++).toString(36)}`,
      index,
      volunteerId: present.id,
      peerId,
      deadline: now + this.config.deadlineMs,
      check,
    }
    if (unit.inFlight === noAssignments) unit.inFlight = new Map()
    unit.inFlight.set(assignment.assignmentId, assignment)
    unit.record.issued++
    this.#assignments.set(assignment.assignmentId, assignment)
    present.inFlight++
    this.#standing(present.id).issued++
    this.#stats.issued++
    if (check && unit.record.canary) {
      this.#stats.canariesIssued++
      this.#setOf(this.#canariesGiven, present.id).add(index)
    }
    return assignment
  }

  /** BOINC's adaptive replication: alone with probability 1 − 1/cv once trusted. */
  #firstMode(present: Present): 'single' | 'quorum' {
    const { quorum, verification } = this.config
    if (quorum === 1 || !verification.adaptive) return 'quorum'
    const standing = this.#book.standing(present.id, present.kernel)
    if (!isTrusted(standing, verification.minConsecutiveValid)) return 'quorum'
    return this.#random() < 1 - 1 / standing.cv ? 'single' : 'quorum'
  }

  /** Takes an assignment off the books; `returned`: its unit goes back unanswered. */
  #release(assignment: Assignment, returned = true): Unit {
    this.#assignments.delete(assignment.assignmentId)
    const present = this.#present.get(assignment.volunteerId)
    if (present) present.inFlight--
    const unit = this.#units.get(assignment.index)
    if (!unit) throw new Error(`unit ${assignment.index} of a live assignment is missing`)
    unit.inFlight.delete(assignment.assignmentId)
    if (!unit.inFlight.size) unit.inFlight = noAssignments
    // Back to untouched: whoever takes it next decides its replication anew.
    const { record } = unit
    if (returned && record.status === 'open' && !record.results.length && !unit.inFlight.size)
      unit.mode = undefined
    return unit
  }

  #close(unit: Unit): void {
    this.#active.delete(unit.record.index)
    // Replicas still running are no longer needed; their results arrive as checks.
  }

  #fail(unit: Unit, reason: string): { kind: 'failed'; index: number; reason: string } {
    unit.record.status = 'failed'
    unit.record.failReason = reason
    this.#close(unit)
    this.#stats.failed++
    this.#failures.push({ index: unit.record.index, reason })
    return { kind: 'failed', index: unit.record.index, reason }
  }

  /**
   * The reliability cap: an identity that fails (errors, missed deadlines) far more often than
   * the job's other identities gets one unit at a time, then none.
   */
  #reliabilityCap(id: string): number {
    const mine = this.#standings.get(id)
    if (!mine) return Infinity
    const failures = mine.errors + mine.missed
    if (failures < 3) return Infinity
    let othersFailures = 0
    let othersIssued = 0
    for (const [other, s] of this.#standings) {
      if (other === id || this.#flagged.has(other)) continue
      othersFailures += s.errors + s.missed
      othersIssued += s.issued
    }
    const othersRate = othersIssued ? othersFailures / othersIssued : 0
    const rate = failures / Math.max(1, mine.issued)
    if (failures >= 5 && rate > Math.max(0.5, 4 * othersRate)) return 0
    if (rate > Math.max(0.2, 2 * othersRate)) return 1
    return Infinity
  }

  #whereFrom(id: string): { origin?: string; wallet?: string } {
    const present = this.#present.get(id)
    return {
      ...(present?.origin !== undefined && { origin: present.origin }),
      ...(present?.wallet !== undefined && { wallet: present.wallet }),
    }
  }

  /** Replicas of a unit need distinct keys: the origin, or the identity in a private pool. */
  #diversityKey(id: string): string {
    const present = this.#present.get(id)
    return this.config.verification.distinctOrigins && present ? `o:${present.origin}` : `i:${id}`
  }

  #resultDiversityKey(r: UnitResult): string {
    return this.config.verification.distinctOrigins && r.origin !== undefined
      ? `o:${r.origin}`
      : `i:${r.volunteerId}`
  }

  #addCanary(index: number): void {
    if (this.#canarySet.has(index)) return
    this.#canarySet.add(index)
    this.#canaries.push(index)
  }

  #removeCanary(index: number): void {
    if (!this.#canarySet.delete(index)) return
    const at = this.#canaries.indexOf(index)
    if (at >= 0) this.#canaries.splice(at, 1)
  }

  #standing(id: string): JobStanding {
    let standing = this.#standings.get(id)
    if (!standing) this.#standings.set(id, (standing = new JobStanding()))
    return standing
  }

  #setOf(map: Map<string, Set<number>>, id: string): Set<number> {
    let set = map.get(id)
    if (!set) map.set(id, (set = new Set()))
    return set
  }
}
