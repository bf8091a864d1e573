/**
 * The chain half of `npm start` and `npm run dev`: the site's chain configuration (`/chain.json`).
 * With CHAIN_RPC_URL set it describes that network (CHAIN_ID, CHAIN_NAME, TOKEN_ADDRESS,
 * ESCROW_ADDRESS, TOKEN_SYMBOL, TOKEN_DECIMALS); otherwise it starts a local anvil node, deploys
 * the contracts with a faucet, and gives the demo accounts tokens. REWARDS=off runs the site
 * without rewards.
 */
import { createPublicClient, createWalletClient, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvil as anvilChain } from 'viem/chains'
import { computeTokenAbi } from '../src/chain/abis.ts'
import { chainConfigSchema, type ChainConfig } from '../src/chain/chainConfig.ts'
import { deployContracts } from '../src/chain/deployContracts.ts'
import { startAnvil } from '../src/chain/startAnvil.ts'

/** anvil's well-known development keys (its default mnemonic): for the local chain only. */
export const demoKeys: readonly Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
]

export type StartedChain = { config: ChainConfig; stop: () => Promise<void>; local: boolean }

const demoTokens = 10_000n * 10n ** 18n

export async function startChain(
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedChain | undefined> {
  if (env.REWARDS === 'off') return undefined
  if (env.CHAIN_RPC_URL) {
    const config = chainConfigSchema.parse({
      v: 1,
      chainId: Number(env.CHAIN_ID),
      chainName: env.CHAIN_NAME ?? `chain ${env.CHAIN_ID}`,
      rpcUrl: env.CHAIN_RPC_URL,
      token: env.TOKEN_ADDRESS,
      escrow: env.ESCROW_ADDRESS,
      tokenSymbol: env.TOKEN_SYMBOL ?? 'VCT',
      tokenDecimals: Number(env.TOKEN_DECIMALS ?? 18),
    })
    return { config, stop: async () => undefined, local: false }
  }
  const anvil = await startAnvil({ chainId: anvilChain.id })
  try {
    const chain = { ...anvilChain, rpcUrls: { default: { http: [anvil.rpcUrl] } } }
    const transport = http(anvil.rpcUrl)
    const publicClient = createPublicClient({ chain, transport })
    const deployer = createWalletClient({
      chain,
      transport,
      account: privateKeyToAccount(demoKeys[0]!),
    })
    const { token, escrow, faucet } = await deployContracts(deployer, publicClient, { faucet: {} })
    for (const key of demoKeys.slice(1)) {
      const hash = await deployer.writeContract({
        address: token,
        abi: computeTokenAbi,
        functionName: 'transfer',
        args: [privateKeyToAccount(key).address, demoTokens],
      })
      await publicClient.waitForTransactionReceipt({ hash })
    }
    const config = chainConfigSchema.parse({
      v: 1,
      chainId: anvilChain.id,
      chainName: 'Local anvil',
      rpcUrl: anvil.rpcUrl,
      token,
      escrow,
      faucet,
      tokenSymbol: 'VCT',
      tokenDecimals: 18,
    })
    return { config, stop: anvil.stop, local: true }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
