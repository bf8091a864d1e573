import {
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  hashTypedData,
  keccak256,
  numberToHex,
  parseSignature,
  sliceHex,
  toFunctionSelector,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobEscrowAbi, reentrantTokenAbi } from './abis.ts'
import { readVoucherDomain } from './readVoucherDomain.ts'
import type { TestWallet } from './testing/createTestChain.ts'
import { expectRevert } from './testing/expectRevert.ts'
import { createEscrowFixture, oneToken, type EscrowFixture } from './testing/escrowFixture.ts'
import { voucherTypedData, type Voucher } from './voucherTypedData.ts'

// Every way a voucher or a refund can be abused, each refused by the contract with its own error,
// on a real anvil. The happy path is in JobEscrow.test.ts.

/** Order of the secp256k1 group (SEC 2, section 2.4.1). */
const secp256k1N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

let f: EscrowFixture
let requester: TestWallet
let volunteer: TestWallet

beforeAll(async () => {
  f = await createEscrowFixture()
  requester = await f.chain.newWallet()
  volunteer = await f.chain.newWallet()
  await f.giveTokens(requester.account.address, 1_000_000n * oneToken)
}, 60_000)

afterAll(async () => {
  await f?.chain.stop()
})

function simulateClaim(
  voucher: Voucher,
  signature: Hex,
  options: { from?: TestWallet; escrow?: Address } = {},
) {
  return f.chain.publicClient.simulateContract({
    account: (options.from ?? volunteer).account,
    address: options.escrow ?? f.escrow,
    abi: jobEscrowAbi,
    functionName: 'claim',
    args: [voucher, signature],
  })
}

async function claim(voucher: Voucher, signature: Hex, from: TestWallet = volunteer) {
  const { request } = await simulateClaim(voucher, signature, { from })
  return f.confirm(await from.writeContract(request))
}

