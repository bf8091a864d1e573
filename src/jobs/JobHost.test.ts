import { verifyMessage, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createBindingMessage } from '../rewards/bindingMessage.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import {
  answer,
  computingVolunteer,
  f32,
  idOf,
  sayHelloOnChallenge,
  makeJob,
  sendResult,
  truth,
  until,
  volunteer,
  wasm,
  wasmOffer,
} from '../../tests/support/jobHostHarness.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import { JobHost } from './JobHost.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import { createJobRecord } from './createJobRecord.ts'
import { MemoryJobStore } from './MemoryJobStore.ts'

// The result path (checks, quorum groups, storing before the ack, site credits) is tested
// through a JobHost in ResultDesk.test.ts.

describe('JobHost', () => {
  it('completes a job with honest volunteers and stores only accepted outputs', async () => {
    const store = new MemoryJobStore()
    const host = await JobHost.open(store, await makeJob())
    const a = volunteer(host, 'a')
    volunteer(host, 'b')
    await until(() => host.progress.complete, 'completion')
    expect(host.progress).toMatchObject({ validated: 6, failed: 0, flagged: [] })
    expect(await host.outputs()).toEqual([0, 1, 2, 3, 4, 5].map(truth))
    expect(a.seen[0]).toMatchObject({ type: 'challenge' })
    expect(a.seen.find((m) => m.type === 'welcome')).toMatchObject({
      kernel: host.job.manifest.kernels[0],
    })
    await until(() => a.isClosed(), 'the volunteer released')
    expect(a.seen.at(-1)).toMatchObject({ type: 'refuse', code: 'job/complete' })
    expect(a.seen.filter((m) => m.type === 'credit')).toHaveLength(6)
    expect((await store.loadJob('job-1'))?.status).toBe('complete')
  })

  it('takes the pieces a hello says its volunteer holds, and refuses pieces the job does not have', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob())
    const welcomeOf = (held: [number, number][]) => {
      const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', 'h')
      const seen: HostMessage[] = []
      toHost.onMessage((message) => void seen.push(message))
      sayHelloOnChallenge(toHost, { held })
      host.attach(toVolunteer)
      return seen
    }
    // The job's content is its one-piece kernel: a volunteer holding it is not sent it.
    const holder = welcomeOf([[0, 1]])
    await until(() => holder.some((m) => m.type === 'welcome'), 'the welcome')
    expect(holder.find((m) => m.type === 'welcome')).toMatchObject({
      content: { pieces: 1 },
      kernelPieces: [{ index: 0, peers: [], pushed: false }],
    })
    expect(holder.some((m) => m.type === 'piece')).toBe(false)
    welcomeOf([[0, 2]])
    await until(() => host.progress.violations.length > 0, 'the violation')
    expect(host.progress.violations[0]?.what).toBe('a hello holding pieces to 2 of 1')
    // Ranges that overlap would make one hello cost the host many times the job's pieces.
    welcomeOf([
      [0, 1],
      [0, 1],
    ])
    await until(() => host.progress.violations.length > 1, 'the second violation')
    expect(host.progress.violations[1]?.what).toBe(
      'a hello whose held ranges overlap or are out of order',
    )
    host.stop()
  })

  it('reissues the units of a volunteer that leaves', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob({ unitsTotal: 2 }))
    const quitter = volunteer(host, 'quitter', 'silent')
    volunteer(host, 'a')
    await until(() => quitter.seen.some((m) => m.type === 'assign'), 'assignment')
    quitter.link.close()
    volunteer(host, 'b')
    await until(() => host.progress.complete, 'completion')
    expect(host.progress).toMatchObject({ validated: 2, failed: 0, volunteers: 0 })
  })

  it('reissues a unit past its deadline to another volunteer and counts the miss against the first', async () => {
    let now = 0
    const host = await JobHost.open(
      new MemoryJobStore(),
      await makeJob({ unitsTotal: 1, quorum: 1, maxErrors: 2, deadlineMs: 100 }),
      { now: () => now },
    )
    host.start(5)
    const slow = volunteer(host, 'slow', 'silent')
    await until(() => slow.seen.filter((m) => m.type === 'assign').length === 1, 'first assignment')
    now = 100
    const slower = volunteer(host, 'slower', 'silent')
    await until(() => slower.seen.some((m) => m.type === 'assign'), 'reissue to another volunteer')
    expect(slow.seen.filter((m) => m.type === 'assign')).toHaveLength(1)
    const slowId = await idOf('slow')
    expect(host.progress.standings.find((s) => s.identity === slowId)).toMatchObject({ missed: 1 })
    // Misses of new identities never fail a unit: only established identities' can.
    now = 200
    await until(
      () => host.progress.standings.some((s) => s.missed === 1 && s.identity !== slowId),
      'the second miss',
    )
    expect(host.progress.failed).toBe(0)
    host.stop()
  })

  it('runs a job again once its failed units are retried, sweeping their deadlines again', async () => {
    let now = 0
    const host = await JobHost.open(
      new MemoryJobStore(),
      await makeJob({ unitsTotal: 1, deadlineMs: 100 }),
      { now: () => now },
    )
    host.start(5)
    // Four answers that all disagree: no quorum can form, and the unit fails.
    for (const id of ['a', 'b', 'c', 'd'])
      computingVolunteer(host, id, () => new Uint8Array([id.charCodeAt(0), 0, 0, 0]))
    await until(() => host.progress.complete, 'the unit failed')
    expect(host.progress.failed).toBe(1)

    expect(await host.retryFailed()).toEqual([0])
    expect(host.progress).toMatchObject({ complete: false, failed: 0, failures: [] })
    expect(host.job.status).toBe('running')
    host.start(5)
    const slow = volunteer(host, 'slow', 'silent')
    await until(() => slow.seen.some((m) => m.type === 'assign'), 'the retried unit issued')
    now = 100
    const slowId = await idOf('slow')
    await until(
      () => host.progress.standings.some((s) => s.identity === slowId && s.missed === 1),
      'the deadline swept',
    )
    host.stop()
  })

  it('resumes from the store without recomputing accepted units', async () => {
    const store = new MemoryJobStore()
    const job = await makeJob({ unitsTotal: 4 })
    const first = await JobHost.open(store, job)
    const a = volunteer(first, 'a')
    const b = volunteer(first, 'b')
    await until(() => first.progress.validated >= 2, 'two units')
    first.stop()
    const acceptedBefore = (await store.loadUnits('job-1')).filter((u) => u.status === 'accepted')
    await until(() => a.isClosed() && b.isClosed(), 'volunteers dropped')

    const resumed = await JobHost.open(store, job)
    const c = volunteer(resumed, 'c')
    volunteer(resumed, 'd')
    await until(() => resumed.progress.complete, 'completion')
    const assignedAfter = c.seen.flatMap((m) => (m.type === 'assign' ? [m.index] : []))
    for (const unit of acceptedBefore) expect(assignedAfter).not.toContain(unit.index)
    expect(await resumed.outputs()).toEqual([0, 1, 2, 3].map(truth))
  })

  it('disconnects a volunteer that breaks the protocol', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob())
    const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', 'rude')
    let closed = false
    toHost.onClose(() => (closed = true))
    host.attach(toVolunteer)
    await toHost.send({
      v: 5,
      type: 'result',
      assignmentId: 'x',
      index: 0,
      sha256: '0'.repeat(64),
      kernelMs: 1,
    })
    await until(() => closed, 'disconnect')
    expect(host.progress.volunteers).toBe(0)
  })
})

