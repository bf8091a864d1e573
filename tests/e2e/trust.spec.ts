import { expect } from '@playwright/test'
import { test } from './origins/originTest.ts'
import {
  outputSha256,
  referenceImageSha256,
  startDemoJob,
  startDonating,
  stat,
  statNumber,
  storedRecords,
} from './support.ts'
import {
  corruptUnitOutputs,
  demoJobInPublicPool,
  failEveryUnit,
  honestUntilTold,
  identityOf,
  openVolunteerOn,
  standings,
  startLying,
  volunteersOnOwnOrigins,
} from './trustSupport.ts'

// The host keeps replicas of a unit on distinct network origins (docs/protocol.md, "Trust"):
// every volunteer here runs in a Chromium on a network of its own, and the requester unticks
// the private pool.
test.describe('trust across network origins, end to end', () => {
  // Each test launches three to five Chromium processes, each in a network namespace of its
  // own, on a machine of two cores: one retry, so that a browser that fails to start does not
  // hide what the test checks.
  test.describe.configure({ retries: 1 })
  test.afterEach(async ({ browser }) => {
    await Promise.all(browser.contexts().map((context) => context.close()))
  })

  test('an attacker with two identities on one origin and the same wrong results: none is accepted, both are flagged', async ({
    browser,
    network,
  }) => {
    const requester = await demoJobInPublicPool(browser)
    const attacker = await network.browser()
    const liars = [
      await openVolunteerOn(network, attacker.browser, 'liar 1', corruptUnitOutputs),
      await openVolunteerOn(network, attacker.browser, 'liar 2', corruptUnitOutputs),
    ]
    for (const liar of liars) await startDonating(liar)
    const liarIds = await Promise.all(liars.map(identityOf))
    expect(liarIds[0]).not.toBe(liarIds[1])
    // Both have lied before anyone can check them: a liar slower than the honest volunteers
    // might otherwise answer only once the job is complete, too late to be caught.
    for (const liar of liars)
      await expect
        .poll(() => statNumber(liar, 'Units done'), { timeout: 60_000 })
        .toBeGreaterThanOrEqual(1)
    const honest = await volunteersOnOwnOrigins(network, ['B', 'C', 'D'])
    for (const { page } of honest) await startDonating(page)
    const honestIds = await Promise.all(honest.map(({ page }) => identityOf(page)))

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Failed')).toHaveText('0')
    await expect(stat(requester, 'Flagged volunteers')).toHaveText('2')
    const flagged = (await standings(requester)).filter((row) => row.flagged)
    expect(flagged.map((row) => row.identity).sort()).toEqual([...liarIds].sort())
    for (const liar of liars) await expect(liar.getByText(/This tab was flagged/)).toBeVisible()

    // The host saw each volunteer at its own /24, and never gave one unit to one origin twice:
    // the two liars never held the same unit.
    const records = await storedRecords(requester)
    const originOf = new Map<string, string | undefined>()
    for (const record of records) {
      const origins = record.results.map((result) => result.origin)
      expect(new Set(origins).size, `unit ${record.index}'s origins`).toBe(origins.length)
      for (const result of record.results) originOf.set(result.volunteerId, result.origin)
    }
    for (const id of liarIds) expect(originOf.get(id)).toBe(`ip4:${attacker.origin.subnet}`)
    honestIds.forEach((id, i) => expect(originOf.get(id)).toBe(`ip4:${honest[i]!.subnet}`))
  })

  test('five tabs that report an error on every unit: the job still completes correctly', async ({
    browser,
    network,
  }) => {
    const requester = await demoJobInPublicPool(browser)
    const griefing = await network.browser()
    const griefers = []
    for (let i = 1; i <= 5; i++)
      griefers.push(await openVolunteerOn(network, griefing.browser, `griefer ${i}`, failEveryUnit))
    for (const griefer of griefers) await startDonating(griefer)
    const grieferIds = await Promise.all(griefers.map(identityOf))
    // Every griefer has reported errors before the honest volunteers come.
    await expect
      .poll(async () => {
        const rows = await standings(requester)
        return grieferIds.every((id) => rows.some((row) => row.identity === id && row.errors > 0))
      })
      .toBe(true)
    const honest = await volunteersOnOwnOrigins(network, ['B', 'C'])
    for (const { page } of honest) await startDonating(page)

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Failed')).toHaveText('0')
    const rows = await standings(requester)
    for (const id of grieferIds)
      expect(rows.find((row) => row.identity === id)).toMatchObject({ valid: 0, flagged: false })
  })

  test('a volunteer reloads its tab and keeps its identity and standing', async ({
    browser,
    network,
  }) => {
    const requester = await demoJobInPublicPool(browser)
    const [volunteer, other] = await volunteersOnOwnOrigins(network, ['B', 'C'])
    for (const { page } of [volunteer!, other!]) await startDonating(page)
    const page = volunteer!.page
    const id = await identityOf(page)
    await expect
      .poll(() => statNumber(page, 'Valid results'), { timeout: 120_000 })
      .toBeGreaterThanOrEqual(2)
    const valid = await statNumber(page, 'Valid results')

    await page.reload()
    await startDonating(page)
    expect(await identityOf(page)).toBe(id)
    await expect(page.getByText(/no host knows it yet/)).toHaveCount(0)
    await expect.poll(() => statNumber(page, 'Valid results')).toBeGreaterThanOrEqual(valid)
    // The host still counts one identity for it.
    const rows = await standings(requester)
    expect(rows.filter((row) => row.identity === id)).toHaveLength(1)
  })

  test('an established volunteer starts lying: it is caught, what it vouched for is recomputed, and the output equals the reference', async ({
    browser,
    network,
  }) => {
    const requester = await demoJobInPublicPool(browser)
    const turncoatOrigin = await network.browser()
    const turncoat = await openVolunteerOn(
      network,
      turncoatOrigin.browser,
      'turncoat',
      honestUntilTold,
      corruptUnitOutputs,
    )
    const honest = await volunteersOnOwnOrigins(network, ['B', 'C', 'D'])
    for (const page of [turncoat, ...honest.map((v) => v.page)]) await startDonating(page)
    const turncoatId = await identityOf(turncoat)

    // A first job earns every volunteer the host's trust on the kernel.
    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(turncoat, 'Trust')).toHaveText('Trusted')

    await startLying(turncoat)
    await requester.getByRole('button', { name: 'New job' }).click()
    await startDemoJob(requester)
    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Failed')).toHaveText('0')
    const rows = await standings(requester)
    const row = rows.find((row) => row.identity === turncoatId)
    expect(row).toMatchObject({ flagged: true })
    // Its lies were either accepted alone, provisionally, and reopened when it was caught, or
    // caught by a replica or a canary before any of them stood alone (its first answers drew checks).
    if ((await statNumber(requester, 'Units reopened')) === 0)
      expect(row!.invalid + row!.canariesFailed).toBeGreaterThan(0)
    await expect(turncoat.getByText(/This tab was flagged/)).toBeVisible()
  })
})
