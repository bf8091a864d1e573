import { expect, type Browser, type Page } from '@playwright/test'
import type { OriginNetwork } from './origins/OriginNetwork.ts'
import { openRequester, startDemoJob } from './support.ts'

/** A requester running the demo job with origin diversity on: the private pool unticked. */
export async function demoJobInPublicPool(browser: Browser): Promise<Page> {
  const requester = await openRequester(browser)
  const privatePool = requester.getByRole('checkbox', { name: /^Private pool/ })
  await privatePool.uncheck()
  await expect(privatePool).not.toBeChecked()
  await startDemoJob(requester)
  return requester
}

/**
 * A volunteer tab (a browser context of its own: an identity of its own) on `browser`'s origin,
 * with `initScripts` run in that order before the page's own.
 */
export async function openVolunteerOn(
  network: OriginNetwork,
  browser: Browser,
  name: string,
  ...initScripts: (() => void)[]
): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (error) => console.log(`[${name}] page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`[${name}] console error: ${message.text()}`)
  })
  for (const script of initScripts) await page.addInitScript(script)
  await page.goto(`${network.appUrl}/`)
  const start = page.getByRole('button', { name: 'Start donating' })
  // Should a page come up without its app (a request failed as the test's network changed
  // under it: net::ERR_NETWORK_CHANGED), say what it had loaded, and load it once more.
  for (let attempt = 1; ; attempt++) {
    try {
      await start.waitFor({ timeout: 15_000 })
      return page
    } catch (error) {
      console.log(`[${name}] no "Start donating" 15 s after load: ${await pageState(page)}`)
      if (attempt === 2) throw error
      await page.reload()
    }
  }
}

/** What a page has loaded and shows, for a failure's log; says so if the renderer is stuck. */
async function pageState(page: Page): Promise<string> {
  const seen = await Promise.race([
    page.evaluate(() => ({
      readyState: document.readyState,
      app: document.getElementById('app')?.innerHTML.length,
      text: document.body?.innerText.slice(0, 200),
      resources: performance
        .getEntriesByType('resource')
        .map((entry) => `${entry.name} ${Math.round(entry.duration)} ms`),
    })),
    new Promise((resolve) => setTimeout(() => resolve('the renderer did not answer'), 5000)),
  ])
  return JSON.stringify(seen)
}

/** Volunteer tabs, each on a network origin of its own. */
export async function volunteersOnOwnOrigins(
  network: OriginNetwork,
  names: string[],
): Promise<{ page: Page; subnet: string }[]> {
  const volunteers = []
  for (const name of names) {
    const { browser, origin } = await network.browser()
    volunteers.push({ page: await openVolunteerOn(network, browser, name), subnet: origin.subnet })
  }
  return volunteers
}

/** The identity key a started volunteer page shows (its whole id, from the short one's title). */
export async function identityOf(volunteer: Page): Promise<string> {
  const id = volunteer.getByRole('region', { name: 'Your standing' }).locator('code').first()
  await expect(id).toHaveAttribute('title', /^[\w-]{43}$/)
  return (await id.getAttribute('title')) ?? ''
}

/** The requester's table of the job's identities, row by row. */
export async function standings(requester: Page) {
  const table = requester.getByRole('region', { name: 'Volunteers in this job' }).locator('table')
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent?.trim() ?? '')
      return {
        identity: row.querySelector('th code')?.getAttribute('title') ?? '',
        valid: Number(cells[0]),
        invalid: Number(cells[1]),
        errors: Number(cells[2]),
        canariesFailed: Number(cells[4]?.split('/')[1]),
        flagged: cells[7] === 'flagged',
      }
    }),
  )
}

/**
 * An init script for a lying volunteer: it flips the first byte of every large array its
 * workers hand back (unit outputs), before the page hashes it. The same unit gives the same
 * wrong bytes in every tab that runs it, as colluders' answers would be. It lies from the
 * start, unless the page's `lying` is false (see {@link honestUntilTold}).
 */
export function corruptUnitOutputs(): void {
  const lying = () => (globalThis as { lying?: boolean }).lying !== false
  const corrupted = new WeakSet<object>()
  const corrupt = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || typeof value !== 'object') return
    if (value instanceof Uint8Array && value.length > 1024) {
      value[0] = value[0] === 0x5a ? 0xa5 : 0x5a
      return
    }
    for (const child of Object.values(value)) corrupt(child, depth + 1)
  }
  const addEventListener = Worker.prototype.addEventListener
  Worker.prototype.addEventListener = function (
    this: Worker,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) {
    if (type !== 'message') return addEventListener.call(this, type, listener, options)
    const wrapped = (event: Event) => {
      const data = (event as MessageEvent).data as unknown
      if (lying() && data && typeof data === 'object' && !corrupted.has(data)) {
        corrupted.add(data)
        corrupt(data, 0)
      }
      if (typeof listener === 'function') listener.call(this, event)
      else listener.handleEvent(event)
    }
    return addEventListener.call(this, type, wrapped, options)
  } as typeof Worker.prototype.addEventListener
}

/** An init script that makes {@link corruptUnitOutputs} wait until `startLying(page)`. */
export function honestUntilTold(): void {
  ;(globalThis as { lying?: boolean }).lying = false
}

export async function startLying(volunteer: Page): Promise<void> {
  await volunteer.evaluate(() => {
    ;(globalThis as { lying?: boolean }).lying = true
  })
}

/**
 * An init script for a volunteer whose every unit fails: once the page talks to a job host (its
 * first data channel message; the engines' calibration is over by then), each unit output its
 * workers hand back turns into the error the worker would have thrown, so the page reports a
 * `unit-error` for every unit it is given.
 */
export function failEveryUnit(): void {
  let talking = false
  const send = RTCDataChannel.prototype.send
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
    talking = true
    return send.call(this, data)
  }
  const carriesOutput = (value: unknown, depth: number): boolean => {
    if (depth > 4 || value === null || typeof value !== 'object') return false
    if (value instanceof Uint8Array) return value.length > 1024
    return Object.values(value).some((child) => carriesOutput(child, depth + 1))
  }
  const addEventListener = Worker.prototype.addEventListener
  Worker.prototype.addEventListener = function (
    this: Worker,
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ) {
    if (type !== 'message') return addEventListener.call(this, type, listener, options)
    const wrapped = (event: Event) => {
      const data = (event as MessageEvent).data as { id?: unknown } | null
      // comlink's reply to a call that threw: what the page's worker client rejects with.
      const failed =
        talking && data && carriesOutput(data, 0)
          ? new MessageEvent('message', {
              data: {
                id: data.id,
                type: 'HANDLER',
                name: 'throw',
                value: { isError: true, value: { name: 'Error', message: 'kernel failed' } },
              },
            })
          : event
      if (typeof listener === 'function') listener.call(this, failed)
      else listener.handleEvent(failed)
    }
    return addEventListener.call(this, type, wrapped, options)
  } as typeof Worker.prototype.addEventListener
}
