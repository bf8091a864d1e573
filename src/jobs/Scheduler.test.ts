import { describe, expect, it } from 'vitest'
import type { Verification } from '../tasks/manifestSchema.ts'
import { ReputationBook, type KernelStanding } from '../trust/ReputationBook.ts'
import {
  Scheduler,
  type Assignment,
  type FinalUnit,
  type ResultOutcome,
  type SchedulerConfig,
} from './Scheduler.ts'
import type { UnitRecord } from './UnitRecord.ts'
import { mulberry32 } from './testing/simulateJob.ts'

const kernel = 'kernel-sha'
const truth = (index: number) => `T${index}`

type Options = Partial<Omit<SchedulerConfig, 'verification'>> & {
  verification?: Partial<Verification>
  seed?: number
}

function makeScheduler(
  options: Options = {},
  book = new ReputationBook(),
  restored: { units?: UnitRecord[]; flagged?: string[] } = {},
): Scheduler {
  const { verification, seed = 1, ...config } = options
  return new Scheduler(
    {
      jobId: 'job-1',
      unitsTotal: 100,
      quorum: 2,
      maxResultsPerUnit: 5,
      maxErrorsPerUnit: 3,
      deadlineMs: 1000,
      random: mulberry32(seed),
      ...config,
      verification: {
        adaptive: true,
        minConsecutiveValid: 10,
        canaryRate: 0,
        distinctOrigins: true,
        ...verification,
      },
    },
    book,
    restored,
  )
}

/** A book in which each named identity has `cv` consecutive valid results on the kernel. */
function bookWith(cvs: Record<string, number>): ReputationBook {
  return new ReputationBook(
    Object.entries(cvs).map(([identity, cv]) => {
      const standing: KernelStanding = {
        valid: cv,
        invalid: 0,
        cv,
        canariesPassed: 0,
        canariesFailed: 0,
        errors: 0,
        missed: 0,
      }
      return {
        identity,
        firstSeen: 0,
        lastSeen: 0,
        kernels: { [kernel]: standing },
        flaggedJobs: [],
      }
    }),
  )
}

/** Joins an identity with one link whose peer id is the identity's. */
function join(
  s: Scheduler,
  id: string,
  options: { origin?: string; wallet?: string; slots?: number } = {},
): void {
  s.join(
    { id, origin: options.origin ?? `net-${id}`, kernel, wallet: options.wallet },
    options.slots ?? 4,
  )
}

function take(s: Scheduler, id: string, now = 0, peerId = id): Assignment {
  const assignment = s.nextAssignment(id, peerId, now)
  if (!assignment) throw new Error(`no assignment for ${id}`)
  return assignment
}

function recorded(outcome: ResultOutcome): Extract<ResultOutcome, { kind: 'recorded' }> {
  if (outcome.kind !== 'recorded') throw new Error('the result was not recorded')
  return outcome
}

/** Takes a unit and answers it with the truth (or `answer`). */
function answer(
  s: Scheduler,
  id: string,
  now = 0,
  answerOf: (index: number) => string = truth,
): Extract<ResultOutcome, { kind: 'recorded' }> {
  const assignment = take(s, id, now)
  return recorded(s.recordResult(assignment.assignmentId, answerOf(assignment.index), now))
}

/** Identities take units in turn and answer them right until the job is done or stalls. */
function runHonest(s: Scheduler, ids: readonly string[], now = 0): void {
  for (let progress = true; progress && !s.done;) {
    progress = false
    for (const id of ids) {
      const a = s.nextAssignment(id, id, now)
      if (!a) continue
      progress = true
      s.recordResult(a.assignmentId, truth(a.index), now)
    }
  }
}

const acceptedRecord = (
  index: number,
  voters: string[],
  extra: Partial<UnitRecord> = {},
): UnitRecord => ({
  index,
  status: 'accepted',
  issued: voters.length,
  errors: 0,
  results: voters.map((v) => ({ volunteerId: v, sha256: truth(index), origin: `net-${v}` })),
  acceptedSha256: truth(index),
  ...(extra.single === undefined && { credited: voters }),
  ...extra,
})

