import { expect, test, type Page, type Request } from '@playwright/test'

const partnerUrl = 'http://127.0.0.1:5180/'
const appOrigin = 'http://127.0.0.1:5173'
const signalingPort = '9000'

type Probe = { constructed: Record<string, number>; shadowModes: string[] }

/**
 * Runs in the partner page before any of its scripts: counts every worker, peer connection and
 * socket the page constructs, and records the mode of each shadow root attached. The widget's
 * root is closed, which Playwright's locators cannot enter; the probe records that it asked for
 * `closed`, then gives it an open one so that the test can find the widget by role and text as
 * a visitor would. Nothing else changes: styles apply to open and closed roots alike.
 */
function installProbe() {
  const probe: Probe = { constructed: {}, shadowModes: [] }
  Object.defineProperty(window, '__embedProbe', { value: probe })
  const scope = window as unknown as Record<string, unknown>
  for (const name of ['Worker', 'SharedWorker', 'RTCPeerConnection', 'WebSocket']) {
    const original = scope[name] as (new (...args: unknown[]) => object) | undefined
    if (!original) continue
    probe.constructed[name] = 0
    scope[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        probe.constructed[name]! += 1
        return Reflect.construct(target, args, newTarget) as object
      },
    })
  }
  const attachShadow = Element.prototype.attachShadow
  Element.prototype.attachShadow = function (init: ShadowRootInit) {
    probe.shadowModes.push(init.mode)
    return attachShadow.call(this, { ...init, mode: 'open' })
  }
}

function readProbe(page: Page): Promise<Probe> {
  return page.evaluate(() => (window as unknown as { __embedProbe: Probe }).__embedProbe)
}

async function openPartner(page: Page, url = partnerUrl) {
  const requests: Request[] = []
  page.on('request', (request) => requests.push(request))
  const workers: string[] = []
  page.on('worker', (worker) => workers.push(worker.url()))
  const sockets: string[] = []
  page.on('websocket', (socket) => sockets.push(socket.url()))
  await page.addInitScript(installProbe)
  await page.goto(url)
  return { requests, workers, sockets }
}

/** Adds an embed.js tag with these data attributes to the page, and waits until it has run. */
async function addEmbedTag(page: Page, dataset: Record<string, string>) {
  await page.evaluate(
    ({ src, dataset }) =>
      new Promise((resolve, reject) => {
        const script = document.createElement('script')
        script.src = src
        Object.assign(script.dataset, dataset)
        script.onload = resolve
        script.onerror = reject
        document.body.append(script)
      }),
    { src: `${appOrigin}/embed.js`, dataset },
  )
}

/** The widget's host element, on the partner's page. */
const widgetHost = (page: Page) => page.locator('volunteer-compute')

/** The consent button: our compute frame's own, inside the widget. */
const donateButton = (page: Page, name = 'Donate compute') =>
  page.frameLocator('volunteer-compute iframe').getByRole('button', { name, exact: true })

/** Our compute frame, as Playwright sees it. */
const computeFrame = (page: Page) =>
  page.frames().find((frame) => frame.url().startsWith(appOrigin))

