import { describe, expect, it } from 'vitest'
import { memoryLinkPair } from '../../tests/support/memoryLinkPair.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { JobHost } from '../jobs/JobHost.ts'
import type { JobRecord } from '../jobs/JobRecord.ts'
import { MemoryJobStore } from '../jobs/MemoryJobStore.ts'
import type { HostMessage, VolunteerMessage } from '../p2p/messages.ts'
import type { Listing } from '../../signaling/directory/schemas.ts'
import type { UnitRunner } from './UnitRunner.ts'
import { VolunteerClient, type Engine, type VolunteerState } from './VolunteerClient.ts'

const kernel = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])

async function job(): Promise<JobRecord> {
  return {
    jobId: 'job-1',
    name: 'squares',
    preset: 'mandelbrot',
    kernelKind: 'wasm',
    kernel,
    kernelSha256: await sha256Hex(kernel),
    params: new Uint8Array([9]),
    unitsTotal: 5,
    outputBytesPerUnit: 2,
    quorum: 2,
    maxResultsPerUnit: 4,
    maxErrorsPerUnit: 2,
    timeLimitMs: 1000,
    deadlineMs: 5000,
    ownerToken: 'a'.repeat(32),
    status: 'running',
    createdAt: 1,
    flagged: [],
  }
}

const listing: Listing = {
  jobId: 'job-1',
  name: 'squares',
  hostPeerId: 'host',
  kernelKind: 'wasm',
  unitsTotal: 5,
  unitsDone: 0,
  listedAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
}

/** Stands in for the worker pool: checks the kernel hash as the worker does, then squares. */
function runner(options: { failUnit?: number } = {}): UnitRunner & { loaded: string[] } {
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
      return { output: new Uint8Array([unit.index * unit.index, unit.params[0]!]), kernelMs: 3 }
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
  kernelKind: 'wgsl',
}

/** The host a client picks from a GPU-only and a WASM listing, and the hello it sends there. */
function firstHello(engines?: Engine[]) {
  return new Promise<{ hostPeerId: string; message: VolunteerMessage }>((resolve) => {
    const client = new VolunteerClient({
      runner: runner(),
      listJobs: async () => [gpuListing, listing],
      connect: async (hostPeerId) => {
        const [toVolunteer, toHost] = memoryLinkPair<HostMessage, VolunteerMessage>(hostPeerId, 'a')
        toVolunteer.onMessage((message) => {
          client.stop()
          resolve({ hostPeerId, message })
        })
        return toHost
      },
      retryMs: 10,
      ...(engines ? { engines } : {}),
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
          runner: runner(),
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
    const host = await JobHost.open(new MemoryJobStore(), await job())
    const clients = ['a', 'b'].map(
      (id) =>
        new VolunteerClient({
          runner: runner({ failUnit: 3 }),
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
    const host = await JobHost.open(new MemoryJobStore(), {
      ...(await job()),
      kernelSha256: 'f'.repeat(64),
    })
    const run = runner()
    const client = new VolunteerClient({
      runner: run,
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
      runner: runner(),
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
    expect(message).toMatchObject({ type: 'hello', jobId: 'job-1', engines: ['wasm'] })
  })

  it('takes a WGSL job with WebGPU, and says hello with both engines', async () => {
    const { hostPeerId, message } = await firstHello(['webgpu'])
    expect(hostPeerId).toBe('gpu-host')
    expect(message).toMatchObject({ type: 'hello', jobId: 'job-gpu', engines: ['wasm', 'webgpu'] })
  })
})
