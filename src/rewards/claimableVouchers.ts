import { isAddressEqual, type Address, type Client, type Hex } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { jobEscrowAbi } from '../chain/abis.ts'
import type { StoredVoucher } from './StoredVoucher.ts'

export type ClaimableVouchersParameters = {
  /** Reads the site's chain. */
  publicClient: Client
  /** Every stored voucher; those of other chains, escrows or addresses are ignored. */
  vouchers: readonly StoredVoucher[]
  chainId: number
  escrow: Address
  volunteer: Address
}

/** One job's rewards for one address, as the chain sees them now. */
export type JobClaim = {
  jobId: Hex
  jobName: string
  /** The newest voucher held for the job. */
  voucher: StoredVoucher
  /** The voucher's cumulative amount: everything earned on the job (base units). */
  earned: bigint
  /** What the escrow has paid this address on the job (`claimed(jobId, volunteer)`). */
  claimed: bigint
  /** What a claim would pay now: `earned − claimed`, or nothing once the voucher expired. */
  claimable: bigint
  /** The voucher's deadline has passed: what it did not claim is lost. */
  expired: boolean
}

export type ClaimableVouchersReturnType = JobClaim[]

/**
 * Per job, what a volunteer earned, has claimed and can claim now, from its stored vouchers and
 * the escrow's `claimed` mapping. A voucher counts as expired once the latest block's time
 * reaches its deadline: the claim would land in a later block, whose time is past it.
 * Sorted by job name.
 *
 * @example
 * const jobs = await claimableVouchers({ publicClient, vouchers: await store.list(), chainId, escrow, volunteer })
 * const total = jobs.reduce((sum, job) => sum + job.claimable, 0n)
 */
export async function claimableVouchers(
  parameters: ClaimableVouchersParameters,
): Promise<ClaimableVouchersReturnType> {
  const { publicClient: client, chainId, escrow, volunteer } = parameters
  const newest = new Map<string, StoredVoucher>()
  for (const voucher of parameters.vouchers) {
    if (
      voucher.chainId !== chainId ||
      !isAddressEqual(voucher.escrow, escrow) ||
      !isAddressEqual(voucher.volunteer, volunteer)
    )
      continue
    const key = voucher.jobId.toLowerCase()
    const held = newest.get(key)
    if (!held || BigInt(held.cumulativeAmount) < BigInt(voucher.cumulativeAmount))
      newest.set(key, voucher)
  }
  const held = [...newest.values()]
  if (!held.length) return []

  const [block, ...claimed] = await Promise.all([
    getBlock(client),
    ...held.map((voucher) =>
      readContract(client, {
        address: escrow,
        abi: jobEscrowAbi,
        functionName: 'claimed',
        args: [voucher.jobId, voucher.volunteer],
      }),
    ),
  ])
  return held
    .map((voucher, index): JobClaim => {
      const earned = BigInt(voucher.cumulativeAmount)
      const paid = claimed[index] ?? 0n
      const expired = BigInt(voucher.deadline) <= block.timestamp
      return {
        jobId: voucher.jobId,
        jobName: voucher.jobName,
        voucher,
        earned,
        claimed: paid,
        claimable: expired || earned <= paid ? 0n : earned - paid,
        expired,
      }
    })
    .sort((a, b) => a.jobName.localeCompare(b.jobName) || a.jobId.localeCompare(b.jobId))
}