describe('Scheduler: who may hold a replica', () => {
  it('never gives two replicas of a unit to one identity, even through two links', () => {
    const s = makeScheduler({ unitsTotal: 1 })
    s.join({ id: 'a', origin: 'net-a', kernel }, 2)
    s.join({ id: 'a', origin: 'net-a', kernel }, 2)
    const first = take(s, 'a', 0, 'a/1')
    expect(first.index).toBe(0)
    expect(s.nextAssignment('a', 'a/2', 0)).toBeUndefined()
    expect(recorded(s.recordResult(first.assignmentId, truth(0), 0)).unit).toBe('pending')
    expect(s.nextAssignment('a', 'a/1', 0)).toBeUndefined()
    join(s, 'b')
    expect(take(s, 'b').index).toBe(0)
  })

  it('never gives two replicas of a unit to one network origin', () => {
    const s = makeScheduler({ unitsTotal: 1 })
    join(s, 'a', { origin: 'net-1' })
    join(s, 'b', { origin: 'net-1' })
    join(s, 'c', { origin: 'net-2' })
    const held = take(s, 'a')
    // Held, then answered: neither lets the same origin in.
    expect(s.nextAssignment('b', 'b', 0)).toBeUndefined()
    s.recordResult(held.assignmentId, truth(0), 0)
    expect(s.nextAssignment('b', 'b', 0)).toBeUndefined()
    expect(take(s, 'c').index).toBe(0)
  })

  it('in a private pool (distinctOrigins off) allows one origin, but never one wallet', () => {
    const pool = { verification: { distinctOrigins: false }, unitsTotal: 1 }
    // The first replica held, then answered.
    for (const answered of [false, true]) {
      const s = makeScheduler(pool)
      join(s, 'a', { origin: 'lan', wallet: '0xAbC' })
      join(s, 'c', { origin: 'lan', wallet: '0xabc' })
      join(s, 'd', { origin: 'lan' })
      s.setWallet('d', '0xABC')
      join(s, 'b', { origin: 'lan' })
      const held = take(s, 'a')
      if (answered) s.recordResult(held.assignmentId, truth(0), 0)
      expect(s.nextAssignment('c', 'c', 0)).toBeUndefined()
      expect(s.nextAssignment('d', 'd', 0)).toBeUndefined()
      expect(take(s, 'b').index).toBe(0)
    }
  })

  it("keeps an identity's wallet when it opens another link", () => {
    const s = makeScheduler({ unitsTotal: 1 })
    join(s, 'a', { wallet: '0xabc' })
    s.join({ id: 'a', origin: 'net-a', kernel }, 2)
    join(s, 'c', { wallet: '0xABC' })
    take(s, 'a')
    expect(s.nextAssignment('c', 'c', 0)).toBeUndefined()
  })
})

describe('Scheduler: random assignment', () => {
  /** How often b, asking right after a, is given a's unit: once per fresh job. */
  function sameUnitRate(minChoices: number | undefined, trials: number): number {
    const seeds = mulberry32(7)
    let same = 0
    for (let trial = 0; trial < trials; trial++) {
      const seed = Math.floor(seeds() * 2 ** 32)
      const s = makeScheduler({ unitsTotal: 10_000, seed, ...(minChoices && { minChoices }) })
      join(s, 'a')
      join(s, 'b')
      if (take(s, 'a').index === take(s, 'b').index) same++
    }
    return same / trials
  }

  it('draws each unit among at least minChoices untouched ones, so the first is not predictable', () => {
    const firsts = new Set<number>()
    for (let seed = 1; seed <= 400; seed++) {
      const s = makeScheduler({ unitsTotal: 10_000, seed, minChoices: 16 })
      join(s, 'a')
      firsts.add(take(s, 'a').index)
    }
    expect([...firsts].sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i))
  })

  it('two identities asking in turn hold the same unit at about 1 / choices, not always', () => {
    // b chooses among minChoices untouched units and the one a holds.
    const rate16 = sameUnitRate(16, 2000)
    expect(rate16).toBeGreaterThan(0.6 / 17)
    expect(rate16).toBeLessThan(1.4 / 17)
    const rate64 = sameUnitRate(64, 2000)
    expect(rate64).toBeGreaterThan(0.4 / 65)
    expect(rate64).toBeLessThan(1.6 / 65)
    // The default is max(16, 2 × identities present).
    const rateDefault = sameUnitRate(undefined, 2000)
    expect(rateDefault).toBeLessThan(1.4 / 17)
  })
})

