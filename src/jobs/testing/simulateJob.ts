import type { Verification } from '../../tasks/manifestSchema.ts'
import { ReputationBook } from '../../trust/ReputationBook.ts'
import { Scheduler, type Assignment } from '../Scheduler.ts'

/**
 * A seeded simulation of one job under attack, driving the Scheduler's plain state with a
 * discrete clock: identities ask for work, compute for a while, and answer as their strategy
 * says. The truth of unit i is `T<i>`; a lie is the group's shared `W<i>-<group>` (colluders, who
 * agree with their group, not with other groups) or a unique garbage answer (independent liars).
 */
export type Strategy =
  | { kind: 'honest' }
  /** Wrong with this probability, an answer no one else gives. */
  | { kind: 'lie'; rate: number }
  /** Honest for its first `honestResults` results, then always wrong. */
  | { kind: 'earn-then-lie'; honestResults: number }
  /** Always the group's shared wrong answer. */
  | { kind: 'collude'; group: string }
  /**
   * The group's shared wrong answer only on units that another member of the group was also
   * given; honest otherwise. Members wait until late in the deadline to answer, so that they
   * know.
   */
  | { kind: 'collude-on-shared'; group: string }
  /** Reports an error on every unit. */
  | { kind: 'grief' }
  /** Takes units and never answers. */
  | { kind: 'hoard' }

export type SimulatedIdentity = { id: string; origin: string; strategy: Strategy; slots: number }

export type SimulationParameters = {
  seed: number
  unitsTotal: number
  identities: SimulatedIdentity[]
  verification: Verification
  quorum?: number
  maxResultsPerUnit?: number
  maxErrorsPerUnit?: number
  /** A shared reputation book: identities warmed up by an earlier job keep their trust. */
  book?: ReputationBook
  /** Stop after this many events (a guard against a job that never completes). */
  maxEvents?: number
}

export type SimulationReport = {
  completed: boolean
  /** Final units whose accepted answer is not the truth. */
  wrongAccepted: number
  failed: number
  reopened: number
  /** Results received (checks and canaries included) per accepted unit. */
  resultsPerUnit: number
  /** Adversaries flagged, of all adversaries. */
  adversariesFlagged: number
  adversaries: number
  honestFlagged: number
  /** Mean results an adversary returned before it was flagged (flagged ones only). */
  resultsBeforeFlag: number | undefined
  /** Adversaries benched for errors or missed deadlines. */
  benched: number
  canaries: number
  time: number
  book: ReputationBook
}

const deadlineMs = 60

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Pending = { at: number; assignment: Assignment; seq: number }

