import matmulWasmUrl from '../../build/wasm/matmul.wasm?url'
import type { Peer } from 'peerjs'
import { iceServers, signalingUrl } from '../config.ts'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import { loadBrowserIdentity } from '../identity/loadBrowserIdentity.ts'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import {
  hostMessageSchema,
  type EngineOffer,
  type HostMessage,
  type VolunteerMessage,
} from '../p2p/messages.ts'
import { keepOnSignaling } from '../p2p/keepOnSignaling.ts'
import { connectToPeer, openPeer } from '../p2p/openPeer.ts'
import type { VoucherStore } from '../rewards/StoredVoucher.ts'
import { acceptSeekers } from '../pieces/acceptSeekers.ts'
import { connectToPieceServer } from '../pieces/connectToPieceServer.ts'
import { IdbPieceCache } from '../pieces/IdbPieceCache.ts'
import { PieceSwarm } from '../pieces/PieceSwarm.ts'
import { detectEngines, type EngineReport } from '../workers/detectEngines.ts'
import { GpuUnitRunner } from '../workers/webgpu/GpuUnitRunner.ts'
import { WorkerPool } from '../workers/WorkerPool.ts'
import { calibrateWasm } from './calibrateWasm.ts'
import { VolunteerClient, type Runners, type VolunteerWallet } from './VolunteerClient.ts'

/** What the engines measured at start: GFLOPS of a small matrix multiply. */
export type Calibration = { wasm: number; webgpu?: number }

export type StartVolunteerRuntimeParameters = {
  /** Fraction of each worker's time spent computing, 0.1 to 1. */
  cpuShare: number
  /** Fraction of the time the GPU computes, 0.1 to 1. */
  gpuShare: number
  /** Whether to start the GPU runner at all. */
  useGpu: boolean
  /** Whether a software WebGPU adapter may run jobs that have only a WGSL kernel. */
  allowFallbackGpu: boolean
  /** The person's wallet, given this tab's peer id; absent: compute anonymously. */
  wallet?: ((peerId: string) => VolunteerWallet) | undefined
  vouchers?: VoucherStore | undefined
  /** Only this job (an embed's `data-job`). */
  jobId?: string | undefined
  /** The partner site whose widget brought this volunteer. */
  siteKey?: string | undefined
  /** Called once the engines are known, before calibration. */
  onEngines?: (engines: EngineReport, workers: number) => void
  /** The IndexedDB database of this volunteer's identity key (the embed frame has its own). */
  identityDb?: string | undefined
  /** Bytes per second this tab uploads job data to other volunteers; 0: none (default 512 KiB/s). */
  uploadBytesPerSecond?: number | undefined
  /** The IndexedDB database of its job data pieces (the embed frame has its own). */
  piecesDb?: string | undefined
  /** What the pieces may take in IndexedDB (default 512 MiB). */
  pieceCacheBytes?: number | undefined
}

/** A started volunteer: engines measured, peer open, client looking for work. */
export type VolunteerRuntime = {
  client: VolunteerClient
  pool: WorkerPool
  gpu: GpuUnitRunner | undefined
  peer: Peer
  /** The identity key hosts know this browser profile by; `created`: new, with no trust yet. */
  identity: { id: string; created: boolean }
  engines: EngineReport
  calibration: Calibration
  /** Its part in its jobs' data swarms: the pieces it fetches and serves. */
  swarm: PieceSwarm
  /** Ends the client, the workers, the GPU device and the peer. */
  stop(): void
}

/**
 * Everything a volunteer runs once the person consents: detects and calibrates the engines,
 * starts the worker pool (and GPU runner), opens the peer on the signaling server and starts a
 * `VolunteerClient` on it. Shared by the volunteer page and the embed's compute frame. On a
 * failure everything started so far is stopped before the error is thrown.
 *
 * @example
 * const runtime = await startVolunteerRuntime({ cpuShare: 0.5, gpuShare: 0.5, useGpu: true, allowFallbackGpu: false })
 * runtime.client.onChange((state) => render(state))
 */