describe('JobHost with manifest jobs', () => {
  it('sends each unit its slice of the input file and the short last unit its own size', async () => {
    const wgsl = '@compute @workgroup_size(64) fn main() {}'
    const manifest = validateManifest({
      manifestVersion: 1,
      name: 'double bytes',
      kernels: [
        {
          kind: 'wgsl',
          sha256: await sha256Hex(new TextEncoder().encode(wgsl)),
          workgroupSize: [64],
        },
        { kind: 'wasm', sha256: await sha256Hex(wasm) },
      ],
      units: { mode: 'split', itemBytes: 4, itemsPerUnit: 3 },
      output: { bytesPerItem: 4 },
    })
    const input = new Uint8Array(4 * 7).map((_, i) => i)
    const job = { ...createJobRecord({ manifest, wasm, wgsl, input: new Blob([input]) }) }
    // The star: the host sends each unit's input in its assign (the swarm is src/pieces/swarm.test.ts).
    const host = await JobHost.open(new MemoryJobStore(), job, {
      input: new Blob([input]),
      swarm: false,
    })
    expect(host.job.unitsTotal).toBe(3)
    const double = (_: number, slice: Uint8Array) => slice.map((b) => b * 2)
    const gpu = computingVolunteer(
      host,
      'gpu',
      double,
      [wasmOffer, { kind: 'webgpu', slots: 1, gflops: 500, fallback: false }],
      job.jobId,
    )
    const cpu = computingVolunteer(host, 'cpu', double, [wasmOffer], job.jobId)
    await until(() => host.progress.complete, 'completion')
    const outputs = await host.outputs()
    expect(outputs.map((o) => o?.length)).toEqual([12, 12, 4])
    expect(Uint8Array.from(outputs.flatMap((o) => [...o!]))).toEqual(input.map((b) => b * 2))
    // The faster engine won: the GPU volunteer got the WGSL source, the other the wasm bytes.
    const welcomeOf = (v: typeof gpu) => v.seen.find((s) => s.message.type === 'welcome')!
    expect(welcomeOf(gpu).message).toMatchObject({ kernel: { kind: 'wgsl' } })
    expect(new TextDecoder().decode(welcomeOf(gpu).body)).toBe(wgsl)
    expect(welcomeOf(cpu).message).toMatchObject({ kernel: { kind: 'wasm' } })
    expect(welcomeOf(cpu).body).toEqual(wasm)
  })

  it('refuses a volunteer with no engine for the job, saying why', async () => {
    const wgsl = '@compute @workgroup_size(1) fn main() {}'
    const manifest = validateManifest({
      manifestVersion: 1,
      name: 'gpu only',
      kernels: [
        {
          kind: 'wgsl',
          sha256: await sha256Hex(new TextEncoder().encode(wgsl)),
          workgroupSize: [1],
        },
      ],
      units: { mode: 'count', unitCount: 1 },
      output: { bytesPerUnit: 4 },
    })
    const job = createJobRecord({ manifest, wgsl })
    const host = await JobHost.open(new MemoryJobStore(), job)
    const cpuOnly = computingVolunteer(host, 'cpu', () => f32(0), [wasmOffer], job.jobId)
    await until(() => cpuOnly.seen.length > 1, 'an answer')
    expect(cpuOnly.seen[1]?.message).toMatchObject({
      type: 'refuse',
      code: 'volunteer/no-engine',
      message: expect.stringContaining('only on WebGPU'),
    })
  })
})

