import {
  getAddress,
  hashTypedData,
  keccak256,
  parseEventLogs,
  parseSignature,
  toHex,
  type Address,
  type Hex,
} from 'viem'
import { getEip712Domain } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeTokenAbi, jobEscrowAbi } from './abis.ts'
import { expectRevert } from './testing/expectRevert.ts'
import {
  createEscrowFixture,
  expectedJobId,
  oneToken,
  type EscrowFixture,
} from './testing/escrowFixture.ts'
import type { TestWallet } from './testing/createTestChain.ts'
import { voucherTypedData, type Voucher } from './voucherTypedData.ts'

// The happy path of JobEscrow on a real anvil: funding, cumulative claims, claimMany, refund after
// expiry plus grace, the result root. The refusals are in JobEscrow.attacks.test.ts.

let f: EscrowFixture
let requester: TestWallet

beforeAll(async () => {
  f = await createEscrowFixture()
  requester = await f.chain.newWallet()
  await f.giveTokens(requester.account.address, 1_000_000n * oneToken)
}, 60_000)

afterAll(async () => {
  await f?.chain.stop()
})

const escrowAbiWithTokenErrors = [
  ...jobEscrowAbi,
  ...computeTokenAbi.filter((item) => item.type === 'error'),
]

async function claim(wallet: TestWallet, voucher: Voucher, signature: Hex) {
  return f.confirm(
    await wallet.writeContract({
      address: f.escrow,
      abi: jobEscrowAbi,
      functionName: 'claim',
      args: [voucher, signature],
    }),
  )
}

function remaining(jobId: Hex): Promise<bigint> {
  return f.chain.publicClient.readContract({
    address: f.escrow,
    abi: jobEscrowAbi,
    functionName: 'remaining',
    args: [jobId],
  })
}