describe('Scheduler: quorum and the margin rule', () => {
  it('does not accept two colluders against one honest, asks more, and flags the colluders', () => {
    const s = makeScheduler({ unitsTotal: 1, maxResultsPerUnit: 8 })
    for (const id of ['h1', 'c1', 'c2', 'h2', 'h3', 'h4']) join(s, id)
    const h1 = take(s, 'h1')
    const c1 = take(s, 'c1')
    expect(recorded(s.recordResult(h1.assignmentId, 'T0', 1)).unit).toBe('pending')
    expect(recorded(s.recordResult(c1.assignmentId, 'W0', 1)).unit).toBe('pending')
    // 1 against 1: the leader needs quorum + 1 votes, two more replicas go out.
    const c2 = take(s, 'c2')
    const h2 = take(s, 'h2')
    expect(s.nextAssignment('h3', 'h3', 1)).toBeUndefined()
    const twoToOne = recorded(s.recordResult(c2.assignmentId, 'W0', 2))
    expect(twoToOne).toMatchObject({ unit: 'pending', flagged: [] })
    expect(s.unit(0)?.status).toBe('open')
    expect(recorded(s.recordResult(h2.assignmentId, 'T0', 2)).unit).toBe('pending')
    // 2 against 2: two more.
    const h3 = take(s, 'h3')
    const h4 = take(s, 'h4')
    expect(recorded(s.recordResult(h3.assignmentId, 'T0', 3)).unit).toBe('pending')
    const won = recorded(s.recordResult(h4.assignmentId, 'T0', 3))
    expect(won).toMatchObject({ unit: 'accepted', sha256: 'T0' })
    expect([...won.flagged].sort()).toEqual(['c1', 'c2'])
    expect(won.finalized).toEqual([{ index: 0, sha256: 'T0', agreeing: ['h1', 'h2', 'h3', 'h4'] }])
    expect(s.isFlagged('c1') && s.isFlagged('c2')).toBe(true)
    expect(['h1', 'h2', 'h3', 'h4'].some((id) => s.isFlagged(id))).toBe(false)
    expect(s.done).toBe(true)
  })

  it('fails a unit whose results reach the cap before one answer leads by the quorum', () => {
    const s = makeScheduler({ unitsTotal: 1, maxResultsPerUnit: 3 })
    for (const id of ['a', 'b', 'c']) join(s, id)
    const a = take(s, 'a')
    const b = take(s, 'b')
    s.recordResult(a.assignmentId, 'x', 0)
    s.recordResult(b.assignmentId, 'y', 0)
    const c = take(s, 'c')
    const outcome = recorded(s.recordResult(c.assignmentId, 'x', 0))
    // x leads y by one only: no one is flagged on such a count.
    expect(outcome).toMatchObject({ unit: 'failed', flagged: [] })
    expect(outcome.reason).toMatch(/no answer led by 2/)
    expect(s.failures).toEqual([{ index: 0, reason: outcome.reason }])
    expect(s.done).toBe(true)
  })
})

describe('Scheduler: adaptive replication', () => {
  function singleRate(cv: number, draws: number, verification?: Partial<Verification>): number {
    const book = bookWith({ t: cv })
    const s = makeScheduler(
      { unitsTotal: draws, seed: 3, ...(verification && { verification }) },
      book,
    )
    join(s, 't', { slots: 1 })
    let single = 0
    for (let i = 0; i < draws; i++) if (answer(s, 't').unit === 'provisional') single++
    // Neither a provisional unit nor a lone quorum result is a check: cv did not move.
    expect(book.standing('t', kernel).cv).toBe(cv)
    return single / draws
  }

  it('gives an identity with cv >= minConsecutiveValid single units at about 1 - 1/cv', () => {
    expect(Math.abs(singleRate(10, 2000) - 0.9)).toBeLessThan(0.02)
    expect(Math.abs(singleRate(40, 2000) - 0.975)).toBeLessThan(0.015)
  })

  it('never gives a new identity, or one below minConsecutiveValid, a unit alone', () => {
    expect(singleRate(0, 500)).toBe(0)
    expect(singleRate(9, 500)).toBe(0)
  })

  it('gives no unit alone when adaptive replication is off', () => {
    expect(singleRate(1000, 500, { adaptive: false })).toBe(0)
  })
})

