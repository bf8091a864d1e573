import { connect, createConfig, mock } from '@wagmi/core'
import {
  createWalletClient,
  custom,
  decodeFunctionData,
  defineChain,
  http,
  parseEther,
  type Address,
  type Hash,
  type Hex,
} from 'viem'
import { anvil } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { jobEscrowAbi } from '../chain/abis.ts'
import type { TestWallet } from '../chain/testing/createTestChain.ts'
import { createEscrowFixture, type EscrowFixture } from '../chain/testing/escrowFixture.ts'
import { claimableVouchers } from './claimableVouchers.ts'
import { claimVouchers, type ClaimManyRequest, type ClaimState } from './claimVouchers.ts'
import type { StoredVoucher } from './StoredVoucher.ts'
import { walletClaimWriter } from './walletClaimWriter.ts'

// Claiming a volunteer's vouchers on a real chain, with a viem wallet client standing in for
// the injected wallet: one claimMany, refused vouchers left out, a declined transaction changes
// nothing.

let f: EscrowFixture
let requester: TestWallet

beforeAll(async () => {
  f = await createEscrowFixture()
  requester = await f.chain.newWallet()
  await f.giveTokens(requester.account.address, parseEther('1000'))
}, 60_000)

afterAll(async () => {
  await f?.chain.stop()
})

async function stored(
  jobId: Hex,
  volunteer: Address,
  amount: bigint,
  options: { deadlineIn?: number; jobName?: string; signature?: Hex } = {},
): Promise<StoredVoucher> {
  const voucher = await f.voucher(jobId, volunteer, amount, options.deadlineIn)
  return {
    chainId: f.domain.chainId,
    escrow: f.escrow,
    jobId,
    jobName: options.jobName ?? jobId.slice(0, 10),
    volunteer,
    cumulativeAmount: String(amount),
    deadline: Number(voucher.deadline),
    signature: options.signature ?? (await f.sign(voucher)),
    receivedAt: Date.now(),
  }
}

/** The wallet sends what it is asked, recording each request. */
function walletWriter(wallet: TestWallet, requests: ClaimManyRequest[] = []) {
  return async (request: ClaimManyRequest): Promise<Hash> => {
    requests.push(request)
    expect(request.account).toBe(wallet.account.address)
    expect(request.chainId).toBe(f.domain.chainId)
    return wallet.writeContract({ ...request, account: wallet.account, chain: wallet.chain })
  }
}

async function claim(
  volunteer: TestWallet,
  vouchers: StoredVoucher[],
  requests?: ClaimManyRequest[],
) {
  const states: ClaimState['status'][] = []
  const result = await claimVouchers({
    publicClient: f.chain.publicClient,
    vouchers,
    chainId: f.domain.chainId,
    escrow: f.escrow,
    volunteer: volunteer.account.address,
    write: walletWriter(volunteer, requests),
    onState: (state) => states.push(state.status),
  })
  return { result, states }
}

async function claimManyArgs(hash: Hash) {
  const tx = await f.chain.publicClient.getTransaction({ hash })
  const call = decodeFunctionData({ abi: jobEscrowAbi, data: tx.input })
  expect(call.functionName).toBe('claimMany')
  expect(tx.to?.toLowerCase()).toBe(f.escrow.toLowerCase())
  return call.args as readonly [readonly { jobId: Hex; cumulativeAmount: bigint }[], readonly Hex[]]
}

