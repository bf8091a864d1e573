import { getPublicClient } from '@wagmi/core'
import { formatUnits, type Client } from 'viem'
import { readContract } from 'viem/actions'
import { computeTokenAbi } from '../../chain/abis.ts'
import { claimableVouchers, type JobClaim } from '../../rewards/claimableVouchers.ts'
import { claimVouchers, type ClaimState } from '../../rewards/claimVouchers.ts'
import type { VoucherStore } from '../../rewards/StoredVoucher.ts'
import { walletClaimWriter } from '../../rewards/walletClaimWriter.ts'
import { describeWalletError } from '../../wallet/describeWalletError.ts'
import type { WalletSession } from '../shared/WalletSession.svelte.ts'

/**
 * The volunteer's rewards for the connected address: per job what it earned, can claim and has
 * claimed (read from the chain, not assumed), its token balance, and one claim of everything.
 */
export class RewardsSession {
  readonly wallet: WalletSession
  jobs = $state.raw<JobClaim[]>([])
  balance = $state<bigint | undefined>()
  /** The latest claim's state, until the next claim. */
  claim = $state.raw<ClaimState | undefined>()
  /** Why the rewards could not be read. */
  error = $state<string | undefined>()

  readonly #vouchers: VoucherStore
  // Reads overlap (a voucher arrives while the last one is read): only the newest one counts.
  #reads = 0

  constructor(wallet: WalletSession, vouchers: VoucherStore) {
    this.wallet = wallet
    this.#vouchers = vouchers
  }

  /** Everything a claim would pay now, in base units. */
  get claimable(): bigint {
    return this.jobs.reduce((sum, job) => sum + job.claimable, 0n)
  }

  get claiming(): boolean {
    const status = this.claim?.status
    return status === 'checking' || status === 'signing' || status === 'pending'
  }

  /** Why "Claim all" cannot be pressed now, or `undefined` when it can. */
  get blocked(): string | undefined {
    if (!this.wallet.address) return 'Connect your wallet to claim.'
    if (this.wallet.wrongNetwork)
      return `Switch your wallet to ${this.wallet.chain.chainName} to claim.`
    if (this.claimable === 0n) return 'Nothing to claim yet.'
    return undefined
  }

  get canClaim(): boolean {
    return this.blocked === undefined && !this.claiming
  }

  /** An amount in the token's units, with its symbol. */
  format(amount: bigint): string {
    const { tokenDecimals, tokenSymbol } = this.wallet.chain
    return `${formatUnits(amount, tokenDecimals)} ${tokenSymbol}`
  }

  /** Reads the stored vouchers' worth and the balance of the connected address from the chain. */
  async refresh(): Promise<void> {
    const read = ++this.#reads
    const volunteer = this.wallet.address
    if (!volunteer) {
      this.jobs = []
      this.balance = undefined
      return
    }
    const { chainId, escrow, token } = this.wallet.chain
    try {
      const client = this.#client()
      const [jobs, balance] = await Promise.all([
        this.#vouchers
          .list()
          .then((vouchers) =>
            claimableVouchers({ publicClient: client, vouchers, chainId, escrow, volunteer }),
          ),
        readContract(client, {
          address: token,
          abi: computeTokenAbi,
          functionName: 'balanceOf',
          args: [volunteer],
        }),
      ])
      if (read !== this.#reads) return
      this.jobs = jobs
      this.balance = balance
      this.error = undefined
    } catch (error) {
      if (read === this.#reads)
        this.error = `Could not read your rewards: ${describeWalletError(error)}`
    }
  }

  /** Claims every claimable voucher in one transaction sent by the wallet, then reads again. */
  async claimAll(): Promise<void> {
    const volunteer = this.wallet.address
    if (!volunteer || !this.canClaim) return
    const { chainId, escrow } = this.wallet.chain
    this.claim = { status: 'checking' }
    try {
      await claimVouchers({
        publicClient: this.#client(),
        vouchers: await this.#vouchers.list(),
        chainId,
        escrow,
        volunteer,
        write: walletClaimWriter(this.wallet.wagmi),
        onState: (state) => (this.claim = state),
      })
    } catch (error) {
      // Only reading the stored vouchers can throw here: claimVouchers reports, never throws.
      this.claim = { status: 'failed', message: describeWalletError(error), leftOut: [] }
    }
    await this.refresh()
  }

  #client(): Client {
    const client = getPublicClient(this.wallet.wagmi, { chainId: this.wallet.chain.chainId })
    if (!client)
      throw new Error(`The wallet configuration has no chain ${this.wallet.chain.chainId}.`)
    return client
  }
}