describe("JobHost binding volunteers' wallets", () => {
  const wallet = privateKeyToAccount(generatePrivateKey())
  const other = privateKeyToAccount(generatePrivateKey())
  const rewards = {
    chainId: 31337,
    domains: ['app.example'],
    verifySignature: (args: { address: Address; message: string; signature: Hex }) =>
      verifyMessage(args),
  }

  async function bindingVolunteer(
    host: JobHost,
    id: string,
    sign: (message: string) => Promise<Hex>,
    peerIdInMessage = id,
    lies = false,
  ) {
    const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', id)
    const seen: HostMessage[] = []
    toHost.onMessage(async (message) => {
      seen.push(message)
      if (message.type === 'assign' && lies)
        await sendResult(toHost, message, answer(message.index, 'liar'))
      if (message.type !== 'bind-request') return
      const text = createBindingMessage({
        domain: 'app.example',
        uri: 'https://app.example',
        address: wallet.address,
        chainId: message.chainId,
        nonce: message.nonce,
        peerId: peerIdInMessage,
      })
      await toHost.send({ v: 5, type: 'bind', message: text, signature: await sign(text) })
    })
    sayHelloOnChallenge(toHost, { wantsRewards: true })
    host.attach(toVolunteer)
    return { seen, toHost }
  }

  it('binds a volunteer that signs a fresh SIWE message for this site, chain, nonce and peer', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob(), { rewards })
    const { seen } = await bindingVolunteer(host, 'a', (message) => wallet.signMessage({ message }))
    await until(() => seen.some((m) => m.type === 'bound'), 'bound')
    expect(seen.find((m) => m.type === 'bound')).toMatchObject({ address: wallet.address })
    expect(host.bindings.get('a')).toBe(wallet.address)
    host.stop()
  })

  it("refuses a binding of someone else's address, and one made for another peer id", async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob(), { rewards })
    const thief = await bindingVolunteer(host, 'thief', (message) => other.signMessage({ message }))
    const copier = await bindingVolunteer(
      host,
      'copier',
      (message) => wallet.signMessage({ message }),
      'a',
    )
    await until(
      () => [thief, copier].every(({ seen }) => seen.some((m) => m.type === 'bind-refused')),
      'refusals',
    )
    expect(thief.seen.find((m) => m.type === 'bind-refused')).toMatchObject({
      code: 'bind/signature',
    })
    expect(copier.seen.find((m) => m.type === 'bind-refused')).toMatchObject({ code: 'bind/peer' })
    expect(host.bindings.size).toBe(0)
    host.stop()
  })

  it('a flagged volunteer back under a new peer id with the same wallet is refused and dismissed', async () => {
    const store = new MemoryJobStore()
    // Large enough, and the honest volunteers leave once the liar is caught, that the job is
    // still open (not `job/complete`) when the liar comes back.
    const host = await JobHost.open(store, await makeJob({ unitsTotal: 10_000 }), { rewards })
    const sign = (message: string) => wallet.signMessage({ message })
    const liar = await bindingVolunteer(host, 'liar', sign, 'liar', true)
    // A dissent needs the quorum plus one to settle: three honest volunteers.
    const honest = [volunteer(host, 'a'), volunteer(host, 'b'), volunteer(host, 'c')]
    const liarId = await idOf('liar')
    await until(() => host.progress.flagged.includes(liarId), 'the liar flagged')
    for (const { link } of honest) link.close()
    expect(host.progress.complete).toBe(false)
    expect(liar.seen.some((m) => m.type === 'bound')).toBe(true)
    expect(host.job.flaggedAddresses).toEqual([wallet.address.toLowerCase()])
    expect((await store.loadJob(host.job.jobId))?.flaggedAddresses).toEqual([
      wallet.address.toLowerCase(),
    ])

    const back = await bindingVolunteer(host, 'liar-again', sign)
    await until(() => back.seen.some((m) => m.type === 'refuse'), 'the refusal')
    expect(back.seen.find((m) => m.type === 'bind-refused')).toMatchObject({ code: 'bind/flagged' })
    expect(back.seen.at(-1)).toMatchObject({ type: 'refuse', code: 'volunteer/flagged' })
    expect(host.progress.flagged).toContain(await idOf('liar-again'))
    expect(host.bindings.has('liar-again')).toBe(false)
    host.stop()
  })

  it('a nonce serves once: a replayed binding is refused', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await makeJob(), { rewards })
    const { seen, toHost } = await bindingVolunteer(host, 'a', (message) =>
      wallet.signMessage({ message }),
    )
    await until(() => seen.some((m) => m.type === 'bound'), 'bound')
    const request = seen.find((m) => m.type === 'bind-request')!
    if (request.type !== 'bind-request') throw new Error('unreachable')
    const text = createBindingMessage({
      domain: 'app.example',
      uri: 'https://app.example',
      address: wallet.address,
      chainId: 31337,
      nonce: request.nonce,
      peerId: 'a',
    })
    await toHost.send({
      v: 5,
      type: 'bind',
      message: text,
      signature: await wallet.signMessage({ message: text }),
    })
    await until(() => seen.some((m) => m.type === 'bind-refused'), 'refusal')
    expect(seen.find((m) => m.type === 'bind-refused')).toMatchObject({ code: 'bind/nonce' })
    host.stop()
  })
})
