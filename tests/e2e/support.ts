import { createHash } from 'node:crypto'
import { expect, type Browser, type Page } from '@playwright/test'
import type { UnitRecord } from '../../src/jobs/UnitRecord.ts'
import { demoMandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import { renderMandelbrot } from '../../src/kernels/mandelbrot/reference.ts'

let referenceSha256: string | undefined

/** SHA-256 of the demo image rendered by the plain TypeScript reference. */
export function referenceImageSha256(): string {
  referenceSha256 ??= createHash('sha256')
    .update(renderMandelbrot(demoMandelbrotParams))
    .digest('hex')
  return referenceSha256
}

/** A readout of the stats grid (`<dt>label</dt><dd>value</dd>`), as a number where it is one. */
export function stat(page: Page, label: string) {
  return page.getByLabel(label, { exact: true })
}

export async function statNumber(page: Page, label: string): Promise<number> {
  return Number(await stat(page, label).textContent())
}

/** `path` with `?signaling=URL` when a signaling server other than the app's default is wanted. */
function withSignaling(path: string, signaling: string | undefined): string {
  return signaling === undefined ? path : `${path}?${new URLSearchParams({ signaling })}`
}

/** The requester page, on the signaling server at `signaling` (the app's default when absent). */
export async function openRequester(browser: Browser, signaling?: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (error) => console.log(`[requester] page error: ${error.message}`))
  await page.goto(withSignaling('/requester', signaling))
  return page
}

export async function startDemoJob(requester: Page): Promise<void> {
  await requester.getByRole('radio', { name: /^Mandelbrot set/ }).check()
  await requester.getByRole('button', { name: 'Start job' }).click()
  await expect(stat(requester, 'Units total')).toHaveText('64')
}

/** The volunteer page, on the signaling server at `signaling` (the app's default when absent). */
export async function openVolunteer(
  browser: Browser,
  name: string,
  initScript?: () => void,
  signaling?: string,
): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (error) => console.log(`[${name}] page error: ${error.message}`))
  if (initScript) await page.addInitScript(initScript)
  await page.goto(withSignaling('/', signaling))
  return page
}

export async function startDonating(volunteer: Page): Promise<void> {
  await volunteer.getByRole('button', { name: 'Start donating' }).click()
  await expect(volunteer.getByRole('button', { name: 'Stop' })).toBeVisible()
}

/** A requester running the demo job and volunteers that have all consented. */
export async function demoJobWithVolunteers(browser: Browser, names: string[]) {
  const requester = await openRequester(browser)
  await startDemoJob(requester)
  const volunteers = await Promise.all(names.map((n) => openVolunteer(browser, n)))
  for (const volunteer of volunteers) await startDonating(volunteer)
  return { requester, volunteers }
}

/** Waits until the requester shows the verified image, and returns the SHA-256 of its RGBA pixels. */
export async function outputSha256(requester: Page, timeout = 200_000): Promise<string> {
  const hash = requester.getByTestId('image-sha256')
  await expect(hash).not.toHaveText('…', { timeout })
  await expect(hash).toBeVisible({ timeout })
  return (await hash.textContent()) ?? ''
}

export async function waitForValidated(requester: Page, atLeast: number): Promise<number> {
  await expect
    .poll(() => statNumber(requester, 'Validated'), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(atLeast)
  return statNumber(requester, 'Validated')
}

/** The host's stored unit records, results and all, read straight from IndexedDB. */
export async function storedRecords(requester: Page): Promise<UnitRecord[]> {
  return requester.evaluate(
    () =>
      new Promise<UnitRecord[]>((resolve, reject) => {
        const open = indexedDB.open('volunteer-compute-host')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const request = open.result.transaction('units').objectStore('units').getAll()
          request.onerror = () => reject(request.error)
          request.onsuccess = () => {
            open.result.close()
            resolve(request.result as UnitRecord[])
          }
        }
      }),
  )
}
