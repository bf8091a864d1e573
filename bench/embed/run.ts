/**
 * The embed, measured in a person's kind of browser: a headed Chromium (on Xvfb when there is no
 * display) driven over the DevTools protocol, so that a tab behind another is hidden and
 * throttled as it would be. The app, the signaling server and the demo partner site run as
 * `npm start` runs them (rewards off); a headless page hosts a large Mandelbrot job (quorum 1, so
 * the one visitor's units count) and lists it.
 *
 * 1. Consent to first unit: the visitor's click on "Donate compute" to the frame's first
 *    `running` status and to its first unit done, BENCH_RUNS times (reload and click again).
 * 2. Hidden over visible: with "keep going in the background" on, units per second over
 *    BENCH_EMBED_WINDOW_S seconds (default 60) in front, then again after the tab has been
 *    behind another one for BENCH_EMBED_HIDDEN_S seconds (default 300: Chrome's intensive timer
 *    throttling starts after 5 minutes hidden). Also the partner page's own 100 ms timer, to
 *    show what throttling does to a page's main thread.
 *
 *   npm run build && ../shared/bin/private-net npx tsx bench/embed/run.ts
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import type { MandelbrotParams } from '../../src/kernels/mandelbrot/params.ts'
import { chromiumArgs, chromiumExecutablePath } from '../../tests/support/chromium.ts'
import { machine, median } from '../pipeline/harness.ts'
import { loadAverage, serveBenchPage } from '../support/serveBenchPage.ts'
import { pageCaller } from '../support/pageCaller.ts'
import { CdpBrowser, type CdpTab } from './CdpBrowser.ts'
import type { EmbedBenchApi } from './page.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const runs = positiveInteger('BENCH_RUNS', 3)
const windowS = positiveInteger('BENCH_EMBED_WINDOW_S', 60)
const hiddenS = positiveInteger('BENCH_EMBED_HIDDEN_S', 300)
const host = '127.0.0.1'
const appOrigin = `http://${host}:5173`
const partnerUrl = `http://${host}:5180/`
const signalingUrl = `http://${host}:9000`
const cpuShare = 25 // the demo partner page's data-cpu
// 4,096 tiles of 256×192, far more than the bench computes, all inside the main cardioid: every
// pixel runs every iteration, so every unit costs the same and units per second measure work.
const jobParams: MandelbrotParams = {
  width: 16_384,
  height: 12_288,
  tileWidth: 256,
  tileHeight: 192,
  centerX: -0.1,
  centerY: 0,
  spanX: 0.2,
  maxIterations: 2048,
}

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
  return value
}

const call = pageCaller<EmbedBenchApi>(60_000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Probe = {
  events: { at: number; type: string; status?: string; unitsDone?: number }[]
  clickAt: number | undefined
  ticks: number
}

// In the partner page, before its scripts: records the frame's messages with their time, and
// ticks of a 100 ms timer; opens the widget's closed root so that the
// bench can find the buttons to click (embedWidget.spec.ts does the same).
const probeSource = `(() => {
  if (location.origin !== ${JSON.stringify(new URL(partnerUrl).origin)}) return
  const probe = { events: [], clickAt: undefined, ticks: 0 }
  Object.defineProperty(window, '__probe', { value: probe })
  addEventListener('message', (e) => {
    if (e.origin === ${JSON.stringify(appOrigin)}) probe.events.push({ at: performance.now(), ...e.data })
  })
  setInterval(() => probe.ticks++, 100)
  const attach = Element.prototype.attachShadow
  Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: 'open' }) }
})()`

async function until<T>(what: string, timeoutMs: number, read: () => Promise<T | undefined>) {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() - started > timeoutMs)
      throw new Error(`embed bench: timed out waiting for ${what}`)
    await sleep(100)
  }
}

async function clickButton(tab: CdpTab, name: string): Promise<void> {
  const point = await until(`the "${name}" button`, 20_000, () =>
    tab
      .evaluate<{ x: number; y: number } | null>(
        `(() => {
      const root = document.querySelector('volunteer-compute')?.shadowRoot
      const button = [...(root?.querySelectorAll('button') ?? [])].find((b) => b.textContent.trim() === ${JSON.stringify(name)})
      if (!button) return null
      button.scrollIntoView({ block: 'center' })
      const r = button.getBoundingClientRect()
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 }
    })()`,
      )
      .then((p) => p ?? undefined),
  )
  await tab.click(point.x, point.y)
}

/**
 * Clicks "Donate compute", which is our compute frame's own button: at the frame's centre, once
 * the frame is ready and its button has been in view long enough to be enabled (ConsentButton),
 * clicking again until the frame reports that it starts. The partner page cannot see a click in
 * the frame, so the probe's `clickAt` is set from the page's clock just before the click is sent.
 */
