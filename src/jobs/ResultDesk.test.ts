import { describe, expect, it } from 'vitest'
import {
  computingVolunteer,
  f32,
  idOf,
  sayHelloOnChallenge,
  makeJob,
  truth,
  until,
  volunteer,
  type JobOptions,
} from '../../tests/support/jobHostHarness.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import { JobHost } from './JobHost.ts'
import { MemoryJobStore } from './MemoryJobStore.ts'
import { openStoredJob } from './openStoredJob.ts'
import { ResultDesk, type CheckedResult, type ResultMessage } from './ResultDesk.ts'
import { RewardsDesk } from './RewardsDesk.ts'
import type { Assignment } from './Scheduler.ts'
import { UnitWriteBatcher } from './UnitWriteBatcher.ts'

type HostSide = PeerLink<HostMessage, VolunteerMessage>

/**
 * A desk on a stored job with its real Scheduler, store and write batcher, as a JobHost builds
 * it, and volunteers connected to it by links in memory that keep what the desk sends them.
 */
async function deskFor(options: JobOptions = {}) {
  const store = new MemoryJobStore()
  const { job, plan, scheduler } = await openStoredJob(store, await makeJob(options), undefined)
  const writer = new UnitWriteBatcher((writes) => store.saveUnits(job.jobId, writes))
  const links = new Map<string, HostSide>()
  const rewards = new RewardsDesk({
    rewards: undefined,
    jobRewards: undefined,
    persist: async () => undefined,
    links: () => links.values(),
    // In these tests a volunteer's identity is its peer id.
    identityOf: (link) => link.peerId,
  })
  const desk = new ResultDesk({
    job,
    store,
    writer,
    scheduler,
    plan,
    rewards,
    linksOf: (identity) => [links.get(identity)].filter((link) => link !== undefined),
    now: () => 0,
    rateWindowMs: 1000,
  })
  const connect = (peerId: string) => {
    const [link, other] = memoryLinkPair<HostMessage, VolunteerMessage>('host', peerId)
    const seen: HostMessage[] = []
    other.onMessage((message) => void seen.push(message))
    links.set(peerId, link)
    scheduler.join(
      { id: peerId, origin: `mem:${peerId}`, kernel: job.manifest.kernels[0]!.sha256 },
      4,
    )
    return { link, seen }
  }
  return { job, store, scheduler, desk, links, connect }
}

async function resultFor(assignment: Assignment, output: Uint8Array): Promise<ResultMessage> {
  const { assignmentId, index } = assignment
  return {
    v: 5,
    type: 'result',
    assignmentId,
    index,
    sha256: await sha256Hex(output.slice()),
    kernelMs: 1,
  }
}

/** Checks a result that must pass, and returns it ready to record. */
async function checked(
  desk: ResultDesk,
  link: HostSide,
  assignment: Assignment,
  output: Uint8Array,
): Promise<CheckedResult> {
  const check = await desk.check(link, await resultFor(assignment, output), output)
  if (check.kind !== 'checked') throw new Error(`refused: ${JSON.stringify(check)}`)
  return check.result
}

