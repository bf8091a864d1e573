import { expect, test, type Browser, type Page } from '@playwright/test'
import { privateKeyToAccount } from 'viem/accounts'
import { demoKeys } from '../../scripts/startChain.ts'
import { injectWallet, type InjectedWalletOptions } from '../support/injectedWallet.ts'
import { openRequester, startDemoJob, startDonating, stat } from './support.ts'

// Volunteers' wallets are EIP-6963 providers injected by the test (signing with viem local
// accounts, the rest forwarded to the anvil chain `npm start` launched): connecting, the wrong
// network, and binding the wallet to the volunteer's tab when it joins a job.

type ChainJson = { rpcUrl: string; chainId: number; chainName: string }

async function chainConfig(page: Page): Promise<ChainJson> {
  const response = await page.request.get('/chain.json')
  expect(response.ok()).toBe(true)
  return (await response.json()) as ChainJson
}

async function volunteerWithWallet(
  browser: Browser,
  chain: ChainJson,
  options: Partial<InjectedWalletOptions> & { key: `0x${string}` },
): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  const { key, ...rest } = options
  await injectWallet(page, {
    account: privateKeyToAccount(key),
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    ...rest,
  })
  await page.goto('/')
  await page.getByRole('button', { name: 'Connect Test Wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(privateKeyToAccount(key).address)
  return page
}

test.describe('volunteers with wallets', () => {
  test.afterEach(async ({ browser }) => {
    for (const context of browser.contexts()) await context.close()
  })

  test('a page without a wallet says what is missed; a wallet on another network is offered the switch', async ({
    browser,
  }) => {
    const bare = await (await browser.newContext()).newPage()
    await bare.goto('/')
    await expect(
      bare.getByText(/No browser wallet found\. You can still volunteer anonymously/),
    ).toBeVisible()

    const chain = await chainConfig(bare)
    const page = await volunteerWithWallet(browser, chain, { key: demoKeys[1]!, startChainId: 1 })
    await expect(page.getByRole('alert')).toContainText(
      'Your wallet is on another network (chain 1)',
    )
    await page.getByRole('button', { name: `Switch to ${chain.chainName}` }).click()
    await expect(page.getByText('Your wallet is on another network')).toHaveCount(0)
  })

  test('joining a job binds the wallet; a declined signature and a wallet signing for another address are told why', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    const chain = await chainConfig(requester)
    await startDemoJob(requester)

    const honest = await volunteerWithWallet(browser, chain, { key: demoKeys[1]! })
    const declining = await volunteerWithWallet(browser, chain, {
      key: demoKeys[2]!,
      reject: (method) => method === 'personal_sign',
    })
    const lying = await volunteerWithWallet(browser, chain, {
      key: demoKeys[3]!,
      signWith: privateKeyToAccount(demoKeys[4]!),
    })
    for (const page of [honest, declining, lying]) await startDonating(page)

    await expect(stat(honest, 'Rewards go to')).toHaveText(
      privateKeyToAccount(demoKeys[1]!).address,
    )
    await expect(declining.getByRole('status').filter({ hasText: 'declined' })).toContainText(
      "You declined the request in your wallet. Nothing was changed. This job's units earn nothing",
    )
    await expect(lying.getByRole('status').filter({ hasText: 'not bound' })).toContainText(
      `The signature is not by ${privateKeyToAccount(demoKeys[3]!).address}`,
    )
    for (const page of [declining, lying])
      await expect(stat(page, 'Rewards go to')).toHaveText('nobody (anonymous)')
    // All three keep computing.
    for (const page of [honest, declining, lying])
      await expect
        .poll(async () => Number(await stat(page, 'Units done').textContent()))
        .toBeGreaterThan(0)
  })
})