describe('JobEscrow refuses', () => {
  it('a voucher signed for another chain', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const voucher = await f.voucher(jobId, volunteer.account.address, 10n * oneToken)
    const signature = await f.sign(voucher, { domain: { ...f.domain, chainId: 1 } })
    const error = await expectRevert(simulateClaim(voucher, signature), 'UnauthorizedSigner')
    expect(error.data?.args?.[0]).toBe(jobId)
    expect(error.data?.args?.[1]).not.toBe(f.host.address)
  })

  it('a voucher signed for another escrow contract, for the very same job id and signer', async () => {
    const other = await f.chain.deploy('JobEscrow', jobEscrowAbi, [f.token, f.gracePeriod])
    const manifestHash = keccak256(toHex('twin job'))
    const { jobId } = await f.createJob({
      requester,
      amount: 100n * oneToken,
      manifestHash,
      nonce: 99n,
    })
    const twin = await f.createJob({
      requester,
      amount: 100n * oneToken,
      manifestHash,
      nonce: 99n,
      escrow: other,
    })
    expect(twin.jobId).toBe(jobId)

    const otherDomain = await readVoucherDomain(f.chain.publicClient, other)
    const voucher = await f.voucher(jobId, volunteer.account.address, 10n * oneToken)
    const signature = await f.sign(voucher, { domain: otherDomain })
    await expectRevert(simulateClaim(voucher, signature), 'UnauthorizedSigner')
    // The same signature is good where it was meant to be used.
    await simulateClaim(voucher, signature, { escrow: other })
  })

  it('a malleated (high-s) signature, although raw ecrecover accepts it', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const voucher = await f.voucher(jobId, volunteer.account.address, 10n * oneToken)
    const { r, s, yParity } = parseSignature(await f.sign(voucher))
    const highS = secp256k1N - BigInt(s)
    const flippedV = yParity === 0 ? 28 : 27
    const malleated = concat([
      r,
      numberToHex(highS, { size: 32 }),
      numberToHex(flippedV, { size: 1 }),
    ])

    // The ecrecover precompile (address 1) still recovers the host from it.
    const digest = hashTypedData(voucherTypedData(f.domain, voucher))
    const { data } = await f.chain.publicClient.call({
      to: '0x0000000000000000000000000000000000000001',
      data: encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint8' }, { type: 'bytes32' }, { type: 'uint256' }],
        [digest, flippedV, r, highS],
      ),
    })
    expect(data && sliceHex(data, 12).toLowerCase()).toBe(f.host.address.toLowerCase())

    await expectRevert(simulateClaim(voucher, malleated), 'ECDSAInvalidSignatureS', [
      numberToHex(highS, { size: 32 }),
    ])
  })

  it('a voucher above what remains in escrow', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const tooMuch = await f.voucher(jobId, volunteer.account.address, 101n * oneToken)
    await expectRevert(simulateClaim(tooMuch, await f.sign(tooMuch)), 'InsufficientEscrow', [
      jobId,
      101n * oneToken,
      100n * oneToken,
    ])

    // After another volunteer's claim, what remains is the limit.
    const other = await f.chain.newWallet()
    const theirs = await f.voucher(jobId, other.account.address, 60n * oneToken)
    await claim(theirs, await f.sign(theirs), other)
    const ours = await f.voucher(jobId, volunteer.account.address, 41n * oneToken)
    await expectRevert(simulateClaim(ours, await f.sign(ours)), 'InsufficientEscrow', [
      jobId,
      41n * oneToken,
      40n * oneToken,
    ])
  })

  it('a double claim, and an older voucher after a newer one: a replay gains nothing', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const address = volunteer.account.address
    const older = await f.voucher(jobId, address, 30n * oneToken)
    const newer = await f.voucher(jobId, address, 50n * oneToken)
    const olderSignature = await f.sign(older)
    const newerSignature = await f.sign(newer)
    const before = await f.balanceOf(address)
    await claim(newer, newerSignature)
    expect(await f.balanceOf(address)).toBe(before + 50n * oneToken)

    await expectRevert(simulateClaim(newer, newerSignature), 'NothingToClaim', [
      jobId,
      address,
      50n * oneToken,
      50n * oneToken,
    ])
    await expectRevert(simulateClaim(older, olderSignature), 'NothingToClaim', [
      jobId,
      address,
      30n * oneToken,
      50n * oneToken,
    ])
    expect(await f.balanceOf(address)).toBe(before + 50n * oneToken)
  })

  it('a claim after the voucher deadline', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const voucher = await f.voucher(jobId, volunteer.account.address, 10n * oneToken, 60)
    const signature = await f.sign(voucher)
    await simulateClaim(voucher, signature)
    await f.chain.advanceTime(120)
    await expectRevert(simulateClaim(voucher, signature), 'VoucherExpired', [
      jobId,
      voucher.deadline,
    ])
  })

  it('a refund before expiry plus grace, and a refund by anyone but the requester', async () => {
    const { jobId, expiry } = await f.createJob({
      requester,
      amount: 100n * oneToken,
      expiresIn: 3600,
    })
    const refund = (from: TestWallet) =>
      f.chain.publicClient.simulateContract({
        account: from.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'refund',
        args: [jobId],
      })
    const availableAt = expiry + f.gracePeriod
    await expectRevert(refund(requester), 'RefundTooEarly', [jobId, availableAt])
    await f.chain.advanceTime(3600 + 60)
    await expectRevert(refund(requester), 'RefundTooEarly', [jobId, availableAt])
    await f.chain.advanceTime(Number(f.gracePeriod))
    await expectRevert(refund(volunteer), 'NotRequester', [jobId, volunteer.account.address])
    await refund(requester)
  })

  it('a voucher signed by anyone but the job voucher signer, altered after signing, or for nobody', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const impostor = privateKeyToAccount(generatePrivateKey())
    const voucher = await f.voucher(jobId, volunteer.account.address, 10n * oneToken)
    await expectRevert(
      simulateClaim(voucher, await f.sign(voucher, { signer: impostor })),
      'UnauthorizedSigner',
      [jobId, impostor.address],
    )
    const inflated = { ...voucher, cumulativeAmount: 90n * oneToken }
    await expectRevert(simulateClaim(inflated, await f.sign(voucher)), 'UnauthorizedSigner')
    const redirected = { ...voucher, volunteer: impostor.address }
    await expectRevert(simulateClaim(redirected, await f.sign(voucher)), 'UnauthorizedSigner')
    const nobody = { ...voucher, volunteer: zeroAddress }
    await expectRevert(simulateClaim(nobody, await f.sign(nobody)), 'InvalidVolunteer', [jobId])
    const unknown = { ...voucher, jobId: keccak256(toHex('no such job')) }
    await expectRevert(simulateClaim(unknown, await f.sign(unknown)), 'JobNotFound', [
      unknown.jobId,
    ])
  })

  it('a whole claimMany batch when one voucher in it is bad, naming that voucher job', async () => {
    const good = await f.createJob({ requester, amount: 100n * oneToken })
    const bad = await f.createJob({ requester, amount: 5n * oneToken })
    const address = volunteer.account.address
    const vouchers = [
      await f.voucher(good.jobId, address, 10n * oneToken),
      await f.voucher(bad.jobId, address, 10n * oneToken),
    ]
    const signatures = await Promise.all(vouchers.map((voucher) => f.sign(voucher)))
    const before = await f.balanceOf(address)
    await expectRevert(
      f.chain.publicClient.simulateContract({
        account: volunteer.account,
        address: f.escrow,
        abi: jobEscrowAbi,
        functionName: 'claimMany',
        args: [vouchers, signatures],
      }),
      'InsufficientEscrow',
      [bad.jobId, 10n * oneToken, 5n * oneToken],
    )
    expect(await f.balanceOf(address)).toBe(before)
  })
})