describe('claimVouchers', () => {
  test('claims everything claimable in one claimMany: the balance rises by exactly that; a second claim finds nothing', async () => {
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const a = await f.createJob({ requester, amount: parseEther('10') })
    const b = await f.createJob({ requester, amount: parseEther('10') })
    const c = await f.createJob({ requester, amount: parseEther('10') })
    // Job a: 1 token already claimed (by a third party, from an older voucher), 4 earned.
    const older = await stored(a.jobId, address, parseEther('1'))
    const olderVoucher = {
      jobId: a.jobId,
      volunteer: address,
      cumulativeAmount: parseEther('1'),
      deadline: BigInt(older.deadline),
    }
    await f.confirm(
      await f.chain.deployer.writeContract({
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claim',
        args: [olderVoucher, older.signature],
      }),
    )
    const vouchers = [
      await stored(a.jobId, address, parseEther('4')),
      await stored(b.jobId, address, parseEther('2.5')),
      await stored(c.jobId, address, 7n),
    ]
    const claimable = parseEther('3') + parseEther('2.5') + 7n
    const before = await f.balanceOf(address)
    const requests: ClaimManyRequest[] = []

    const { result, states } = await claim(volunteer, vouchers, requests)

    expect(result).toMatchObject({ status: 'confirmed', amount: claimable, leftOut: [] })
    expect(states).toEqual(['checking', 'signing', 'pending', 'confirmed'])
    expect(requests).toHaveLength(1)
    expect((await f.balanceOf(address)) - before).toBe(claimable)
    if (result.status !== 'confirmed') return
    const [sent] = await claimManyArgs(result.hash)
    expect(sent.map((v) => v.jobId).sort()).toEqual([a.jobId, b.jobId, c.jobId].sort())

    const after = await claimableVouchers({
      publicClient: f.chain.publicClient,
      vouchers,
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: address,
    })
    expect(after.map((job) => [job.claimable, job.claimed])).toEqual(
      after.map((job) => [0n, job.earned]),
    )
    const again = await claim(volunteer, vouchers, requests)
    expect(again.result).toEqual({
      status: 'failed',
      message: 'There is nothing to claim.',
      leftOut: [],
    })
    expect(requests).toHaveLength(1)
    expect((await f.balanceOf(address)) - before).toBe(claimable)
  }, 60_000)

  test('an expired voucher is left out of the transaction; the others are paid', async () => {
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const a = await f.createJob({ requester, amount: parseEther('10') })
    const b = await f.createJob({ requester, amount: parseEther('10') })
    const vouchers = [
      await stored(a.jobId, address, parseEther('1'), { deadlineIn: 30 }),
      await stored(b.jobId, address, parseEther('2'), { deadlineIn: 3600 }),
    ]
    await f.chain.advanceTime(60)

    const { result } = await claim(volunteer, vouchers)

    expect(result).toMatchObject({ status: 'confirmed', amount: parseEther('2') })
    expect(await f.balanceOf(address)).toBe(parseEther('2'))
    if (result.status !== 'confirmed') return
    const [sent] = await claimManyArgs(result.hash)
    expect(sent.map((v) => v.jobId)).toEqual([b.jobId])
  }, 60_000)

  test('vouchers the escrow refuses are dropped after the simulation and the rest are claimed', async () => {
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const good = await f.createJob({ requester, amount: parseEther('10') })
    const small = await f.createJob({ requester, amount: parseEther('1') })
    const forged = await f.createJob({ requester, amount: parseEther('10') })
    const malformed = await f.createJob({ requester, amount: parseEther('10') })
    const stranger = (await f.chain.newWallet()).account
    const forgedVoucher = await f.voucher(forged.jobId, address, parseEther('3'))
    const vouchers = [
      await stored(small.jobId, address, parseEther('2'), { jobName: 'small' }),
      await stored(forged.jobId, address, parseEther('3'), {
        jobName: 'forged',
        signature: await f.sign(forgedVoucher, { signer: stranger }),
      }),
      // A truncated signature: OpenZeppelin's error names no job.
      await stored(malformed.jobId, address, parseEther('4'), {
        jobName: 'malformed',
        signature: '0x1234',
      }),
      await stored(good.jobId, address, parseEther('5'), { jobName: 'good' }),
    ]

    const { result } = await claim(volunteer, vouchers)

    expect(result).toMatchObject({ status: 'confirmed', amount: parseEther('5') })
    expect(await f.balanceOf(address)).toBe(parseEther('5'))
    if (result.status !== 'confirmed') return
    expect(result.jobs.map((job) => job.jobName)).toEqual(['good'])
    expect(result.leftOut.map(({ jobName, reason }) => [jobName, reason]).sort()).toEqual([
      ['forged', "its voucher is not signed by the job's signer for this escrow"],
      ['malformed', 'its signature is malformed'],
      [
        'small',
        "the job's escrow holds less than the voucher pays (it pays once the requester tops it up)",
      ],
    ])
    const [sent] = await claimManyArgs(result.hash)
    expect(sent.map((v) => v.jobId)).toEqual([good.jobId])
  }, 60_000)

  test('a declined transaction leaves balances and claims as they were, with a plain message', async () => {
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const job = await f.createJob({ requester, amount: parseEther('10') })
    const vouchers = [await stored(job.jobId, address, parseEther('2'))]
    const escrowBefore = await f.balanceOf(f.escrow)
    // An injected wallet whose person clicks "Reject" (EIP-1193 error 4001).
    const declining = createWalletClient({
      account: address,
      chain: anvil,
      transport: custom({
        request: async ({ method }: { method: string }) => {
          if (method === 'eth_chainId') return '0x7a69'
          throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
        },
      }),
    })
    const states: ClaimState['status'][] = []

    const result = await claimVouchers({
      publicClient: f.chain.publicClient,
      vouchers,
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: address,
      write: (request) => declining.writeContract({ ...request, chain: anvil }),
      onState: (state) => states.push(state.status),
    })

    expect(result).toEqual({
      status: 'failed',
      message: 'You declined the request in your wallet. Nothing was changed.',
      leftOut: [],
    })
    expect(states).toEqual(['checking', 'signing', 'failed'])
    expect(await f.balanceOf(address)).toBe(0n)
    expect(await f.balanceOf(f.escrow)).toBe(escrowBefore)
    const [after] = await claimableVouchers({
      publicClient: f.chain.publicClient,
      vouchers,
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: address,
    })
    expect(after).toMatchObject({ claimed: 0n, claimable: parseEther('2') })
  }, 60_000)

  test("through wagmi (the page's writer): the connected wallet sends the claimMany", async () => {
    const volunteer = await f.chain.newWallet()
    const address = volunteer.account.address
    const job = await f.createJob({ requester, amount: parseEther('10') })
    const vouchers = [await stored(job.jobId, address, parseEther('3'))]
    // wagmi's mock connector forwards eth_sendTransaction to anvil, which signs for the
    // impersonated address as the wallet would.
    await f.chain.testClient.impersonateAccount({ address })
    const chain = defineChain({ ...anvil, rpcUrls: { default: { http: [f.chain.anvil.rpcUrl] } } })
    const wagmi = createConfig({
      chains: [chain],
      connectors: [mock({ accounts: [address] })],
      transports: { [anvil.id]: http(f.chain.anvil.rpcUrl) },
    })
    await connect(wagmi, { connector: wagmi.connectors[0]! })

    const result = await claimVouchers({
      publicClient: f.chain.publicClient,
      vouchers,
      chainId: f.domain.chainId,
      escrow: f.escrow,
      volunteer: address,
      write: walletClaimWriter(wagmi),
    })

    expect(result).toMatchObject({ status: 'confirmed', amount: parseEther('3') })
    expect(await f.balanceOf(address)).toBe(parseEther('3'))
    await f.chain.testClient.stopImpersonatingAccount({ address })
  }, 60_000)
})
