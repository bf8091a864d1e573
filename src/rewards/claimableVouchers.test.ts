import { parseEther, zeroAddress, type Address, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobEscrowAbi } from '../chain/abis.ts'
import { createEscrowFixture, type EscrowFixture } from '../chain/testing/escrowFixture.ts'
import { claimableVouchers } from './claimableVouchers.ts'
import type { StoredVoucher } from './StoredVoucher.ts'

// What a volunteer's stored vouchers are worth on a real chain: earned from the voucher,
// claimed from the escrow's `claimed` mapping, expiry from the chain's clock.

let f: EscrowFixture

beforeAll(async () => {
  f = await createEscrowFixture()
}, 60_000)

afterAll(async () => {
  await f?.chain.stop()
})

async function stored(
  jobId: Hex,
  jobName: string,
  volunteer: Address,
  amount: bigint,
  deadlineIn = 3600,
): Promise<StoredVoucher> {
  const voucher = await f.voucher(jobId, volunteer, amount, deadlineIn)
  return {
    chainId: f.domain.chainId,
    escrow: f.escrow,
    jobId,
    jobName,
    volunteer,
    cumulativeAmount: String(amount),
    deadline: Number(voucher.deadline),
    signature: await f.sign(voucher),
    receivedAt: Date.now(),
  }
}

describe('claimableVouchers', () => {
  test('per job: earned from the newest voucher, claimed from the chain, claimable the difference; expired ones claim nothing', async () => {
    const requester = await f.chain.newWallet()
    const volunteer = (await f.chain.newWallet()).account.address
    const other = (await f.chain.newWallet()).account.address
    await f.giveTokens(requester.account.address, parseEther('100'))
    const beta = await f.createJob({ requester, amount: parseEther('10') })
    const alpha = await f.createJob({ requester, amount: parseEther('10') })
    const gamma = await f.createJob({ requester, amount: parseEther('10') })

    // Alpha: 1 token claimed on chain from an older voucher, 3 earned in all.
    const older = await stored(alpha.jobId, 'alpha', volunteer, parseEther('1'))
    await f.confirm(
      await f.chain.deployer.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claim',
        args: [
          {
            jobId: older.jobId,
            volunteer,
            cumulativeAmount: parseEther('1'),
            deadline: BigInt(older.deadline),
          },
          older.signature,
        ],
      }),
    )
    const vouchers = [
      older,
      await stored(alpha.jobId, 'alpha', volunteer, parseEther('3')),
      await stored(beta.jobId, 'beta', volunteer, parseEther('2')),
      await stored(gamma.jobId, 'gamma', volunteer, parseEther('4'), 30),
      // Not this volunteer's, escrow's or chain's: ignored.
      await stored(beta.jobId, 'beta', other, parseEther('5')),
      { ...(await stored(beta.jobId, 'beta', volunteer, parseEther('6'))), escrow: zeroAddress },
      { ...(await stored(beta.jobId, 'beta', volunteer, parseEther('7'))), chainId: 1 },
    ]
    await f.chain.advanceTime(60)

    const jobs = await claimableVouchers({
      publicClient: f.chain.publicClient,
      vouchers,
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: volunteer.toLowerCase() as Address,
    })
    expect(
      jobs.map(({ jobId, jobName, earned, claimed, claimable, expired }) => ({
        jobId,
        jobName,
        earned,
        claimed,
        claimable,
        expired,
      })),
    ).toEqual([
      {
        jobId: alpha.jobId,
        jobName: 'alpha',
        earned: parseEther('3'),
        claimed: parseEther('1'),
        claimable: parseEther('2'),
        expired: false,
      },
      {
        jobId: beta.jobId,
        jobName: 'beta',
        earned: parseEther('2'),
        claimed: 0n,
        claimable: parseEther('2'),
        expired: false,
      },
      {
        jobId: gamma.jobId,
        jobName: 'gamma',
        earned: parseEther('4'),
        claimed: 0n,
        claimable: 0n,
        expired: true,
      },
    ])
    expect(jobs[0]!.voucher).toBe(vouchers[1])
  }, 60_000)

  test('no vouchers held: no jobs', async () => {
    const jobs = await claimableVouchers({
      publicClient: f.chain.publicClient,
      vouchers: [],
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: (await f.chain.newWallet()).account.address,
    })
    expect(jobs).toEqual([])
  })
})
