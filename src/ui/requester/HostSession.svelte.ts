import type { Peer } from 'peerjs'
import { iceServers, signalingUrl } from '../../config.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { DirectoryClient } from '../../directory/DirectoryClient.ts'
import { DirectoryError } from '../../directory/DirectoryError.ts'
import { createJobRecord } from '../../jobs/createJobRecord.ts'
import { IdbJobStore } from '../../jobs/IdbJobStore.ts'
import { acceptVolunteers } from '../../jobs/acceptVolunteers.ts'
import { hashJobInput } from '../../jobs/hashJobInput.ts'
import type { InputPieces } from '../../pieces/InputPieces.ts'
import { signTypedData, writeContract } from '@wagmi/core'
import { createPublicClient, formatUnits, http, parseUnits, type PublicClient } from 'viem'
import { readVoucherDomain } from '../../chain/readVoucherDomain.ts'
import { fundJob, jobCost } from '../../rewards/fundJob.ts'
import { describeWalletError } from '../../wallet/describeWalletError.ts'
import { WalletSession } from '../shared/WalletSession.svelte.ts'
import { loadChainConfig } from '../../chain/chainConfig.ts'
import { JobHost, type HostProgress, type JobHostRewards } from '../../jobs/JobHost.ts'
import { chainOf } from '../../wallet/createWalletConfig.ts'
import type { JobRecord } from '../../jobs/JobRecord.ts'
import { catalogueEntry } from '../../kernels/catalogue/catalogue.ts'
import type { CatalogueEntry, Presentation } from '../../kernels/catalogue/CatalogueEntry.ts'
import { previewOutput } from '../../requester/previewOutput.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest, Verification } from '../../tasks/manifestSchema.ts'
import { openPeer } from '../../p2p/openPeer.ts'
import { keepOnSignaling } from '../../p2p/keepOnSignaling.ts'
import { reconnectPeer } from '../../p2p/reconnectPeer.ts'
import { withBackoff } from '../../p2p/withBackoff.ts'
import { listingProgress, listingReward } from '../../requester/listingProgress.ts'
import { listingRegistration } from '../../requester/listingRegistration.ts'
import { packAcceptedOutputs } from '../../requester/packAcceptedOutputs.ts'
import type { ReputationEntry } from '../../trust/ReputationBook.ts'
import { createThrottle } from '../shared/createThrottle.ts'
import { EscrowSession, type EscrowState } from './EscrowSession.svelte.ts'

/** The verified, assembled output of a complete job, and how to show it. */
export type JobOutput = {
  bytes: Uint8Array<ArrayBuffer>
  sha256: string
  /** How its catalogue entry presents it; absent for an uploaded job. */
  presentation: Presentation | undefined
  preview: string[]
}

/**
 * The requester page's state: this tab becomes the job host. A running job is
 * resumed from IndexedDB when the page loads again.
 */
export class HostSession {
  phase = $state<'loading' | 'choose' | 'starting' | 'running' | 'complete'>('loading')
  job = $state<
    | {
        jobId: string
        name: string
        /** The manifest's replication: the quorum, and when a unit fails. */
        replication: Manifest['replication']
        /** The manifest's verification, as the host runs it (a private pool's networks merged). */
        verification: Verification
      }
    | undefined
  >()
  progress = $state<HostProgress | undefined>()
  /** The requester's reputation book across its jobs, read again at most every 2 s. */
  reputation = $state.raw<ReputationEntry[]>([])
  /** Failed units are being put back in the queue. */
  retrying = $state(false)
  resumed = $state(false)
  peerId = $state<string | undefined>()
  error = $state<string | undefined>()
  output = $state.raw<JobOutput | undefined>()
  /** Why there is no assembled output (units failed). */
  outputProblem = $state<string | undefined>()
  /** Units with an accepted output, when there is no assembled output. */
  acceptedUnits = $state(0)