describe('JobEscrow, happy path', () => {
  it('publishes its EIP-712 domain and signs vouchers against it', async () => {
    expect(f.domain).toEqual({
      name: 'JobEscrow',
      version: '1',
      chainId: 31337,
      verifyingContract: getAddress(f.escrow),
    })
    const voucher = await f.voucher(keccak256(toHex('any job')), requester.account.address, 5n)
    const onChain = await f.chain.publicClient.readContract({
      address: f.escrow,
      abi: jobEscrowAbi,
      functionName: 'voucherDigest',
      args: [voucher],
    })
    expect(onChain).toBe(hashTypedData(voucherTypedData(f.domain, voucher)))
  })

  it('creates a job under the id derived from manifest, requester and nonce, and tops it up', async () => {
    const before = await f.balanceOf(f.escrow)
    const job = await f.createJob({ requester, amount: 600n * oneToken })
    const computed = await f.chain.publicClient.readContract({
      address: f.escrow,
      abi: jobEscrowAbi,
      functionName: 'jobIdOf',
      args: [job.manifestHash, requester.account.address, job.nonce],
    })
    expect(computed).toBe(job.jobId)
    const [created] = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: 'JobCreated',
      logs: job.receipt.logs,
    })
    expect(created?.args).toEqual({
      jobId: job.jobId,
      requester: requester.account.address,
      manifestHash: job.manifestHash,
      nonce: job.nonce,
      voucherSigner: f.host.address,
      amount: 600n * oneToken,
      expiry: job.expiry,
    })
    expect(
      await f.chain.publicClient.readContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'jobs',
        args: [job.jobId],
      }),
    ).toEqual({
      requester: requester.account.address,
      expiry: job.expiry,
      voucherSigner: f.host.address,
      remaining: 600n * oneToken,
      resultRoot: `0x${'0'.repeat(64)}`,
    })
    expect(await f.balanceOf(f.escrow)).toBe(before + 600n * oneToken)

    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: requester.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'createJob',
        args: [job.manifestHash, job.nonce, oneToken, job.expiry, f.host.address],
      }),
      'JobAlreadyExists',
      [job.jobId],
    )

    await f.confirm(
      await requester.writeContract({
        address: f.token,
        abi: computeTokenAbi,
        functionName: 'approve',
        args: [f.escrow, 100n * oneToken],
      }),
    )
    const receipt = await f.confirm(
      await requester.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'topUp',
        args: [job.jobId, 100n * oneToken],
      }),
    )
    const [toppedUp] = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: 'JobToppedUp',
      logs: receipt.logs,
    })
    expect(toppedUp?.args).toEqual({
      jobId: job.jobId,
      amount: 100n * oneToken,
      remaining: 700n * oneToken,
    })
    expect(await remaining(job.jobId)).toBe(700n * oneToken)
    expect(await f.balanceOf(f.escrow)).toBe(before + 700n * oneToken)
  })

  it('refuses malformed jobs with their own errors', async () => {
    const now = await f.chain.now()
    const simulate = (amount: bigint, expiry: bigint, signer: Address) =>
      f.chain.publicClient.simulateContract({
        account: requester.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'createJob',
        args: [keccak256(toHex('malformed')), 1n, amount, expiry, signer],
      })
    await expectRevert(simulate(0n, now + 3600n, f.host.address), 'ZeroAmount')
    await expectRevert(simulate(2n ** 96n, now + 3600n, f.host.address), 'AmountTooLarge', [
      2n ** 96n,
      2n ** 96n - 1n,
    ])
    await expectRevert(simulate(oneToken, now - 1n, f.host.address), 'ExpiryNotInFuture', [
      now - 1n,
    ])
    await expectRevert(
      simulate(oneToken, now + 3600n, '0x0000000000000000000000000000000000000000'),
      'InvalidVoucherSigner',
    )
  })

  it('creates a job with a permit, even when someone submitted the permit first', async () => {
    const tokenDomain = (await getEip712Domain(f.chain.publicClient, { address: f.token })).domain
    const signPermit = async (value: bigint) => {
      const nonce = await f.chain.publicClient.readContract({
        address: f.token,
        abi: computeTokenAbi,
        functionName: 'nonces',
        args: [requester.account.address],
      })
      const deadline = (await f.chain.now()) + 3600n
      const signature = await requester.account.signTypedData({
        domain: {
          name: tokenDomain.name,
          version: tokenDomain.version,
          chainId: Number(tokenDomain.chainId),
          verifyingContract: tokenDomain.verifyingContract,
        },
        types: {
          Permit: [
            { name: 'owner', type: 'address' },
            { name: 'spender', type: 'address' },
            { name: 'value', type: 'uint256' },
            { name: 'nonce', type: 'uint256' },
            { name: 'deadline', type: 'uint256' },
          ],
        },
        primaryType: 'Permit',
        message: { owner: requester.account.address, spender: f.escrow, value, nonce, deadline },
      })
      const { r, s, v } = parseSignature(signature)
      return { deadline, v: Number(v), r, s }
    }
    /** createJobWithPermit's arguments for a deposit of `amount` with a permit for `permitted`. */
    const withPermit = async (manifest: string, amount: bigint, permitted = amount) => {
      const permit = await signPermit(permitted)
      const manifestHash = keccak256(toHex(manifest))
      const expiry = (await f.chain.now()) + 3600n
      const args = [
        manifestHash,
        7n,
        amount,
        expiry,
        f.host.address,
        permit.deadline,
        permit.v,
        permit.r,
        permit.s,
      ] as const
      return { args, jobId: expectedJobId(manifestHash, requester.account.address, 7n), permit }
    }

    const first = await withPermit('permit job', 40n * oneToken)
    await f.confirm(
      await requester.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'createJobWithPermit',
        args: first.args,
      }),
    )
    expect(await remaining(first.jobId)).toBe(40n * oneToken)

    // A watcher of the mempool submits the permit itself; the requester's transaction still works.
    const second = await withPermit('front-run permit job', 30n * oneToken)
    const frontRunner = await f.chain.newWallet()
    await f.confirm(
      await frontRunner.writeContract({
        address: f.token,
        abi: computeTokenAbi,
        functionName: 'permit',
        args: [
          requester.account.address,
          f.escrow,
          30n * oneToken,
          second.permit.deadline,
          second.permit.v,
          second.permit.r,
          second.permit.s,
        ],
      }),
    )
    await f.confirm(
      await requester.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'createJobWithPermit',
        args: second.args,
      }),
    )
    expect(await remaining(second.jobId)).toBe(30n * oneToken)

    // A permit signed for another value fails to verify and grants nothing: the token refuses the
    // transfer (no approve was given beforehand for this escrow's remaining allowance).
    const mismatched = await withPermit('mismatched permit job', 6n * oneToken, 5n * oneToken)
    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: requester.account,
        address: f.escrow,
        abi: escrowAbiWithTokenErrors,
        functionName: 'createJobWithPermit',
        args: mismatched.args,
      }),
      'ERC20InsufficientAllowance',
    )
  })

  it('pays each cumulative voucher what it adds, to the volunteer', async () => {
    const job = await f.createJob({ requester, amount: 1_000n * oneToken })
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address

    const first = await f.voucher(job.jobId, address, 30n * oneToken)
    const receipt = await claim(volunteer, first, await f.sign(first))
    expect(await f.balanceOf(address)).toBe(30n * oneToken)
    const [claimed] = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: 'Claimed',
      logs: receipt.logs,
    })
    expect(claimed?.args).toEqual({
      jobId: job.jobId,
      volunteer: address,
      amount: 30n * oneToken,
      cumulativeAmount: 30n * oneToken,
    })

    const second = await f.voucher(job.jobId, address, 75n * oneToken)
    await claim(volunteer, second, await f.sign(second))
    expect(await f.balanceOf(address)).toBe(75n * oneToken)
    expect(
      await f.chain.publicClient.readContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claimed',
        args: [job.jobId, address],
      }),
    ).toBe(75n * oneToken)
    expect(await remaining(job.jobId)).toBe(925n * oneToken)
  })

  it('claimMany pays vouchers of several jobs and volunteers in one transaction', async () => {
    const jobA = await f.createJob({ requester, amount: 100n * oneToken })
    const jobB = await f.createJob({ requester, amount: 100n * oneToken })
    const [one, two] = [await f.chain.newWallet(), await f.chain.newWallet()]
    const vouchers = [
      await f.voucher(jobA.jobId, one.account.address, 40n * oneToken),
      await f.voucher(jobB.jobId, one.account.address, 60n * oneToken),
      await f.voucher(jobA.jobId, two.account.address, 25n * oneToken),
    ]
    const signatures = await Promise.all(vouchers.map((voucher) => f.sign(voucher)))
    const escrowBefore = await f.balanceOf(f.escrow)

    const receipt = await f.confirm(
      await one.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claimMany',
        args: [vouchers, signatures],
      }),
    )
    expect(await f.balanceOf(one.account.address)).toBe(100n * oneToken)
    expect(await f.balanceOf(two.account.address)).toBe(25n * oneToken)
    expect(await f.balanceOf(f.escrow)).toBe(escrowBefore - 125n * oneToken)
    expect(await remaining(jobA.jobId)).toBe(35n * oneToken)
    expect(await remaining(jobB.jobId)).toBe(40n * oneToken)
    expect(
      parseEventLogs({ abi: jobEscrowAbi, eventName: 'Claimed', logs: receipt.logs }),
    ).toHaveLength(3)
    // The two consecutive vouchers of the first volunteer are paid with one transfer.
    const transfers = parseEventLogs({
      abi: computeTokenAbi,
      eventName: 'Transfer',
      logs: receipt.logs,
    })
    expect(transfers.map(({ args }) => [args.to, args.value])).toEqual([
      [one.account.address, 100n * oneToken],
      [two.account.address, 25n * oneToken],
    ])

    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: one.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claimMany',
        args: [vouchers, signatures.slice(1)],
      }),
      'LengthMismatch',
      [3n, 2n],
    )
    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: one.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claimMany',
        args: [[], []],
      }),
      'EmptyBatch',
    )
  })

  it('lets vouchers be claimed during the grace period, then refunds the rest to the requester', async () => {
    const job = await f.createJob({ requester, amount: 500n * oneToken, expiresIn: 3600 })
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const longLived = 30 * 24 * 3600
    const early = await f.voucher(job.jobId, address, 100n * oneToken, longLived)
    await claim(volunteer, early, await f.sign(early))

    await f.chain.advanceTime(3600 + 60)
    const inGrace = await f.voucher(job.jobId, address, 150n * oneToken, longLived)
    await claim(volunteer, inGrace, await f.sign(inGrace))
    expect(await f.balanceOf(address)).toBe(150n * oneToken)

    await f.chain.advanceTime(Number(f.gracePeriod))
    const requesterBefore = await f.balanceOf(requester.account.address)
    const receipt = await f.confirm(
      await requester.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'refund',
        args: [job.jobId],
      }),
    )
    const [refunded] = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: 'Refunded',
      logs: receipt.logs,
    })
    expect(refunded?.args).toEqual({
      jobId: job.jobId,
      requester: requester.account.address,
      amount: 350n * oneToken,
    })
    expect(await f.balanceOf(requester.account.address)).toBe(requesterBefore + 350n * oneToken)
    expect(await remaining(job.jobId)).toBe(0n)

    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: requester.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'refund',
        args: [job.jobId],
      }),
      'NothingToRefund',
      [job.jobId],
    )
    const late = await f.voucher(job.jobId, address, 200n * oneToken, longLived)
    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: volunteer.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claim',
        args: [late, await f.sign(late)],
      }),
      'InsufficientEscrow',
      [job.jobId, 50n * oneToken, 0n],
    )
  })

  it('records the result root once, by the requester or the voucher signer only', async () => {
    const hostWallet = await f.chain.newWallet()
    const stranger = await f.chain.newWallet()
    const job = await f.createJob({
      requester,
      amount: oneToken,
      signer: hostWallet.account.address,
    })
    const root = keccak256(toHex('results'))
    const record = (wallet: TestWallet, jobId: Hex, value: Hex) =>
      f.chain.publicClient.simulateContract({
        account: wallet.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'recordResultRoot',
        args: [jobId, value],
      })

    await expectRevert(record(stranger, job.jobId, root), 'NotResultRecorder', [
      job.jobId,
      stranger.account.address,
    ])
    await expectRevert(record(hostWallet, job.jobId, `0x${'0'.repeat(64)}`), 'ZeroResultRoot')
    await expectRevert(record(hostWallet, keccak256(toHex('no such job')), root), 'JobNotFound')

    const { request } = await record(hostWallet, job.jobId, root)
    const receipt = await f.confirm(await hostWallet.writeContract(request))
    const [recorded] = parseEventLogs({
      abi: jobEscrowAbi,
      eventName: 'ResultRootRecorded',
      logs: receipt.logs,
    })
    expect(recorded?.args).toEqual({
      jobId: job.jobId,
      root,
      recordedBy: hostWallet.account.address,
    })
    const stored = await f.chain.publicClient.readContract({
      address: f.escrow,
      abi: jobEscrowAbi,
      functionName: 'jobs',
      args: [job.jobId],
    })
    expect(stored.resultRoot).toBe(root)

    await expectRevert(
      record(requester, job.jobId, keccak256(toHex('other results'))),
      'ResultRootAlreadyRecorded',
      [job.jobId, root],
    )
  })
})
