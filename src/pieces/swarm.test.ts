import { afterEach, describe, expect, it } from 'vitest'
import { identityOf, until } from '../../tests/support/jobHostHarness.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import type { Listing } from '../../signaling/directory/schemas.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { createJobRecord } from '../jobs/createJobRecord.ts'
import { JobHost } from '../jobs/JobHost.ts'
import { MemoryJobStore } from '../jobs/MemoryJobStore.ts'
import type { EngineOffer, HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import type { UnitRunner } from '../volunteer/UnitRunner.ts'
import { VolunteerClient } from '../volunteer/VolunteerClient.ts'
import { MemoryPieceCache } from './MemoryPieceCache.ts'
import type { PieceCache } from './PieceCache.ts'
import type { SeekerMessage, ServerMessage } from './pieceMessages.ts'
import { PieceSwarm } from './PieceSwarm.ts'
import { InputPieces } from './InputPieces.ts'
import { planUnits } from '../tasks/planUnits.ts'

/*
 * A job host and volunteers with their piece swarms, joined by links in memory: the whole data
 * swarm (tracker, pushes, requests, peers serving peers, hash checks, reports) without WebRTC.
 * tests/e2e/swarm.spec.ts runs it between browsers.
 */

const kernel = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])
const wasmOffer: EngineOffer = { kind: 'wasm', slots: 2, gflops: 10 }
const unitBytes = 600 * 1024
const units = 8
const input = new Uint8Array(unitBytes * units).map((_, i) => (i * 2654435761) >>> 24)

async function openJob(options: { swarm?: boolean } = {}) {
  const manifest = validateManifest({
    manifestVersion: 1,
    name: 'hash the input',
    kernels: [{ kind: 'wasm', sha256: await sha256Hex(kernel) }],
    units: { mode: 'split', itemBytes: 1024, itemsPerUnit: unitBytes / 1024 },
    output: { bytesPerUnit: 32 },
    replication: { quorum: 2, maxErrors: 4 },
    verification: { adaptive: false, canaryRate: 0, distinctOrigins: false },
    limits: { timeLimitMs: 5000 },
  })
  const job = {
    ...createJobRecord({ manifest, wasm: kernel, input: new Blob([input]) }),
    jobId: 'job-1',
    deadlineMs: 10_000,
  }
  return JobHost.open(new MemoryJobStore(), job, { input: new Blob([input]), ...options })
}

/** The kernel: a unit's output is the SHA-256 of its input, so a wrong input shows. */
function hashingRunner(): UnitRunner<{ bytes: ArrayBuffer; sha256: string }> {
  return {
    size: 2,
    async load() {},
    async run(unit) {
      const digest = await crypto.subtle.digest('SHA-256', unit.input.slice())
      return { output: new Uint8Array(digest), kernelMs: 1 }
    },
  }
}

const listing: Listing = {
  jobId: 'job-1',
  name: 'hash the input',
  hostPeerId: 'host',
  kernelKinds: ['wasm'],
  unitsTotal: units,
  unitsDone: 0,
  listedAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
}

type Member = { id: string; client: VolunteerClient; swarm: PieceSwarm; gone: boolean }

/** Volunteers that reach the host and each other through memory links. */
class MemorySwarm {
  readonly members = new Map<string, Member>()
  constructor(
    readonly host: JobHost,
    readonly listed: Listing = listing,
  ) {}

  async add(
    id: string,
    options: {
      cache?: PieceCache
      uploadBytesPerSecond?: number
      runner?: UnitRunner<{ bytes: ArrayBuffer; sha256: string }>
      /** How long its `have`s take to reach the host (a network's latency, for them alone). */
      haveDelayMs?: number
    } = {},
  ) {
    const swarm = new PieceSwarm({
      cache: options.cache ?? new MemoryPieceCache({ budgetBytes: 64 * 1024 * 1024 }),
      uploadBytesPerSecond: options.uploadBytesPerSecond ?? 64 * 1024 * 1024,
      connect: async (peerId) => {
        const server = this.members.get(peerId)
        if (!server || server.gone) throw new Error(`${peerId} is gone`)
        const [toServer, toSeeker] = memoryLinkPair<SeekerMessage, ServerMessage>(id, peerId)
        server.swarm.attachSeeker(toSeeker)
        return toServer
      },
    })
    const client = new VolunteerClient({
      runners: { wasm: options.runner ?? hashingRunner() },
      identity: await identityOf(id),
      engines: [wasmOffer],
      listJobs: async () => [this.listed],
      connect: async () => {
        const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', id)
        const delay = options.haveDelayMs
        this.host.attach(
          delay
            ? {
                ...toVolunteer,
                send: (message, body) => toVolunteer.send(message, body),
                onMessage: (handler) =>
                  toVolunteer.onMessage((message, body) =>
                    message.type === 'have'
                      ? void setTimeout(() => handler(message, body), delay)
                      : handler(message, body),
                  ),
              }
            : toVolunteer,
        )
        return toHost
      },
      swarm,
      retryMs: 10,
    })
    const member = { id, client, swarm, gone: false }
    this.members.set(id, member)
    client.start()
    return member
  }

