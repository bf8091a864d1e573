import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test'
import { createPublicClient, createTestClient, http, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { computeTokenAbi } from '../../src/chain/abis.ts'
import { injectWallet, type InjectedWalletOptions } from '../support/injectedWallet.ts'

/** The site's chain, as `/chain.json` describes the anvil chain `npm start` launched. */
export type ChainJson = { rpcUrl: string; chainId: number; token: Address; escrow: Address }

export async function readChain(request: APIRequestContext): Promise<ChainJson> {
  const response = await request.get('/chain.json')
  expect(response.ok()).toBe(true)
  return (await response.json()) as ChainJson
}

/** Clients on the site's anvil chain: reads, anvil's test methods, and token balances. */
export function chainClients(chain: ChainJson) {
  const transport = http(chain.rpcUrl)
  const publicClient = createPublicClient({ transport })
  const testClient = createTestClient({ transport, mode: 'anvil' })
  const balanceOf = (address: Address) =>
    publicClient.readContract({
      address: chain.token,
      abi: computeTokenAbi,
      functionName: 'balanceOf',
      args: [address],
    })
  return { publicClient, testClient, balanceOf }
}

/** A page at `path` with an injected wallet for `key`, connected. */
export async function pageWithWallet(
  browser: Browser,
  path: string,
  chain: ChainJson,
  key: Hex,
  options: Partial<InjectedWalletOptions> = {},
): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (error) => console.log(`[${path}] page error: ${error.message}`))
  await injectWallet(page, {
    account: privateKeyToAccount(key),
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    ...options,
  })
  await page.goto(path)
  await connectWallet(page, key)
  return page
}

export async function connectWallet(page: Page, key: Hex): Promise<void> {
  await page.getByRole('button', { name: 'Connect Test Wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(privateKeyToAccount(key).address)
}