describe('JobEscrow pays the voucher volunteer', () => {
  it('whoever submits the claim', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken })
    const relayer = await f.chain.newWallet()
    const address = volunteer.account.address
    const voucher = await f.voucher(jobId, address, 12n * oneToken)
    const before = await f.balanceOf(address)
    await claim(voucher, await f.sign(voucher), relayer)
    expect(await f.balanceOf(address)).toBe(before + 12n * oneToken)
    expect(await f.balanceOf(relayer.account.address)).toBe(0n)
  })
})

describe('JobEscrow on a token that re-enters it on transfer', () => {
  let token: Address
  let escrow: Address

  beforeAll(async () => {
    token = await f.chain.deploy('ReentrantToken', reentrantTokenAbi, [1_000_000n * oneToken])
    escrow = await f.chain.deploy('JobEscrow', jobEscrowAbi, [token, f.gracePeriod])
    await f.giveTokens(requester.account.address, 1_000n * oneToken, token)
  })

  const arm = async (payload: Hex, bubble: boolean) => {
    await f.confirm(
      await f.chain.deployer.writeContract({
        address: token,
        abi: reentrantTokenAbi,
        functionName: 'arm',
        args: [escrow, payload, bubble],
      }),
    )
  }

  it('refuses the reentrant call, so a claim cannot pay twice', async () => {
    const { jobId } = await f.createJob({ requester, amount: 100n * oneToken, escrow, token })
    const domain = await readVoucherDomain(f.chain.publicClient, escrow)
    const address = volunteer.account.address
    const voucher = await f.voucher(jobId, address, 30n * oneToken)
    const signature = await f.sign(voucher, { domain })
    const replay = encodeFunctionData({
      abi: jobEscrowAbi,
      functionName: 'claim',
      args: [voucher, signature],
    })

    // The token passes the escrow's refusal up: the whole claim reverts with it.
    await arm(replay, true)
    await expectRevert(
      simulateClaim(voucher, signature, { escrow }),
      'ReentrancyGuardReentrantCall',
    )

    // The token swallows the refusal: the claim goes through, paid exactly once.
    await arm(replay, false)
    const { request } = await simulateClaim(voucher, signature, { escrow })
    await f.confirm(await volunteer.writeContract(request))
    expect(await f.balanceOf(address, token)).toBe(30n * oneToken)
    const read = <name extends 'lastReentrySucceeded' | 'lastRevert'>(functionName: name) =>
      f.chain.publicClient.readContract({ address: token, abi: reentrantTokenAbi, functionName })
    expect(await read('lastReentrySucceeded')).toBe(false)
    expect(await read('lastRevert')).toBe(toFunctionSelector('ReentrancyGuardReentrantCall()'))
    expect(
      await f.chain.publicClient.readContract({
        address: escrow,
        abi: jobEscrowAbi,
        functionName: 'remaining',
        args: [jobId],
      }),
    ).toBe(70n * oneToken)
  })
})
