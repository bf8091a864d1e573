import {
  expect,
  test,
  type Browser,
  type BrowserContext,
  type Frame,
  type Page,
} from '@playwright/test'
import { openRequester, openVolunteer, startDemoJob, startDonating } from './support.ts'

// The embed's compute half: a visitor of the demo partner site (another origin) consents with
// the widget's button (our frame's own), the compute frame from our origin computes units of a job a requester page hosts, and
// the partner page sees nothing but the widget's status.

const partnerUrl = 'http://127.0.0.1:5180/'
const appOrigin = 'http://127.0.0.1:5173'

type EmbedEvent = {
  type: string
  status?: string
  unitsDone?: number
  credit?: number
  notice?: string
}

/**
 * Runs in every frame before its scripts. In the partner page: records the frame's messages and
 * opens the widget's closed shadow root so that the test can press its buttons by role (see
 * embedWidget.spec.ts). In our frame: counts the workers and peer connections it makes and the
 * workers it ends.
 */
function installProbe(appOrigin: string) {
  const probe = { events: [] as unknown[], workers: 0, terminated: 0, peerConnections: 0 }
  Object.defineProperty(window, '__probe', { value: probe })
  if (location.origin === appOrigin) {
    const NativeWorker = Worker
    window.Worker = class extends NativeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options)
        probe.workers++
      }
      override terminate() {
        probe.terminated++
        super.terminate()
      }
    }
    const NativePeerConnection = RTCPeerConnection
    window.RTCPeerConnection = class extends NativePeerConnection {
      constructor(configuration?: RTCConfiguration) {
        super(configuration)
        probe.peerConnections++
      }
    }
    return
  }
  addEventListener('message', (event) => {
    if (event.origin === appOrigin) probe.events.push(event.data)
  })
  // The compute frame's window, as the partner page can reach it: through the widget's root.
  Object.defineProperty(window, 'computeWindow', {
    value: () =>
      document.querySelector('volunteer-compute')!.shadowRoot!.querySelector('iframe')!
        .contentWindow!,
  })
  const attachShadow = Element.prototype.attachShadow
  Element.prototype.attachShadow = function (init: ShadowRootInit) {
    return attachShadow.call(this, { ...init, mode: 'open' })
  }
}

declare global {
  function computeWindow(): Window
}

type Probe = { events: EmbedEvent[]; workers: number; terminated: number; peerConnections: number }
const readProbe = (target: Page | Frame): Promise<Probe> =>
  target.evaluate(() => (window as unknown as { __probe: Probe }).__probe)

async function openPartner(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.log(`[${name}] page error: ${error.message}`))
  await page.addInitScript(installProbe, appOrigin)
  await page.goto(partnerUrl)
  return page
}

/** The consent button: our compute frame's own, inside the widget. */
const donateButton = (page: Page) =>
  page.frameLocator('volunteer-compute iframe').getByRole('button', { name: 'Donate compute' })

/** Clicks it, once it takes clicks (half a second in plain view). */
async function donate(page: Page): Promise<void> {
  await expect(donateButton(page)).toBeEnabled({ timeout: 20_000 })
  await donateButton(page).click()
}

/** Our compute frame in a partner page, once the widget has made it. */
async function computeFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(appOrigin))).toBe(true)
  return page.frames().find((f) => f.url().startsWith(appOrigin))!
}

/** The last status the frame sent to the partner page. */
async function lastStatus(page: Page): Promise<EmbedEvent | undefined> {
  const { events } = await readProbe(page)
  return events.filter((event) => event.type === 'status').at(-1)
}

async function jobWithOneVolunteer(browser: Browser) {
  const requester = await openRequester(browser)
  await startDemoJob(requester)
  // A second volunteer, from the volunteer page, so that units reach their quorum of two.
  const volunteer = await openVolunteer(browser, 'B')
  await startDonating(volunteer)
  return { requester, volunteer }
}