describe('Scheduler: provisional units', () => {
  it('makes a provisional unit final when its owner agrees with a replica of another unit', () => {
    const s = makeScheduler({ unitsTotal: 2 }, bookWith({ t: 1000 }))
    join(s, 't')
    join(s, 'h')
    const alone = answer(s, 't', 1)
    expect(alone).toMatchObject({ unit: 'provisional', finalized: [] })
    expect(s.stats).toMatchObject({ accepted: 1, provisional: 1 })
    expect(s.unit(alone.index)?.single).toBe('t')
    expect(s.provisionalOf('t')).toBe(1)
    // h is new: the other unit needs a quorum, and t's agreeing replica is t's check.
    const other = answer(s, 'h', 2)
    expect(other).toMatchObject({ unit: 'pending', index: 1 - alone.index })
    expect(s.done).toBe(false)
    const checked = answer(s, 't', 3)
    expect(checked).toMatchObject({ unit: 'accepted', index: other.index })
    expect(checked.finalized).toEqual([
      { index: alone.index, sha256: truth(alone.index), agreeing: ['t'] },
      { index: other.index, sha256: truth(other.index), agreeing: ['h', 't'] },
    ])
    expect(s.unit(alone.index)?.single).toBeUndefined()
    expect(s.provisionalOf('t')).toBe(0)
    expect(s.stats).toMatchObject({ accepted: 2, provisional: 0 })
    expect(s.done).toBe(true)
  })

  it('does not complete while a unit is provisional: another identity checks it', () => {
    const s = makeScheduler({ unitsTotal: 1 }, bookWith({ t: 1000 }))
    join(s, 't')
    join(s, 'h')
    expect(answer(s, 't').unit).toBe('provisional')
    expect(s.stats.accepted).toBe(1)
    expect(s.done).toBe(false)
    // The owner cannot check its own unit.
    expect(s.nextAssignment('t', 't', 1)).toBeUndefined()
    const check = take(s, 'h', 1)
    expect(check).toMatchObject({ index: 0, check: true })
    const outcome = recorded(s.recordResult(check.assignmentId, 'T0', 2))
    expect(outcome.unit).toBe('checked')
    expect(outcome.finalized).toEqual([
      { index: 0, sha256: 'T0', agreeing: ['t'] },
      { index: 0, sha256: 'T0', agreeing: ['h'] },
    ])
    expect(s.done).toBe(true)
    expect(s.nextAssignment('h', 'h', 3)).toBeUndefined()
  })

  it('makes provisional units final when their owner passes a canary', () => {
    const units = [acceptedRecord(0, ['e1', 'e2'], { canary: true })]
    const s = makeScheduler({ unitsTotal: 2 }, bookWith({ t: 1000 }), { units })
    join(s, 't')
    expect(answer(s, 't').unit).toBe('provisional')
    // No real work left: the owner is given a known answer to settle its units.
    const canary = take(s, 't', 1)
    expect(canary).toMatchObject({ index: 0, check: true })
    expect(s.stats.canariesIssued).toBe(1)
    const outcome = recorded(s.recordResult(canary.assignmentId, 'T0', 2))
    expect(outcome.unit).toBe('checked')
    expect(outcome.finalized).toEqual([
      { index: 1, sha256: 'T1', agreeing: ['t'] },
      { index: 0, sha256: 'T0', agreeing: ['t'] },
    ])
    expect(s.standings.get('t')?.canariesPassed).toBe(1)
    expect(s.done).toBe(true)
  })

  it('has provisional units whose owner left checked by others while work remains', () => {
    const s = makeScheduler({ unitsTotal: 200 }, bookWith({ t: 1000 }))
    join(s, 't')
    const alone = answer(s, 't')
    expect(alone.unit).toBe('provisional')
    s.leave('t', 't', 4)
    join(s, 'h', { slots: 1 })
    let checked = false
    for (let i = 0; i < 200 && !checked; i++) {
      const a = take(s, 'h', i)
      checked = a.check && a.index === alone.index
      s.recordResult(a.assignmentId, truth(a.index), i)
    }
    expect(checked).toBe(true)
    expect(s.unit(alone.index)?.single).toBeUndefined()
    expect(s.stats.provisional).toBe(0)
  })

  it('credits each identity once per unit, and only once the unit is final', () => {
    const units = Array.from({ length: 40 }, (_, i) =>
      acceptedRecord(i, ['e1', 'e2'], { canary: true }),
    )
    const book = bookWith({ t1: 1000, t2: 50 })
    const s = makeScheduler(
      { unitsTotal: 400, seed: 11, verification: { canaryRate: 0.1 } },
      book,
      { units },
    )
    const ids = ['t1', 't2', 'n1', 'n2', 'n3', 'n4']
    for (const id of ids) join(s, id, { slots: 2 })
    const credits: FinalUnit[] = []
    const random = mulberry32(5)
    for (let step = 0; step < 10_000 && !s.done; step++) {
      const id = ids[Math.floor(random() * ids.length)]!
      const a = s.nextAssignment(id, id, step)
      if (!a) continue
      const outcome = recorded(s.recordResult(a.assignmentId, truth(a.index), step))
      credits.push(...outcome.finalized)
      for (const f of outcome.finalized) {
        const record = s.unit(f.index)
        expect(record?.status === 'accepted' && record.single === undefined).toBe(true)
      }
    }
    expect(s.done).toBe(true)
    // The run had canaries and units accepted on one result, made final later.
    expect(s.stats.canariesIssued).toBeGreaterThan(0)
    const singles = Array.from({ length: 400 }, (_, i) => s.unit(i)).filter(
      (u) => u?.results.length === 1,
    )
    expect(singles.length).toBeGreaterThan(0)
    const pairs = credits.flatMap((f) => f.agreeing.map((id) => `${f.index}:${id}`))
    expect(new Set(pairs).size).toBe(pairs.length)
    // Every identity whose result agreed with an accepted fresh unit was credited for it.
    for (let index = 40; index < 400; index++) {
      const voters = s.unit(index)?.results.map((r) => r.volunteerId) ?? []
      for (const id of voters) expect(pairs).toContain(`${index}:${id}`)
    }
  })
})

