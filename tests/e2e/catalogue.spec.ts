import { expect, test } from '@playwright/test'
import { openRequester, openVolunteer, startDonating, stat } from './support.ts'

// Every built-in job of the requester page runs in two clicks (choose it, Start job) with its
// sample input, is computed by volunteers, and its verified output is presented.

test.describe('the catalogue of built-in jobs', () => {
  test.afterEach(async ({ browser }) => {
    for (const context of browser.contexts()) await context.close()
  })

  test('every entry runs to a verified, presented output', async ({ browser }) => {
    const requester = await openRequester(browser)
    const entries = requester.getByRole('group', { name: 'Built-in jobs' }).getByRole('radio')
    await expect(entries.first()).toBeVisible()
    const count = await entries.count()
    expect(count).toBeGreaterThanOrEqual(6)
    test.setTimeout(count * 150_000)
    const volunteers = await Promise.all(['B', 'C', 'D'].map((n) => openVolunteer(browser, n)))
    for (const volunteer of volunteers) await startDonating(volunteer)
    for (let i = 0; i < count; i++) {
      const title =
        (await requester.locator('fieldset label.entry strong').nth(i).textContent()) ?? ''
      await test.step(title, async () => {
        await entries.nth(i).check()
        await requester.getByRole('button', { name: 'Start job' }).click()
        await expect(requester.getByTestId('output-sha256')).toBeVisible({ timeout: 140_000 })
        await expect(stat(requester, 'Failed')).toHaveText('0')
        await expect(stat(requester, 'Flagged volunteers')).toHaveText('0')
        const presented = requester
          .getByLabel('Job output image')
          .or(requester.getByLabel('Job result'))
        await expect(presented).toBeVisible()
        await requester.getByRole('button', { name: 'New job' }).click()
      })
    }
  })
})
