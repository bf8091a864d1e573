import { verifyMessage, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { identityOf } from '../../tests/support/jobHostHarness.ts'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { JobHost } from '../jobs/JobHost.ts'
import type { JobRecord } from '../jobs/JobRecord.ts'
import { MemoryJobStore } from '../jobs/MemoryJobStore.ts'
import { createJobRecord } from '../jobs/createJobRecord.ts'
import type { EngineOffer, HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import { soloSwarm } from '../pieces/testing/soloSwarm.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import type { Listing } from '../../signaling/directory/schemas.ts'
import type { UnitRunner } from './UnitRunner.ts'
import { VolunteerClient, type Runners, type VolunteerState } from './VolunteerClient.ts'

/** The volunteers' identity keys, made once. */
const identities = { a: await identityOf('a'), b: await identityOf('b') }

const kernel = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])

async function job(): Promise<JobRecord> {
  const manifest = validateManifest({
    manifestVersion: 1,
    name: 'squares',
    kernels: [{ kind: 'wasm', sha256: await sha256Hex(kernel) }],
    units: { mode: 'count', unitCount: 5 },
    params: [{ name: 'nine', type: 'u32', value: 9 }],
    output: { bytesPerUnit: 2 },
    replication: { quorum: 2, maxErrors: 2 },
    limits: { timeLimitMs: 1000 },
  })
  return { ...createJobRecord({ manifest, wasm: kernel }), jobId: 'job-1', deadlineMs: 5000 }
}

const wasmOffer: EngineOffer = { kind: 'wasm', slots: 2, gflops: 10 }
const gpuOffer: EngineOffer = { kind: 'webgpu', slots: 1, gflops: 100, fallback: false }

const listing: Listing = {
  jobId: 'job-1',
  name: 'squares',
  hostPeerId: 'host',
  kernelKinds: ['wasm'],
  unitsTotal: 5,
  unitsDone: 0,
  listedAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
}

/** Stands in for the worker pool: checks the kernel hash as the worker does, then squares. */
function runner(options: { failUnit?: number } = {}): UnitRunner<{
  bytes: ArrayBuffer
  sha256: string
}> & { loaded: string[] } {
  const loaded: string[] = []
  return {
    size: 2,
    loaded,
    async load({ bytes, sha256 }) {
      if ((await sha256Hex(bytes)) !== sha256)
        throw Object.assign(new Error('bad hash'), { code: 'kernel/hash-mismatch' })
      loaded.push(sha256)
    },
    async run(unit) {
      if (unit.index === options.failUnit)
        throw Object.assign(new Error('trapped'), { code: 'kernel/trap' })
      return {
        output: new Uint8Array([unit.index * unit.index, unit.params[0]!]).slice(
          0,
          unit.outputBytes,
        ),
        kernelMs: 3,
      }
    },
  }
}

function connectTo(host: JobHost, id: string) {
  return async () => {
    const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>('host', id)
    host.attach(toVolunteer)
    return toHost
  }
}

const gpuListing: Listing = {
  ...listing,
  jobId: 'job-gpu',
  hostPeerId: 'gpu-host',
  kernelKinds: ['wgsl'],
}

/** The host a client picks from a GPU-only and a WASM listing, and the hello it sends there. */
function firstHello(gpu?: EngineOffer) {
  const challenge = { v: 5, type: 'challenge', nonce: 'n'.repeat(32) } as const
  return new Promise<{ hostPeerId: string; message: VolunteerMessage }>((resolve) => {
    const runners: Runners = gpu ? { wasm: runner(), webgpu: runner() } : { wasm: runner() }
    const client = new VolunteerClient({
      swarm: soloSwarm(),
      identity: identities.a,
      runners,
      engines: gpu ? [wasmOffer, gpu] : [wasmOffer],
      listJobs: async () => [gpuListing, listing],
      connect: async (hostPeerId) => {
        const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>(hostPeerId, 'a')
        toVolunteer.onMessage((message) => {
          client.stop()
          resolve({ hostPeerId, message })
        })
        void toVolunteer.send(challenge)
        return toHost
      },
      retryMs: 10,
    })
    client.start()
  })
}

