import {
  BaseError,
  ContractFunctionRevertedError,
  isAddressEqual,
  parseEventLogs,
  type Address,
  type Client,
  type Hash,
  type Hex,
} from 'viem'
import { simulateContract, waitForTransactionReceipt } from 'viem/actions'
import { jobEscrowAbi } from '../chain/abis.ts'
import type { Voucher } from '../chain/voucherTypedData.ts'
import { describeWalletError } from '../wallet/describeWalletError.ts'
import {
  claimableVouchers,
  type ClaimableVouchersParameters,
  type JobClaim,
} from './claimableVouchers.ts'

/** The `claimMany` transaction the wallet is asked to send. */
export type ClaimManyRequest = {
  address: Address
  abi: typeof jobEscrowAbi
  functionName: 'claimMany'
  args: readonly [readonly Voucher[], readonly Hex[]]
  /** The volunteer: the connected address sends it. */
  account: Address
  chainId: number
}

/** Sends the claim through a wallet and resolves with its hash once the wallet has sent it. */
export type ClaimWriter = (request: ClaimManyRequest) => Promise<Hash>

/** A job whose voucher the escrow refuses now, and why, in plain words. */
export type LeftOutVoucher = { jobId: Hex; jobName: string; reason: string }

/** Where a claim stands, for a page to show. `amount` is in the token's base units. */
export type ClaimState =
  | { status: 'checking' }
  | { status: 'signing'; amount: bigint; jobs: JobClaim[]; leftOut: LeftOutVoucher[] }
  | { status: 'pending'; hash: Hash; amount: bigint; jobs: JobClaim[]; leftOut: LeftOutVoucher[] }
  | {
      status: 'confirmed'
      hash: Hash
      /** What the escrow paid, from the transaction's `Claimed` events. */
      amount: bigint
      jobs: JobClaim[]
      leftOut: LeftOutVoucher[]
    }
  | { status: 'failed'; message: string; hash?: Hash; leftOut: LeftOutVoucher[] }

export type ClaimVouchersParameters = ClaimableVouchersParameters & {
  write: ClaimWriter
  /** Called with every state as the claim moves on, the last one included. */
  onState?: (state: ClaimState) => void
}

export type ClaimVouchersReturnType = Extract<ClaimState, { status: 'confirmed' | 'failed' }>

/** Why the escrow refuses a voucher, by the custom error it reverts with. */
const refusalReasons: Record<string, string> = {
  VoucherExpired: 'its voucher has expired',
  NothingToClaim: 'it is claimed already',
  InsufficientEscrow:
    "the job's escrow holds less than the voucher pays (it pays once the requester tops it up)",
  UnauthorizedSigner: "its voucher is not signed by the job's signer for this escrow",
  JobNotFound: 'the job is not funded on this chain',
  InvalidVolunteer: 'its voucher names no address',
  ECDSAInvalidSignature: 'its signature is malformed',
  ECDSAInvalidSignatureLength: 'its signature is malformed',
  ECDSAInvalidSignatureS: 'its signature is malformed',
}

/**
 * Claims every claimable, unexpired voucher of `volunteer` in one `claimMany` transaction. The
 * batch is simulated first: `claimMany` is all or nothing, so a voucher the escrow refuses (its
 * error names the job) is left out and the rest simulated again. Then `write` asks the wallet to
 * send it and the receipt is awaited. Nothing throws: the result is `confirmed` (with what was
 * paid) or `failed` (with a plain message; a declined transaction changes nothing).
 *
 * @example
 * const result = await claimVouchers({
 *   publicClient, vouchers: await store.list(), chainId, escrow, volunteer,
 *   write: (request) => writeContract(wagmi, request),
 *   onState: (state) => (claim = state),
 * })
 */
