import { expect, test, type Page } from '@playwright/test'
import {
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  parseUnits,
  stringToBytes,
  type Hash,
  type Hex,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { computeTokenAbi, jobEscrowAbi } from '../../src/chain/abis.ts'
import { readVoucherDomain } from '../../src/chain/readVoucherDomain.ts'
import { signVoucher } from '../../src/chain/signVoucher.ts'
import type { StoredVoucher } from '../../src/rewards/StoredVoucher.ts'
import { demoKeys } from '../../scripts/startChain.ts'
import { injectWallet } from '../support/injectedWallet.ts'
import { chainClients, connectWallet, readChain, type ChainJson } from './walletSupport.ts'

// The volunteer page's "Claim all" through an injected wallet: a declined transaction leaves the
// vouchers claimable with a plain message; a sent one shows pending until the chain mines it
// (the test holds anvil's automatic mining), then confirmed. The vouchers are real ones, signed
// for jobs funded on the chain, put in the page's voucher store as a job host's would be; the
// host's side of earning them is rewards.spec.ts. The chain is put back as it was afterwards.

let restore: (() => Promise<void>) | undefined

test.afterEach(async ({ browser }) => {
  for (const context of browser.contexts()) await context.close()
  await restore?.()
  restore = undefined
})

/** Funds a job of `amount` from `requesterKey` and returns a voucher signer's vouchers for it. */
async function fundedJob(chain: ChainJson, requesterKey: Hex, amount: bigint, name: string) {
  const { publicClient } = chainClients(chain)
  const requester = createWalletClient({
    account: privateKeyToAccount(requesterKey),
    transport: http(chain.rpcUrl),
  })
  const confirm = async (hash: Hash) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    return receipt
  }
  const host = privateKeyToAccount(generatePrivateKey())
  const expiry = (await publicClient.getBlock()).timestamp + 86_400n
  await confirm(
    await requester.writeContract({
      chain: null,
      address: chain.token,
      abi: computeTokenAbi,
      functionName: 'approve',
      args: [chain.escrow, amount],
    }),
  )
  const receipt = await confirm(
    await requester.writeContract({
      chain: null,
      address: chain.escrow,
      abi: jobEscrowAbi,
      functionName: 'createJob',
      args: [keccak256(stringToBytes(name)), 1n, amount, expiry, host.address],
    }),
  )
  const [created] = parseEventLogs({
    abi: jobEscrowAbi,
    eventName: 'JobCreated',
    logs: receipt.logs,
  })
  const jobId = created!.args.jobId
  const domain = await readVoucherDomain(publicClient, chain.escrow)
  return {
    /** A voucher as the volunteer's tab stores it. */
    voucherFor: async (volunteer: Hex, cumulativeAmount: bigint): Promise<StoredVoucher> => {
      const voucher = { jobId, volunteer, cumulativeAmount, deadline: expiry }
      return {
        chainId: chain.chainId,
        escrow: chain.escrow,
        jobId,
        jobName: name,
        volunteer,
        cumulativeAmount: String(cumulativeAmount),
        deadline: Number(expiry),
        signature: await signVoucher({ signer: host, domain, voucher }),
        receivedAt: Date.now(),
      }
    },
  }
}

/** Puts vouchers in the volunteer page's store (IdbVoucherStore's database, key and record). */
async function storeVouchers(page: Page, vouchers: StoredVoucher[]): Promise<void> {
  await page.evaluate(
    (vouchers) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('volunteer-compute-vouchers', 1)
        open.onupgradeneeded = () => open.result.createObjectStore('vouchers')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const tx = open.result.transaction('vouchers', 'readwrite')
          for (const v of vouchers)
            tx.objectStore('vouchers').put(
              v,
              [v.chainId, v.escrow, v.jobId, v.volunteer].join(':').toLowerCase(),
            )
          tx.oncomplete = () => {
            open.result.close()
            resolve()
          }
          tx.onerror = () => reject(tx.error)
        }
      }),
    vouchers,
  )
}