export async function startVolunteerRuntime(
  parameters: StartVolunteerRuntimeParameters,
): Promise<VolunteerRuntime> {
  let pool: WorkerPool | undefined
  let gpu: GpuUnitRunner | undefined
  let peer: Peer | undefined
  try {
    const engines = await detectEngines()
    pool = new WorkerPool({ cpuShare: parameters.cpuShare })
    parameters.onEngines?.(engines, pool.size)
    const offers: EngineOffer[] = [
      {
        kind: 'wasm',
        slots: pool.size,
        gflops: round(
          await calibrateWasm(pool, async () => (await fetch(matmulWasmUrl)).arrayBuffer()),
        ),
      },
    ]
    const runners: Runners = { wasm: pool }
    const started =
      parameters.useGpu && engines.webgpu.available
        ? await startGpu(parameters.gpuShare)
        : undefined
    gpu = started?.runner
    if (started) {
      runners.webgpu = started.runner
      offers.push({
        kind: 'webgpu',
        slots: started.runner.size,
        gflops: started.gflops,
        fallback: started.runner.adapter.isFallbackAdapter,
      })
    }
    const calibration = {
      wasm: offers[0]!.gflops,
      ...(started && { webgpu: started.gflops }),
    }
    const signaling = signalingUrl()
    const directory = new DirectoryClient(signaling)
    peer = await openPeer({ signalingUrl: signaling, iceServers: iceServers() })
    const openedPeer = peer
    // Hosts already joined go on over their data links; new ones need the peer on signaling.
    const stopKeeping = keepOnSignaling(peer)
    const identity = await loadBrowserIdentity(parameters.identityDb)
    const cache = await IdbPieceCache.open({
      ...(parameters.piecesDb !== undefined && { name: parameters.piecesDb }),
      budgetBytes: parameters.pieceCacheBytes ?? 512 * 1024 * 1024,
    })
    const swarm = new PieceSwarm({
      cache,
      connect: (peerId) => connectToPieceServer(openedPeer, peerId),
      ...(parameters.uploadBytesPerSecond !== undefined && {
        uploadBytesPerSecond: parameters.uploadBytesPerSecond,
      }),
    })
    acceptSeekers(openedPeer, swarm)
    const client = new VolunteerClient({
      runners,
      identity,
      engines: offers,
      allowFallbackGpu: parameters.allowFallbackGpu,
      ...(parameters.wallet && {
        wallet: parameters.wallet(peer.id),
        vouchers: parameters.vouchers,
      }),
      jobId: parameters.jobId,
      siteKey: parameters.siteKey,
      swarm,
      listJobs: () => directory.list(),
      connect: async (hostPeerId) =>
        createPeerLink<VolunteerMessage, HostMessage>({
          connection: await connectToPeer(openedPeer, hostPeerId),
          schema: hostMessageSchema,
        }),
    })
    const runtimePool = pool
    return {
      client,
      pool,
      gpu,
      peer,
      identity: { id: identity.id, created: identity.created },
      engines,
      calibration,
      swarm,
      stop() {
        client.stop()
        swarm.close()
        cache.close()
        runtimePool.dispose()
        gpu?.dispose()
        stopKeeping()
        openedPeer.destroy()
      },
    }
  } catch (error) {
    pool?.dispose()
    gpu?.dispose()
    peer?.destroy()
    throw error
  }
}

/**
 * Starts the GPU runner and measures it. A software adapter is started too, so that the person
 * may let it run GPU-only jobs; hosts never give it a job that has a WASM kernel.
 */
async function startGpu(
  share: number,
): Promise<{ runner: GpuUnitRunner; gflops: number } | undefined> {
  let runner: GpuUnitRunner | undefined
  try {
    runner = await GpuUnitRunner.start({ allowFallbackAdapter: true, gpuShare: share })
    return { runner, gflops: round(await runner.calibrate()) }
  } catch (error) {
    console.warn('WebGPU could not be started; WASM jobs only', error)
    runner?.dispose()
    return undefined
  }
}

function round(gflops: number): number {
  return Math.round(gflops * 100) / 100
}