function settled(client: VolunteerClient, predicate: (s: VolunteerState) => boolean) {
  return new Promise<VolunteerState>((resolve) => {
    if (predicate(client.state)) return resolve(client.state)
    const off = client.onChange((s) => {
      if (predicate(s)) {
        off()
        resolve(s)
      }
    })
  })
}

describe('VolunteerClient', () => {
  it('joins a listed job, runs its units and collects credit', async () => {
    const host = await JobHost.open(new MemoryJobStore(), await job())
    const clients = ['a', 'b'].map(
      (id) =>
        new VolunteerClient({
          swarm: soloSwarm(),
          identity: identities[id as 'a' | 'b'],
          runners: { wasm: runner() },
          engines: [wasmOffer],
          listJobs: async () => [listing],
          connect: connectTo(host, id),
          retryMs: 10,
        }),
    )
    for (const client of clients) client.start()
    const states = await Promise.all(clients.map((c) => settled(c, (s) => s.credit === 5)))
    for (const state of states) expect(state).toMatchObject({ unitsDone: 5, kernelMs: 15 })
    expect(await host.outputs()).toEqual([0, 1, 2, 3, 4].map((i) => new Uint8Array([i * i, 9])))
    // The job is complete: the clients skip it and go back to waiting.
    await Promise.all(clients.map((c) => settled(c, (s) => s.status === 'waiting')))
    for (const client of clients) client.stop()
    expect(clients[0]!.state.status).toBe('stopped')
  })

  it('reports a unit its kernel cannot run as a unit error with the code', async () => {
    // Errors fail a unit only from established identities on distinct origins.
    const store = new MemoryJobStore()
    const kernelSha256 = await sha256Hex(kernel)
    const established = { valid: 10, invalid: 0, cv: 10, canariesPassed: 0, canariesFailed: 0 }
    await store.saveReputation(
      Object.values(identities).map(({ id }) => ({
        identity: id,
        firstSeen: 0,
        lastSeen: 0,
        kernels: { [kernelSha256]: { ...established, errors: 0, missed: 0 } },
        flaggedJobs: [],
      })),
    )
    const host = await JobHost.open(store, await job())
    const clients = ['a', 'b'].map(
      (id) =>
        new VolunteerClient({
          swarm: soloSwarm(),
          identity: identities[id as 'a' | 'b'],
          runners: { wasm: runner({ failUnit: 3 }) },
          engines: [wasmOffer],
          listJobs: async () => [listing],
          connect: connectTo(host, id),
          retryMs: 10,
        }),
    )
    for (const client of clients) client.start()
    await new Promise<void>((resolve) => host.onProgress((p) => p.complete && resolve()))
    expect(host.progress.failures).toEqual([
      { index: 3, reason: '2 errors, the last: kernel/trap: trapped' },
    ])
    for (const client of clients) client.stop()
  })

  it('refuses a kernel whose bytes do not match the announced hash', async () => {
    const honest = await job()
    const host = await JobHost.open(new MemoryJobStore(), {
      ...honest,
      wasm: new Uint8Array([...kernel, 0]),
    })
    const run = runner()
    const client = new VolunteerClient({
      swarm: soloSwarm(),
      identity: identities.a,
      runners: { wasm: run },
      engines: [wasmOffer],
      listJobs: async () => [listing],
      connect: connectTo(host, 'a'),
      retryMs: 10,
    })
    client.start()
    const state = await settled(client, (s) => s.notice?.includes('kernel was refused') ?? false)
    expect(state.unitsDone).toBe(0)
    expect(run.loaded).toEqual([])
    client.stop()
  })

  it('keeps looking while the directory is unreachable, and says so', async () => {
    const client = new VolunteerClient({
      swarm: soloSwarm(),
      identity: identities.a,
      runners: { wasm: runner() },
      engines: [wasmOffer],
      listJobs: async () => {
        throw new Error('The signaling server at http://x cannot be reached.')
      },
      connect: async () => {
        throw new Error('unused')
      },
      retryMs: 10,
    })
    client.start()
    const state = await settled(client, (s) => s.notice !== undefined)
    expect(state.notice).toContain('cannot be reached')
    client.stop()
  })

  it('skips a WGSL job without WebGPU, and says hello with WASM alone', async () => {
    const { hostPeerId, message } = await firstHello()
    expect(hostPeerId).toBe('host')
    expect(message).toMatchObject({ type: 'hello', jobId: 'job-1', engines: [wasmOffer] })
  })

  it('takes a WGSL job with WebGPU, and says hello with both engines', async () => {
    const { hostPeerId, message } = await firstHello(gpuOffer)
    expect(hostPeerId).toBe('gpu-host')
    expect(message).toMatchObject({
      type: 'hello',
      jobId: 'job-gpu',
      engines: [wasmOffer, gpuOffer],
      allowFallbackGpu: false,
    })
  })

  it('does not take a GPU-only job on a software adapter it was not allowed to use', async () => {
    const { hostPeerId } = await firstHello({ ...gpuOffer, fallback: true })
    expect(hostPeerId).toBe('host')
  })

  describe('with a wallet', () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const rewards = {
      chainId: 31337,
      domains: ['app.example'],
      verifySignature: (args: { address: Address; message: string; signature: Hex }) =>
        verifyMessage(args),
    }
    const wallet = (sign: (message: string) => Promise<Hex>) => ({
      address: () => account.address,
      domain: 'app.example',
      uri: 'https://app.example',
      peerId: 'a',
      sign,
    })

    it('binds its address when the host asks, and says where rewards go', async () => {
      const host = await JobHost.open(new MemoryJobStore(), await job(), { rewards })
      const client = new VolunteerClient({
        swarm: soloSwarm(),
        identity: identities.a,
        runners: { wasm: runner() },
        engines: [wasmOffer],
        wallet: wallet((message) => account.signMessage({ message })),
        listJobs: async () => [listing],
        connect: connectTo(host, 'a'),
        retryMs: 10,
      })
      client.start()
      const state = await settled(client, (s) => s.rewardAddress !== undefined)
      expect(state.rewardAddress).toBe(account.address)
      expect(host.bindings.get('a')).toBe(account.address)
      client.stop()
      host.stop()
    })

    it('a declined signature leaves it computing, unpaid, with a plain message', async () => {
      const host = await JobHost.open(new MemoryJobStore(), await job(), { rewards })
      const client = new VolunteerClient({
        swarm: soloSwarm(),
        identity: identities.a,
        runners: { wasm: runner() },
        engines: [wasmOffer],
        wallet: wallet(async () => {
          throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
        }),
        listJobs: async () => [listing],
        connect: connectTo(host, 'a'),
        retryMs: 10,
      })
      client.start()
      const state = await settled(client, (s) => s.notice?.includes('declined') ?? false)
      expect(state.notice).toBe(
        "You declined the request in your wallet. Nothing was changed. This job's units earn nothing; the computing goes on.",
      )
      expect(host.bindings.size).toBe(0)
      client.stop()
      host.stop()
    })

    it('keeps the declined message when the kernel finishes loading after it', async () => {
      const host = await JobHost.open(new MemoryJobStore(), await job(), { rewards })
      let declined!: () => void
      const afterDecline = new Promise<void>((resolve) => (declined = resolve))
      const slow = runner()
      const load = slow.load.bind(slow)
      // The kernel is ready only once the wallet has said no: the order a slow machine gives.
      slow.load = async (kernel) => {
        await afterDecline
        await load(kernel)
      }
      const client = new VolunteerClient({
        swarm: soloSwarm(),
        identity: identities.a,
        runners: { wasm: slow },
        engines: [wasmOffer],
        wallet: wallet(async () => {
          setTimeout(declined, 10)
          throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
        }),
        listJobs: async () => [listing],
        connect: connectTo(host, 'a'),
        retryMs: 10,
      })
      client.start()
      const state = await settled(client, (s) => s.status === 'running')
      expect(state.notice).toContain('You declined the request in your wallet.')
      client.stop()
      host.stop()
    })
  })
})