describe('Scheduler: canaries and disputes', () => {
  it('disputes a canary answered wrong, then flags the liar and reopens its provisional units', () => {
    const units = [
      acceptedRecord(0, ['e1', 'e2'], { canary: true }),
      acceptedRecord(1, ['liar'], { single: 'liar' }),
      { ...acceptedRecord(2, ['liar'], { single: 'liar' }), acceptedSha256: 'X2' },
    ]
    units[2]!.results[0]!.sha256 = 'X2'
    const book = bookWith({ liar: 50 })
    const s = makeScheduler({ unitsTotal: 3 }, book, { units })
    expect(s.stats).toMatchObject({ accepted: 3, provisional: 2 })
    join(s, 'liar')
    const canary = take(s, 'liar', 1)
    expect(canary).toMatchObject({ index: 0, check: true })
    const disputed = recorded(s.recordResult(canary.assignmentId, 'W0', 2))
    expect(disputed).toMatchObject({ unit: 'disputed', flagged: [], reopened: [] })
    expect(s.unit(0)?.status).toBe('open')
    expect(s.standings.get('liar')?.canariesFailed).toBe(1)
    expect(book.standing('liar', kernel).canariesFailed).toBe(1)
    // Two known answers against one: one more agreeing vote settles it.
    join(s, 'h1')
    const replica = take(s, 'h1', 3)
    expect(replica.index).toBe(0)
    const settled = recorded(s.recordResult(replica.assignmentId, 'T0', 4))
    expect(settled).toMatchObject({ unit: 'accepted', sha256: 'T0', flagged: ['liar'] })
    expect([...settled.reopened].sort()).toEqual([1, 2])
    expect(book.standing('liar', kernel).cv).toBe(0)
    expect(s.stats).toMatchObject({ accepted: 1, provisional: 0, reopened: 2 })
    expect(s.unit(2)).toMatchObject({ status: 'open', reopened: 1 })
    expect(s.nextAssignment('liar', 'liar', 5)).toBeUndefined()
    // Recomputed by others: the lie is gone.
    join(s, 'h2')
    runHonest(s, ['h1', 'h2'], 6)
    expect(s.done).toBe(true)
    expect(s.unit(2)?.acceptedSha256).toBe('T2')
  })

  it("reopens a flagged identity's quorum units that no longer stand, and recomputes them", () => {
    const units = [acceptedRecord(0, ['x', 'h1']), acceptedRecord(1, ['x', 'h1', 'h2'])]
    const s = makeScheduler({ unitsTotal: 3 }, new ReputationBook(), { units })
    const flagged = s.flag('x', 5)
    expect(flagged).toMatchObject({ flagged: ['x'], reopened: [0], dropped: [] })
    expect(s.unit(0)).toMatchObject({ status: 'open', reopened: 1 })
    // Two votes remain for unit 1: it stands.
    expect(s.unit(1)?.status).toBe('accepted')
    expect(s.stats).toMatchObject({ accepted: 1, reopened: 1 })
    join(s, 'x')
    expect(s.nextAssignment('x', 'x', 6)).toBeUndefined()
    for (const id of ['h1', 'h2', 'h3']) join(s, id)
    const credits: FinalUnit[] = []
    for (let progress = true; progress && !s.done;) {
      progress = false
      for (const id of ['h1', 'h2', 'h3']) {
        const a = s.nextAssignment(id, id, 6)
        if (!a) continue
        progress = true
        credits.push(...recorded(s.recordResult(a.assignmentId, truth(a.index), 6)).finalized)
      }
    }
    expect(s.done).toBe(true)
    // h1's vote still counts: one more replica was enough.
    const voters = s.unit(0)?.results.map((r) => r.volunteerId)
    expect(voters).toHaveLength(3)
    expect(voters?.slice(0, 2)).toEqual(['x', 'h1'])
    // h1 and x were credited before: only the new voter is credited now.
    expect(credits.filter((f) => f.index === 0)).toEqual([
      { index: 0, sha256: 'T0', agreeing: [voters?.[2]] },
    ])
  })

  it('issues canaries at about canaryRate, only while real work remains', () => {
    const known = 300
    const units = Array.from({ length: known }, (_, i) =>
      acceptedRecord(i, ['e1', 'e2'], { canary: true }),
    )
    const s = makeScheduler(
      { unitsTotal: known + 3000, seed: 9, verification: { canaryRate: 0.1 } },
      new ReputationBook(),
      { units },
    )
    const ids = Array.from({ length: 20 }, (_, i) => `h${i}`)
    for (const id of ids) join(s, id, { slots: 1 })
    for (let round = 0; round < 1000 && !s.done; round++)
      for (const id of ids) {
        const a = s.nextAssignment(id, id, round)
        if (a) s.recordResult(a.assignmentId, truth(a.index), round)
      }
    expect(s.done).toBe(true)
    const { canariesIssued, issued } = s.stats
    expect(Math.abs(canariesIssued / issued - 0.1)).toBeLessThan(0.015)

    // With the last real unit held by others, no one is given a canary to pass the time.
    const idle = makeScheduler(
      { unitsTotal: known + 1, seed: 9, verification: { canaryRate: 0.5 } },
      new ReputationBook(),
      { units },
    )
    for (const id of ['a', 'b', 'c']) join(idle, id, { slots: 1 })
    const real = (id: string) => {
      for (;;) {
        const a = take(idle, id)
        if (a.index === known) return a
        idle.recordResult(a.assignmentId, truth(a.index), 0)
      }
    }
    real('a')
    real('b')
    expect(idle.nextAssignment('c', 'c', 0)).toBeUndefined()
  })
})

