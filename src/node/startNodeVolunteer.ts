import { readFile } from 'node:fs/promises'
import type { Peer } from 'peerjs'
import { DirectoryClient } from '../directory/DirectoryClient.ts'
import type { EngineOffer } from '../p2p/messages.ts'
import { createPeerLink } from '../p2p/createPeerLink.ts'
import { hostMessageSchema, type HostMessage, type VolunteerMessage } from '../p2p/messages.ts'
import { keepOnSignaling } from '../p2p/keepOnSignaling.ts'
import type { SignalingLinkEvent } from '../p2p/keepOnSignaling.ts'
import { connectToPeer } from '../p2p/openPeer.ts'
import { calibrateWasm } from '../volunteer/calibrateWasm.ts'
import {
  VolunteerClient,
  type Runners,
  type VolunteerWallet,
} from '../volunteer/VolunteerClient.ts'
import type { VoucherStore } from '../rewards/StoredVoucher.ts'
import { acceptSeekers } from '../pieces/acceptSeekers.ts'
import { connectToPieceServer } from '../pieces/connectToPieceServer.ts'
import { MemoryPieceCache } from '../pieces/MemoryPieceCache.ts'
import type { PieceCache } from '../pieces/PieceCache.ts'
import { PieceSwarm } from '../pieces/PieceSwarm.ts'
import type { GpuUnitRunner } from '../workers/webgpu/GpuUnitRunner.ts'
import type { WorkerPool } from '../workers/WorkerPool.ts'
import { createNodeWorkerPool } from './createNodeWorkerPool.ts'
import { loadFileIdentity } from './loadFileIdentity.ts'
import { openNodePeer } from './openNodePeer.ts'
import { startNodeGpuRunner } from './startNodeGpuRunner.ts'

export type StartNodeVolunteerParameters = {
  signalingUrl: string
  /** The identity key's file; created with a new key when missing. */
  identityFile: string
  /** Fraction of each thread's time spent computing, 0.1 to 1. */
  cpuShare: number
  /** Whether to run WGSL kernels through Dawn where it finds an adapter; default true. */
  useGpu?: boolean | undefined
  /** Fraction of the time the GPU computes, 0.1 to 1; default the CPU share. */
  gpuShare?: number | undefined
  /** Compute threads; default one per core. */
  threads?: number | undefined
  /** Only this job. */
  jobId?: string | undefined
  /** The wallet hosts pay rewards to, for this volunteer's peer id (`createKeyWallet`). */
  wallet?: ((peerId: string) => VolunteerWallet) | undefined
  /** Where vouchers are kept before they are acknowledged; required with `wallet`. */
  vouchers?: VoucherStore | undefined
  /** Opens the peer; default `openNodePeer` (retries belong to the caller). */
  openPeer?: (signalingUrl: string) => Promise<Peer>
  /** The peer lost the signaling server, is trying again, or is back (`keepOnSignaling`). */
  onSignaling?: ((event: SignalingLinkEvent) => void) | undefined
  /** Where fetched job data pieces are kept (`FilePieceCache`); default 256 MiB in memory. */
  pieceCache?: PieceCache | undefined
  /** Bytes per second it uploads to other volunteers; 0: none (default 512 KiB/s). */
  uploadBytesPerSecond?: number | undefined
}

export type NodeVolunteer = {
  client: VolunteerClient
  pool: WorkerPool
  peer: Peer
  identity: { id: string; created: boolean }
  /** GFLOPS of the WASM engine, every thread at once. */
  gflops: number
  /** The WGSL engine (Dawn), when it started; its adapter says whether it is software. */
  gpu: GpuUnitRunner | undefined
  /** GFLOPS of the WGSL engine, when it started. */
  gpuGflops: number | undefined
  /** Why WGSL kernels are not run here, when they are not. */
  gpuUnavailable: string | undefined
  /** Its part in its jobs' data swarms: the pieces it fetches and serves. */
  swarm: PieceSwarm
  stop(): void
}

const calibrationKernel = new URL('../../build/wasm/matmul.wasm', import.meta.url)

