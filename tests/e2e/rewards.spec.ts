import { expect, test, type Browser, type Page } from '@playwright/test'
import { createPublicClient, formatUnits, http, parseUnits, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { computeTokenAbi, jobEscrowAbi } from '../../src/chain/abis.ts'
import { demoKeys } from '../../scripts/startChain.ts'
import { injectWallet, type InjectedWalletOptions } from '../support/injectedWallet.ts'
import { outputSha256, referenceImageSha256, startDonating, stat, statNumber } from './support.ts'

// Rewards end to end on the anvil chain `npm start` launched: a requester funds the demo job from
// an injected EIP-6963 wallet (a permit and one transaction), volunteers with wallets compute it
// and earn vouchers for exactly their accepted units.

type ChainJson = { rpcUrl: string; chainId: number; token: Address; escrow: Address }

async function pageWithWallet(
  browser: Browser,
  path: string,
  chain: ChainJson,
  key: `0x${string}`,
  options: Partial<InjectedWalletOptions> = {},
): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await injectWallet(page, {
    account: privateKeyToAccount(key),
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    ...options,
  })
  await page.goto(path)
  await page.getByRole('button', { name: 'Connect Test Wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(privateKeyToAccount(key).address)
  return page
}

test.describe('rewards', () => {
  test.afterEach(async ({ browser }) => {
    for (const context of browser.contexts()) await context.close()
  })

  test('a requester funds a job; volunteers with wallets earn vouchers for their accepted units', async ({
    browser,
    request,
  }) => {
    const chain = (await (await request.get('/chain.json')).json()) as ChainJson
    const client = createPublicClient({ transport: http(chain.rpcUrl) })
    const balanceOf = (address: Address) =>
      client.readContract({
        address: chain.token,
        abi: computeTokenAbi,
        functionName: 'balanceOf',
        args: [address],
      })

    // Declining the permit publishes nothing.
    const declining = await pageWithWallet(browser, '/requester/', chain, demoKeys[1]!, {
      reject: (method) => method === 'eth_signTypedData_v4',
    })
    await declining.getByRole('radio', { name: /^Mandelbrot set/ }).check()
    await declining.getByRole('button', { name: 'Start job' }).click()
    await expect(declining.getByRole('alert').filter({ hasText: 'not funded' })).toContainText(
      'The job was not funded, and not published: You declined the request in your wallet.',
    )
    await declining.context().close()

    const requesterAddress = privateKeyToAccount(demoKeys[1]!).address
    const escrowBefore = await balanceOf(chain.escrow)
    const requester = await pageWithWallet(browser, '/requester/', chain, demoKeys[1]!)
    await requester.getByLabel(/Reward per unit/).fill('1')
    await requester.getByRole('radio', { name: /^Mandelbrot set/ }).check()
    await requester.getByRole('button', { name: 'Start job' }).click()
    await expect(stat(requester, 'Units total')).toHaveText('64')
    // 64 units × 2 agreeing volunteers × 1 token.
    const cost = parseUnits('128', 18)
    expect((await balanceOf(chain.escrow)) - escrowBefore).toBe(cost)
    expect(await balanceOf(requesterAddress)).toBeLessThan(parseUnits('10000', 18))

    const volunteers = await Promise.all(
      [2, 3, 4].map((i) => pageWithWallet(browser, '/', chain, demoKeys[i]!)),
    )
    for (const volunteer of volunteers) await startDonating(volunteer)
    // The directory lists what the job pays.
    await expect(stat(volunteers[0]!, 'Reward per unit')).toContainText('1 VCT (')
    expect(await outputSha256(requester)).toBe(referenceImageSha256())

    // Every final unit paid each volunteer credited for it one token: the volunteers' latest
    // vouchers add up to their credits. Units accepted on a trusted volunteer's word alone are
    // paid once, so that is between one and two tokens a unit, never more than the escrow.
    const earnedOf = async (volunteer: Page) =>
      Number(
        ((await stat(volunteer, 'Earned in this job').textContent()) ?? '0').replace(' VCT', ''),
      )
    const totals = async () => {
      let earned = 0
      let credit = 0
      for (const volunteer of volunteers) {
        earned += await earnedOf(volunteer)
        credit += await statNumber(volunteer, 'Credit')
      }
      return { earned, credit }
    }
    // The last vouchers may still be on their way when the requester shows the output.
    await expect
      .poll(async () => {
        const { earned, credit } = await totals()
        return earned === credit && earned >= 64
      })
      .toBe(true)
    expect((await totals()).earned).toBeLessThanOrEqual(Number(formatUnits(cost, 18)))
    for (const volunteer of volunteers) expect(await earnedOf(volunteer)).toBeGreaterThan(0)

    // The job's result root is recorded on chain once it completes.
    const recorded = requester.getByText(/^Result root 0x[0-9a-f]{64} recorded on chain/)
    await expect(recorded).toBeVisible()
    const root = /0x[0-9a-f]{64}/.exec((await recorded.textContent()) ?? '')?.[0]
    const events = await client.getContractEvents({
      address: chain.escrow,
      abi: jobEscrowAbi,
      eventName: 'ResultRootRecorded',
      fromBlock: 0n,
    })
    expect(events.map((event) => event.args.root)).toContain(root)

    // One volunteer claims everything it earned in one claimMany; its balance on chain rises by
    // exactly its units × the reward.
    const claimer = volunteers[0]!
    const claimerAddress = privateKeyToAccount(demoKeys[2]!).address
    const earned = parseUnits(
      (await stat(claimer, 'Earned in this job').textContent())!.replace(' VCT', ''),
      18,
    )
    const before = await balanceOf(claimerAddress)
    await claimer.getByRole('button', { name: /^Claim all/ }).click()
    await expect(claimer.getByText(/^Claimed [\d.]+ VCT in transaction/)).toBeVisible()
    expect((await balanceOf(claimerAddress)) - before).toBe(earned)
    await expect(claimer.getByRole('button', { name: /^Claim all/ })).toBeDisabled()
  })
})