describe('ResultDesk', () => {
  it('checks that a result answers its own assignment, has its claimed hash and its unit size', async () => {
    const { desk, scheduler, connect } = await deskFor()
    const a = connect('a')
    const b = connect('b')
    const given = scheduler.nextAssignment('a', 'a', 0)!
    const right = truth(given.index)
    const message = await resultFor(given, right)
    const violation = { kind: 'violation', what: 'a result for a unit it was not given' }
    expect(await desk.check(b.link, message, right)).toEqual(violation)
    expect(await desk.check(a.link, { ...message, index: given.index + 1 }, right)).toEqual(
      violation,
    )
    expect(await desk.check(a.link, { ...message, sha256: '0'.repeat(64) }, right)).toEqual({
      kind: 'liar',
      why: 'a result whose hash is not its body',
    })
    const short = right.slice(0, 3)
    expect(await desk.check(a.link, await resultFor(given, short), short)).toEqual({
      kind: 'liar',
      why: 'a result of the wrong size',
    })
    const check = await desk.check(a.link, message, right)
    expect(check).toEqual({
      kind: 'checked',
      result: {
        assignmentId: given.assignmentId,
        index: given.index,
        output: right,
        sha256: message.sha256,
      },
    })
    // The output is copied out of the receive buffer, which the link may reuse.
    if (check.kind === 'checked') expect(check.result.output.buffer).not.toBe(right.buffer)
  })

  it('stores each result before its ack, keeps only the accepted output, and credits the agreeing volunteers', async () => {
    const { desk, store, scheduler, connect } = await deskFor({ unitsTotal: 1, quorum: 2 })
    const events: string[] = []
    const save = store.saveUnits.bind(store)
    store.saveUnits = async (jobId, writes) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      await save(jobId, writes)
      events.push('stored')
    }
    const [a, b] = ['a', 'b'].map(connect)
    const acking = (link: HostSide): HostSide => ({
      ...link,
      send: (message, body) => {
        if (message.type === 'ack') events.push(`ack ${link.peerId}`)
        return link.send(message, body)
      },
    })
    const fromA = scheduler.nextAssignment('a', 'a', 0)!
    const fromB = scheduler.nextAssignment('b', 'b', 0)!
    const first = await desk.record(acking(a!.link), await checked(desk, a!.link, fromA, truth(0)))
    expect(first).toMatchObject({ kind: 'recorded', unit: 'pending', index: 0 })
    const second = await desk.record(acking(b!.link), await checked(desk, b!.link, fromB, truth(0)))
    expect(second).toMatchObject({
      kind: 'recorded',
      unit: 'accepted',
      index: 0,
      finalized: [{ index: 0, agreeing: ['a', 'b'] }],
    })
    expect(events).toEqual(['stored', 'ack a', 'stored', 'ack b'])
    const sha256 = await sha256Hex(truth(0))
    expect(await desk.acceptedHashes()).toEqual([sha256])
    expect(await desk.outputs()).toEqual([truth(0)])
    expect(desk.unitsPerSecond).toBe(1)
    await until(() => a!.seen.length === 2 && b!.seen.length === 2, 'ack and credit')
    for (const { seen } of [a!, b!])
      expect(seen.map((m) => m.type === 'credit' && m.acceptedUnits)).toEqual([false, 1])
  })

  it('records one result at a time, so that close results arriving together form one group', async () => {
    const comparison = { mode: 'float', elementType: 'f32', absolute: 0, relative: 1e-3 } as const
    const { desk, scheduler, connect } = await deskFor({ unitsTotal: 1, comparison })
    const [a, b] = ['a', 'b'].map(connect)
    const fromA = await checked(desk, a!.link, scheduler.nextAssignment('a', 'a', 0)!, f32(1))
    const fromB = await checked(desk, b!.link, scheduler.nextAssignment('b', 'b', 0)!, f32(1.0001))
    const outcomes = await Promise.all([desk.record(a!.link, fromA), desk.record(b!.link, fromB)])
    expect(outcomes.map((o) => o.kind === 'recorded' && o.unit)).toEqual(['pending', 'accepted'])
    expect(await desk.outputs()).toEqual([f32(1)])
  })

  it('neither stores nor acknowledges a result for an assignment the Scheduler no longer knows', async () => {
    const { desk, store, scheduler, connect } = await deskFor({ unitsTotal: 1, quorum: 1 })
    const a = connect('a')
    const given = scheduler.nextAssignment('a', 'a', 0)!
    const result = await checked(desk, a.link, given, truth(0))
    scheduler.leave('a', 'a', 4)
    expect(await desk.record(a.link, result)).toEqual({ kind: 'unknown-assignment' })
    expect(await store.loadUnits('job-1')).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(a.seen).toEqual([])
  })

  it('credits the site of a volunteer that has left, and at most 100 sites in a job', async () => {
    const { job, store, desk, scheduler, links, connect } = await deskFor({
      unitsTotal: 101,
      quorum: 1,
    })
    for (let i = 0; i <= 100; i++) {
      const peerId = `v${i}`
      desk.noteSite(peerId, `site-${i}`)
      const { link } = connect(peerId)
      // The first volunteer leaves before its unit is accepted: its site still counts.
      if (i === 0) links.delete(peerId)
      const assignment = scheduler.nextAssignment(peerId, peerId, 0)!
      await desk.record(link, await checked(desk, link, assignment, truth(assignment.index)))
    }
    const credits = job.siteCredits ?? {}
    expect(Object.keys(credits)).toHaveLength(100)
    expect(credits['site-0']).toBe(1)
    expect(credits['site-99']).toBe(1)
    expect(credits).not.toHaveProperty('site-100')
    expect((await store.loadJob('job-1'))?.siteCredits).toEqual(credits)
  })
})

