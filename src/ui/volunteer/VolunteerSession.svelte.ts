import type { Peer } from 'peerjs'
import { iceServers, signalingUrl } from '../../config.ts'
import { DirectoryClient } from '../../directory/DirectoryClient.ts'
import { createPeerLink } from '../../p2p/createPeerLink.ts'
import {
  hostMessageSchema,
  type EngineOffer,
  type HostMessage,
  type VolunteerMessage,
} from '../../p2p/messages.ts'
import { connectToPeer, openPeer } from '../../p2p/openPeer.ts'
import { loadChainConfig } from '../../chain/chainConfig.ts'
import { IdbVoucherStore } from '../../rewards/IdbVoucherStore.ts'
import { calibrateWasm } from '../../volunteer/calibrateWasm.ts'
import {
  VolunteerClient,
  type Runners,
  type VolunteerState,
} from '../../volunteer/VolunteerClient.ts'
import { detectEngines, type EngineReport } from '../../workers/detectEngines.ts'
import { GpuUnitRunner } from '../../workers/webgpu/GpuUnitRunner.ts'
import { WorkerPool } from '../../workers/WorkerPool.ts'
import { WalletSession } from '../shared/WalletSession.svelte.ts'

const cpuShareKey = 'volunteer.cpuShare'
const gpuShareKey = 'volunteer.gpuShare'
const allowFallbackGpuKey = 'volunteer.allowFallbackGpu'

/** What the engines measured at start: GFLOPS of a small matrix multiply. */
export type Calibration = { wasm: number; webgpu?: number }

/**
 * The volunteer page's state: owns the worker pool, the GPU runner, the peer and the client,
 * none of which exist before the person consents with `start()`.
 */
export class VolunteerSession {
  state = $state<VolunteerState | undefined>()
  peerId = $state<string | undefined>()
  error = $state<string | undefined>()
  starting = $state(false)
  /** Percent of each worker's time spent computing, 10 to 100. */
  cpuShare = $state(readPercent(cpuShareKey, 50))
  /** Percent of the time the GPU computes for jobs, 10 to 100. */
  gpuShare = $state(readPercent(gpuShareKey, 50))
  /** Whether a software WebGPU adapter may run jobs that have only a WGSL kernel. */
  allowFallbackGpu = $state(globalThis.localStorage?.getItem(allowFallbackGpuKey) === 'true')
  workers = $state(0)
  /** What this browser can compute with; probed only after consent. */
  engines = $state<EngineReport | undefined>()
  calibration = $state<Calibration | undefined>()
  /** The site's wallet, when it runs with rewards (see `loadChain`). */
  wallet = $state.raw<WalletSession | undefined>()
  /** This browser's vouchers: kept across reloads until claimed. */
  readonly vouchers = new IdbVoucherStore()

  #pool: WorkerPool | undefined
  #gpu: GpuUnitRunner | undefined
  #peer: Peer | undefined
  #client: VolunteerClient | undefined

  get active(): boolean {
    return this.#client !== undefined
  }

  /** Reads the site's chain configuration; with one, the page offers to connect a wallet. */
  async loadChain(): Promise<void> {
    try {
      const chain = await loadChainConfig()
      if (chain) this.wallet = new WalletSession(chain)
    } catch (error) {
      this.error = `Rewards are unavailable: ${error instanceof Error ? error.message : String(error)}`
    }
  }

  async start(): Promise<void> {
    if (this.#client || this.starting) return
    this.starting = true
    this.error = undefined
    try {
      const engines = await detectEngines()
      this.engines = engines
      const pool = new WorkerPool({ cpuShare: this.cpuShare / 100 })
      this.#pool = pool
      this.workers = pool.size
      const offers: EngineOffer[] = [
        { kind: 'wasm', slots: pool.size, gflops: round(await calibrateWasm(pool)) },
      ]
      const runners: Runners = { wasm: pool }
      const gpu = engines.webgpu.available ? await this.#startGpu() : undefined
      if (gpu) {
        runners.webgpu = gpu.runner
        offers.push({
          kind: 'webgpu',
          slots: gpu.runner.size,
          gflops: gpu.gflops,
          fallback: gpu.runner.adapter.isFallbackAdapter,
        })
      }
      this.calibration = { wasm: offers[0]!.gflops, ...(gpu && { webgpu: gpu.gflops }) }
      const signaling = signalingUrl()
      const directory = new DirectoryClient(signaling)
      const peer = await openPeer({ signalingUrl: signaling, iceServers: iceServers() })
      const wallet = this.wallet
      const client = new VolunteerClient({
        runners,
        engines: offers,
        allowFallbackGpu: this.allowFallbackGpu,
        ...(wallet && {
          wallet: {
            address: () => (wallet.wrongNetwork ? undefined : wallet.address),
            domain: location.host,
            uri: location.origin,
            peerId: peer.id,
            sign: (message: string) => wallet.sign(message),
          },
          vouchers: this.vouchers,
        }),
        listJobs: () => directory.list(),
        connect: async (hostPeerId) =>
          createPeerLink<VolunteerMessage, HostMessage>({
            connection: await connectToPeer(peer, hostPeerId),
            schema: hostMessageSchema,
          }),
      })
      client.onChange((state) => (this.state = state))
      this.#peer = peer
      this.#client = client
      this.peerId = peer.id
      client.start()
      // Closing the tab ends the peer at once, so hosts reissue its units without waiting.
      addEventListener('pagehide', () => this.stop(), { once: true })
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
      this.stop()
    } finally {
      this.starting = false
    }
  }

  stop(): void {
    this.#client?.stop()
    this.#pool?.dispose()
    this.#gpu?.dispose()
    this.#peer?.destroy()
    this.#client = this.#pool = this.#gpu = this.#peer = undefined
  }

  setCpuShare(percent: number): void {
    this.cpuShare = percent
    localStorage.setItem(cpuShareKey, String(percent))
    this.#pool?.setCpuShare(percent / 100)
  }

  setGpuShare(percent: number): void {
    this.gpuShare = percent
    localStorage.setItem(gpuShareKey, String(percent))
    this.#gpu?.setGpuShare(percent / 100)
  }

  setAllowFallbackGpu(allow: boolean): void {
    this.allowFallbackGpu = allow
    localStorage.setItem(allowFallbackGpuKey, String(allow))
    this.#client?.setAllowFallbackGpu(allow)
  }

  /**
   * Starts the GPU runner and measures it. A software adapter is started too, so that the
   * person may let it run GPU-only jobs; hosts never give it a job that has a WASM kernel.
   */
  async #startGpu(): Promise<{ runner: GpuUnitRunner; gflops: number } | undefined> {
    try {
      const runner = await GpuUnitRunner.start({
        allowFallbackAdapter: true,
        gpuShare: this.gpuShare / 100,
      })
      this.#gpu = runner
      return { runner, gflops: round(await runner.calibrate()) }
    } catch (error) {
      console.warn('WebGPU could not be started; WASM jobs only', error)
      this.#gpu?.dispose()
      this.#gpu = undefined
      return undefined
    }
  }
}

function round(gflops: number): number {
  return Math.round(gflops * 100) / 100
}

function readPercent(key: string, fallback: number): number {
  const stored = Number(globalThis.localStorage?.getItem(key))
  return stored >= 10 && stored <= 100 ? stored : fallback
}
