import { expect, test } from '@playwright/test'
import { corruptUnitOutputs, identityOf } from './trustSupport.ts'
import {
  demoJobWithVolunteers,
  openRequester,
  openVolunteer,
  outputSha256,
  referenceImageSha256,
  startDemoJob,
  startDonating,
  stat,
  statNumber,
  storedRecords,
  waitForValidated,
} from './support.ts'

test.describe('the demo job, end to end over WebRTC', () => {
  // Every page is a tab of its own context; close them all so no volunteer outlives its test.
  test.afterEach(async ({ browser }) => {
    await Promise.all(browser.contexts().map((context) => context.close()))
  })

  test('a requester and three volunteers complete it; the output equals the reference render', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    await startDemoJob(requester)
    const volunteers = await Promise.all(['B', 'C', 'D'].map((n) => openVolunteer(browser, n)))
    // Nothing runs before consent.
    for (const volunteer of volunteers) await expect(stat(volunteer, 'Units done')).toHaveCount(0)
    for (const volunteer of volunteers) await startDonating(volunteer)

    await expect(stat(volunteers[0]!, 'Job')).toHaveText(/Mandelbrot/)
    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Validated')).toHaveText('64')
    await expect(stat(requester, 'Failed')).toHaveText('0')
    await expect(requester.getByLabel('Job output image')).toBeVisible()

    // Every unit was computed at least once, and twice until its volunteers earned trust
    // (adaptive replication): the volunteers' stored units add up to more than 64.
    let done = 0
    for (const volunteer of volunteers) {
      await expect.poll(() => statNumber(volunteer, 'Credit')).toBeGreaterThan(0)
      done += await statNumber(volunteer, 'Units done')
    }
    expect(done).toBeGreaterThan(64)

    const download = requester.waitForEvent('download')
    await requester.getByRole('button', { name: 'Download PNG' }).click()
    const file = await download
    expect(file.suggestedFilename()).toMatch(/\.png$/)
    const stream = await file.createReadStream()
    const head: Buffer = await new Promise((resolve) =>
      stream.once('data', (b) => resolve(b as Buffer)),
    )
    expect([...head.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
  })

  test('a volunteer tab closed mid-job: its units are reissued and the job completes', async ({
    browser,
  }) => {
    const { requester, volunteers } = await demoJobWithVolunteers(browser, ['B', 'C', 'D'])
    await waitForValidated(requester, 8)
    await volunteers[1]!.close()
    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Failed')).toHaveText('0')
  })

  test('the requester reloaded mid-job resumes without losing or recomputing accepted units', async ({
    browser,
  }) => {
    const { requester } = await demoJobWithVolunteers(browser, ['B', 'C', 'D'])
    await waitForValidated(requester, 8)

    await requester.reload()
    await expect(requester.getByText("Resumed from this browser's storage.")).toBeVisible()
    const accepted = (await storedRecords(requester)).filter((u) => u.status === 'accepted')
    expect(accepted.length).toBeGreaterThanOrEqual(8)
    expect(accepted.length).toBeLessThan(64)
    // Volunteers earn trust within the job, so some units are accepted on one result and checked
    // later, and units a quorum of trusted volunteers accepted may come back as canaries: both
    // are issued again on purpose. Every other accepted unit is never issued again.
    const final = accepted.filter((u) => !u.single && !u.canary)
    expect(final.length).toBeGreaterThanOrEqual(1)

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    const after = new Map((await storedRecords(requester)).map((u) => [u.index, u]))
    for (const unit of final) {
      expect(after.get(unit.index)).toMatchObject({
        status: 'accepted',
        issued: unit.issued,
        acceptedSha256: unit.acceptedSha256,
      })
    }
  })

  test('a volunteer that returns wrong results is never accepted and is flagged', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    await startDemoJob(requester)
    // The liar's page corrupts every unit output its workers hand back, before hashing it.
    const liar = await openVolunteer(browser, 'liar', corruptUnitOutputs)
    await startDonating(liar)
    const liarId = await identityOf(liar)
    const honest = await Promise.all(['B', 'C', 'D'].map((n) => openVolunteer(browser, n)))
    for (const volunteer of honest) await startDonating(volunteer)

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(requester, 'Flagged volunteers')).toHaveText('1')
    await expect(
      requester
        .getByRole('region', { name: 'Volunteers in this job' })
        .locator(`code[title="${liarId}"]`),
    ).toHaveCount(1)
    await expect(liar.getByText(/This tab was flagged/)).toBeVisible()
    await expect(stat(liar, 'Credit')).toHaveText('0')
  })

  test('a volunteer that sends garbage frames is disconnected and breaks nothing', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    const hostErrors: string[] = []
    requester.on('pageerror', (error) => hostErrors.push(error.message))
    await startDemoJob(requester)
    // This page's data channels send a text message and a truncated frame before anything else.
    const rogue = await openVolunteer(browser, 'rogue', () => {
      const send = RTCDataChannel.prototype.send
      RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
        send.call(this, 'not a frame' as never)
        send.call(this, new Uint8Array([1, 1, 0]) as never)
        return send.call(this, data)
      }
    })
    await startDonating(rogue)
    const honest = await Promise.all(['B', 'C'].map((n) => openVolunteer(browser, n)))
    for (const volunteer of honest) await startDonating(volunteer)

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    await expect(stat(rogue, 'Units done')).toHaveText('0')
    expect(hostErrors).toEqual([])
  })
})