async function clickDonate(tab: CdpTab): Promise<void> {
  const point = await until('the compute frame', 20_000, () =>
    tab
      .evaluate<{ x: number; y: number } | null>(
        `(() => {
      if (!window.__probe.events.some((e) => e.type === 'ready')) return null
      const frame = document.querySelector('volunteer-compute')?.shadowRoot?.querySelector('iframe')
      if (!frame) return null
      const r = frame.getBoundingClientRect()
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 }
    })()`,
      )
      .then((p) => p ?? undefined),
  )
  const starts = async () =>
    (await readProbe(tab)).events.filter((e) => e.type === 'status' && e.status !== 'stopped')
      .length
  const before = await starts()
  await until('the frame to start', 20_000, async () => {
    await tab.evaluate('window.__probe.clickAt = performance.now()')
    await tab.click(point.x, point.y)
    await sleep(300)
    return (await starts()) > before ? true : undefined
  })
}

const readProbe = (tab: CdpTab) => tab.evaluate<Probe>('window.__probe')
const unitsDone = async (tab: CdpTab) =>
  (await readProbe(tab)).events.filter((e) => e.type === 'status').at(-1)?.unitsDone ?? 0

async function startServers(): Promise<ChildProcess> {
  const server = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, REWARDS: 'off', HOST: host, APP_PORT: '5173', SIGNALING_PORT: '9000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await until('the servers', 60_000, async () =>
    (await fetch(partnerUrl).catch(() => undefined))?.ok ? true : undefined,
  )
  return server
}