describe('ResultDesk, through a JobHost', () => {
  it('credits each accepted unit to the partner sites its agreeing volunteers came by, and stores the counts', async () => {
    const store = new MemoryJobStore()
    const host = await JobHost.open(store, await makeJob())
    volunteer(host, 'a', 'honest', 'news-site')
    volunteer(host, 'b', 'honest', 'blog')
    volunteer(host, 'c')
    await until(() => host.progress.complete, 'completion')
    const { sites } = host.progress
    // Quorum 2 of three volunteers: every unit is credited to one or two of the sites.
    expect(Object.keys(sites).sort()).toEqual(['blog', 'news-site'])
    expect((sites['blog'] ?? 0) + (sites['news-site'] ?? 0)).toBeGreaterThanOrEqual(6)
    expect((await store.loadJob('job-1'))?.siteCredits).toEqual(sites)
  })

  it('acknowledges a result only after it is stored', async () => {
    const store = new MemoryJobStore()
    const events: string[] = []
    const save = store.saveUnits.bind(store)
    store.saveUnits = async (jobId, writes) => {
      await new Promise((r) => setTimeout(r, 5))
      await save(jobId, writes)
      for (const { unit, change } of writes) if (change?.put) events.push(`stored ${unit.index}`)
    }
    const host = await JobHost.open(store, await makeJob({ unitsTotal: 1, quorum: 1 }))
    const a = volunteer(host, 'a')
    await until(() => a.seen.some((m) => m.type === 'ack'), 'ack')
    events.push('ack')
    expect(events).toEqual(['stored 0', 'ack'])
  })

  it('never accepts a liar result and flags the liar', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob())
    const liar = volunteer(host, 'liar', 'liar')
    // The liar answers first, so its lies are among the votes of the units it holds.
    await until(() => liar.seen.some((m) => m.type === 'ack'), "the liar's first result")
    volunteer(host, 'a')
    volunteer(host, 'b')
    // A dissent needs the quorum plus one to settle: a third honest volunteer.
    volunteer(host, 'c')
    await until(() => host.progress.complete, 'completion')
    expect(await host.outputs()).toEqual([0, 1, 2, 3, 4, 5].map(truth))
    expect(host.progress.flagged).toEqual([await idOf('liar')])
    expect(liar.seen.at(-1)).toMatchObject({ type: 'refuse', code: 'volunteer/flagged' })
    // It closes on the refusal; the close reaches both ends a tick later.
    await until(() => liar.isClosed(), 'the liar closed')
  })

  it('flags a volunteer whose claimed hash is not the hash of its body', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob())
    const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', 'cheat')
    toHost.onMessage((m) => {
      if (m.type !== 'assign') return
      const sha256 = '0'.repeat(64)
      void toHost
        .send(
          {
            v: 5,
            type: 'result',
            assignmentId: m.assignmentId,
            index: m.index,
            sha256,
            kernelMs: 1,
          },
          truth(m.index),
        )
        .catch(() => undefined)
    })
    sayHelloOnChallenge(toHost)
    host.attach(toVolunteer)
    const cheat = await idOf('cheat')
    await until(() => host.progress.flagged.includes(cheat), 'flag')
    expect(host.progress.validated).toBe(0)
  })

  it('with float comparison, results within tolerance agree and the first one is kept', async () => {
    const job = await makeJob({
      unitsTotal: 2,
      comparison: { mode: 'float', elementType: 'f32', absolute: 0, relative: 1e-3 },
    })
    const host = await JobHost.open(new MemoryJobStore(), job)
    computingVolunteer(host, 'a', (index) => f32(1 + index))
    await until(() => host.progress.issued >= 2, 'the first replicas')
    computingVolunteer(host, 'b', (index) => f32((1 + index) * 1.0001))
    await until(() => host.progress.complete, 'completion')
    expect(host.progress.flagged).toEqual([])
    expect(await host.outputs()).toEqual([f32(1), f32(2)])
  })

  it('flags a volunteer whose result does not have the unit output size', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob({ unitsTotal: 1 }))
    computingVolunteer(host, 'short', () => new Uint8Array(3))
    const short = await idOf('short')
    await until(() => host.progress.flagged.includes(short), 'flag')
    expect(host.progress.validated).toBe(0)
  })
})
