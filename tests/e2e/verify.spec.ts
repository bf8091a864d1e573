import { rm } from 'node:fs/promises'
import path from 'node:path'
import Database from 'better-sqlite3'
import { expect, test } from '@playwright/test'
import { demoKeys } from '../../scripts/startChain.ts'
import { cli, run, wordCountFolder, type Command } from './processSupport.ts'
import { openVolunteer, startDonating } from './support.ts'

// The verify page against a funded job hosted by `volunteer-compute host --serve`: it confirms
// an accepted unit, and rejects one whose stored output was changed after the root went on chain.

/** A funded host of `folder` that stays up after writing the output. */
function serveFundedJob(folder: string): Command {
  return run(cli, ['host', folder, '--reward-per-unit', '0.001', '--serve'], {
    // The last demo key (npm start's local chain gives it tokens); the other tests use the others.
    REQUESTER_WALLET_KEY: demoKeys[4]!,
  })
}

function jobIdOf(output: string): string {
  const id = /(?:Hosting|Resuming) .*? \(([A-Za-z0-9_-]+)\)/.exec(output)?.[1]
  if (!id) throw new Error(`no job id in the host's output:\n${output}`)
  return id
}

test.describe('the verify page', () => {
  const cleanups: (() => Promise<void>)[] = []
  test.afterEach(async ({ browser }) => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await Promise.all(browser.contexts().map((context) => context.close()))
  })

  test('confirms an accepted unit of a funded job, and rejects a tampered output', async ({
    browser,
  }) => {
    const { folder } = await wordCountFolder(4 * 512 * 1024, 512 * 1024)
    cleanups.push(() => rm(folder, { recursive: true, force: true }))
    let host = serveFundedJob(folder)
    cleanups.push(async () => void host.process.kill('SIGKILL'))
    await expect.poll(host.output, { timeout: 60_000 }).toContain('Waiting for volunteers')
    const jobId = jobIdOf(host.output())
    for (const name of ['A', 'B']) await startDonating(await openVolunteer(browser, name))
    await expect.poll(host.output, { timeout: 120_000 }).toContain('Answering re-verification')
    expect(host.output()).toMatch(/Result root 0x[0-9a-f]{64} recorded on chain/)

    const page = await (await browser.newContext()).newPage()
    await page.goto(`/verify/?job=${jobId}&unit=1`)
    await expect(page.getByRole('heading', { name: 'Confirmed' })).toBeVisible({ timeout: 60_000 })
    await expect(page.getByText('Unit 1 of Word counts is what the job accepted')).toBeVisible()

    // The requester's store changes unit 2's output; the host, run again, serves it.
    host.process.kill('SIGINT')
    await host.exited
    const db = new Database(path.join(folder, '.volunteer-compute', 'host.sqlite'))
    const row = db.prepare('SELECT bytes FROM outputs WHERE unit_index = 2').get() as {
      bytes: Buffer
    }
    row.bytes[0]! ^= 0xff
    db.prepare('UPDATE outputs SET bytes = ? WHERE unit_index = 2').run(row.bytes)
    db.close()
    host = serveFundedJob(folder)
    await expect.poll(host.output, { timeout: 60_000 }).toContain('Answering re-verification')
    await expect.poll(host.output, { timeout: 60_000 }).toContain('Listed at')

    await page.goto(`/verify/?job=${jobId}&unit=2`)
    await expect(page.getByRole('heading', { name: 'Rejected' })).toBeVisible({ timeout: 60_000 })
    await expect(page.getByText("the host's output is not the hash it names")).toBeVisible()
  })
})