describe('Scheduler: errors and missed deadlines', () => {
  it('reissues on errors of new identities and fails on those of established ones from distinct origins', () => {
    const book = bookWith({ e1: 20, e2: 20, e3: 20, e4: 20 })
    const s = makeScheduler({ unitsTotal: 1, maxErrorsPerUnit: 3 }, book)
    for (let n = 0; n < 6; n++) {
      join(s, `n${n}`)
      const outcome = s.recordError(take(s, `n${n}`).assignmentId, 'kernel/trap', 0)
      expect(outcome).toEqual({ kind: 'reissue', index: 0, benched: false })
      // The one that failed it does not get it again.
      expect(s.nextAssignment(`n${n}`, `n${n}`, 0)).toBeUndefined()
    }
    expect(s.unit(0)).toMatchObject({ status: 'open', errors: 6 })
    expect(s.standings.get('n0')?.errors).toBe(1)
    expect(book.standing('n0', kernel).errors).toBe(1)
    // Established identities: e3 shares e1's origin, so it adds no origin.
    const origins = { e1: 'net-a', e2: 'net-b', e3: 'net-a', e4: 'net-c' }
    for (const [id, origin] of Object.entries(origins)) join(s, id, { origin })
    for (const id of ['e1', 'e2', 'e3'])
      expect(s.recordError(take(s, id).assignmentId, 'kernel/trap', 0).kind).toBe('reissue')
    expect(s.recordError(take(s, 'e4').assignmentId, 'kernel/trap', 0)).toEqual({
      kind: 'failed',
      index: 0,
      reason: '10 errors, the last: kernel/trap',
      benched: false,
    })
    expect(s.failures).toEqual([{ index: 0, reason: '10 errors, the last: kernel/trap' }])
    expect(s.done).toBe(true)
  })

  it('retries failed units as new', () => {
    const book = bookWith({ e1: 20, e2: 20 })
    const s = makeScheduler({ unitsTotal: 2, maxErrorsPerUnit: 2 }, book)
    join(s, 'e1')
    join(s, 'e2')
    let failed = 0
    for (let round = 0; round < 10 && failed < 2; round++) {
      for (const id of ['e1', 'e2']) {
        const a = s.nextAssignment(id, id, 0)
        if (a && s.recordError(a.assignmentId, 'kernel/oom', 0).kind === 'failed') failed++
      }
    }
    expect(s.done).toBe(true)
    expect(s.stats.failed).toBe(2)
    expect(s.retryFailed().sort()).toEqual([0, 1])
    expect(s.stats.failed).toBe(0)
    expect(s.failures).toEqual([])
    expect(s.done).toBe(false)
    expect(s.unit(0)).toMatchObject({ status: 'open', errors: 0 })
    // The identities that failed them may take them again.
    join(s, 'n1')
    join(s, 'n2')
    runHonest(s, ['n1', 'n2'], 1)
    expect(s.done).toBe(true)
    expect(s.stats).toMatchObject({ accepted: 2, failed: 0 })
  })

  it('caps an identity that errors far more than the others to one unit, then benches it', () => {
    const s = makeScheduler({ unitsTotal: 1000, startingCap: 2 })
    const honest = ['h1', 'h2', 'h3', 'h4']
    for (const id of honest) join(s, id)
    join(s, 'g')
    const caps: number[] = []
    const benched: boolean[] = []
    for (let round = 0; round < 10; round++) {
      for (const id of honest) answer(s, id, round)
      caps.push(s.capacity('g'))
      const a = s.nextAssignment('g', 'g', round)
      if (!a) break
      const outcome = s.recordError(a.assignmentId, 'unit/grief', round)
      benched.push(outcome.kind !== 'unknown-assignment' && outcome.benched)
    }
    // 2 (the starting cap) until its third error, 1 from then, 0 from its fifth.
    expect(caps).toEqual([2, 2, 2, 1, 1, 0])
    expect(benched).toEqual([false, false, false, false, true])
    expect(s.isBenched('g')).toBe(true)
    expect(honest.some((id) => s.isBenched(id))).toBe(false)
  })

  it('benches an identity that misses its deadlines, and reissues what it held', () => {
    const s = makeScheduler({ unitsTotal: 1000, deadlineMs: 10 })
    const honest = ['h1', 'h2', 'h3', 'h4']
    for (const id of honest) join(s, id)
    join(s, 'hoarder')
    let now = 0
    for (let round = 0; round < 12 && !s.isBenched('hoarder'); round++) {
      // It takes all it may, and never answers.
      let held = 0
      while (s.nextAssignment('hoarder', 'hoarder', now)) held++
      expect(held).toBeGreaterThan(0)
      for (const id of honest) answer(s, id, now)
      now += 10
      for (const { assignment, outcome } of s.expire(now)) {
        expect(assignment.volunteerId).toBe('hoarder')
        expect(outcome.kind).toBe('reissue')
      }
    }
    expect(s.isBenched('hoarder')).toBe(true)
    expect(s.capacity('hoarder')).toBe(0)
    expect(s.nextAssignment('hoarder', 'hoarder', now)).toBeUndefined()
    expect(s.standings.get('hoarder')?.missed).toBeGreaterThanOrEqual(5)
    expect(s.stats).toMatchObject({ failed: 0, inFlight: 0 })
  })

  it("does not cap identities that fail about as often as the job's others", () => {
    const s = makeScheduler({ unitsTotal: 2000 })
    const ids = ['a', 'b', 'c', 'd', 'e']
    for (const id of ids) join(s, id)
    const random = mulberry32(4)
    for (let round = 0; round < 60; round++)
      for (const id of ids) {
        const a = s.nextAssignment(id, id, round)
        if (!a) continue
        if (random() < 0.4) s.recordError(a.assignmentId, 'kernel/oom', round)
        else s.recordResult(a.assignmentId, truth(a.index), round)
      }
    expect(ids.map((id) => s.capacity(id) > 1)).toEqual(ids.map(() => true))
  })
})

