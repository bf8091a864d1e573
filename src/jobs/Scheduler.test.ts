import { describe, expect, it } from 'vitest'
import { Scheduler, type SchedulerConfig } from './Scheduler.ts'

const config: SchedulerConfig = {
  unitsTotal: 3,
  quorum: 2,
  maxResultsPerUnit: 4,
  maxErrorsPerUnit: 3,
  deadlineMs: 1000,
}

function take(s: Scheduler, volunteer: string, now = 0) {
  const a = s.nextAssignment(volunteer, now)
  if (!a) throw new Error(`no assignment for ${volunteer}`)
  return a
}

describe('Scheduler', () => {
  it('gives each unit to `quorum` distinct volunteers before moving on', () => {
    const s = new Scheduler(config)
    const a1 = take(s, 'a')
    const b1 = take(s, 'b')
    expect(a1.index).toBe(0)
    expect(b1.index).toBe(0)
    // 'a' already holds unit 0, so it moves to unit 1 even though 0 is active.
    expect(take(s, 'a').index).toBe(1)
    // Unit 0 has its two replicas; 'c' gets unit 1's second replica.
    expect(take(s, 'c').index).toBe(1)
    expect(s.stats.issued).toBe(4)
  })

  it('accepts a unit when a quorum of results agree', () => {
    const s = new Scheduler(config)
    const a = take(s, 'a')
    const b = take(s, 'b')
    expect(s.recordResult(a.assignmentId, 'h')).toEqual({
      kind: 'pending',
      index: 0,
      disagreement: false,
    })
    expect(s.recordResult(b.assignmentId, 'h')).toEqual({
      kind: 'accepted',
      index: 0,
      sha256: 'h',
      agreeing: ['a', 'b'],
      flagged: [],
    })
    expect(s.unit(0)?.status).toBe('accepted')
    expect(s.stats.accepted).toBe(1)
  })

  it('never lets one volunteer form a quorum alone', () => {
    const s = new Scheduler({ ...config, unitsTotal: 1 })
    take(s, 'a')
    expect(s.nextAssignment('a', 0)).toBeUndefined()
  })

  it('issues another replica on disagreement and flags the volunteer outvoted', () => {
    const s = new Scheduler(config)
    const honest = take(s, 'honest')
    const liar = take(s, 'liar')
    s.recordResult(honest.assignmentId, 'good')
    expect(s.recordResult(liar.assignmentId, 'bad')).toEqual({
      kind: 'pending',
      index: 0,
      disagreement: true,
    })
    const third = take(s, 'c')
    expect(third.index).toBe(0)
    const outcome = s.recordResult(third.assignmentId, 'good')
    expect(outcome).toMatchObject({ kind: 'accepted', sha256: 'good', flagged: ['liar'] })
    expect(s.isFlagged('liar')).toBe(true)
    expect(s.nextAssignment('liar', 0)).toBeUndefined()
  })

  it('keeps asking for replicas until a quorum agrees, and flags every outvoted volunteer', () => {
    const s = new Scheduler({ ...config, unitsTotal: 1 })
    s.recordResult(take(s, 'a').assignmentId, 'x')
    s.recordResult(take(s, 'b').assignmentId, 'y')
    expect(s.recordResult(take(s, 'c').assignmentId, 'z')).toMatchObject({ kind: 'pending' })
    expect(s.recordResult(take(s, 'd').assignmentId, 'x')).toMatchObject({
      kind: 'accepted',
      agreeing: ['a', 'd'],
      flagged: ['b', 'c'],
    })
  })

  it('fails a unit when too many results disagree', () => {
    const s = new Scheduler({ ...config, unitsTotal: 1, maxResultsPerUnit: 3 })
    s.recordResult(take(s, 'a').assignmentId, '1')
    s.recordResult(take(s, 'b').assignmentId, '2')
    const outcome = s.recordResult(take(s, 'c').assignmentId, '3')
    expect(outcome).toMatchObject({ kind: 'failed', index: 0 })
    expect(s.done).toBe(true)
  })

  it('reissues a unit whose deadline passed, and fails it after too many errors', () => {
    const s = new Scheduler({ ...config, unitsTotal: 1, quorum: 1, maxResultsPerUnit: 1 })
    for (let attempt = 1; attempt <= 3; attempt++) {
      const a = take(s, `slow-${attempt}`, attempt * 10_000)
      expect(s.expire(attempt * 10_000 + 999)).toEqual([])
      const [expired] = s.expire(attempt * 10_000 + 1000)
      expect(expired?.assignment.assignmentId).toBe(a.assignmentId)
      expect(expired?.outcome.kind).toBe(attempt < 3 ? 'reissue' : 'failed')
    }
    expect(s.unit(0)).toMatchObject({ status: 'failed', errors: 3, issued: 3 })
    expect(s.unit(0)?.failReason).toContain('unit/deadline')
  })

  it('reissues the units of a volunteer that disconnects, without counting an error', () => {
    const s = new Scheduler(config)
    const a = take(s, 'gone')
    take(s, 'b')
    expect(s.removeVolunteer('gone').map((x) => x.assignmentId)).toEqual([a.assignmentId])
    expect(s.recordResult(a.assignmentId, 'h')).toEqual({ kind: 'unknown-assignment' })
    const c = take(s, 'c')
    expect(c.index).toBe(0)
    expect(s.unit(0)?.errors).toBe(0)
  })

  it('reports kernel errors and fails the unit with the last reason', () => {
    const s = new Scheduler({ ...config, unitsTotal: 1, maxErrorsPerUnit: 2 })
    expect(s.recordError(take(s, 'a').assignmentId, 'kernel/trap: unreachable')).toEqual({
      kind: 'reissue',
      index: 0,
    })
    // A volunteer that failed a unit does not get it again.
    expect(s.nextAssignment('a', 0)).toBeUndefined()
    expect(s.recordError(take(s, 'b').assignmentId, 'kernel/trap: unreachable')).toEqual({
      kind: 'failed',
      index: 0,
      reason: '2 errors, the last: kernel/trap: unreachable',
    })
  })

  it('resumes from stored unit records without reissuing accepted units', () => {
    const first = new Scheduler(config)
    const a = take(first, 'a')
    const b = take(first, 'b')
    first.recordResult(a.assignmentId, 'h')
    first.recordResult(b.assignmentId, 'h')
    const c = take(first, 'c')
    first.recordResult(c.assignmentId, 'k')
    const records = [0, 1].map((i) => first.unit(i)!)

    const resumed = new Scheduler(config, { units: records, flagged: ['liar'] })
    expect(resumed.stats).toMatchObject({ accepted: 1, issued: 3, results: 3 })
    // Unit 1 has one result from 'c' and needs one more from someone else.
    expect(resumed.nextAssignment('c', 0)?.index).toBe(2)
    expect(resumed.nextAssignment('d', 0)?.index).toBe(1)
    expect(resumed.nextAssignment('liar', 0)).toBeUndefined()
    expect(resumed.unit(0)?.issued).toBe(2)
  })
})
