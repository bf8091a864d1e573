import { createConfig, http, type Config } from '@wagmi/core'
import { defineChain, type Chain } from 'viem'
import type { ChainConfig } from '../chain/chainConfig.ts'

/** The viem chain of a site's chain configuration. */
export function chainOf(config: ChainConfig): Chain {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  })
}

/**
 * wagmi (core, no React) for the site's one chain: wallets are found through EIP-6963 (every
 * injected wallet announces itself; none is assumed), reads go through the configured RPC.
 *
 * @example
 * const wagmi = createWalletConfig(chain)
 * const wallets = getConnectors(wagmi)
 */
export function createWalletConfig(chain: ChainConfig): Config {
  const viemChain = chainOf(chain)
  return createConfig({
    chains: [viemChain],
    connectors: [],
    multiInjectedProviderDiscovery: true,
    transports: { [viemChain.id]: http(chain.rpcUrl) },
  })
}