test('Claim all: a declined transaction keeps the vouchers claimable; a sent one is pending, then confirmed', async ({
  browser,
  request,
}) => {
  const chain = await readChain(request)
  const { testClient, balanceOf } = chainClients(chain)
  const snapshot = await testClient.snapshot()
  restore = async () => {
    await testClient.setAutomine(true)
    await testClient.revert({ id: snapshot })
  }

  const volunteerKey = demoKeys[3]!
  const volunteer = privateKeyToAccount(volunteerKey).address
  const jobA = await fundedJob(chain, demoKeys[1]!, parseUnits('10', 18), 'Job A')
  const jobB = await fundedJob(chain, demoKeys[1]!, parseUnits('10', 18), 'Job B')
  const vouchers = [
    await jobA.voucherFor(volunteer, parseUnits('3', 18)),
    await jobB.voucherFor(volunteer, parseUnits('4', 18)),
  ]

  // The person declines the first transaction the page asks for, and sends the next.
  let declining = true
  const volunteerPage = await (await browser.newContext()).newPage()
  volunteerPage.on('pageerror', (error) => console.log(`[volunteer] page error: ${error.message}`))
  await injectWallet(volunteerPage, {
    account: privateKeyToAccount(volunteerKey),
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    reject: (method) => declining && method === 'eth_sendTransaction',
  })
  await volunteerPage.goto('/')
  await storeVouchers(volunteerPage, vouchers)
  // Connecting reads the stored vouchers' worth from the chain.
  await connectWallet(volunteerPage, volunteerKey)

  const claimAll = volunteerPage.getByRole('button', { name: /^Claim all/ })
  const row = (name: string) => volunteerPage.getByRole('row', { name: new RegExp(`^${name} `) })
  await expect(claimAll).toHaveText('Claim all (7 VCT)')
  await expect(claimAll).toBeEnabled()
  await expect(row('Job A')).toHaveText(/Job A\s*3 VCT\s*3 VCT\s*0 VCT/)
  await expect(row('Job B')).toHaveText(/Job B\s*4 VCT\s*4 VCT\s*0 VCT/)
  const before = await balanceOf(volunteer)

  // Declined in the wallet: a plain message, nothing paid, everything still claimable.
  const declined = volunteerPage.getByRole('alert').filter({ hasText: 'declined' })
  await claimAll.click()
  await expect(declined).toHaveText('You declined the request in your wallet. Nothing was changed.')
  await expect(claimAll).toHaveText('Claim all (7 VCT)')
  await expect(claimAll).toBeEnabled()
  await expect(row('Job A')).toHaveText(/Job A\s*3 VCT\s*3 VCT\s*0 VCT/)
  await expect(row('Job B')).toHaveText(/Job B\s*4 VCT\s*4 VCT\s*0 VCT/)
  expect(await balanceOf(volunteer)).toBe(before)

  // Sent: pending while the chain has not mined it, then confirmed with what was paid.
  declining = false
  await testClient.setAutomine(false)
  await claimAll.click()
  const pending = volunteerPage.getByText(
    /^Claiming 7 VCT: waiting for transaction 0x[0-9a-f]{64}\.$/,
  )
  await expect(pending).toBeVisible()
  await expect(declined).toHaveCount(0)
  await expect(claimAll).toBeDisabled()
  expect(await balanceOf(volunteer)).toBe(before)
  const hash = /0x[0-9a-f]{64}/.exec((await pending.textContent()) ?? '')![0]

  await testClient.mine({ blocks: 1 })
  await expect(volunteerPage.getByText(`Claimed 7 VCT in transaction ${hash}.`)).toBeVisible()
  expect((await balanceOf(volunteer)) - before).toBe(parseUnits('7', 18))
  await expect(row('Job A')).toHaveText(/Job A\s*3 VCT\s*0 VCT\s*3 VCT/)
  await expect(row('Job B')).toHaveText(/Job B\s*4 VCT\s*0 VCT\s*4 VCT/)
  await expect(claimAll).toBeDisabled()
  await expect(volunteerPage.getByText('Nothing to claim yet.')).toBeVisible()
})