describe('Scheduler: capacity and links', () => {
  it('starts an identity at startingCap and raises it with cv, up to its slots', () => {
    const book = new ReputationBook()
    const s = makeScheduler({ startingCap: 2 }, book)
    join(s, 'n', { slots: 8 })
    expect(s.capacity('n')).toBe(2)
    take(s, 'n')
    take(s, 'n')
    expect(s.nextAssignment('n', 'n', 0)).toBeUndefined()
    for (let i = 0; i < 3; i++) book.recordValid('n', kernel, 0)
    expect(s.capacity('n')).toBe(5)
    for (let i = 0; i < 100; i++) book.recordValid('n', kernel, 0)
    expect(s.capacity('n')).toBe(8)
    // Another link adds its slots.
    s.join({ id: 'n', origin: 'net-n', kernel }, 4)
    expect(s.capacity('n')).toBe(12)
    s.flag('n', 1)
    expect(s.capacity('n')).toBe(0)
  })

  it('rises as the identity agrees with others', () => {
    const book = new ReputationBook()
    const s = makeScheduler({ unitsTotal: 1, startingCap: 1 }, book)
    join(s, 'a')
    join(s, 'b')
    expect(s.capacity('a')).toBe(1)
    answer(s, 'a')
    expect(answer(s, 'b').unit).toBe('accepted')
    expect(s.capacity('a')).toBe(2)
    expect(book.standing('a', kernel)).toMatchObject({ valid: 1, cv: 1 })
  })

  it("returns a link's units when it leaves, without counting an error", () => {
    const s = makeScheduler({ startingCap: 8 })
    s.join({ id: 'a', origin: 'net-a', kernel }, 2)
    s.join({ id: 'a', origin: 'net-a', kernel }, 2)
    const first = [take(s, 'a', 0, 'a/1'), take(s, 'a', 0, 'a/1')]
    const second = [take(s, 'a', 0, 'a/2'), take(s, 'a', 0, 'a/2')]
    expect(s.nextAssignment('a', 'a/1', 0)).toBeUndefined()
    const dropped = s.leave('a', 'a/1', 2)
    expect(dropped.map((d) => d.assignmentId).sort()).toEqual(
      first.map((d) => d.assignmentId).sort(),
    )
    expect(s.recordResult(first[0]!.assignmentId, 'T', 0)).toEqual({ kind: 'unknown-assignment' })
    expect(s.standings.get('a')).toMatchObject({ errors: 0, missed: 0 })
    expect(s.stats.inFlight).toBe(2)
    // The other link still holds its two, as many as its slots.
    expect(s.capacity('a')).toBe(2)
    expect(s.nextAssignment('a', 'a/2', 0)).toBeUndefined()
    expect(
      s
        .leave('a', 'a/2', 2)
        .map((d) => d.assignmentId)
        .sort(),
    ).toEqual(second.map((d) => d.assignmentId).sort())
    expect(s.capacity('a')).toBe(0)
    expect(s.nextAssignment('a', 'a/1', 0)).toBeUndefined()
    expect(s.stats.inFlight).toBe(0)
  })
})

