import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { computeTokenAbi, jobEscrowAbi } from '../chain/abis.ts'
import type { ChainConfig } from '../chain/chainConfig.ts'
import { readVoucherDomain } from '../chain/readVoucherDomain.ts'
import { createTestChain, type TestChain } from '../chain/testing/createTestChain.ts'
import { VoucherIssuer } from '../jobs/VoucherIssuer.ts'
import { validateManifest } from '../tasks/validateManifest.ts'
import { fundJob, jobCost } from './fundJob.ts'

// The rewards path on a real chain: a requester funds a job with a permit and one
// transaction, the host's issuer signs cumulative vouchers, a volunteer claims them.

let chain: TestChain

beforeAll(async () => {
  chain = await createTestChain()
}, 60_000)

afterAll(async () => {
  await chain?.stop()
})

const manifest = validateManifest({
  manifestVersion: 1,
  name: 'funded job',
  kernels: [{ kind: 'wasm', sha256: 'a'.repeat(64) }],
  units: { mode: 'count', unitCount: 10 },
  output: { bytesPerUnit: 4 },
  replication: { quorum: 2 },
})

describe('fundJob', () => {
  test('funds the escrow for reward × units × quorum, and its vouchers pay volunteers', async () => {
    const requester = await chain.newWallet()
    const volunteer = await chain.newWallet()
    const rewardPerUnit = parseEther('0.5')
    const cost = jobCost(manifest, 10, rewardPerUnit)
    expect(cost).toBe(parseEther('10'))
    const { token, escrow } = chain.contracts
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.deployer.writeContract({
        address: token,
        abi: computeTokenAbi,
        functionName: 'transfer',
        args: [requester.account.address, cost],
      }),
    })
    const config: ChainConfig = {
      v: 1,
      chainId: chain.publicClient.chain!.id,
      chainName: 'test',
      rpcUrl: chain.anvil.rpcUrl,
      token,
      escrow,
      tokenSymbol: 'VCT',
      tokenDecimals: 18,
    }
    const rewards = await fundJob({
      chain: config,
      publicClient: chain.publicClient,
      requester: requester.account.address,
      manifest,
      unitsTotal: 10,
      rewardPerUnit,
      durationSeconds: 86_400,
      signTypedData: (typedData) => requester.account.signTypedData(typedData),
      writeContract: (call) => requester.writeContract(call),
    })
    const remaining = await chain.publicClient.readContract({
      address: escrow,
      abi: jobEscrowAbi,
      functionName: 'remaining',
      args: [rewards.chainJobId],
    })
    expect(remaining).toBe(cost)

    const issuer = new VoucherIssuer(
      rewards,
      await readVoucherDomain(chain.publicClient, escrow),
      async () => undefined,
    )
    await issuer.bind('peer', volunteer.account.address)
    await issuer.credit(['peer'])
    await issuer.credit(['peer'])
    const [voucher] = await issuer.credit(['peer'])
    await chain.publicClient.waitForTransactionReceipt({
      hash: await volunteer.writeContract({
        address: escrow,
        abi: jobEscrowAbi,
        functionName: 'claim',
        args: [
          {
            jobId: voucher!.jobId,
            volunteer: voucher!.volunteer,
            cumulativeAmount: BigInt(voucher!.cumulativeAmount),
            deadline: BigInt(voucher!.deadline),
          },
          voucher!.signature,
        ],
      }),
    })
    const balance = await chain.publicClient.readContract({
      address: token,
      abi: computeTokenAbi,
      functionName: 'balanceOf',
      args: [volunteer.account.address],
    })
    expect(balance).toBe(3n * rewardPerUnit)
  }, 60_000)
})
