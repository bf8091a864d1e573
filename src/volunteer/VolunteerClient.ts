import type { Listing } from '../../signaling/directory/schemas.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { base64ToBytes } from '../encoding/base64.ts'
import type { PeerLink } from '../p2p/PeerLink.ts'
import {
  JOB_PROTOCOL_VERSION,
  type EngineOffer,
  type HostMessage,
  type VolunteerMessage,
} from '../p2p/messages.ts'
import type { VoucherStore } from '../rewards/StoredVoucher.ts'
import type { JobPieces } from '../pieces/JobPieces.ts'
import type { PieceCache } from '../pieces/PieceCache.ts'
import type { PieceSwarm } from '../pieces/PieceSwarm.ts'
import { trimUnitOutput } from '../tasks/trimUnitOutput.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import type { GpuComputeKernel } from '../workers/webgpu/createGpuComputeApi.ts'
import { helloProofBytes } from '../identity/helloProofBytes.ts'
import type { VolunteerIdentity } from '../identity/VolunteerIdentity.ts'
import { bytesToBase64 } from '../encoding/base64.ts'
import type { UnitRunner } from './UnitRunner.ts'
import { VolunteerRewards, type VolunteerWallet } from './VolunteerRewards.ts'

export type HostLink = PeerLink<VolunteerMessage, HostMessage>

type Welcome = Extract<HostMessage, { type: 'welcome' }>

/** This volunteer's standing with the host of its current job (its `standing` message). */
export type VolunteerStanding = Omit<Extract<HostMessage, { type: 'standing' }>, 'v' | 'type'>

export type { VolunteerWallet }

/** The engines of this tab: its WASM worker pool and, with WebGPU, its GPU runner. */
export type Runners = {
  wasm: UnitRunner<ComputeKernel>
  webgpu?: UnitRunner<GpuComputeKernel>
}

export type VolunteerStatus =
  'idle' | 'searching' | 'connecting' | 'running' | 'waiting' | 'stopped'

export type VolunteerState = {
  status: VolunteerStatus
  job: { jobId: string; name: string; unitsTotal: number; reward?: Listing['reward'] } | undefined
  /** Units this tab computed and the host stored. */
  unitsDone: number
  /** Kernel time spent on this tab's units, all workers added up. */
  kernelMs: number
  /** Units accepted by quorum with this tab's result: its credit. */
  credit: number
  running: number
  /** The last thing worth telling the person (a refusal, an error). */
  notice: string | undefined
  flaggedJobs: string[]
  /** The address this job's rewards go to, once the host accepted the binding. */
  rewardAddress: string | undefined
  /** This job's latest voucher: everything earned in it so far (base units, decimal). */
  earned: string | undefined
  /** Vouchers stored since start: changes whenever there is a new one to show. */
  vouchersStored: number
  /** Its standing with the current job's host, once the host sent it. */
  standing: VolunteerStanding | undefined
}

export type VolunteerClientParameters = {
  runners: Runners
  /** The identity key hosts know this volunteer by: its trust is earned under it. */
  identity: VolunteerIdentity
  /**
   * What each runner offers hosts, with its calibration: one offer per runner. The host picks
   * the kernel by them (`chooseKernel`).
   */
  engines: readonly EngineOffer[]
  /** Let a software WebGPU adapter run jobs that have only a WGSL kernel. */
  allowFallbackGpu?: boolean
  wallet?: VolunteerWallet | undefined
  /** Where vouchers are kept before they are acknowledged; required with `wallet`. */
  vouchers?: VoucherStore | undefined
  /** Only this job, when set (an embed's `data-job`); otherwise the first open job it can run. */
  jobId?: string | undefined
  /** The partner site whose embedded widget this volunteer came by: its units count for it. */
  siteKey?: string | undefined
  /** Open jobs, from the directory. */
  listJobs: () => Promise<Listing[]>
  connect: (hostPeerId: string) => Promise<HostLink>
  /**
   * Fetches the pieces (kernel and input) of jobs whose host names their content, and serves
   * them to other volunteers.
   */
  swarm: PieceSwarm
  /** Pause between looks at the directory when there is nothing to do. */
  retryMs?: number
}

/**
 * The volunteer side of the protocol: finds an open job, connects to its
 * host, loads the kernel (checked against its hash), runs the units it is
 * given and returns each output with its hash. When the host goes away it
 * looks for work again; `stop()` ends all of it.
 */
