import { writeContract } from '@wagmi/core'
import { formatUnits, type PublicClient } from 'viem'
import { jobEscrowAbi } from '../../chain/abis.ts'
import type { JobHost } from '../../jobs/JobHost.ts'
import type { JobStore } from '../../jobs/JobStore.ts'
import { resultRoot } from '../../rewards/resultRoot.ts'
import { describeWalletError } from '../../wallet/describeWalletError.ts'
import type { WalletSession } from '../shared/WalletSession.svelte.ts'

/** A funded job's escrow at `block`, the chain's latest when it was read. */
export type EscrowState = {
  block: number
  /** What remains, in the token's units with its symbol. */
  remaining: string
  /** Nothing remains. */
  empty: boolean
  /** Unix ms (chain time) from which what remains can be refunded: the expiry plus grace. */
  refundableAtMs: number
  /** Something remains and the chain's time is past the expiry plus grace. */
  refundable: boolean
  /** What became of the last refund. */
  notice?: string
}

/**
 * The requester page's dealings with the escrow of the job it shows: what remains in it as of
 * the chain's latest block, the refund once the chain's time allows it, and the result root
 * recorded when the job is complete. Without a chain (a site run without rewards) it does nothing.
 */
export class EscrowSession {
  /** A funded job's escrow, as of the chain's latest block, and what refunding did. */
  escrow = $state<EscrowState | undefined>()
  /** A refund is being asked for or awaited. */
  refunding = $state(false)
  /** What became of recording the job's result root on chain. */
  resultRoot = $state<string | undefined>()

  readonly #store: JobStore
  #client: PublicClient | undefined
  /** The requester's wallet: it funded the job, and refunds it and records its root. */
  #wallet: WalletSession | undefined
  /** The job shown; a read begun for another job is dropped. */
  #host: JobHost | undefined
  #unwatch: (() => void) | undefined
  /** The job whose result root is being recorded: a job's end can be seen twice. */
  #recordingRoot: JobHost | undefined

  constructor(store: JobStore) {
    this.#store = store
  }

  /** The chain the site's rewards run on, read through `client`, and the requester's wallet. */
  useChain(client: PublicClient, wallet: WalletSession): void {
    this.#client = client
    this.#wallet = wallet
  }

  /** `host`'s job is the one shown now; what was read for the one before is gone. */
  show(host: JobHost): void {
    if (host !== this.#host) this.resultRoot = undefined
    this.#host = host
    this.escrow = undefined
  }

  /** Keeps a funded job's escrow current: read again at every new block. */
  watch(): void {
    const client = this.#client
    if (!this.#host?.job.rewards || !client || this.#unwatch) return
    this.#unwatch = client.watchBlockNumber({
      emitOnBegin: true,
      onBlockNumber: () => void this.refresh().catch(() => undefined),
    })
  }

  /** Stops reading the escrow and forgets what was read and what recording the root said. */
  stop(): void {
    this.#unwatch?.()
    this.#unwatch = undefined
    this.escrow = undefined
    this.resultRoot = undefined
  }

  /**
   * Reads the escrow of the job shown at the chain's latest block: what remains, and whether the
   * requester may take it back. The chain's time decides, not this computer's clock.
   */
  async refresh(): Promise<void> {
    const host = this.#host
    const rewards = host?.job.rewards
    const client = this.#client
    const chain = this.#wallet?.chain
    if (!rewards || !client || !chain) return
    const block = await client.getBlock()
    const blockNumber = block.number
    const [job, grace, remaining] = await Promise.all([
      client.readContract({
        address: rewards.escrow,
        abi: jobEscrowAbi,
        functionName: 'jobs',
        args: [rewards.chainJobId],
        blockNumber,
      }),
      client.readContract({
        address: rewards.escrow,
        abi: jobEscrowAbi,
        functionName: 'gracePeriod',
        blockNumber,
      }),
      client.readContract({
        address: rewards.escrow,
        abi: jobEscrowAbi,
        functionName: 'remaining',
        args: [rewards.chainJobId],
        blockNumber,
      }),
    ])
    // Reads overlap when blocks come fast: an older block's never replaces a newer one's, and
    // a job no longer shown is not read into the one shown now.
    if (host !== this.#host || (this.escrow && this.escrow.block > Number(blockNumber))) return
    const refundableAt = BigInt(job.expiry) + grace
    this.escrow = {
      ...this.escrow,
      block: Number(blockNumber),
      refundableAtMs: Number(refundableAt) * 1000,
      remaining: `${formatUnits(remaining, chain.tokenDecimals)} ${chain.tokenSymbol}`,
      empty: remaining === 0n,
      refundable: remaining > 0n && block.timestamp >= refundableAt,
    }
  }

  /** Takes back what remains in the job's escrow (after its expiry and grace period). */
  async refund(): Promise<void> {
    const rewards = this.#host?.job.rewards
    const wallet = this.#wallet
    const client = this.#client
    if (!rewards || !wallet || !client || !this.escrow || this.refunding) return
    if (!wallet.address) {
      this.escrow = { ...this.escrow, notice: 'Connect the wallet that funded this job first.' }
      return
    }
    this.refunding = true
    try {
      const hash = await writeContract(wallet.wagmi, {
        address: rewards.escrow,
        abi: jobEscrowAbi,
        functionName: 'refund',
        args: [rewards.chainJobId],
        chainId: wallet.chain.chainId,
      })
      this.escrow = { ...this.escrow, notice: `Refund sent (${hash}); waiting for it…` }
      const receipt = await client.waitForTransactionReceipt({ hash })
      this.escrow = {
        ...this.escrow,
        notice: receipt.status === 'success' ? 'Refunded.' : `The refund ${hash} failed.`,
      }
    } catch (error) {
      this.escrow = { ...this.escrow, notice: describeWalletError(error) }
    } finally {
      this.refunding = false
    }
    await this.refresh().catch(() => undefined)
  }

  /**
   * Records the root hash of a funded job's verified results on chain, once, from the
   * requester's wallet (the whitepaper's job metadata on the ledger).
   */
  async recordResultRoot(host: JobHost): Promise<void> {
    const rewards = host.job.rewards
    const wallet = this.#wallet
    const client = this.#client
    if (!rewards || rewards.resultRootTx || !wallet?.address || !client || wallet.wrongNetwork)
      return
    // A job's end can be seen twice (progress event and resume); the root is recorded once.
    if (this.#recordingRoot === host) return
    this.#recordingRoot = host
    const root = resultRoot(await host.acceptedHashes())
    try {
      const hash = await writeContract(wallet.wagmi, {
        address: rewards.escrow,
        abi: jobEscrowAbi,
        functionName: 'recordResultRoot',
        args: [rewards.chainJobId, root],
      })
      rewards.resultRootTx = hash
      await this.#store.saveJob(host.job)
      const receipt = await client.waitForTransactionReceipt({ hash })
      this.resultRoot =
        receipt.status === 'success'
          ? `Result root ${root} recorded on chain (transaction ${hash}).`
          : `Recording the result root failed (transaction ${hash}).`
    } catch (error) {
      this.resultRoot = `The result root was not recorded: ${describeWalletError(error)}`
      // Not sent (declined, or the wallet failed): the job's next end may try again.
      if (!rewards.resultRootTx) this.#recordingRoot = undefined
    }
  }
}
