// @vitest-environment node
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseUnits } from 'viem'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hostRewardsOf, type HostRewardsParameters } from './hostRewards.ts'
import { UsageError } from './UsageError.ts'

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const chainEnv = {
  CHAIN_RPC_URL: 'http://127.0.0.1:8545',
  CHAIN_ID: '31337',
  TOKEN_ADDRESS: `0x${'1'.repeat(40)}`,
  ESCROW_ADDRESS: `0x${'2'.repeat(40)}`,
}

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'host-rewards-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function parameters(overrides: Partial<HostRewardsParameters> = {}): HostRewardsParameters {
  return {
    rewardPerUnit: '0.5',
    keyFile: undefined,
    chain: undefined,
    site: undefined,
    fundingDays: undefined,
    signalingUrl: 'http://127.0.0.1:9000',
    env: { REQUESTER_WALLET_KEY: key, ...chainEnv },
    fetch: () => Promise.reject(new Error('no network in this test')),
    ...overrides,
  }
}

async function usageError(overrides: Partial<HostRewardsParameters>): Promise<string> {
  const error = await hostRewardsOf(parameters(overrides)).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(UsageError)
  return (error as UsageError).shortMessage
}

describe('hostRewardsOf', () => {
  it('is off without --reward-per-unit, and refuses reward flags without it', async () => {
    expect(await hostRewardsOf(parameters({ rewardPerUnit: undefined }))).toBeUndefined()
    expect(await usageError({ rewardPerUnit: undefined, chain: 'x.json' })).toMatch(
      /go with --reward-per-unit/,
    )
  })

  it('takes the key from REQUESTER_WALLET_KEY and the chain from the CHAIN_* variables', async () => {
    const rewards = await hostRewardsOf(parameters())
    expect(rewards?.rewardPerUnit).toBe(parseUnits('0.5', 18))
    expect(rewards?.chain).toMatchObject({ chainId: 31337, rpcUrl: chainEnv.CHAIN_RPC_URL })
    expect(rewards?.domains).toEqual(['127.0.0.1:5173'])
    expect(rewards?.durationSeconds).toBe(7 * 86_400)
  })

  it('reads a key file only its owner may read, and an app chain.json', async () => {
    const keyFile = path.join(dir, 'requester.key')
    await writeFile(keyFile, `${key}\n`, { mode: 0o644 })
    await chmod(keyFile, 0o644)
    const open = await usageError({ keyFile, env: chainEnv })
    expect(open).toMatch(/may be read by others \(mode 0644\).*chmod 600/)
    await chmod(keyFile, 0o600)
    const served: string[] = []
    const rewards = await hostRewardsOf(
      parameters({
        keyFile,
        env: {},
        site: 'http://app.example:8080',
        fetch: async (url) => {
          served.push(String(url))
          return Response.json({
            v: 1,
            chainId: 5,
            chainName: 'test',
            rpcUrl: 'http://rpc.example',
            token: chainEnv.TOKEN_ADDRESS,
            escrow: chainEnv.ESCROW_ADDRESS,
            tokenSymbol: 'T6',
            tokenDecimals: 6,
          })
        },
      }),
    )
    expect(served).toEqual(['http://app.example:8080/chain.json'])
    expect(rewards?.privateKey).toBe(key)
    expect(rewards?.rewardPerUnit).toBe(500_000n)
    expect(rewards?.domains).toEqual(['app.example:8080'])
  })

  it('says what is wrong with a key, an amount or the chain, never quoting the key', async () => {
    expect(await usageError({ env: chainEnv })).toMatch(/REQUESTER_WALLET_KEY or give --key-file/)
    const bad = await usageError({ env: { ...chainEnv, REQUESTER_WALLET_KEY: `${key}ff` } })
    expect(bad).toMatch(/REQUESTER_WALLET_KEY must be a private key in hex.*66 digits/)
    expect(bad).not.toContain(key.slice(2, 20))
    expect(await usageError({ rewardPerUnit: '1e3' })).toMatch(/number of tokens/)
    expect(await usageError({ rewardPerUnit: '0' })).toMatch(/more than 0/)
    expect(await usageError({ rewardPerUnit: '0.0000000000000000001' })).toMatch(/19 decimals/)
    expect(await usageError({ fundingDays: '-1' })).toMatch(/--funding-days/)
    expect(
      await usageError({ env: { REQUESTER_WALLET_KEY: key, CHAIN_RPC_URL: 'http://x' } }),
    ).toMatch(/not CHAIN_ID, TOKEN_ADDRESS, ESCROW_ADDRESS/)
    expect(await usageError({ env: { REQUESTER_WALLET_KEY: key } })).toMatch(
      /no chain settings: cannot read http:\/\/127\.0\.0\.1:5173\/chain\.json/,
    )
  })
})