async function startDisplay(): Promise<ChildProcess | undefined> {
  if (process.env.DISPLAY) return undefined
  if (!existsSync('/usr/bin/Xvfb'))
    throw new Error('embed bench: no display and no Xvfb (apt-get install xvfb)')
  const display = ':93'
  const xvfb = spawn(
    '/usr/bin/Xvfb',
    [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
    {
      stdio: 'ignore',
    },
  )
  process.env.DISPLAY = display
  await sleep(1000)
  return xvfb
}

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1')
    throw new Error('Run inside the private network: ../shared/bin/private-net npm run bench')
  const loadBefore = loadAverage()
  const site = await serveBenchPage(here)
  const servers = await startServers()
  const executablePath = chromiumExecutablePath() ?? '/usr/bin/chromium'
  const hostBrowser = await chromium.launch({
    executablePath,
    args: ['--headless=new', ...chromiumArgs],
  })
  const display = await startDisplay()
  const browser = await CdpBrowser.launch(executablePath, 9335)
  try {
    const hostPage = await hostBrowser.newPage()
    await hostPage.goto(site.url)
    await hostPage.waitForFunction(() => 'bench' in globalThis)
    const job = await call(hostPage, 'host', [signalingUrl, jobParams, 1])
    console.error(`embed: hosting ${job.unitsTotal} units`)

    const tab = await browser.firstTab()
    await tab.send('Page.enable')
    await tab.send('Page.addScriptToEvaluateOnNewDocument', { source: probeSource })
    // The visitor lets it keep going in the background (the widget's own control, remembered).
    await tab.send('Page.navigate', { url: partnerUrl })
    await until('the partner page', 20_000, () =>
      tab.evaluate<boolean>("document.readyState === 'complete'").then((ok) => ok || undefined),
    )
    await tab.evaluate(
      `localStorage.setItem('volunteer-compute:embed:v1', JSON.stringify({ optedOut: false, settings: { cpuShare: ${cpuShare}, gpu: false, background: true } }))`,
    )

    // 1. Consent to first unit.
    const toRunning: number[] = []
    const toUnit: number[] = []
    for (let run = 0; run < runs; run++) {
      await tab.send('Page.reload')
      await sleep(500)
      await clickDonate(tab)
      const probe = await until('the first unit', 120_000, async () => {
        const p = await readProbe(tab)
        return p.events.some((e) => (e.unitsDone ?? 0) > 0) ? p : undefined
      })
      const running = probe.events.find((e) => e.status === 'running')!.at
      const unit = probe.events.find((e) => (e.unitsDone ?? 0) > 0)!.at
      toRunning.push(running - probe.clickAt!)
      toUnit.push(unit - probe.clickAt!)
      console.error(
        `embed: run ${run + 1}: running after ${(running - probe.clickAt!).toFixed(0)} ms, first unit after ${(unit - probe.clickAt!).toFixed(0)} ms`,
      )
      await clickButton(tab, 'Stop')
      await sleep(1000)
    }

    // 2. Throughput in front, then behind another tab.
    await tab.send('Page.reload')
    await sleep(500)
    await clickDonate(tab)
    await until('computing', 120_000, async () => ((await unitsDone(tab)) > 0 ? true : undefined))
    await sleep(10_000)
    const measure = async (label: string) => {
      const [units0, ticks0, t0] = [await unitsDone(tab), (await readProbe(tab)).ticks, Date.now()]
      await sleep(windowS * 1000)
      const [units1, ticks1, t1] = [await unitsDone(tab), (await readProbe(tab)).ticks, Date.now()]
      const seconds = (t1 - t0) / 1000
      const visibility = await tab.evaluate<string>('document.visibilityState')
      console.error(
        `embed: ${label} (${visibility}): ${units1 - units0} units in ${seconds.toFixed(0)} s`,
      )
      return {
        unitsPerS: (units1 - units0) / seconds,
        ticksPerS: (ticks1 - ticks0) / seconds,
        visibility,
      }
    }
    const visible = await measure('in front')
    const other = await browser.newTab('about:blank')
    console.error(`embed: tab hidden; waiting ${hiddenS} s`)
    await sleep(hiddenS * 1000)
    const hidden = await measure('behind another tab')
    await tab.activate()
    void other

    const ratio = hidden.unitsPerS / visible.unitsPerS
    const loadAfter = loadAverage()
    const ms = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ')
    console.log(
      [
        '## Embed: consent to first unit, and a hidden tab against a visible one (`bench/embed/run.ts`)',
        '',
        `- machine: ${machine()}; load average (1 / 5 / 15 min) ${loadBefore} before, ${loadAfter} after`,
        `- ${browser.version} headed on ${display ? 'Xvfb' : process.env.DISPLAY}, driven over CDP without test flags; node ${process.version}; localhost; demo partner page, CPU share ${cpuShare} %, GPU off; Mandelbrot tiles of 256×192 inside the set at 2,048 iterations (the same work in every unit), quorum 1`,
        '',
        '| consent click to … | median ms | all runs ms |',
        '| --- | ---: | --- |',
        `| the frame's first \`running\` status (runtime loaded, engines calibrated, peer open, job joined, kernel loaded) | ${median(toRunning).toFixed(0)} | ${ms(toRunning)} |`,
        `| the first unit done | ${median(toUnit).toFixed(0)} | ${ms(toUnit)} |`,
        '',
        `| tab | visibility | units/s | partner page 100 ms timer, ticks/s |`,
        '| --- | --- | ---: | ---: |',
        `| in front, ${windowS} s | ${visible.visibility} | ${visible.unitsPerS.toFixed(2)} | ${visible.ticksPerS.toFixed(1)} |`,
        `| behind another tab for ${hiddenS} s, then ${windowS} s | ${hidden.visibility} | ${hidden.unitsPerS.toFixed(2)} | ${hidden.ticksPerS.toFixed(1)} |`,
        '',
        `- hidden / visible throughput: **${ratio.toFixed(2)}** (goal at least 0.9: ${ratio >= 0.9 ? '**met**' : '**not met**'})`,
      ].join('\n'),
    )
  } finally {
    await browser.close()
    await hostBrowser.close()
    servers.kill()
    display?.kill()
    site.server.close()
  }
}

await main()
