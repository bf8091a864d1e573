import { expect, test, type Page } from '@playwright/test'
import { createWalletClient, http, parseUnits, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { jobEscrowAbi } from '../../src/chain/abis.ts'
import { readVoucherDomain } from '../../src/chain/readVoucherDomain.ts'
import { signVoucher } from '../../src/chain/signVoucher.ts'
import { demoKeys } from '../../scripts/startChain.ts'
import { stat } from './support.ts'
import { chainClients, connectWallet, pageWithWallet, readChain } from './walletSupport.ts'

// A requester takes back what is left of a job's escrow once the chain's time is past the job's
// expiry plus the escrow's grace period, and not before. The test moves anvil's clock forward;
// it puts the chain back as it was afterwards (a snapshot), so other tests meet today's time.

let restore: (() => Promise<void>) | undefined

test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) await context.close()
  await restore?.()
  restore = undefined
})

/** The voucher-signer key of the host's funded job `jobId`, from the requester tab's storage. */
function signerKeyOf(requester: Page, jobId: Hex): Promise<Hex> {
  return requester.evaluate(
    (jobId) =>
      new Promise<Hex>((resolve, reject) => {
        const open = indexedDB.open('volunteer-compute-host')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const request = open.result.transaction('jobs').objectStore('jobs').getAll()
          request.onerror = () => reject(request.error)
          request.onsuccess = () => {
            const jobs = request.result as { rewards?: { chainJobId: string; signerKey: Hex } }[]
            open.result.close()
            const job = jobs.find((j) => j.rewards?.chainJobId === jobId)
            if (job?.rewards) resolve(job.rewards.signerKey)
            else reject(new Error(`no stored job ${jobId}`))
          }
        }
      }),
    jobId,
  )
}

test('the requester refunds what is left of the escrow once expiry and grace are past, not before', async ({
  browser,
  request,
}) => {
  const chain = await readChain(request)
  const { publicClient, testClient, balanceOf } = chainClients(chain)
  const snapshot = await testClient.snapshot()
  restore = async () => void (await testClient.revert({ id: snapshot }))

  const requesterKey = demoKeys[1]!
  const requesterAddress = privateKeyToAccount(requesterKey).address
  const requester = await pageWithWallet(browser, '/requester/', chain, requesterKey)
  await requester.getByLabel(/Reward per unit/).fill('1')
  await requester.getByLabel(/Vouchers pay for/).fill('1')
  await requester.getByRole('radio', { name: /^Mandelbrot set/ }).check()
  await requester.getByRole('button', { name: 'Start job' }).click()
  await expect(stat(requester, 'Units total')).toHaveText('64')

  const [created] = (
    await publicClient.getContractEvents({
      address: chain.escrow,
      abi: jobEscrowAbi,
      eventName: 'JobCreated',
      args: { requester: requesterAddress },
      fromBlock: 0n,
      strict: true,
    })
  ).slice(-1)
  const { jobId, expiry, amount } = created!.args
  // 64 units × 2 agreeing volunteers × 1 token, for one day.
  expect(amount).toBe(parseUnits('128', 18))
  const grace = await publicClient.readContract({
    address: chain.escrow,
    abi: jobEscrowAbi,
    functionName: 'gracePeriod',
  })
  const refundableAt = expiry + grace
  const remainingOnChain = () =>
    publicClient.readContract({
      address: chain.escrow,
      abi: jobEscrowAbi,
      functionName: 'remaining',
      args: [jobId],
    })

  const remaining = requester.getByTestId('escrow-remaining')
  const refundButton = requester.getByRole('button', { name: 'Refund what is left' })
  await expect(remaining).toHaveText('128 VCT')
  await expect(requester.getByText(/^Refundable from /)).toBeVisible()
  await expect(refundButton).toHaveCount(0)

  // A volunteer claims a voucher of 5 tokens: the escrow left shrinks to 123 on the page.
  const volunteer = privateKeyToAccount(demoKeys[2]!)
  const voucher = {
    jobId,
    volunteer: volunteer.address,
    cumulativeAmount: parseUnits('5', 18),
    deadline: expiry,
  }
  const signature = await signVoucher({
    signer: privateKeyToAccount(await signerKeyOf(requester, jobId)),
    domain: await readVoucherDomain(publicClient, chain.escrow),
    voucher,
  })
  const claimer = createWalletClient({ account: volunteer, transport: http(chain.rpcUrl) })
  const claim = await claimer.writeContract({
    chain: null,
    address: chain.escrow,
    abi: jobEscrowAbi,
    functionName: 'claim',
    args: [voucher, signature],
  })
  expect((await publicClient.waitForTransactionReceipt({ hash: claim })).status).toBe('success')
  await expect(remaining).toHaveText('123 VCT')

  // The requester comes back later: the reloaded tab resumes the job, its wallet not connected.
  await requester.reload()
  await expect(requester.getByText("Resumed from this browser's storage.")).toBeVisible()
  await expect(remaining).toHaveText('123 VCT')

  const mineAt = async (timestamp: bigint) => {
    const latest = await publicClient.getBlock()
    await testClient.increaseTime({ seconds: Number(timestamp - latest.timestamp) })
    await testClient.mine({ blocks: 1 })
    const mined = await publicClient.getBlock()
    expect(mined.timestamp).toBeGreaterThanOrEqual(timestamp)
    return mined
  }
  const escrowLine = requester.locator('p[data-block]')

  // Past the expiry but inside the grace period, volunteers may still claim: no refund yet.
  const insideGrace = await mineAt(refundableAt - 3600n)
  expect(insideGrace.timestamp).toBeLessThan(refundableAt)
  await expect(escrowLine).toHaveAttribute('data-block', String(insideGrace.number))
  await expect(refundButton).toHaveCount(0)
  await expect(requester.getByText(/^Refundable from /)).toBeVisible()

  // Past expiry plus grace the page offers the refund, and asks for the funding wallet.
  const past = await mineAt(refundableAt)
  await expect(escrowLine).toHaveAttribute('data-block', String(past.number))
  await expect(refundButton).toBeDisabled()
  await expect(
    requester.getByText('Connect the wallet that funded this job to refund what is left.'),
  ).toBeVisible()
  await connectWallet(requester, requesterKey)
  await expect(refundButton).toBeEnabled()

  const left = await remainingOnChain()
  expect(left).toBe(parseUnits('123', 18))
  const before = await balanceOf(requesterAddress)
  await refundButton.click()
  await expect(requester.getByRole('status').filter({ hasText: /^Refunded\.$/ })).toBeVisible()
  expect((await balanceOf(requesterAddress)) - before).toBe(left)
  expect(await remainingOnChain()).toBe(0n)
  await expect(remaining).toHaveText('0 VCT')
  await expect(refundButton).toHaveCount(0)
})