test.describe('the embed computes for a partner site', () => {
  test.afterEach(async ({ browser }) => {
    await Promise.all(browser.contexts().map((context) => context.close()))
  })

  test('after the consent click units complete and count for the site; stop halts within a second', async ({
    browser,
  }) => {
    await jobWithOneVolunteer(browser)
    const partner = await openPartner(await browser.newContext(), 'partner')
    const signalingRequests: string[] = []
    partner.on('request', (request) => {
      if (new URL(request.url()).port === '9000') signalingRequests.push(request.url())
    })
    // Before consent our frame is there, as the button, and runs nothing.
    const frame = await computeFrame(partner)
    await expect(donateButton(partner)).toBeEnabled()
    await partner.waitForTimeout(1000)
    expect(await readProbe(frame)).toMatchObject({ workers: 0, peerConnections: 0 })
    expect(signalingRequests).toEqual([])

    await donate(partner)
    await expect
      .poll(async () => (await lastStatus(partner))?.unitsDone ?? 0, { timeout: 90_000 })
      .toBeGreaterThan(0)
    await expect
      .poll(async () => (await lastStatus(partner))?.credit ?? 0, { timeout: 90_000 })
      .toBeGreaterThan(0)
    const computing = await readProbe(frame)
    expect(computing.workers).toBeGreaterThan(0)
    expect(computing.peerConnections).toBeGreaterThan(0)
    expect(signalingRequests.length).toBeGreaterThan(0)

    // Hidden (headless pages never are: the frame's document says so), it pauses, as the
    // visitor has not let it run in the background; visible again, it goes on.
    const setVisibility = (state: string) =>
      frame.evaluate((state) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state })
        document.dispatchEvent(new Event('visibilitychange'))
      }, state)
    await setVisibility('hidden')
    await expect.poll(async () => (await lastStatus(partner))?.status).toBe('paused')
    expect((await lastStatus(partner))?.notice).toBe('Paused while this page is hidden.')
    const paused = (await lastStatus(partner))!.unitsDone!
    await partner.waitForTimeout(1500)
    expect((await lastStatus(partner))?.unitsDone).toBe(paused)
    await setVisibility('visible')
    await expect
      .poll(async () => (await lastStatus(partner))?.unitsDone ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(paused)

    // The site's page of ours shows what its visitors computed.
    const sites = await partner.context().newPage()
    await expect
      .poll(
        async () => {
          await sites.goto(`${appOrigin}/sites/?site=demo-partner`)
          return Number(await sites.getByLabel('Accepted units', { exact: true }).textContent())
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0)

    await partner.getByRole('button', { name: 'Stop' }).click()
    await expect
      .poll(async () => (await lastStatus(partner))?.status, { timeout: 1000 })
      .toBe('stopped')
    await expect
      .poll(async () => (await readProbe(frame)).terminated, { timeout: 1000 })
      .toBeGreaterThanOrEqual(computing.workers)
    // And it stays stopped: no unit is counted after it.
    const stopped = (await lastStatus(partner))!.unitsDone
    await partner.waitForTimeout(2000)
    expect((await lastStatus(partner))?.unitsDone).toBe(stopped)
  })

  test('two partner tabs make one computing instance, and the compute goes on when it closes', async ({
    browser,
  }) => {
    await jobWithOneVolunteer(browser)
    const context = await browser.newContext()
    const first = await openPartner(context, 'tab 1')
    const second = await openPartner(context, 'tab 2')
    await donate(first)
    await expect
      .poll(async () => (await lastStatus(first))?.status, { timeout: 60_000 })
      .toMatch(/running|waiting|starting/)
    await donate(second)
    await expect.poll(async () => (await lastStatus(second))?.status).toBe('elsewhere')
    // The waiting tab shows the computing tab's progress, and runs nothing itself.
    await expect
      .poll(async () => (await lastStatus(second))?.unitsDone ?? 0, { timeout: 90_000 })
      .toBeGreaterThan(0)
    const idle = await readProbe(await computeFrame(second))
    expect(idle.workers).toBe(0)
    expect(idle.peerConnections).toBe(0)

    const before = (await lastStatus(second))!.unitsDone!
    await first.close({ runBeforeUnload: true })
    await expect
      .poll(async () => (await lastStatus(second))?.status, { timeout: 30_000 })
      .toMatch(/running|waiting|starting/)
    await expect
      .poll(async () => (await readProbe(await computeFrame(second))).workers, { timeout: 30_000 })
      .toBeGreaterThan(0)
    await expect
      .poll(async () => (await lastStatus(second))?.unitsDone ?? 0, { timeout: 90_000 })
      .toBeGreaterThan(0)
    expect(before).toBeGreaterThan(0)
  })

  test('a hostile partner page gets nothing: forged commands are ignored and the frame cannot be read', async ({
    browser,
  }) => {
    await jobWithOneVolunteer(browser)
    const partner = await openPartner(await browser.newContext(), 'hostile partner')
    const frame = await computeFrame(partner)
    await expect(donateButton(partner)).toBeEnabled()
    // The page cannot start the compute without the visitor: there is no command for it, and the
    // old protocol's `start` is refused like any other unknown message.
    await partner.evaluate(() => {
      const settings = { cpuShare: 100, gpu: false, background: true }
      for (const forged of [
        { v: 2, type: 'start', settings },
        { v: 1, type: 'start', settings },
      ])
        computeWindow().postMessage(forged, '*')
    })
    await partner.waitForTimeout(1500)
    expect(await lastStatus(partner)).toBeUndefined()
    expect(await readProbe(frame)).toMatchObject({ workers: 0, peerConnections: 0 })

    await donate(partner)
    await expect
      .poll(async () => (await lastStatus(partner))?.unitsDone ?? 0, { timeout: 90_000 })
      .toBeGreaterThan(0)

    // Reading the frame's document or storage is refused by the browser.
    const reads = await partner.evaluate(() => {
      const target = computeWindow()
      const attempts: Record<string, () => unknown> = {
        document: () => target.document.body.innerHTML,
        localStorage: () => target.localStorage.length,
        indexedDB: () => target.indexedDB.databases(),
        location: () => target.location.href,
      }
      return Object.fromEntries(
        Object.entries(attempts).map(([name, read]) => {
          try {
            read()
            return [name, 'read']
          } catch (error) {
            return [name, (error as Error).name]
          }
        }),
      )
    })
    expect(reads).toEqual({
      document: 'SecurityError',
      localStorage: 'SecurityError',
      indexedDB: 'SecurityError',
      location: 'SecurityError',
    })

    // Malformed commands from the partner page, and a well-formed `stop` from another window than
    // the frame's parent, are all ignored.
    await partner.evaluate((appOrigin) => {
      const target = computeWindow()
      for (const forged of [
        { v: 3, type: 'stop' },
        { v: 1, type: 'stop' },
        { v: 2, type: 'stop', extra: true },
        { v: 2, type: 'settings', settings: { cpuShare: 1000, gpu: true, background: true } },
        { v: 2, type: 'dump-state' },
        'stop',
        { v: 1, type: 'start', settings: { cpuShare: 100, gpu: 'yes', background: true } },
      ])
        target.postMessage(forged, appOrigin)
      // A frame of the partner's own origin, but not the compute frame's parent.
      const stranger = document.createElement('iframe')
      document.body.append(stranger)
      const send = new (stranger.contentWindow as unknown as typeof window).Function(
        'target',
        "target.postMessage({ v: 2, type: 'stop' }, '*')",
      )
      send(target)
    }, appOrigin)
    await partner.waitForTimeout(1500)
    const after = await lastStatus(partner)
    expect(after?.status).not.toBe('stopped')
    expect((await readProbe(frame)).terminated).toBe(0)

    // All the partner page ever heard: the widget's status, in the protocol's fields only.
    const allowed = new Set(['v', 'type', 'status', 'unitsDone', 'credit', 'job', 'notice'])
    for (const event of (await readProbe(partner)).events)
      for (const key of Object.keys(event as object)) expect(allowed).toContain(key)
  })
})
