import type { UnitRecord } from './UnitRecord.ts'

/**
 * The BOINC-style life of a job's work units, as plain state: no timers, no
 * I/O, no DOM. The host feeds it events (a volunteer asks for work, a result
 * or an error arrives, the clock moves, a volunteer leaves) and acts on what
 * each call returns.
 *
 * A unit is accepted when `quorum` results from distinct volunteers have the
 * same hash. It starts with `quorum` replicas; every disagreement asks for one
 * more, up to `maxResultsPerUnit`. Errors, timeouts and disconnects put the
 * replica back in the queue; after `maxErrorsPerUnit` errors the unit fails.
 * A volunteer whose result differs from an accepted quorum is flagged and gets
 * no more units of the job.
 */
export type SchedulerConfig = {
  unitsTotal: number
  /** Results that must agree for a unit to be accepted (and replicas issued at first). */
  quorum: number
  maxResultsPerUnit: number
  maxErrorsPerUnit: number
  /** How long a volunteer has for a unit, from the moment it is issued. */
  deadlineMs: number
}

export type Assignment = {
  assignmentId: string
  index: number
  volunteerId: string
  deadline: number
}

export type ResultOutcome =
  | { kind: 'unknown-assignment' }
  | { kind: 'pending'; index: number; disagreement: boolean }
  | { kind: 'accepted'; index: number; sha256: string; agreeing: string[]; flagged: string[] }
  | { kind: 'failed'; index: number; reason: string }
  /** The unit was decided while this replica ran; a differing late result flags its volunteer. */
  | { kind: 'late'; index: number; agreed: boolean; flagged: string[] }

export type ErrorOutcome =
  | { kind: 'unknown-assignment' }
  | { kind: 'reissue'; index: number }
  | { kind: 'failed'; index: number; reason: string }

export type SchedulerStats = {
  unitsTotal: number
  issued: number
  accepted: number
  failed: number
  inFlight: number
  results: number
  errors: number
}

type Unit = {
  record: UnitRecord
  /** Replicas wanted: results so far plus those in flight must reach it. */
  target: number
  inFlight: Map<string, Assignment>
  /** Volunteers that failed this unit (error, missed deadline): it goes to others. */
  failedBy?: Set<string>
}

export class Scheduler {
  readonly config: SchedulerConfig
  readonly #units = new Map<number, Unit>()
  /** Open units that have been issued at least once, so replicas go to them first. */
  readonly #active = new Set<number>()
  readonly #assignments = new Map<string, Assignment>()
  readonly #flagged = new Set<string>()
  readonly #failures: { index: number; reason: string }[] = []
  #nextFresh = 0
  #nextAssignment = 0
  readonly #assignmentPrefix: string
  #stats = { issued: 0, accepted: 0, failed: 0, results: 0, errors: 0 }

  constructor(
    config: SchedulerConfig,
    restored: { units?: Iterable<UnitRecord>; flagged?: Iterable<string> } = {},
  ) {
    if (config.quorum < 1 || config.maxResultsPerUnit < config.quorum)
      throw new RangeError('quorum must be at least 1 and at most maxResultsPerUnit')
    this.config = config
    // Assignment ids must not repeat across a reload of the host.
    this.#assignmentPrefix = Math.random().toString(36).slice(2, 8)
    for (const id of restored.flagged ?? []) this.#flagged.add(id)
    for (const record of restored.units ?? []) {
      const unit: Unit = {
        record: structuredClone(record),
        target: config.quorum,
        inFlight: new Map(),
      }
      this.#units.set(record.index, unit)
      this.#stats.issued += record.issued
      this.#stats.results += record.results.length
      this.#stats.errors += record.errors
      if (record.status === 'accepted') this.#stats.accepted++
      else if (record.status === 'failed') {
        this.#stats.failed++
        this.#failures.push({ index: record.index, reason: record.failReason ?? '' })
      } else {
        unit.target = this.#targetFor(record)
        this.#active.add(record.index)
      }
    }
  }

  get done(): boolean {
    return this.#stats.accepted + this.#stats.failed === this.config.unitsTotal
  }