export function simulateJob(parameters: SimulationParameters): SimulationReport {
  const random = mulberry32(parameters.seed)
  const book = parameters.book ?? new ReputationBook()
  const quorum = parameters.quorum ?? 2
  const scheduler = new Scheduler(
    {
      jobId: `sim-${parameters.seed}`,
      unitsTotal: parameters.unitsTotal,
      quorum,
      maxResultsPerUnit: parameters.maxResultsPerUnit ?? quorum + 3,
      maxErrorsPerUnit: parameters.maxErrorsPerUnit ?? 4,
      deadlineMs,
      verification: parameters.verification,
      random,
    },
    book,
  )
  const byId = new Map(parameters.identities.map((identity) => [identity.id, identity]))
  const resultsOf = new Map<string, number>()
  const seenByGroup = new Map<string, Map<number, number>>()
  const flaggedAfter = new Map<string, number>()
  const benched = new Set<string>()
  const gone = new Set<string>()
  const queue: Pending[] = []
  let seq = 0
  let now = 0
  let events = 0
  const maxEvents = parameters.maxEvents ?? 2_000_000

  const leaveAll = (ids: readonly string[]) => {
    for (const id of ids) {
      if (gone.has(id)) continue
      gone.add(id)
      if (!flaggedAfter.has(id) && scheduler.isFlagged(id))
        flaggedAfter.set(id, resultsOf.get(id) ?? 0)
      const identity = byId.get(id)
      if (identity) scheduler.leave(id, id, identity.slots)
    }
  }

  const fill = (identity: SimulatedIdentity) => {
    if (gone.has(identity.id)) return
    for (;;) {
      const assignment = scheduler.nextAssignment(identity.id, identity.id, now)
      if (!assignment) return
      const { strategy } = identity
      if (strategy.kind === 'collude-on-shared') {
        const seen = seenByGroup.get(strategy.group) ?? new Map<number, number>()
        seenByGroup.set(strategy.group, seen)
        seen.set(assignment.index, (seen.get(assignment.index) ?? 0) + 1)
      }
      if (strategy.kind === 'hoard') continue
      const late = strategy.kind === 'collude-on-shared'
      const duration = late ? deadlineMs * 0.8 : 1 + 2 * random()
      push({ at: now + duration, assignment, seq: seq++ })
    }
  }

  const answer = (identity: SimulatedIdentity, index: number): string | 'error' => {
    const { strategy } = identity
    const truth = `T${index}`
    switch (strategy.kind) {
      case 'honest':
        return truth
      case 'lie':
        return random() < strategy.rate ? `X${index}-${identity.id}` : truth
      case 'earn-then-lie':
        return (resultsOf.get(identity.id) ?? 0) < strategy.honestResults
          ? truth
          : `X${index}-${identity.id}`
      case 'collude':
        return `W${index}-${strategy.group}`
      case 'collude-on-shared':
        return (seenByGroup.get(strategy.group)?.get(index) ?? 0) >= 2
          ? `W${index}-${strategy.group}`
          : truth
      case 'grief':
        return 'error'
      case 'hoard':
        return truth
    }
  }

  for (const identity of parameters.identities) {
    scheduler.join({ id: identity.id, origin: identity.origin, kernel: 'kernel' }, identity.slots)
  }
  for (const identity of parameters.identities) fill(identity)

  let lastSweep = 0
  while (!scheduler.done && events < maxEvents) {
    const next = pop()
    if (!next) {
      // Nothing in the queue: only hoarders' units remain (jump to their deadlines), or the
      // job is stuck.
      if (scheduler.stats.inFlight === 0) break
      now += deadlineMs
    } else {
      now = Math.max(now, next.at)
      events++
      const { assignment } = next
      const identity = byId.get(assignment.volunteerId)
      if (identity && !gone.has(identity.id) && scheduler.assignment(assignment.assignmentId)) {
        const said = answer(identity, assignment.index)
        if (said === 'error') {
          const outcome = scheduler.recordError(assignment.assignmentId, 'unit/grief', now)
          if (outcome.kind !== 'unknown-assignment' && outcome.benched) {
            benched.add(identity.id)
            leaveAll([identity.id])
          }
        } else {
          resultsOf.set(identity.id, (resultsOf.get(identity.id) ?? 0) + 1)
          const outcome = scheduler.recordResult(assignment.assignmentId, said, now)
          if (outcome.kind === 'recorded') leaveAll(outcome.flagged)
        }
      }
    }
    if (now - lastSweep >= 1) {
      lastSweep = now
      for (const { assignment, outcome } of scheduler.expire(now)) {
        if (outcome.kind !== 'unknown-assignment' && outcome.benched) {
          benched.add(assignment.volunteerId)
          leaveAll([assignment.volunteerId])
        }
      }
    }
    for (const identity of parameters.identities) fill(identity)
  }

  let wrongAccepted = 0
  for (let index = 0; index < parameters.unitsTotal; index++) {
    const unit = scheduler.unit(index)
    if (unit?.status === 'accepted' && !unit.single && unit.acceptedSha256 !== `T${index}`)
      wrongAccepted++
  }
  for (const id of scheduler.flagged)
    if (!flaggedAfter.has(id)) flaggedAfter.set(id, resultsOf.get(id) ?? 0)
  const adversaries = parameters.identities.filter((i) => i.strategy.kind !== 'honest')
  const flaggedAdversaries = adversaries.filter((i) => scheduler.isFlagged(i.id))
  const stats = scheduler.stats
  return {
    completed: scheduler.done,
    wrongAccepted,
    failed: stats.failed,
    reopened: stats.reopened,
    resultsPerUnit: stats.results / Math.max(1, stats.accepted),
    adversariesFlagged: flaggedAdversaries.length,
    adversaries: adversaries.length,
    honestFlagged: parameters.identities.filter(
      (i) => i.strategy.kind === 'honest' && scheduler.isFlagged(i.id),
    ).length,
    resultsBeforeFlag: flaggedAdversaries.length
      ? flaggedAdversaries.reduce((sum, i) => sum + (flaggedAfter.get(i.id) ?? 0), 0) /
        flaggedAdversaries.length
      : undefined,
    benched: adversaries.filter((i) => benched.has(i.id)).length,
    canaries: stats.canariesIssued,
    time: now,
    book,
  }

  function push(item: Pending): void {
    queue.push(item)
    let i = queue.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (before(queue[parent]!, queue[i]!)) break
      ;[queue[parent], queue[i]] = [queue[i]!, queue[parent]!]
      i = parent
    }
  }

  function pop(): Pending | undefined {
    const top = queue[0]
    const last = queue.pop()
    if (!top || !last || top === last) return top
    queue[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < queue.length && before(queue[l]!, queue[m]!)) m = l
      if (r < queue.length && before(queue[r]!, queue[m]!)) m = r
      if (m === i) return top
      ;[queue[m], queue[i]] = [queue[i]!, queue[m]!]
      i = m
    }
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

/** 100 identities on distinct origins, `adversaries` of them (the last ones) with `strategy`. */
export function population(options: {
  total?: number
  adversaries: number
  strategy: (n: number) => Strategy
  /** The origin of adversary n (default: one of its own). */
  origin?: (n: number) => string
  slots?: number
}): SimulatedIdentity[] {
  const total = options.total ?? 100
  const honest = total - options.adversaries
  return Array.from({ length: total }, (_, i) => {
    const n = i - honest
    const adversary = n >= 0
    return {
      id: adversary ? `adv${n}` : `honest${i}`,
      origin: adversary && options.origin ? options.origin(n) : `net${i}`,
      strategy: adversary ? options.strategy(n) : { kind: 'honest' },
      slots: options.slots ?? 2,
    }
  })
}