  readonly #store = new IdbJobStore()
  readonly #directory = new DirectoryClient(signalingUrl())
  #host: JobHost | undefined
  #peer: Peer | undefined
  /** The host whose volunteers `#peer` takes: a new job gets a new peer. */
  #peerHost: JobHost | undefined
  /** The job is in the directory (registered and not yet removed): its listing takes updates. */
  #listed = false
  #stopKeeping: (() => void) | undefined
  #refresh: ReturnType<typeof setInterval> | undefined
  /** The job's end being handled (#finish), while it is. */
  #finishing: Promise<void> | undefined
  readonly #listingUpdate = createThrottle(() => this.#updateListing(), 1000)
  readonly #reputationRead = createThrottle(() => {
    if (this.#host) this.reputation = this.#host.reputation()
  }, 2000)

  /** How volunteers' wallets are bound, when the site runs with rewards. */
  #rewards: JobHostRewards | undefined
  #publicClient: PublicClient | undefined
  /** The requester's wallet, when the site runs with rewards: it funds jobs. */
  wallet = $state.raw<WalletSession | undefined>()
  /** Tokens (whole, decimal text) each accepted unit earns each agreeing volunteer; 0: unfunded. */
  rewardPerUnit = $state('1')
  /** Days the job's vouchers pay. */
  fundingDays = $state(7)
  /**
   * Volunteers all on one network (an organisation's desktop grid, or this machine): replicas of
   * a unit may then go to one origin. On by default only when the page is served from this
   * machine, where every tab shares its address.
   */
  privatePool = $state(isLoopback(location.hostname))
  /** What the wallet is being asked for, while it is. */
  funding = $state<string | undefined>()
  /** The funded job's escrow on chain: read at every block, refunded, its result root recorded. */
  readonly #escrow = new EscrowSession(this.#store)

  /** A funded job's escrow, as of the chain's latest block, and what refunding did. */
  get escrow(): EscrowState | undefined {
    return this.#escrow.escrow
  }

  /** A refund is being asked for or awaited. */
  get refunding(): boolean {
    return this.#escrow.refunding
  }

  /** What became of recording the job's result root on chain. */
  get resultRoot(): string | undefined {
    return this.#escrow.resultRoot
  }

  /** Takes back what remains in the job's escrow (after its expiry and grace period). */
  refund(): Promise<void> {
    return this.#escrow.refund()
  }

  async init(): Promise<void> {
    await this.#loadRewards()
    const latest = await this.#store.latestJob()
    if (latest?.status === 'running') {
      this.resumed = true
      await this.#run(latest)
    } else if (latest?.status === 'complete') {
      this.#show(await JobHost.open(this.#store, latest))
      this.#escrow.watch()
      await this.#showResult()
    } else {
      this.phase = 'choose'
    }
  }

  /** Starts a built-in job of the catalogue, with its sample input. */
  async startCatalogue(entry: CatalogueEntry): Promise<void> {
    await this.#start(async () => {
      const pkg = await entry.createPackage()
      return { job: createJobRecord(pkg, { catalogueId: entry.id }), input: pkg.input }
    })
  }

  /** Publishes an uploaded package that passed its checks and dry run. */
  async publish(pkg: JobPackage, inputSha256?: string): Promise<void> {
    await this.#start(async () => ({
      job: createJobRecord(pkg, inputSha256 ? { inputSha256 } : {}),
      input: pkg.input,
    }))
  }

  async #start(make: () => Promise<{ job: JobRecord; input: Blob | undefined }>): Promise<void> {
    this.error = undefined
    this.resumed = false
    this.output = undefined
    this.outputProblem = undefined
    this.phase = 'starting'
    try {
      const { job, input } = await make()
      if (this.privatePool) job.privatePool = true
      const pieces = await this.#fund(job, input)
      await this.#run(job, input, pieces)
    } catch (error) {
      this.error = describe(error)
      this.phase = 'choose'
    }
  }

  newJob(): void {
    this.#escrow.stop()
    this.#reputationRead.cancel()
    this.output = undefined
    this.outputProblem = undefined
    this.progress = undefined
    this.job = undefined
    this.phase = 'choose'
  }

  /**
   * Puts the job's failed units back in the queue. A job that had completed because of them runs
   * again: this tab goes back on the signaling server and lists it anew. The units already
   * accepted keep their outputs.
   */
  async retryFailed(): Promise<void> {
    const host = this.#host
    if (!host || this.retrying) return
    this.retrying = true
    this.error = undefined
    try {
      const reopens = this.phase === 'complete'
      const retried = await host.retryFailed()
      if (!retried.length || !reopens) return
      this.output = undefined
      this.outputProblem = undefined
      this.acceptedUnits = 0
      this.resumed = false
      this.phase = 'running'
      host.start()
      await this.#serve(host)
    } catch (error) {
      this.error = `The failed units are back in the queue, but volunteers cannot reach the job: ${describe(error)}. Reload the page to try again.`
    } finally {
      this.retrying = false
    }
  }

  /**
   * The accepted units' outputs of a job that has no assembled output, packed in one file (see
   * `packAcceptedOutputs`).
   */
  async acceptedOutputs(): Promise<ReturnType<typeof packAcceptedOutputs> | undefined> {
    const host = this.#host
    return host && packAcceptedOutputs(await host.outputs())
  }

  /** Shows this host's job on the page and follows its progress. */
  #show(host: JobHost): void {
    const { job } = host
    this.#host = host
    this.#escrow.show(host)
    this.job = {
      jobId: job.jobId,
      name: job.name,
      replication: job.manifest.replication,
      verification: job.privatePool
        ? { ...job.manifest.verification, distinctOrigins: false }
        : job.manifest.verification,
    }
    this.progress = host.progress
    this.reputation = host.reputation()
    host.onProgress((p) => {
      if (host !== this.#host) return
      this.progress = p
      this.#reputationRead.call()
      this.#listingUpdate.call()
      if (p.complete && this.phase === 'running') void this.#finish()
    })
  }

  async #run(job: JobRecord, input?: Blob, pieces?: InputPieces): Promise<void> {
    this.phase = 'starting'
    const host = await JobHost.open(this.#store, job, {
      ...(input && { input }),
      pieces,
      rewards: this.#rewards,
    })
    this.#show(host)
    await this.#serve(host)
    host.start()
    this.#escrow.watch()
    this.phase = 'running'
    if (host.progress.complete) await this.#finish()
  }

  /** Takes the job's volunteers under this tab's peer, and lists the job in the directory. */
  async #serve(host: JobHost): Promise<void> {
    const peer = await this.#connect(host)
    await this.#list(host, peer)
    // A signaling node that drains or dies drops the peer: it comes back under its id (to
    // another node, behind a load balancer) and lists the job again; volunteers never noticed.
    // Progress or not, the listing is refreshed now and then: one the directory lost (its Redis
    // came back empty) is listed again (#updateListing).
    clearInterval(this.#refresh)
    this.#refresh = setInterval(() => this.#updateListing(), 15_000)
    this.#stopKeeping?.()
    this.#stopKeeping = keepOnSignaling(peer, {
      onEvent: (event) => {
        if (event.kind !== 'back' || !this.#listed || this.#peer !== peer) return
        withBackoff(() => this.#list(host, peer), { tries: 5, onRetry: () => {} }).catch(
          (error: unknown) => (this.error = `Could not list the job again: ${describe(error)}`),
        )
      },
    })
  }

  async #list(host: JobHost, peer: Peer): Promise<void> {
    await this.#directory.register(listingRegistration(host, peer, this.wallet?.chain))
    this.#listed = true
  }

  /**
   * This tab's peer for the host's volunteers, on the signaling server: the one it already had,
   * brought back after the job's end took it off (#finish), or a new one.
   */
  async #connect(host: JobHost): Promise<Peer> {
    const current = this.#peer
    if (current && !current.destroyed && this.#peerHost === host) {
      try {
        await reconnectPeer(current)
        return current
      } catch {
        // Its id is gone: a new peer, under a new id, which the listing will name.
      }
    }
    current?.destroy()
    const peer = await openPeer({ signalingUrl: signalingUrl(), iceServers: iceServers() })
    this.#peer = peer
    this.#peerHost = host
    this.peerId = peer.id
    // On reload or close, tell volunteers at once; the job resumes from storage next time.
    addEventListener('pagehide', () => peer.destroy(), { once: true })
    acceptVolunteers(peer, host)
    return peer
  }

  /**
   * Funds the job from the requester's wallet when it is connected and a reward is set, the
   * escrow job committing to the input's pieces; returns them, hashed.
   */
  async #fund(job: JobRecord, input: Blob | undefined): Promise<InputPieces | undefined> {
    const wallet = this.wallet
    const client = this.#publicClient
    if (!wallet?.address || !client || wallet.wrongNetwork) return
    const rewardPerUnit = parseUnits(this.rewardPerUnit || '0', wallet.chain.tokenDecimals)
    if (rewardPerUnit <= 0n) return
    const pieces = await hashJobInput(job, input)
    const cost = jobCost(job.manifest, job.unitsTotal, rewardPerUnit)
    this.funding = `Funding the job with ${formatUnits(cost, wallet.chain.tokenDecimals)} ${wallet.chain.tokenSymbol}: confirm in your wallet.`
    try {
      job.rewards = await fundJob({
        chain: wallet.chain,
        publicClient: client,
        requester: wallet.address,
        manifest: job.manifest,
        input: pieces && { root: pieces.root, bytes: job.inputBytes },
        unitsTotal: job.unitsTotal,
        rewardPerUnit,
        durationSeconds: this.fundingDays * 86_400,
        signTypedData: (typedData) => signTypedData(wallet.wagmi, typedData as never),
        writeContract: (call) => writeContract(wallet.wagmi, call),
      })
    } catch (error) {
      throw new Error(`The job was not funded, and not published: ${describeWalletError(error)}`)
    } finally {
      this.funding = undefined
    }
    return pieces
  }

  async #loadRewards(): Promise<void> {
    try {
      const chain = await loadChainConfig()
      if (!chain) return
      const client = createPublicClient({ chain: chainOf(chain), transport: http(chain.rpcUrl) })
      this.#publicClient = client
      this.wallet = new WalletSession(chain)
      this.#escrow.useChain(client, this.wallet)
      this.#rewards = {
        chainId: chain.chainId,
        domains: [location.host],
        // Through the chain, so smart-contract wallets (ERC-1271, ERC-6492) verify too.
        verifySignature: (args) => client.verifyMessage(args),
        voucherDomain: await readVoucherDomain(client, chain.escrow),
      }
    } catch (error) {
      this.error = `Rewards are unavailable: ${describe(error)}`
    }
  }

  #updateListing(): void {
    const progress = this.progress
    const job = this.#host?.job
    // A complete job's listing is removed (#finish): nothing left to update.
    if (!this.#listed || !progress || progress.complete || !job) return
    this.#directory
      .update(job.jobId, job.ownerToken, {
        ...listingReward(job.rewards, this.wallet?.chain),
        ...listingProgress(progress),
      })
      .catch((error: unknown) => {
        // The directory lost the listing (its Redis came back empty, or it expired while this
        // tab was away from signaling): list the job again rather than stay invisible.
        const host = this.#host
        const peer = this.#peer
        if (
          error instanceof DirectoryError &&
          error.code === 'directory/not-found' &&
          host &&
          peer &&
          !peer.disconnected
        )
          return void this.#list(host, peer).catch(
            (relist: unknown) => (this.error = `Could not list the job again: ${describe(relist)}`),
          )
        this.error = `Could not update the job listing: ${describe(error)}`
      })
  }

  /**
   * The job's end, handled once: the host keeps reporting progress while it says goodbye to its
   * volunteers (acks, credits, refusals, links closing), each report a complete one, and all of
   * them arrive before the output is assembled and the phase becomes 'complete'.
   */
  #finish(): Promise<void> {
    this.#finishing ??= this.#end().finally(() => (this.#finishing = undefined))
    return this.#finishing
  }

  async #end(): Promise<void> {
    const job = this.#host?.job
    if (!job) return
    if (this.#listed) {
      this.#listed = false
      await this.#directory.remove(job.jobId, job.ownerToken).catch(() => undefined)
    }
    // Leave the signaling server but keep the data connections: the host is still saying
    // goodbye to its volunteers (last acks, credits, the refusal that releases them).
    clearInterval(this.#refresh)
    this.#stopKeeping?.()
    this.#stopKeeping = undefined
    this.#peer?.disconnect()
    await this.#showResult()
    if (this.#host) await this.#escrow.recordResultRoot(this.#host)
  }

  async #showResult(): Promise<void> {
    const host = this.#host
    if (!host) return
    const { manifest } = host.job
    const outputs = await host.outputs()
    const missing = outputs.filter((output) => output === undefined).length
    this.phase = 'complete'
    // The book as the job ended, not as of the last throttled read.
    this.reputation = host.reputation()
    if (missing) {
      this.acceptedUnits = outputs.length - missing
      this.outputProblem = `${missing} of ${outputs.length} units failed (see below), so there is no assembled output.`
      return
    }
    const bytes = assembleOutputs(manifest.output.assemble, outputs)
    const entry = catalogueEntry(host.job.catalogueId)
    let presentation: Presentation | undefined
    try {
      presentation = entry?.present(bytes, manifest)
    } catch (error) {
      this.error = `The output could not be shown: ${describe(error)}`
    }
    this.output = {
      bytes,
      sha256: await sha256Hex(bytes),
      presentation,
      preview: previewOutput(bytes, manifest),
    }
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname)
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error)
    return String(error.shortMessage)
  return error instanceof Error ? error.message : String(error)
}
