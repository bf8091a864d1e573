import { parseEther, parseEventLogs, zeroAddress, type Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faucetAbi } from './abis.ts'
import type { TestWallet } from './testing/createTestChain.ts'
import { expectRevert } from './testing/expectRevert.ts'
import { createEscrowFixture, oneToken, type EscrowFixture } from './testing/escrowFixture.ts'

// The local chain's faucet: a newcomer's empty wallet gets tokens and gas, once per period.

const day = 24n * 3600n
let f: EscrowFixture
let faucet: Address
let helper: TestWallet

beforeAll(async () => {
  f = await createEscrowFixture({
    faucet: {
      dripAmount: 1_000n * oneToken,
      nativeDripAmount: parseEther('1'),
      period: day,
      tokenFunding: 2_500n * oneToken,
      nativeFunding: parseEther('10'),
    },
  })
  faucet = f.chain.contracts.faucet!
  helper = await f.chain.newWallet()
}, 60_000)

afterAll(async () => {
  await f?.chain.stop()
})

const drip = (recipient: Address) =>
  f.chain.publicClient.simulateContract({
    account: helper.account,
    address: faucet,
    abi: faucetAbi,
    functionName: 'drip',
    args: [recipient],
  })

describe('Faucet', () => {
  it('gives an empty wallet tokens and gas, once per period', async () => {
    const newcomer = (await f.chain.newWallet('0')).account.address
    const { request } = await drip(newcomer)
    const receipt = await f.confirm(await helper.writeContract(request))
    expect(await f.balanceOf(newcomer)).toBe(1_000n * oneToken)
    expect(await f.chain.publicClient.getBalance({ address: newcomer })).toBe(parseEther('1'))
    const [dripped] = parseEventLogs({ abi: faucetAbi, eventName: 'Dripped', logs: receipt.logs })
    expect(dripped?.args).toEqual({
      recipient: newcomer,
      amount: 1_000n * oneToken,
      nativeAmount: parseEther('1'),
    })

    const { timestamp } = await f.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber })
    await expectRevert(drip(newcomer), 'FaucetCooldown', [newcomer, timestamp + day])
    await f.chain.advanceTime(Number(day))
    await f.confirm(await helper.writeContract((await drip(newcomer)).request))
    expect(await f.balanceOf(newcomer)).toBe(2_000n * oneToken)
  })

  it('refuses the zero address, and says when it runs dry', async () => {
    await expectRevert(drip(zeroAddress), 'InvalidRecipient')
    // 2,500 funded, 2,000 handed out above: 500 left, below one drip.
    await expectRevert(drip((await f.chain.newWallet('0')).account.address), 'FaucetEmpty')
  })
})
