import { recoverTypedDataAddress, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { voucherTypedData } from '../chain/voucherTypedData.ts'
import type { JobRewards } from './JobRecord.ts'
import { VoucherIssuer } from './VoucherIssuer.ts'

const signerKey = generatePrivateKey()
const alice = privateKeyToAccount(generatePrivateKey()).address
const bob = privateKeyToAccount(generatePrivateKey()).address
const domain = {
  name: 'JobEscrow',
  version: '1',
  chainId: 31337,
  verifyingContract: '0x00000000000000000000000000000000000000e5' as const,
}

function rewards(budget: bigint): JobRewards {
  return {
    chainId: 31337,
    escrow: domain.verifyingContract,
    chainJobId: `0x${'11'.repeat(32)}` as Hex,
    rewardPerUnit: '100',
    budget: String(budget),
    signerKey,
    voucherDeadline: 2_000_000_000,
    earned: {},
    boundPeers: {},
    unboundUnits: {},
  }
}

describe('VoucherIssuer', () => {
  test('credits bound peers cumulatively, persisting before it signs', async () => {
    const events: string[] = []
    const state = rewards(10_000n)
    const issuer = new VoucherIssuer(state, domain, async () => void events.push('persist'))
    await issuer.bind('peer-a', alice)
    await issuer.bind('peer-b', bob)
    await issuer.credit(['peer-a', 'peer-b', 'peer-anonymous'])
    const [voucher] = await issuer.credit(['peer-a'])
    expect(voucher).toMatchObject({ volunteer: alice, cumulativeAmount: '200' })
    expect(state.earned).toEqual({ [alice]: '200', [bob]: '100' })
    expect(events).toEqual(['persist', 'persist', 'persist', 'persist'])
    const signer = await recoverTypedDataAddress({
      ...voucherTypedData(domain, {
        jobId: voucher!.jobId,
        volunteer: voucher!.volunteer,
        cumulativeAmount: 200n,
        deadline: BigInt(voucher!.deadline),
      }),
      signature: voucher!.signature,
    })
    expect(signer).toBe(privateKeyToAccount(signerKey).address)
  })

  test('never promises more than the budget in all', async () => {
    const state = rewards(250n)
    const issuer = new VoucherIssuer(state, domain, async () => undefined)
    await issuer.bind('peer-a', alice)
    await issuer.bind('peer-b', bob)
    await issuer.credit(['peer-a', 'peer-b'])
    const last = await issuer.credit(['peer-a', 'peer-b'])
    expect(last).toEqual([expect.objectContaining({ volunteer: alice, cumulativeAmount: '150' })])
    expect(issuer.promised).toBe(250n)
    expect(await issuer.credit(['peer-b'])).toEqual([])
  })

  test('units accepted before a peer binds are paid when it binds', async () => {
    const state = rewards(10_000n)
    const issuer = new VoucherIssuer(state, domain, async () => undefined)
    expect(await issuer.credit(['peer-a'])).toEqual([])
    expect(await issuer.credit(['peer-a'])).toEqual([])
    expect(issuer.promised).toBe(0n)
    expect(await issuer.bind('peer-a', alice)).toMatchObject({ cumulativeAmount: '200' })
    const [next] = await issuer.credit(['peer-a'])
    expect(next).toMatchObject({ cumulativeAmount: '300' })
  })

  test('a rebinding address gets its latest voucher back', async () => {
    const state = rewards(10_000n)
    const issuer = new VoucherIssuer(state, domain, async () => undefined)
    await issuer.bind('peer-a', alice)
    await issuer.credit(['peer-a'])
    expect(await issuer.bind('peer-a2', alice)).toMatchObject({ cumulativeAmount: '100' })
    expect(await issuer.bind('peer-b', bob)).toBeUndefined()
  })
})