describe('Scheduler: restore', () => {
  it('restores accepted, provisional, reopened and open units with the same stats', () => {
    const book = bookWith({ t: 1000 })
    const ids = ['t', 'h1', 'h2', 'h3', 'x']
    const make = (restored?: { units: UnitRecord[]; flagged: string[] }) =>
      makeScheduler({ unitsTotal: 60, seed: 21 }, book, restored)
    const first = make()
    for (const id of ids) join(first, id, { slots: 1 })
    const random = mulberry32(8)
    for (let step = 0; step < 40; step++)
      answer(first, ids[Math.floor(random() * ids.length)]!, step)
    first.flag('x', 50)
    const stats = first.stats
    expect(stats.inFlight).toBe(0)
    expect(stats.provisional).toBeGreaterThan(0)
    expect(stats.reopened).toBeGreaterThan(0)
    expect(stats.accepted - stats.provisional).toBeGreaterThan(0)
    const units = Array.from({ length: 60 }, (_, i) => first.unit(i)).filter(
      (u): u is UnitRecord => u !== undefined,
    )
    expect(units.some((u) => u.status === 'open' && u.results.length > 0)).toBe(true)

    const resumed = make({ units, flagged: [...first.flagged] })
    expect(resumed.stats).toEqual(stats)
    expect(resumed.done).toBe(first.done)
    for (const u of units) expect(resumed.unit(u.index)).toEqual(u)
    // It goes on: the flagged one gets nothing, provisional units become final, the job completes.
    for (const id of ids) join(resumed, id, { slots: 1 })
    expect(resumed.nextAssignment('x', 'x', 60)).toBeUndefined()
    runHonest(
      resumed,
      ids.filter((id) => id !== 'x'),
      60,
    )
    expect(resumed.done).toBe(true)
    expect(resumed.stats).toMatchObject({ accepted: 60, provisional: 0, failed: 0 })
  })
})
