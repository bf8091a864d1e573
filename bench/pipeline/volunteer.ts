import type { Peer } from 'peerjs'
import kernelUrl from '../../build/wasm/mandelbrot.wasm?url'
import type { Listing } from '../../signaling/directory/schemas.ts'
import { sha256Hex } from '../../src/crypto/sha256Hex.ts'
import {
  encodeMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
  type MandelbrotParams,
} from '../../src/kernels/mandelbrot/params.ts'
import { createPeerLink } from '../../src/p2p/createPeerLink.ts'
import {
  hostMessageSchema,
  type HostMessage,
  type VolunteerMessage,
} from '../../src/p2p/messages.ts'
import { connectToPeer, openPeer } from '../../src/p2p/openPeer.ts'
import { createIdentity } from '../../src/identity/createIdentity.ts'
import type { VolunteerIdentity } from '../../src/identity/VolunteerIdentity.ts'
import { VolunteerClient, type VolunteerState } from '../../src/volunteer/VolunteerClient.ts'
import type { UnitRunner } from '../../src/volunteer/UnitRunner.ts'
import type { ComputeKernel } from '../../src/workers/compute/computeWorker.ts'
import { WorkerPool } from '../../src/workers/WorkerPool.ts'
import type { HostInfo } from './host.ts'
import { soloSwarm } from '../../src/pieces/testing/soloSwarm.ts'

/**
 * A volunteer tab of the pipeline bench: a WorkerPool, a peer and a VolunteerClient, wired the
 * way VolunteerSession does it. The job comes from run.ts instead of the directory, so the
 * directory's polling is not part of what is measured.
 */

let pool: WorkerPool | undefined
let peer: Peer | undefined
let client: VolunteerClient | undefined
let identity: VolunteerIdentity | undefined
let runner: UnitRunner<ComputeKernel> | undefined

/**
 * Starts the pool (kept across runs), the peer and the identity; call once per page load. A tab
 * with a `lieRate` returns, for that share of its units chosen at random, the kernel's output
 * with its first byte changed: an independent liar.
 */
async function volunteerOpen(signalingUrl: string, workers: number, lieRate = 0): Promise<void> {
  pool = new WorkerPool({ size: workers, cpuShare: 1 })
  runner = lieRate > 0 ? lying(pool, lieRate) : pool
  peer = await openPeer({ signalingUrl })
  identity = (await createIdentity()).identity
}

/** Joins the job at once; a job the host refuses (complete) is not joined again. */
function volunteerJoin(job: HostInfo): void {
  const now = new Date().toISOString()
  const listing: Listing = {
    ...job,
    kernelKinds: ['wasm'],
    unitsDone: 0,
    listedAt: now,
    updatedAt: now,
  }
  const opened = peer!
  client = new VolunteerClient({
    swarm: soloSwarm(),
    identity: identity!,
    runners: { wasm: runner! },
    engines: [{ kind: 'wasm', slots: pool!.size, gflops: 0 }],
    listJobs: async () => [listing],
    connect: async (hostPeerId) =>
      createPeerLink<VolunteerMessage, HostMessage>({
        connection: await connectToPeer(opened, hostPeerId),
        schema: hostMessageSchema,
      }),
    retryMs: 200,
  })
  client.start()
}

function volunteerState(): VolunteerState | undefined {
  return client?.state
}

function volunteerLeave(): void {
  client?.stop()
  client = undefined
}

/**
 * Kernel time of one unit of `params` on a pool of one worker, run `times` times in a row so
 * wasm tiers up; returns every run's kernelMs.
 */
async function calibrate(params: MandelbrotParams, times: number): Promise<number[]> {
  const bytes = await (await fetch(kernelUrl)).arrayBuffer()
  const single = new WorkerPool({ size: 1, cpuShare: 1 })
  try {
    await single.load({ bytes, sha256: await sha256Hex(bytes) })
    const unit = {
      index: 0,
      count: mandelbrotUnitCount(params),
      params: encodeMandelbrotParams(params),
      input: new Uint8Array(),
      outputBytes: mandelbrotUnitOutputBytes(params),
    }
    const kernelMs: number[] = []
    for (let i = 0; i < times; i++)
      kernelMs.push((await single.run(unit, { timeLimitMs: 60_000 })).kernelMs)
    return kernelMs
  } finally {
    single.dispose()
  }
}

function lying(pool: WorkerPool, lieRate: number): UnitRunner<ComputeKernel> {
  return {
    get size() {
      return pool.size
    },
    load: (kernel) => pool.load(kernel),
    async run(unit, options) {
      const result = await pool.run(unit, options)
      if (Math.random() < lieRate) result.output[0] = result.output[0]! ^ 0xff
      return result
    },
  }
}

export const volunteerApi = {
  volunteerOpen,
  volunteerJoin,
  volunteerState,
  volunteerLeave,
  calibrate,
}