  get stats(): SchedulerStats {
    return {
      unitsTotal: this.config.unitsTotal,
      ...this.#stats,
      inFlight: this.#assignments.size,
    }
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

  unit(index: number): Readonly<UnitRecord> | undefined {
    return this.#units.get(index)?.record
  }

  /** The next unit for this volunteer, or undefined when it has nothing to do. */
  nextAssignment(volunteerId: string, now: number): Assignment | undefined {
    if (this.#flagged.has(volunteerId)) return undefined
    const index = this.#pickActive(volunteerId) ?? this.#pickFresh()
    if (index === undefined) return undefined
    const unit = this.#unitAt(index)
    const assignment: Assignment = {
      assignmentId: `${this.#assignmentPrefix}-${(this.#nextAssignment++).toString(36)}`,
      index,
      volunteerId,
      deadline: now + this.config.deadlineMs,
    }
    unit.inFlight.set(assignment.assignmentId, assignment)
    unit.record.issued++
    this.#assignments.set(assignment.assignmentId, assignment)
    this.#active.add(index)
    this.#stats.issued++
    return assignment
  }

  assignment(assignmentId: string): Assignment | undefined {
    return this.#assignments.get(assignmentId)
  }

  recordResult(assignmentId: string, sha256: string): ResultOutcome {
    const assignment = this.#assignments.get(assignmentId)
    if (!assignment) return { kind: 'unknown-assignment' }
    const unit = this.#release(assignment)
    const { record } = unit
    this.#stats.results++
    if (record.status !== 'open') {
      const agreed = record.acceptedSha256 === sha256
      const flagged =
        agreed || record.status !== 'accepted' ? [] : this.#flag(assignment.volunteerId)
      return { kind: 'late', index: record.index, agreed, flagged }
    }
    record.results.push({ volunteerId: assignment.volunteerId, sha256 })
    const agreeing = record.results.filter((r) => r.sha256 === sha256)
    if (agreeing.length >= this.config.quorum) {
      record.status = 'accepted'
      record.acceptedSha256 = sha256
      this.#close(unit)
      this.#stats.accepted++
      const flagged = record.results
        .filter((r) => r.sha256 !== sha256)
        .flatMap((r) => this.#flag(r.volunteerId))
      return {
        kind: 'accepted',
        index: record.index,
        sha256,
        agreeing: agreeing.map((r) => r.volunteerId),
        flagged,
      }
    }
    const disagreement = new Set(record.results.map((r) => r.sha256)).size > 1
    if (disagreement) {
      if (record.results.length + unit.inFlight.size >= this.config.maxResultsPerUnit) {
        return this.#fail(
          unit,
          `no ${this.config.quorum} of ${record.results.length} results agreed`,
        )
      }
      unit.target = this.#targetFor(record)
    }
    return { kind: 'pending', index: record.index, disagreement }
  }

  recordError(assignmentId: string, reason: string): ErrorOutcome {
    const assignment = this.#assignments.get(assignmentId)
    if (!assignment) return { kind: 'unknown-assignment' }
    const unit = this.#release(assignment)
    ;(unit.failedBy ??= new Set()).add(assignment.volunteerId)
    this.#stats.errors++
    unit.record.errors++
    unit.record.lastError = reason
    if (unit.record.status === 'open' && unit.record.errors >= this.config.maxErrorsPerUnit) {
      return this.#fail(unit, `${unit.record.errors} errors, the last: ${reason}`)
    }
    return { kind: 'reissue', index: unit.record.index }
  }

  /** Assignments past their deadline count as errors of their unit. */
  expire(now: number): { assignment: Assignment; outcome: ErrorOutcome }[] {
    const expired = [...this.#assignments.values()].filter((a) => a.deadline <= now)
    return expired.map((assignment) => ({
      assignment,
      outcome: this.recordError(
        assignment.assignmentId,
        'unit/deadline: no result before the deadline',
      ),
    }))
  }

  /** A volunteer left: its units in flight go back to the queue without counting as errors. */
  removeVolunteer(volunteerId: string): Assignment[] {
    const dropped = [...this.#assignments.values()].filter((a) => a.volunteerId === volunteerId)
    for (const assignment of dropped) this.#release(assignment)
    return dropped
  }

  /** Mark a volunteer as untrustworthy (a wrong result, or a protocol violation). */
  flag(volunteerId: string): Assignment[] {
    this.#flag(volunteerId)
    return this.removeVolunteer(volunteerId)
  }

  #flag(volunteerId: string): string[] {
    if (this.#flagged.has(volunteerId)) return []
    this.#flagged.add(volunteerId)
    return [volunteerId]
  }

  #targetFor(record: UnitRecord): number {
    const counts = new Map<string, number>()
    for (const r of record.results) counts.set(r.sha256, (counts.get(r.sha256) ?? 0) + 1)
    const best = Math.max(0, ...counts.values())
    return record.results.length + (this.config.quorum - best)
  }

  #pickActive(volunteerId: string): number | undefined {
    let best: number | undefined
    for (const index of this.#active) {
      if (best !== undefined && index >= best) continue
      const unit = this.#units.get(index)
      if (!unit || unit.record.status !== 'open') continue
      if (unit.record.results.length + unit.inFlight.size >= unit.target) continue
      if (unit.record.results.some((r) => r.volunteerId === volunteerId)) continue
      if (unit.failedBy?.has(volunteerId)) continue
      if ([...unit.inFlight.values()].some((a) => a.volunteerId === volunteerId)) continue
      best = index
    }
    return best
  }

  #pickFresh(): number | undefined {
    while (this.#nextFresh < this.config.unitsTotal && this.#units.has(this.#nextFresh)) {
      this.#nextFresh++
    }
    return this.#nextFresh < this.config.unitsTotal ? this.#nextFresh : undefined
  }

  #unitAt(index: number): Unit {
    let unit = this.#units.get(index)
    if (!unit) {
      unit = {
        record: { index, status: 'open', issued: 0, errors: 0, results: [] },
        target: this.config.quorum,
        inFlight: new Map(),
      }
      this.#units.set(index, unit)
    }
    return unit
  }

  #release(assignment: Assignment): Unit {
    this.#assignments.delete(assignment.assignmentId)
    const unit = this.#units.get(assignment.index)
    if (!unit) throw new Error(`unit ${assignment.index} of a live assignment is missing`)
    unit.inFlight.delete(assignment.assignmentId)
    return unit
  }

  #close(unit: Unit): void {
    this.#active.delete(unit.record.index)
    // Replicas still running are no longer needed; their results arrive as 'late'.
  }

  #fail(unit: Unit, reason: string): { kind: 'failed'; index: number; reason: string } {
    unit.record.status = 'failed'
    unit.record.failReason = reason
    this.#close(unit)
    this.#stats.failed++
    this.#failures.push({ index: unit.record.index, reason })
    return { kind: 'failed', index: unit.record.index, reason }
  }
}