test.describe('the embed widget on a partner page', () => {
  test('offers, styled as ours despite the partner’s CSS, and runs nothing before the click', async ({
    page,
  }) => {
    const seen = await openPartner(page)
    const donate = donateButton(page)
    await expect(donate).toBeVisible()
    await expect(page.getByRole('region', { name: 'Volunteer compute' })).toContainText(
      'nothing runs until you click',
    )
    const decline = page.getByRole('button', { name: 'No thanks' })
    await expect(decline).toBeVisible()
    expect((await readProbe(page)).shadowModes).toEqual(['closed'])

    // The partner page sets `* { font: 30px serif !important; color: red }`, dashed purple
    // borders, upper case, `button { display: none !important }` and hides its body's last child.
    const host = await widgetHost(page).evaluate((element) => {
      const style = getComputedStyle(element)
      return { display: style.display, position: style.position, opacity: style.opacity }
    })
    expect(host).toEqual({ display: 'block', position: 'fixed', opacity: '1' })
    for (const button of [donate, decline]) {
      const style = await button.evaluate((element) => {
        const style = getComputedStyle(element)
        return {
          fontSize: style.fontSize,
          fontFamily: style.fontFamily,
          textTransform: style.textTransform,
          borderStyle: style.borderTopStyle,
        }
      })
      expect(style).toMatchObject({ fontSize: '14px', textTransform: 'none', borderStyle: 'solid' })
      expect(style.fontFamily).toMatch(/^system-ui/)
    }
    const offerText = page.getByText(/nothing runs until you click/)
    expect(await offerText.evaluate((element) => getComputedStyle(element).color)).not.toBe(
      'rgb(255, 0, 0)',
    )
    // In the bottom-right corner of the viewport.
    const box = (await page.getByRole('region', { name: 'Volunteer compute' }).boundingBox())!
    const viewport = page.viewportSize()!
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width)
    expect(box.x + box.width).toBeGreaterThan(viewport.width - 40)
    expect(box.y + box.height).toBeGreaterThan(viewport.height - 40)

    // The frame is there, as the button, and runs nothing. Give anything eager time to show
    // itself, then check, in the page and in the frame.
    const frame = page.locator('volunteer-compute iframe')
    await expect(frame).toHaveAttribute(
      'src',
      `${appOrigin}/embed/frame.html?site=demo-partner&job=best&parent=${encodeURIComponent('http://127.0.0.1:5180')}&theme=auto`,
    )
    await expect(frame).toHaveAttribute('title', 'Donate compute')
    await expect(donate).toBeEnabled()
    await page.waitForTimeout(1000)
    const none = { Worker: 0, SharedWorker: 0, RTCPeerConnection: 0, WebSocket: 0 }
    expect((await readProbe(page)).constructed).toEqual(none)
    expect(
      await computeFrame(page)!.evaluate(
        () => (window as unknown as { __embedProbe: Probe }).__embedProbe.constructed,
      ),
    ).toEqual(none)
    expect(seen.workers).toEqual([])
    expect(seen.sockets).toEqual([])
    const urls = seen.requests.map((request) => request.url())
    expect(urls.filter((url) => new URL(url).port === signalingPort)).toEqual([])
    // Ours: the loader, the frame's page and its own small script; not the runtime.
    const ours = urls.filter((url) => url.startsWith(appOrigin)).map((url) => new URL(url).pathname)
    expect(ours.slice(0, 2)).toEqual(['/embed.js', '/embed/frame.html'])
    for (const path of ours.slice(2)) expect(path).toMatch(/^\/assets\/[\w-]+\.(js|css)$/)
    expect(ours.join(' ')).not.toMatch(/startVolunteerRuntime|worker/i)

    await donate.click()
    // The widget shows what the compute frame reports: its messages pass the origin checks.
    const status = page.getByRole('status').first()
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible()
    await expect(status).not.toHaveText(/^$/)
    await expect(page.getByRole('slider', { name: 'CPU share' })).toHaveValue('25')
    await expect(page.getByRole('checkbox', { name: 'Use the GPU' })).not.toBeChecked()
    await page.getByRole('button', { name: 'Stop' }).click()
    await expect(status).toHaveText(/^Stopped\. \d+ units? done so far\.$/)
    await expect(donateButton(page, 'Resume')).toBeEnabled()
    // Stop is gone: the keyboard focus has moved on to Resume, and Enter there resumes.
    await expect(donateButton(page, 'Resume')).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible()
  })

  test('messages that do not come from the compute frame are ignored', async ({ page }) => {
    await openPartner(page)
    await donateButton(page).click()
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible()
    const forged = {
      v: 2,
      type: 'status',
      status: 'running',
      unitsDone: 999,
      credit: 999,
      job: 'forged job',
    }
    // From the partner page itself, with our origin's data: the source is not the frame.
    await page.evaluate((message) => window.postMessage(message, '*'), forged)
    await page.waitForTimeout(500)
    await expect(page.getByText('forged job')).toHaveCount(0)
    await expect(page.getByText('999')).toHaveCount(0)
  })

  test('only a click on the visible button consents: not the page’s script, not a hidden frame', async ({
    page,
  }) => {
    await openPartner(page)
    const donate = donateButton(page)
    await expect(donate).toBeEnabled()
    const stop = page.getByRole('button', { name: 'Stop' })
    // The page's script cannot click into our frame; clicking the frame element does nothing.
    await page.evaluate(() => {
      const frame = document
        .querySelector('volunteer-compute')!
        .shadowRoot!.querySelector('iframe')!
      frame.click()
      frame.dispatchEvent(new MouseEvent('click', { bubbles: true }))
    })
    await page.waitForTimeout(500)
    await expect(stop).toBeHidden()

    // Clickjacking: the page makes the widget all but transparent, so that a visitor who clicks
    // there does not see our button. The button turns disabled, and a real click does nothing.
    // (Moving the widget into a see-through element would reload our frame; fading the body,
    // which holds it, does not.)
    await page.evaluate(() => document.body.style.setProperty('opacity', '0.02', 'important'))
    await expect(donate).toBeDisabled()
    const box = (await page.locator('volunteer-compute iframe').boundingBox())!
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
    await page.waitForTimeout(1000)
    await expect(stop).toBeHidden()

    // In plain view again, the same click consents.
    await page.evaluate(() => document.body.style.setProperty('opacity', '1', 'important'))
    await expect(donate).toBeEnabled()
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
    await expect(stop).toBeVisible()
    await stop.click()
  })

  test('“No thanks” is remembered for the site: after a reload the widget stays a pill', async ({
    page,
  }) => {
    await openPartner(page)
    await page.getByRole('button', { name: 'No thanks' }).click()
    const pill = page.getByRole('button', { name: 'Donate compute?' })
    await expect(pill).toBeFocused()
    await expect(page.getByRole('region', { name: 'Volunteer compute' })).toHaveCount(0)
    await page.reload()
    await expect(pill).toBeVisible()
    await page.waitForTimeout(500)
    // Opted out, not even our frame loads.
    expect(page.frames()).toHaveLength(1)
    // The pill reopens the offer, and a "No thanks" there closes it again.
    await pill.click()
    await expect(donateButton(page)).toBeEnabled()
    await page.getByRole('button', { name: 'No thanks' }).click()
    await page.reload()
    await expect(pill).toBeVisible()
  })

  test('fits a phone’s width', async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: 320, height: 640 },
      isMobile: true,
      hasTouch: true,
    })
    const page = await context.newPage()
    await openPartner(page)
    const offer = page.getByRole('region', { name: 'Volunteer compute' })
    await expect(offer).toBeVisible()
    const box = (await offer.boundingBox())!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(320)
    for (const [name, button] of [
      ['Donate compute', donateButton(page)],
      ['No thanks', page.getByRole('button', { name: 'No thanks' })],
    ] as const) {
      const box = (await button.boundingBox())!
      expect(box.x + box.width, name).toBeLessThanOrEqual(320)
      expect(box.height, name).toBeGreaterThanOrEqual(36)
    }
    await expect(donateButton(page)).toBeEnabled()
    await donateButton(page).tap()
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible()
    const running = (await offer.boundingBox())!
    expect(running.x + running.width).toBeLessThanOrEqual(320)
    await page.getByRole('button', { name: 'Stop' }).tap()
    await context.close()
  })

  test('one widget even when included twice; inline goes right after its tag', async ({ page }) => {
    const warnings: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text())
    })
    await openPartner(page, `${partnerUrl}plain.html`)
    await addEmbedTag(page, { site: 'demo-partner', position: 'inline', theme: 'dark' })
    await addEmbedTag(page, { site: 'demo-partner', position: 'bottom-left' })
    await expect(donateButton(page)).toBeVisible()
    await expect(widgetHost(page)).toHaveCount(1)
    expect(await widgetHost(page).evaluate((host) => host.previousElementSibling?.tagName)).toBe(
      'SCRIPT',
    )
    expect(await widgetHost(page).evaluate((host) => getComputedStyle(host).position)).toBe(
      'static',
    )
    expect(warnings).toContainEqual(expect.stringContaining('included more than once'))
  })

  test('a missing or bad site key shows nothing and says why in the console', async ({ page }) => {
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    await openPartner(page, `${partnerUrl}plain.html`)
    await addEmbedTag(page, {})
    await addEmbedTag(page, { site: 'not a key' })
    expect(errors).toEqual([
      expect.stringContaining('data-site is required'),
      expect.stringContaining('data-site must be 1 to 64 letters'),
    ])
    await expect(widgetHost(page)).toHaveCount(0)
  })
})