  stop(): void {
    for (const member of this.members.values()) {
      member.client.stop()
      member.swarm.close()
    }
    this.host.stop()
  }
}

async function expectCorrectOutputs(host: JobHost): Promise<void> {
  const outputs = await host.outputs()
  for (let unit = 0; unit < units; unit++) {
    const slice = input.slice(unit * unitBytes, (unit + 1) * unitBytes)
    expect(outputs[unit], `unit ${unit}`).toEqual(
      new Uint8Array(await crypto.subtle.digest('SHA-256', slice)),
    )
  }
}

let running: MemorySwarm | undefined
afterEach(() => running?.stop())

describe('the data swarm', () => {
  it('completes a job right, the host sending each piece about once for two replicas', async () => {
    const host = await openJob()
    const swarm = (running = new MemorySwarm(host))
    for (const id of ['a', 'b', 'c', 'd']) await swarm.add(id)
    await until(() => host.progress.complete, 'completion')
    await expectCorrectOutputs(host)
    const { data } = host.progress
    const kernelBytes = kernel.length * 4
    // Star: every replica's input from the host, 2 × input. The swarm: each piece about once.
    expect(data.sentBytes - kernelBytes).toBeLessThan(input.length * 1.25)
    const stats = [...swarm.members.values()].map((m) => m.swarm.stats)
    const fromPeers = stats.reduce((sum, s) => sum + s.fromPeers, 0)
    const uploaded = stats.reduce((sum, s) => sum + s.uploadedBytes, 0)
    expect(fromPeers).toBeGreaterThan(input.length / 2)
    expect(uploaded).toBe(fromPeers)
    expect(data.swarm).toMatchObject({ suspendedSources: 0 })
    expect(host.progress.violations).toEqual([])
  })

  it('sends every replica its input itself without the swarm (the star)', async () => {
    const host = await openJob({ swarm: false })
    const swarm = (running = new MemorySwarm(host))
    for (const id of ['a', 'b']) await swarm.add(id)
    await until(() => host.progress.complete, 'completion')
    await expectCorrectOutputs(host)
    expect(host.progress.data.sentBytes).toBe(2 * input.length + 2 * kernel.length)
    expect(host.progress.data.swarm).toBeUndefined()
  })

  it('catches a volunteer that serves corrupted pieces, and the output is still right', async () => {
    const host = await openJob()
    const swarm = (running = new MemorySwarm(host))
    const honest = new MemoryPieceCache({ budgetBytes: 64 * 1024 * 1024 })
    // It stores what it fetched, and serves it with one byte flipped.
    const lying: PieceCache = {
      ...honest,
      get: async (sha256) => {
        const bytes = await honest.get(sha256)
        if (bytes) bytes[0]! ^= 0xff
        return bytes
      },
      put: (piece) => honest.put(piece),
      held: (root) => honest.held(root),
      usage: () => honest.usage(),
      clear: () => honest.clear(),
    }
    await swarm.add('liar', { cache: lying })
    // It holds units first, so the others are sent to it.
    await until(() => host.progress.inFlight === 2, 'the liar holds two units')
    for (const id of ['a', 'b', 'c']) await swarm.add(id)
    await until(() => host.progress.complete, 'completion')
    await expectCorrectOutputs(host)
    expect(host.progress.data.swarm?.suspendedSources).toBe(1)
    expect(host.progress.violations.map((v) => v.what).join('\n')).toMatch(
      /peer liar .* served bytes that are not piece \d+: suspended as a source/,
    )
    const badPieces = [...swarm.members.values()].reduce((n, m) => n + m.swarm.stats.badPieces, 0)
    expect(badPieces).toBeGreaterThanOrEqual(1)
  })

  it('carries on when a volunteer goes in the middle of serving', async () => {
    const host = await openJob()
    const swarm = (running = new MemorySwarm(host))
    const first = await swarm.add('first', { uploadBytesPerSecond: 256 * 1024 })
    await until(() => host.progress.inFlight === 2, 'the first volunteer holds two units')
    for (const id of ['a', 'b', 'c']) await swarm.add(id)
    await until(() => first.swarm.stats.served > 0, 'the first volunteer serving')
    first.gone = true
    first.swarm.close()
    first.client.stop()
    await until(() => host.progress.complete, 'completion')
    await expectCorrectOutputs(host)
  })
  it('fetches the kernel from other volunteers: the host sends its pieces about once', async () => {
    // A 600 KiB kernel (three pieces) for a job without input.
    let x = 2463534242
    const bigKernel = new Uint8Array(600 * 1024).map(() => {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      return x & 0xff
    })
    const manifest = validateManifest({
      manifestVersion: 1,
      name: 'a large kernel',
      kernels: [{ kind: 'wasm', sha256: await sha256Hex(bigKernel) }],
      units: { mode: 'count', unitCount: 16 },
      output: { bytesPerUnit: 32 },
      replication: { quorum: 2 },
      verification: { adaptive: false, canaryRate: 0, distinctOrigins: false },
    })
    const job = { ...createJobRecord({ manifest, wasm: bigKernel }), jobId: 'job-1' }
    const host = await JobHost.open(new MemoryJobStore(), job)
    const swarm = (running = new MemorySwarm(host))
    // Units wait until all four have joined: the job cannot complete before the last one comes.
    let open = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    /** Checks the kernel it is given, as the worker does; a unit's output is the kernel's hash. */
    const kernelRunner = (): UnitRunner<{ bytes: ArrayBuffer; sha256: string }> => {
      let loaded = new Uint8Array()
      return {
        size: 2,
        async load({ bytes, sha256 }) {
          if ((await sha256Hex(bytes)) !== sha256) throw new Error('kernel hash mismatch')
          loaded = new Uint8Array(bytes)
        },
        async run() {
          await gate
          return {
            output: new Uint8Array(await crypto.subtle.digest('SHA-256', loaded)),
            kernelMs: 1,
          }
        },
      }
    }
    for (const id of ['a', 'b', 'c', 'd']) {
      const member = await swarm.add(id, { runner: kernelRunner() })
      await until(() => member.client.state.status === 'running', `${id} running`)
    }
    open()
    await until(() => host.progress.complete, 'completion')
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bigKernel))
    for (const output of await host.outputs()) expect(output).toEqual(digest)
    // The star would send the kernel four times; the first volunteer serves the others.
    expect(host.progress.data.sentBytes).toBeLessThan(bigKernel.length * 1.5)
    const fromPeers = [...swarm.members.values()].reduce((n, m) => n + m.swarm.stats.fromPeers, 0)
    expect(fromPeers).toBeGreaterThanOrEqual(bigKernel.length * 2)
    expect(host.progress.violations).toEqual([])
  }, 20_000)
  it('asks nothing of the host for pieces a volunteer cached in an earlier run of the same data', async () => {
    // Two volunteers compute every unit (quorum 2), so each cache ends up holding all of it.
    const caches = ['a', 'b'].map(() => new MemoryPieceCache({ budgetBytes: 64 * 1024 * 1024 }))
    const first = await openJob()
    const before = (running = new MemorySwarm(first))
    for (const [i, id] of ['a', 'b'].entries()) await before.add(id, { cache: caches[i]! })
    await until(() => first.progress.complete, 'the first run')
    before.stop()
    // The same job again, its `have`s slowed as a real network would: the listing names the
    // content root, so each hello says what the cache holds before anything is assigned.
    const again = await openJob()
    expect(again.contentRoot).toBe(first.contentRoot)
    const after = (running = new MemorySwarm(again, {
      ...listing,
      contentRoot: again.contentRoot!,
    }))
    for (const [i, id] of ['a', 'b'].entries())
      await after.add(id, { cache: caches[i]!, haveDelayMs: 500 })
    await until(() => again.progress.complete, 'the second run')
    await expectCorrectOutputs(again)
    const stats = [...after.members.values()].map((m) => m.swarm.stats)
    expect(stats.reduce((n, s) => n + s.fromCache, 0)).toBe(2 * (input.length + kernel.length))
    expect(again.progress.data.sentBytes).toBe(0)
    expect(again.progress.data.swarm?.announced).toBe(
      2 * InputPieces.countOf(planUnits(again.job.manifest, input.length)) + 2,
    )
    expect(again.progress.violations).toEqual([])
  }, 20_000)
})
