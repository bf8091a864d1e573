import {
  createPublicClient,
  createWalletClient,
  formatUnits,
  http,
  type Address,
  type Chain,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { computeTokenAbi, jobEscrowAbi } from '../chain/abis.ts'
import type { ChainConfig } from '../chain/chainConfig.ts'
import { readVoucherDomain } from '../chain/readVoucherDomain.ts'
import type { JobHostRewards } from '../jobs/JobHost.ts'
import type { JobRecord, JobRewards } from '../jobs/JobRecord.ts'
import { accountOfKey } from '../node/accountOfKey.ts'
import type { InputPieces } from '../pieces/InputPieces.ts'
import { fundJob, jobCost } from '../rewards/fundJob.ts'
import { resultRoot } from '../rewards/resultRoot.ts'
import { chainOf } from '../wallet/createWalletConfig.ts'
import {
  ChainUnavailableError,
  FundingFailedError,
  FundingMismatchError,
  InsufficientFundsError,
  RewardsOptionError,
  WrongChainError,
} from './errors.ts'

/** `createJob`'s `rewards` option: the requester's wallet, the chain, and what a unit pays. */
export type JobRewardsOption = {
  /** The requester's private key, hex (0x and 64 digits): it pays the budget and signs the permit. */
  privateKey: Hex | string
  /** The chain and contracts, as an app's `/chain.json` has them. */
  chain: ChainConfig
  /** Token base units each agreeing volunteer earns per accepted unit (`parseUnits` for tokens). */
  rewardPerUnit: bigint
  /** How long the job's vouchers pay, from funding; default 7 days. */
  durationSeconds?: number
  /**
   * The hosts of the app volunteers bind their wallets for (`127.0.0.1:5173`): a binding message
   * must name one of them. A headless volunteer names its `--site`.
   */
  domains: readonly string[]
}

/** What a funded job's rewards stand at (the stored record, less the voucher signer key). */
export type JobFundingState = {
  chainId: number
  escrow: Address
  /** The job's id in the escrow. */
  chainJobId: Hex
  requester: Address
  tokenSymbol: string
  tokenDecimals: number
  /** Base units per accepted unit per agreeing volunteer. */
  rewardPerUnit: bigint
  /** The deposit. */
  budget: bigint
  /** Promised in vouchers so far. */
  promised: bigint
  /** The transaction that recorded the job's result root, once sent. */
  resultRootTx?: Hex | undefined
}

const defaultDurationSeconds = 7 * 86_400

/**
 * The requester's wallet for a job hosted from Node, held as a private key: checks that the RPC
 * endpoint serves the configured chain and reads the escrow's voucher domain (`connect`), funds a
 * job with a permit and one transaction (`fund`), binds volunteers' wallets for the job's host
 * (`hostRewards`), and records the job's result root when it completes. The key never leaves it.
 *
 * @example
 * const funding = await JobFunding.connect({ privateKey, chain, rewardPerUnit: parseUnits('1', 18), domains: ['127.0.0.1:5173'] })
 * record.rewards = await funding.fund(record)
 */
export class JobFunding {
  readonly chain: ChainConfig
  readonly requester: Address
  /** How the job's host binds volunteers' wallets and signs their vouchers. */
  readonly hostRewards: JobHostRewards
  readonly #option: JobRewardsOption
  readonly #publicClient: PublicClient
  readonly #walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>

  private constructor(
    option: JobRewardsOption,
    publicClient: PublicClient,
    walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>,
    hostRewards: JobHostRewards,
  ) {
    this.#option = option
    this.chain = option.chain
    this.requester = walletClient.account.address
    this.#publicClient = publicClient
    this.#walletClient = walletClient
    this.hostRewards = hostRewards
  }

  /**
   * Checks the option, then the chain: its RPC endpoint must answer with the configured chain id,
   * and the escrow must publish its EIP-712 domain. Throws `wallet/key`, `sdk/rewards-option`,
   * `sdk/chain-unavailable` or `sdk/wrong-chain`.
   */
  static async connect(option: JobRewardsOption): Promise<JobFunding> {
    const account = accountOfKey(option.privateKey, 'The requester key (rewards.privateKey)')
    if (option.rewardPerUnit <= 0n)
      throw new RewardsOptionError('rewards.rewardPerUnit must be more than 0 base units.')
    const duration = option.durationSeconds ?? defaultDurationSeconds
    if (!Number.isInteger(duration) || duration <= 0)
      throw new RewardsOptionError('rewards.durationSeconds must be a positive whole number.')
    if (option.domains.length === 0)
      throw new RewardsOptionError(
        'rewards.domains must name the app host volunteers bind their wallets for (e.g. 127.0.0.1:5173).',
      )
    const { chain } = option
    const viemChain = chainOf(chain)
    const transport = http(chain.rpcUrl, { retryCount: 1 })
    const publicClient = createPublicClient({ chain: viemChain, transport, pollingInterval: 1000 })
    let actual: number
    try {
      actual = await publicClient.getChainId()
    } catch (error) {
      throw new ChainUnavailableError(chain.rpcUrl, error)
    }
    if (actual !== chain.chainId)
      throw new WrongChainError({ rpcUrl: chain.rpcUrl, expected: chain.chainId, actual })
    let voucherDomain: JobHostRewards['voucherDomain']
    try {
      voucherDomain = await readVoucherDomain(publicClient, chain.escrow)
    } catch (error) {
      throw new ChainUnavailableError(chain.rpcUrl, error)
    }
    const walletClient = createWalletClient({ account, chain: viemChain, transport })
    return new JobFunding({ ...option, durationSeconds: duration }, publicClient, walletClient, {
      chainId: chain.chainId,
      domains: option.domains,
      // Through the chain, so smart-contract wallets (ERC-1271, ERC-6492) verify too.
      verifySignature: (args) => publicClient.verifyMessage(args),
      voucherDomain,
    })
  }

  /** What funding the job takes: reward per unit × units × quorum, in base units. */
  cost(job: JobRecord): bigint {
    return jobCost(job.manifest, job.unitsTotal, this.#option.rewardPerUnit)
  }

  /**
   * Throws `sdk/insufficient-funds` unless the wallet holds the job's cost in tokens and some
   * native currency for gas. Sends nothing.
   */
  async checkFunds(job: JobRecord): Promise<void> {
    const cost = this.cost(job)
    const [tokens, native] = await Promise.all([
      this.#publicClient.readContract({
        address: this.chain.token,
        abi: computeTokenAbi,
        functionName: 'balanceOf',
        args: [this.requester],
      }),
      this.#publicClient.getBalance({ address: this.requester }),
    ]).catch((error: unknown) => {
      throw new ChainUnavailableError(this.chain.rpcUrl, error)
    })
    const { tokenSymbol, tokenDecimals } = this.chain
    const amount = (value: bigint) => `${formatUnits(value, tokenDecimals)} ${tokenSymbol}`
    if (tokens < cost)
      throw new InsufficientFundsError(
        `The wallet ${this.requester} holds ${amount(tokens)}; funding this job takes ${amount(cost)}.`,
        {
          details: `${amount(this.#option.rewardPerUnit)} per unit × ${job.unitsTotal} units × ${job.manifest.replication.quorum} agreeing results each. Nothing was funded or listed.`,
        },
      )
    if (native === 0n)
      throw new InsufficientFundsError(
        `The wallet ${this.requester} has no native currency on chain ${this.chain.chainId} to pay for the funding transaction's gas.`,
      )
  }

  /**
   * Funds the job in the escrow (a permit signed with the key, then `createJobWithPermit`), the
   * escrow job committing to the manifest and the input's `pieces` (`jobContentHashOf`), and
   * returns its rewards record once the transaction is confirmed. Throws `sdk/funding-failed`.
   */
  async fund(job: JobRecord, pieces: InputPieces | undefined): Promise<JobRewards> {
    const account = this.#walletClient.account
    try {
      return await fundJob({
        chain: this.chain,
        publicClient: this.#publicClient,
        requester: this.requester,
        manifest: job.manifest,
        input: pieces && { root: pieces.root, bytes: job.inputBytes },
        unitsTotal: job.unitsTotal,
        rewardPerUnit: this.#option.rewardPerUnit,
        durationSeconds: this.#option.durationSeconds ?? defaultDurationSeconds,
        signTypedData: (typedData) => account.signTypedData(typedData),
        writeContract: (call) => this.#walletClient.writeContract(call),
      })
    } catch (error) {
      throw new FundingFailedError(error)
    }
  }

  /** Throws `sdk/funding-mismatch` unless a stored job's funding is on this chain and escrow. */
  checkStored(rewards: JobRewards): void {
    const { chainId, escrow } = this.chain
    if (rewards.chainId !== chainId || rewards.escrow.toLowerCase() !== escrow.toLowerCase())
      throw new FundingMismatchError(
        `The stored job was funded in escrow ${rewards.escrow} on chain ${rewards.chainId}, not in ${escrow} on chain ${chainId}: resume it with the chain that funded it.`,
      )
  }

  /** What a funded job's rewards stand at. */
  stateOf(rewards: JobRewards): JobFundingState {
    return {
      chainId: rewards.chainId,
      escrow: rewards.escrow,
      chainJobId: rewards.chainJobId,
      requester: this.requester,
      tokenSymbol: this.chain.tokenSymbol,
      tokenDecimals: this.chain.tokenDecimals,
      rewardPerUnit: BigInt(rewards.rewardPerUnit),
      budget: BigInt(rewards.budget),
      promised: Object.values(rewards.earned).reduce((sum, a) => sum + BigInt(a), 0n),
      resultRootTx: rewards.resultRootTx,
    }
  }

  /**
   * Records the root hash of a complete job's verified results on chain, once: the transaction is
   * stored in the job record (`save`) as soon as it is sent, so a resumed job does not send it
   * again. Resolves when it is confirmed; `undefined` when there was nothing to record.
   */
  async recordResultRoot(
    job: JobRecord,
    accepted: readonly (string | undefined)[],
    save: () => Promise<void>,
  ): Promise<{ root: Hex; transactionHash: Hex } | undefined> {
    const rewards = job.rewards
    if (!rewards || rewards.resultRootTx) return undefined
    const root = resultRoot(accepted)
    const hash = await this.#walletClient.writeContract({
      address: rewards.escrow,
      abi: jobEscrowAbi,
      functionName: 'recordResultRoot',
      args: [rewards.chainJobId, root],
    })
    rewards.resultRootTx = hash
    await save()
    const receipt = await this.#publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success')
      throw new Error(`The transaction ${hash} recording the result root ${root} failed.`)
    return { root, transactionHash: hash }
  }
}