export class VolunteerClient {
  readonly #runners: Runners
  readonly #identity: VolunteerIdentity
  #allowFallbackGpu: boolean
  readonly #rewards: VolunteerRewards
  readonly #listJobs: () => Promise<Listing[]>
  readonly #connect: (hostPeerId: string) => Promise<HostLink>
  readonly #retryMs: number
  readonly #swarm: PieceSwarm
  readonly #jobId: string | undefined
  readonly #siteKey: string | undefined
  readonly #engines: readonly EngineOffer[]
  readonly #listeners = new Set<(state: VolunteerState) => void>()
  /** Jobs not to join again: complete, or this tab was flagged in them. */
  readonly #skip = new Set<string>()
  #state: VolunteerState = {
    status: 'idle',
    job: undefined,
    unitsDone: 0,
    kernelMs: 0,
    credit: 0,
    running: 0,
    notice: undefined,
    flaggedJobs: [],
    rewardAddress: undefined,
    earned: undefined,
    vouchersStored: 0,
    standing: undefined,
  }
  #link: HostLink | undefined
  #active = false
  #wake: (() => void) | undefined

  constructor({
    runners,
    identity,
    engines,
    allowFallbackGpu = false,
    wallet,
    vouchers,
    listJobs,
    connect,
    retryMs = 2000,
    jobId,
    siteKey,
    swarm,
  }: VolunteerClientParameters) {
    this.#swarm = swarm
    this.#jobId = jobId
    this.#siteKey = siteKey
    this.#runners = runners
    this.#identity = identity
    this.#engines = engines.filter((engine) => runners[engine.kind] !== undefined)
    this.#allowFallbackGpu = allowFallbackGpu
    this.#rewards = new VolunteerRewards({
      wallet,
      vouchers,
      state: () => this.#state,
      set: (patch) => this.#set(patch),
    })
    this.#listJobs = listJobs
    this.#connect = connect
    this.#retryMs = retryMs
  }

  get state(): VolunteerState {
    return this.#state
  }

  onChange(listener: (state: VolunteerState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Whether a software WebGPU adapter may run GPU-only jobs; applies from the next job on. */
  setAllowFallbackGpu(allow: boolean): void {
    this.#allowFallbackGpu = allow
  }

  start(): void {
    if (this.#active) return
    this.#active = true
    void this.#loop()
  }

  stop(): void {
    this.#active = false
    this.#link?.close()
    this.#wake?.()
    this.#set({ status: 'stopped', job: undefined, running: 0 })
  }

  async #loop(): Promise<void> {
    // Doubles (up to 16x) while sessions end without a unit done, so a host that keeps
    // dropping this tab is not hammered; any progress resets it.
    let backoff = 1
    while (this.#active) {
      this.#set({ status: 'searching' })
      const listing = await this.#findJob()
      if (!this.#active) return
      const doneBefore = this.#state.unitsDone
      if (listing) {
        try {
          await this.#serve(listing)
        } catch (error) {
          this.#set({ notice: describe(error) })
        }
        if (!this.#active) return
      }
      backoff = this.#state.unitsDone > doneBefore || !listing ? 1 : Math.min(backoff * 2, 16)
      this.#set({ status: 'waiting', job: undefined, running: 0 })
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        setTimeout(resolve, this.#retryMs * backoff)
      })
    }
  }

  async #findJob(): Promise<Listing | undefined> {
    try {
      const jobs = await this.#listJobs()
      return jobs.find(
        (j) =>
          (this.#jobId === undefined || j.jobId === this.#jobId) &&
          this.#canRun(j.kernelKinds) &&
          j.unitsDone < j.unitsTotal &&
          !this.#skip.has(j.jobId),
      )
    } catch (error) {
      this.#set({ notice: describe(error) })
      return undefined
    }
  }

  /** A job with a WASM kernel runs anywhere; a GPU-only one needs a GPU, or leave to use a software one. */
  #canRun(kinds: Listing['kernelKinds']): boolean {
    if (kinds.includes('wasm') && this.#runners.wasm) return true
    const gpu = this.#engines.find((engine) => engine.kind === 'webgpu')
    return kinds.includes('wgsl') && gpu !== undefined && (!gpu.fallback || this.#allowFallbackGpu)
  }

  /** Serves one job until its host goes away or refuses more work. */
  async #serve(listing: Listing): Promise<void> {
    this.#set({
      status: 'connecting',
      job: {
        jobId: listing.jobId,
        name: listing.name,
        unitsTotal: listing.unitsTotal,
        ...(listing.reward && { reward: listing.reward }),
      },
      rewardAddress: undefined,
      earned: undefined,
      standing: undefined,
    })
    // What the cache holds of the job's content, read while the link opens: said in the hello.
    const held = heldRanges(this.#swarm.cache, listing.contentRoot)
    const link = await this.#connect(listing.hostPeerId)
    this.#link = link
    if (!this.#active) return link.close()
    const closed = new Promise<void>((resolve) => link.onClose(() => resolve()))
    let welcome: Welcome | undefined
    let params = new Uint8Array()
    let kernelReady: Promise<void> | undefined
    let runner: UnitRunner<never> | undefined
    let pieces: JobPieces | undefined

    let challenged = false
    link.onMessage((message, body) => {
      switch (message.type) {
        case 'challenge':
          if (challenged) return link.close()
          challenged = true
          void held
            .then((ranges) => this.#hello(link, listing.jobId, message.nonce, ranges))
            .catch(() => link.close())
          return
        case 'standing':
          this.#set({ standing: { ...message } })
          return
        case 'welcome': {
          if (welcome || message.jobId !== listing.jobId) return link.close()
          welcome = message
          params = base64ToBytes(message.params)
          if (message.content) {
            pieces = this.#swarm.forJob(message.content.root, link)
            // Said in the hello already, unless the listing named another root.
            if (message.content.root !== listing.contentRoot)
              void pieces.announceHeld(this.#swarm.cache).catch(() => undefined)
          }
          if (message.kernelPieces && !pieces) return link.close()
          // Asked for at once, as a unit's input is: the pieces the host pushes are expected.
          const kernelFile = message.kernelPieces
            ? pieces!.unitInput(message.kernelPieces)
            : Promise.resolve(body.slice())
          const loading = this.#load(message, kernelFile)
          runner = loading.runner
          kernelReady = loading.ready
          // A notice from before this job goes once it runs; one given while its kernel loaded
          // (the wallet's binding was declined, say) stays.
          const noticeBefore = this.#state.notice
          kernelReady.then(
            () =>
              this.#set({
                status: 'running',
                ...(this.#state.notice === noticeBefore && { notice: undefined }),
              }),
            (error) => {
              this.#set({ notice: `The job's kernel was refused: ${describe(error)}` })
              this.#skip.add(listing.jobId)
              link.close()
            },
          )
          return
        }
        case 'assign': {
          if (!welcome || !kernelReady || !runner) return link.close()
          if (message.pieces && !pieces) return link.close()
          // Asked for at once: the pieces the host pushes right after are then expected.
          const input = message.pieces ? pieces!.unitInput(message.pieces) : body.slice()
          // Its failure is the unit's error, once the kernel is ready: not unhandled meanwhile.
          if (input instanceof Promise) input.catch(() => undefined)
          void this.#runUnit(link, { welcome, runner, kernelReady, params }, message, input)
          return
        }
        case 'piece':
        case 'piece-sources':
          if (!pieces) return link.close()
          return pieces.receive(message, body)
        case 'ack':
          this.#set({ unitsDone: this.#state.unitsDone + 1 })
          return
        case 'credit':
          this.#set({ credit: this.#state.credit + 1 })
          return
        case 'bind-request':
        case 'bound':
        case 'bind-refused':
        case 'voucher':
          return this.#rewards.receive(link, listing, message)
        case 'refuse':
          // The host's last word: everything it sent before (an ack, a voucher) is read, so
          // this side closes, and nothing in flight is cut off.
          link.close()
          this.#skip.add(listing.jobId)
          if (message.code === 'volunteer/flagged') {
            this.#set({ flaggedJobs: [...this.#state.flaggedJobs, listing.jobId] })
          }
          this.#set({ notice: message.message })
          return
        default: {
          const unexpected: never = message
          return unexpected
        }
      }
    })
    await closed
    this.#link = undefined
  }

  /** Answers the host's challenge: the hello, with the identity key's proof over the nonce. */
  async #hello(
    link: HostLink,
    jobId: string,
    nonce: string,
    held: [number, number][],
  ): Promise<void> {
    const signature = await this.#identity.sign(
      helloProofBytes({ jobId, hostPeerId: link.peerId, volunteerPeerId: link.localPeerId, nonce }),
    )
    await link.send({
      v: JOB_PROTOCOL_VERSION,
      type: 'hello',
      jobId,
      engines: [...this.#engines],
      allowFallbackGpu: this.#allowFallbackGpu,
      wantsRewards: this.#rewards.wanted,
      servesPieces: this.#swarm.serving,
      ...(held.length && { held }),
      ...(this.#siteKey && { siteKey: this.#siteKey }),
      identity: {
        publicKey: bytesToBase64(this.#identity.publicKey),
        signature: bytesToBase64(signature),
      },
    })
  }

  /** Loads the welcomed kernel, once its file is here, into the runner of its engine. */
  #load(
    welcome: Welcome,
    file: Promise<Uint8Array<ArrayBuffer>>,
  ): { runner: UnitRunner<never> | undefined; ready: Promise<void> } {
    const { kernel } = welcome
    if (kernel.kind === 'wasm') {
      const runner = this.#runners.wasm
      const ready = file.then(({ buffer: bytes }) =>
        runner.load({ bytes, sha256: kernel.sha256, memoryBytes: welcome.memoryBytes }),
      )
      return { runner, ready }
    }
    const runner = this.#runners.webgpu
    if (!runner)
      return { runner, ready: Promise.reject(new Error('this tab has no WebGPU engine')) }
    const ready = file.then(({ buffer: bytes }) =>
      runner.load({
        bytes,
        sha256: kernel.sha256,
        entry: kernel.entry,
        workgroupSize: kernel.workgroupSize,
        elementsPerInvocation: kernel.elementsPerInvocation,
      }),
    )
    return { runner, ready }
  }

  async #runUnit(
    link: HostLink,
    job: {
      welcome: Welcome
      runner: UnitRunner<never>
      kernelReady: Promise<void>
      params: Uint8Array
    },
    assign: Extract<HostMessage, { type: 'assign' }>,
    unitInput: Uint8Array | Promise<Uint8Array>,
  ): Promise<void> {
    const { welcome, runner, kernelReady, params } = job
    this.#set({ running: this.#state.running + 1 })
    try {
      await kernelReady
      const input = await unitInput
      const { output: buffer, kernelMs } = await runner.run(
        {
          index: assign.index,
          count: welcome.unitsTotal,
          params,
          input,
          outputBytes: assign.outputBytes,
        },
        { timeLimitMs: welcome.timeLimitMs },
      )
      this.#set({ kernelMs: this.#state.kernelMs + kernelMs })
      const output = welcome.variableOutput
        ? trimUnitOutput({ maxBytesPerUnit: assign.outputBytes, assemble: 'concat' }, buffer)
        : buffer
      const bytes = output.slice()
      const sha256 = await sha256Hex(bytes)
      await link.send(
        {
          v: JOB_PROTOCOL_VERSION,
          type: 'result',
          assignmentId: assign.assignmentId,
          index: assign.index,
          sha256,
          kernelMs,
        },
        bytes,
      )
    } catch (error) {
      const code = (error as { code?: unknown }).code
      await link
        .send({
          v: JOB_PROTOCOL_VERSION,
          type: 'unit-error',
          assignmentId: assign.assignmentId,
          index: assign.index,
          code:
            typeof code === 'string' && /^[a-z0-9-]+\/[a-z0-9-]+$/.test(code)
              ? code
              : 'unit/failed',
          message: describe(error).slice(0, 1000),
        })
        .catch(() => undefined)
    } finally {
      this.#set({ running: this.#state.running - 1 })
    }
  }

  #set(patch: Partial<VolunteerState>): void {
    this.#state = { ...this.#state, ...patch }
    for (const listener of this.#listeners) listener(this.#state)
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error)
    return String(error.shortMessage)
  return error instanceof Error ? error.message : String(error)
}

/** Most ranges a hello names: a cache that holds more scattered pieces names the first ones. */
const maxHeldRanges = 1024

/** The pieces of `root` that `cache` holds, as `[start, end)` index ranges; none without a root. */
async function heldRanges(
  cache: PieceCache,
  root: string | undefined,
): Promise<[number, number][]> {
  if (!root) return []
  const indices = (await cache.held(root).catch(() => [])).map((piece) => piece.index)
  indices.sort((a, b) => a - b)
  const ranges: [number, number][] = []
  for (const index of indices) {
    const last = ranges.at(-1)
    if (last && index === last[1]) last[1] = index + 1
    else if (!last || index > last[1]) {
      if (ranges.length === maxHeldRanges) break
      ranges.push([index, index + 1])
    }
  }
  return ranges
}