export async function claimVouchers(
  parameters: ClaimVouchersParameters,
): Promise<ClaimVouchersReturnType> {
  const { publicClient: client, escrow, volunteer, chainId, write, onState } = parameters
  const leftOut: LeftOutVoucher[] = []
  const emit = <state extends ClaimState>(state: state): state => {
    onState?.(state)
    return state
  }
  const failed = (message: string, hash?: Hash): ClaimVouchersReturnType =>
    emit({ status: 'failed', message, ...(hash && { hash }), leftOut })

  emit({ status: 'checking' })
  let batch: JobClaim[]
  try {
    batch = (await claimableVouchers(parameters)).filter((job) => job.claimable > 0n)
  } catch (error) {
    return failed(`Could not read your rewards from the chain: ${describeWalletError(error)}`)
  }
  if (!batch.length) return failed('There is nothing to claim.')

  let expected: bigint | undefined
  while (batch.length && expected === undefined) {
    try {
      expected = (await simulateContract(client, { ...claimManyCall(batch), account: volunteer }))
        .result
    } catch (error) {
      const refusal = refusalOf(error)
      if (!refusal) return failed(`Could not check the claim: ${describeWalletError(error)}`)
      const named = batch.find((job) => refusal.jobId?.toLowerCase() === job.jobId.toLowerCase())
      // An error naming no job of the batch (a malformed signature): try each voucher alone.
      const refused = named
        ? [{ job: named, reason: refusal.reason }]
        : await refusedOneByOne(client, escrow, volunteer, batch)
      if (!refused.length) return failed(`The escrow refuses the claim: ${refusal.reason}.`)
      for (const { job, reason } of refused)
        leftOut.push({ jobId: job.jobId, jobName: job.jobName, reason })
      batch = batch.filter((job) => !refused.some((r) => r.job === job))
    }
  }
  if (expected === undefined)
    return failed(
      `None of your vouchers can be claimed now: ${leftOut.map((l) => `${l.jobName}: ${l.reason}`).join('; ')}.`,
    )

  emit({ status: 'signing', amount: expected, jobs: batch, leftOut })
  let hash: Hash
  try {
    hash = await write({ ...claimManyCall(batch), account: volunteer, chainId })
  } catch (error) {
    return failed(describeWalletError(error))
  }
  emit({ status: 'pending', hash, amount: expected, jobs: batch, leftOut })

  try {
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success')
      return failed(
        'The claim transaction was reverted: nothing was paid and your vouchers are kept. Try again.',
        hash,
      )
    const paid = parseEventLogs({ abi: jobEscrowAbi, eventName: 'Claimed', logs: receipt.logs })
      .filter((log) => isAddressEqual(log.address, escrow))
      .filter((log) => isAddressEqual(log.args.volunteer, volunteer))
      .reduce((sum, log) => sum + log.args.amount, 0n)
    return emit({ status: 'confirmed', hash, amount: paid, jobs: batch, leftOut })
  } catch (error) {
    return failed(
      `The claim was sent but its confirmation could not be read: ${describeWalletError(error)}`,
      hash,
    )
  }

  function claimManyCall(jobs: readonly JobClaim[]) {
    return {
      address: escrow,
      abi: jobEscrowAbi,
      functionName: 'claimMany',
      args: [jobs.map(voucherOf), jobs.map((job) => job.voucher.signature)],
    } as const
  }
}

function voucherOf({ voucher }: JobClaim): Voucher {
  return {
    jobId: voucher.jobId,
    volunteer: voucher.volunteer,
    cumulativeAmount: BigInt(voucher.cumulativeAmount),
    deadline: BigInt(voucher.deadline),
  }
}

/** The escrow's custom error in a failed simulation, or `undefined` when it did not revert. */
function refusalOf(error: unknown): { jobId: Hex | undefined; reason: string } | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined
  const name = reverted.data?.errorName
  const first = reverted.data?.args?.[0]
  return {
    jobId: typeof first === 'string' && first.length === 66 ? (first as Hex) : undefined,
    reason: (name && refusalReasons[name]) ?? reverted.reason ?? reverted.shortMessage,
  }
}

/** Simulates `claim` for each voucher alone: the ones the escrow refuses, with why. */
async function refusedOneByOne(
  client: Client,
  escrow: Address,
  volunteer: Address,
  jobs: readonly JobClaim[],
): Promise<{ job: JobClaim; reason: string }[]> {
  const outcomes = await Promise.all(
    jobs.map((job) =>
      simulateContract(client, {
        address: escrow,
        abi: jobEscrowAbi,
        functionName: 'claim',
        args: [voucherOf(job), job.voucher.signature],
        account: volunteer,
      }).then(
        () => undefined,
        (error: unknown) => {
          const refusal = refusalOf(error)
          return refusal && { job, reason: refusal.reason }
        },
      ),
    ),
  )
  return outcomes.filter((outcome) => outcome !== undefined)
}