/**
 * A headless volunteer: what `startVolunteerRuntime` does in a tab, with Node's edges. WASM
 * kernels run on worker threads (`createNodeWorkerPool`), one per core, with the CPU share; the
 * identity key lives in a file (`loadFileIdentity`); the peer is PeerJS over node-datachannel
 * (`openNodePeer`). The `VolunteerClient` that finds jobs, talks to hosts and runs units is the
 * tab's. WGSL kernels run through Dawn (`startNodeGpuRunner`) where it finds an adapter; a
 * software one (llvmpipe) is offered as such, so hosts give it only jobs without a WASM kernel.
 * Otherwise the offer is WASM only and `gpuUnavailable` says why. On a failure everything
 * started so far is stopped.
 *
 * @example
 * const volunteer = await startNodeVolunteer({ signalingUrl, identityFile, cpuShare: 1 })
 * volunteer.client.onChange((state) => print(state))
 */
export async function startNodeVolunteer(
  parameters: StartNodeVolunteerParameters,
): Promise<NodeVolunteer> {
  const pool = createNodeWorkerPool({
    cpuShare: parameters.cpuShare,
    ...(parameters.threads !== undefined && { size: parameters.threads }),
  })
  let peer: Peer | undefined
  let gpu: GpuUnitRunner | undefined
  try {
    const identity = await loadFileIdentity(parameters.identityFile)
    const gflops = await calibrateWasm(pool, async () => {
      const bytes = await readFile(calibrationKernel)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    })
    const offers: EngineOffer[] = [
      { kind: 'wasm', slots: pool.size, gflops: Math.round(gflops * 100) / 100 },
    ]
    const runners: Runners = { wasm: pool }
    const dawn =
      parameters.useGpu === false
        ? { runner: undefined, reason: 'off (--no-gpu)' }
        : await startNodeGpuRunner({ gpuShare: parameters.gpuShare ?? parameters.cpuShare })
    gpu = dawn.runner
    if (dawn.runner) {
      runners.webgpu = dawn.runner
      offers.push({
        kind: 'webgpu',
        slots: dawn.runner.size,
        gflops: dawn.gflops,
        fallback: dawn.runner.adapter.isFallbackAdapter,
      })
    }
    const open = parameters.openPeer ?? ((url: string) => openNodePeer({ signalingUrl: url }))
    peer = await open(parameters.signalingUrl)
    const opened = peer
    const stopKeeping = keepOnSignaling(peer, { onEvent: parameters.onSignaling })
    const directory = new DirectoryClient(parameters.signalingUrl)
    const swarm = new PieceSwarm({
      cache: parameters.pieceCache ?? new MemoryPieceCache({ budgetBytes: 256 * 1024 * 1024 }),
      connect: (peerId) => connectToPieceServer(opened, peerId),
      ...(parameters.uploadBytesPerSecond !== undefined && {
        uploadBytesPerSecond: parameters.uploadBytesPerSecond,
      }),
    })
    acceptSeekers(peer, swarm)
    const client = new VolunteerClient({
      runners,
      identity,
      engines: offers,
      // A machine without a GPU still runs GPU-only jobs on its software adapter.
      allowFallbackGpu: true,
      ...(parameters.wallet && {
        wallet: parameters.wallet(opened.id),
        vouchers: parameters.vouchers,
      }),
      jobId: parameters.jobId,
      swarm,
      listJobs: () => directory.list(),
      connect: async (hostPeerId) =>
        createPeerLink<VolunteerMessage, HostMessage>({
          connection: await connectToPeer(opened, hostPeerId),
          schema: hostMessageSchema,
        }),
    })
    client.start()
    return {
      client,
      pool,
      peer,
      identity: { id: identity.id, created: identity.created },
      gflops,
      gpu: dawn.runner,
      gpuGflops: dawn.runner && dawn.gflops,
      gpuUnavailable: dawn.reason,
      swarm,
      stop() {
        client.stop()
        swarm.close()
        pool.dispose()
        dawn.runner?.dispose()
        stopKeeping()
        opened.destroy()
      },
    }
  } catch (error) {
    pool.dispose()
    gpu?.dispose()
    peer?.destroy()
    throw error
  }
}
