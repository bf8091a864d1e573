import type { Address } from 'viem'
import { z } from 'zod'

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'Use a 0x-prefixed 20-byte address.')
  .transform((value) => value as Address)

/**
 * Where the rewards live: the chain, an RPC endpoint the app reads it through, and the contract
 * addresses. `npm start` writes it for the local anvil chain; an operator writes it for any EVM
 * network (README, "Rewards on another network"). The EIP-712 domain is never part of it: the
 * app reads it from the escrow contract.
 */
export const chainConfigSchema = z.strictObject({
  v: z.literal(1),
  chainId: z.int().min(1),
  chainName: z.string().min(1).max(60),
  rpcUrl: z.url(),
  token: address,
  escrow: address,
  /** The local chain's faucet, so a newcomer can try everything; absent elsewhere. */
  faucet: address.optional(),
  /** Token symbol and decimals, for showing amounts. */
  tokenSymbol: z.string().min(1).max(12),
  tokenDecimals: z.int().min(0).max(36),
})
export type ChainConfig = z.output<typeof chainConfigSchema>

/** Where the app finds its chain configuration, beside its pages. */
export const chainConfigPath = '/chain.json'

/**
 * The site's chain configuration, or `undefined` when the site runs without rewards (no
 * `/chain.json`). A file that is there but malformed is an error, not a silent "no rewards".
 *
 * @example
 * const chain = await loadChainConfig()
 */
export async function loadChainConfig(
  fetchConfig: () => Promise<Response> = () => fetch(chainConfigPath, { cache: 'no-store' }),
): Promise<ChainConfig | undefined> {
  const response = await fetchConfig()
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`Could not load ${chainConfigPath}: HTTP ${response.status}`)
  const parsed = chainConfigSchema.safeParse(await response.json())
  if (!parsed.success)
    throw new Error(
      `${chainConfigPath} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}
