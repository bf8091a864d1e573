import { loadChainConfig } from '../../chain/chainConfig.ts'
import { IdbVoucherStore } from '../../rewards/IdbVoucherStore.ts'
import {
  startVolunteerRuntime,
  type Calibration,
  type VolunteerRuntime,
} from '../../volunteer/startVolunteerRuntime.ts'
import { DeviceConditions } from '../../volunteer/DeviceConditions.ts'
import { DEFAULT_UPLOAD_BYTES_PER_SECOND, type SwarmStats } from '../../pieces/PieceSwarm.ts'
import type { VolunteerState } from '../../volunteer/VolunteerClient.ts'
import type { EngineReport } from '../../workers/detectEngines.ts'
import { WalletSession } from '../shared/WalletSession.svelte.ts'

export type { Calibration }

const cpuShareKey = 'volunteer.cpuShare'
const gpuShareKey = 'volunteer.gpuShare'
const allowFallbackGpuKey = 'volunteer.allowFallbackGpu'
const useGpuKey = 'volunteer.useGpu'
const backgroundKey = 'volunteer.background'
const uploadShareKey = 'volunteer.uploadKiBps'

/** The upload shares offered, KiB per second; 0 is off. */
export const uploadShares = [0, 128, 256, 512, 1024, 2048] as const

/**
 * The volunteer page's state: owns the worker pool, the GPU runner, the peer and the client,
 * none of which exist before the person consents with `start()`.
 */
export class VolunteerSession {
  state = $state<VolunteerState | undefined>()
  peerId = $state<string | undefined>()
  /** The identity key hosts know this browser by, once started; `created`: new, with no trust. */
  identity = $state<{ id: string; created: boolean } | undefined>()
  error = $state<string | undefined>()
  starting = $state(false)
  /** Percent of each worker's time spent computing, 10 to 100. */
  cpuShare = $state(readPercent(cpuShareKey, 50))
  /** Percent of the time the GPU computes for jobs, 10 to 100. */
  gpuShare = $state(readPercent(gpuShareKey, 50))
  /** Whether a software WebGPU adapter may run jobs that have only a WGSL kernel. */
  allowFallbackGpu = $state(globalThis.localStorage?.getItem(allowFallbackGpuKey) === 'true')
  /** KiB per second this tab may upload job data to other volunteers; 0: none. */
  uploadShare = $state(readUploadShare())
  /** What this tab fetched and served of job data, refreshed as it works. */
  swarmStats = $state<SwarmStats | undefined>()
  /** Whether the GPU computes at all; applies from the next start. */
  useGpu = $state(globalThis.localStorage?.getItem(useGpuKey) !== 'false')
  /** Keep computing while this page is hidden (on the volunteer page: yes, unless told not to). */
  background = $state(globalThis.localStorage?.getItem(backgroundKey) !== 'false')
  /** Why computing holds back right now (hidden page, battery, CPU pressure); empty: it does not. */
  paused = $state<string[]>([])
  /** Said while CPU pressure backs the CPU share off. */
  slowdown = $state<string | undefined>()
  workers = $state(0)
  /** What this browser can compute with; probed only after consent. */
  engines = $state<EngineReport | undefined>()
  calibration = $state<Calibration | undefined>()
  /** The site's wallet, when it runs with rewards (see `loadChain`). */
  wallet = $state.raw<WalletSession | undefined>()
  /** This browser's vouchers: kept across reloads until claimed. */
  readonly vouchers = new IdbVoucherStore()

  #runtime: VolunteerRuntime | undefined
  #conditions: DeviceConditions | undefined

  get active(): boolean {
    return this.#runtime !== undefined
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
    if (this.#runtime || this.starting) return
    this.starting = true
    this.error = undefined
    try {
      const wallet = this.wallet
      const runtime = await startVolunteerRuntime({
        cpuShare: this.cpuShare / 100,
        gpuShare: this.gpuShare / 100,
        useGpu: this.useGpu,
        allowFallbackGpu: this.allowFallbackGpu,
        uploadBytesPerSecond: this.uploadShare * 1024,
        ...(wallet && {
          wallet: (peerId: string) => ({
            address: () => (wallet.wrongNetwork ? undefined : wallet.address),
            domain: location.host,
            uri: location.origin,
            peerId,
            sign: (message: string) => wallet.sign(message),
          }),
          vouchers: this.vouchers,
        }),
        onEngines: (engines, workers) => {
          this.engines = engines
          this.workers = workers
        },
      })
      this.calibration = runtime.calibration
      runtime.client.onChange((state) => {
        this.state = state
        this.swarmStats = runtime.swarm.stats
      })
      this.#runtime = runtime
      this.peerId = runtime.peer.id
      this.identity = runtime.identity
      this.#conditions = new DeviceConditions({
        background: this.background,
        onChange: (reasons) => this.#hold(reasons),
      })
      this.#hold(this.#conditions.reasons)
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
    this.#conditions?.dispose()
    this.#conditions = undefined
    this.paused = []
    this.slowdown = undefined
    this.#runtime?.stop()
    this.#runtime = undefined
  }

  setUseGpu(use: boolean): void {
    this.useGpu = use
    localStorage.setItem(useGpuKey, String(use))
  }

  setBackground(background: boolean): void {
    this.background = background
    localStorage.setItem(backgroundKey, String(background))
    this.#conditions?.setBackground(background)
  }

  /** The CPU share the person chose, backed off while the device is under CPU pressure. */
  #effectiveCpuShare(): number {
    return Math.max(0.1, (this.cpuShare / 100) * (this.#conditions?.cpuFactor ?? 1))
  }

  /**
   * Pauses the client while there is a reason to hold back and resumes it when there is none;
   * backs the CPU share off under CPU pressure.
   */
  #hold(reasons: string[]): void {
    this.paused = reasons
    this.slowdown = this.#conditions?.slowdown
    this.#runtime?.pool.setCpuShare(this.#effectiveCpuShare())
    if (reasons.length) this.#runtime?.client.stop()
    else this.#runtime?.client.start()
  }

  setCpuShare(percent: number): void {
    this.cpuShare = percent
    localStorage.setItem(cpuShareKey, String(percent))
    this.#runtime?.pool.setCpuShare(this.#effectiveCpuShare())
  }

  setUploadShare(kibPerSecond: number): void {
    this.uploadShare = kibPerSecond
    localStorage.setItem(uploadShareKey, String(kibPerSecond))
    this.#runtime?.swarm.setUploadShare(kibPerSecond * 1024)
    if (this.#runtime) this.swarmStats = this.#runtime.swarm.stats
  }

  setGpuShare(percent: number): void {
    this.gpuShare = percent
    localStorage.setItem(gpuShareKey, String(percent))
    this.#runtime?.gpu?.setGpuShare(percent / 100)
  }

  setAllowFallbackGpu(allow: boolean): void {
    this.allowFallbackGpu = allow
    localStorage.setItem(allowFallbackGpuKey, String(allow))
    this.#runtime?.client.setAllowFallbackGpu(allow)
  }
}

function readPercent(key: string, fallback: number): number {
  const stored = Number(globalThis.localStorage?.getItem(key))
  return stored >= 10 && stored <= 100 ? stored : fallback
}

function readUploadShare(): number {
  const stored = Number(globalThis.localStorage?.getItem(uploadShareKey) ?? NaN)
  return (uploadShares as readonly number[]).includes(stored)
    ? stored
    : DEFAULT_UPLOAD_BYTES_PER_SECOND / 1024
}
