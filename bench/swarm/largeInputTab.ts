/**
 * A 1 GiB input hosted from a browser tab, and the memory of the browser's processes while it
 * runs: the sibling of largeInput.ts (the same job hosted headless). Writes the same word-count
 * package (manifest.json, wordfreq.wasm, a 1 GiB input.txt: BENCH_LARGE_MIB) to a temporary
 * folder; serves the built app (`dist/`, as `npm run serve` does, without a chain: unpaid) and a
 * signaling server; opens the requester page in Chromium on a profile on disk (as a person's
 * browser: a fresh Playwright context would keep IndexedDB in memory), uploads the package
 * through the upload form by file path, checks it (the input hashed in a worker, unit 0 dry-run)
 * and publishes it (the input stored in IndexedDB, its pieces hashed); then 4 headless
 * volunteers in another process (upload share 32 MiB/s, as largeInput.ts) compute it. Every
 * 250 ms it samples the page's JS heap (CDP `Performance.getMetrics`) and the RSS of each of the
 * browser's processes (/proc/<pid>/status), summed by kind, and their PSS (smaps_rollup).
 * Each figure is the peak of a phase: the page open, the upload check, publishing, the job run. The output is downloaded from the
 * page and checked against the counts computed here. Prints a markdown report on stdout,
 * progress on stderr. Needs `npm run build` first.
 *
 *   ../shared/bin/private-net npx tsx bench/swarm/largeInputTab.ts
 *
 * BENCH_LARGE_MIB (default 1024), BENCH_TAB_TIMEOUT_S (default 900: the whole run's limit).
 */
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { readFileSync, readdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type CDPSession, type Page } from '@playwright/test'
import { preview } from 'vite'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  noComputePressureArgs,
} from '../../tests/support/chromium.ts'
import { machine } from '../pipeline/harness.ts'
import { spawnLargeInputVolunteers, writeLargeInputPackage } from './largeInputPackage.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const MiB = 1024 * 1024
const totalMiB = Number(process.env.BENCH_LARGE_MIB ?? 1024)
const limitMs = Number(process.env.BENCH_TAB_TIMEOUT_S ?? 900) * 1000
const volunteerCount = 4
const startedAt = performance.now()
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${line}\n`)
/** What is left of the whole run's time limit, for a wait. */
const remaining = () => Math.max(1000, limitMs - (performance.now() - startedAt))

/** A Chromium process's kind, from its command line: browser, renderer, gpu, storage, … */
function kindOf(pid: number): string {
  // Chromium rewrites its command line (setproctitle): arguments then part with spaces.
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
  const type = args.find((arg) => arg.startsWith('--type='))?.slice('--type='.length)
  if (!type)
    return path.basename(args[0] ?? '') === 'chrome_crashpad_handler' ? 'crashpad' : 'browser'
  if (type === 'gpu-process') return 'gpu'
  if (type !== 'utility') return type
  const sub = args.find((arg) => arg.startsWith('--utility-sub-type='))?.slice(19) ?? ''
  if (sub.startsWith('storage.')) return 'storage'
  if (sub.startsWith('network.')) return 'network'
  return `utility (${sub.split('.').at(-1) ?? '?'})`
}

/** The process `pid` and all its descendants, by their parent ids in /proc. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name, in parentheses, may hold spaces: the parent id follows the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // Gone meanwhile.
    }
  }
  const tree: number[] = []
  const queue = [pid]
  while (queue.length) {
    const next = queue.shift()!
    tree.push(next)
    queue.push(...(children.get(next) ?? []))
  }
  return tree
}

/** Pss of a process (its share of the pages it shares), in bytes; 0 when it is gone. */
function pssOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

/** VmRSS of a process, in bytes; 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

/** Finds the browser process of the profile in `profile` (its command line names it). */
async function browserPid(profile: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (args.includes(`--user-data-dir=${profile}`) && !args.includes('--type='))
      return Number(entry)
  }
  throw new Error(`no browser process with the profile ${profile}`)
}

/** Bytes of the files under `folder`, recursively. */
async function sizeOnDisk(folder: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size
  return bytes
}

type Peaks = {
  /** Peak of each kind's summed RSS, and how many processes of that kind there were then. */
  byKind: Map<string, { rss: number; count: number }>
  /** The largest single process of each kind. */
  largest: Map<string, number>
  total: number
  /** Summed RSS counts a page shared by several processes in each: PSS shares it out. */
  pss: number
  heapUsed: number
  heapTotal: number
}

const emptyPeaks = (): Peaks => ({
  byKind: new Map(),
  largest: new Map(),
  total: 0,
  pss: 0,
  heapUsed: 0,
  heapTotal: 0,
})

/**
 * Samples the browser's processes every 250 ms into the current phase's peaks (and the whole
 * run's). The page's heap is asked for over CDP, one request at a time: a busy page answers late,
 * and the RSS samples do not wait for it.
 */
class MemorySampler {
  readonly phases = new Map<string, Peaks>()
  readonly overall = emptyPeaks()
  #phase = 'idle'
  #timer: ReturnType<typeof setInterval> | undefined
  #heapPending = false
  samples = 0

  constructor(
    readonly pid: number,
    readonly cdp: CDPSession,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.sample(), 250)
  }

  phase(name: string): void {
    this.sample()
    this.#phase = name
    this.phases.set(name, emptyPeaks())
  }

  stop(): void {
    clearInterval(this.#timer)
    this.sample()
  }

  sample(): void {
    this.samples++
    const sums = new Map<string, { rss: number; count: number }>()
    const largest = new Map<string, number>()
    let total = 0
    let pss = 0
    for (const pid of processTree(this.pid)) {
      let kind: string
      try {
        kind = kindOf(pid)
      } catch {
        continue
      }
      const rss = rssOf(pid)
      const sum = sums.get(kind) ?? { rss: 0, count: 0 }
      sums.set(kind, { rss: sum.rss + rss, count: sum.count + 1 })
      largest.set(kind, Math.max(largest.get(kind) ?? 0, rss))
      total += rss
      pss += pssOf(pid)
    }
    for (const peaks of this.#current()) {
      for (const [kind, sum] of sums) {
        const peak = peaks.byKind.get(kind)
        if (!peak || sum.rss > peak.rss) peaks.byKind.set(kind, sum)
      }
      for (const [kind, rss] of largest)
        peaks.largest.set(kind, Math.max(peaks.largest.get(kind) ?? 0, rss))
      peaks.total = Math.max(peaks.total, total)
      peaks.pss = Math.max(peaks.pss, pss)
    }
    if (this.#heapPending) return
    this.#heapPending = true
    const phases = this.#current()
    this.cdp
      .send('Performance.getMetrics')
      .then(({ metrics }) => {
        const value = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0
        for (const peaks of phases) {
          peaks.heapUsed = Math.max(peaks.heapUsed, value('JSHeapUsedSize'))
          peaks.heapTotal = Math.max(peaks.heapTotal, value('JSHeapTotalSize'))
        }
      })
      .catch(() => undefined)
      .finally(() => (this.#heapPending = false))
  }

  #current(): Peaks[] {
    let peaks = this.phases.get(this.#phase)
    if (!peaks) this.phases.set(this.#phase, (peaks = emptyPeaks()))
    return [peaks, this.overall]
  }
}

/** A readout of the requester page's stats grid (`<dt>label</dt><dd>value</dd>`). */
const readout = (page: Page, label: string) => page.getByLabel(label, { exact: true })

async function main(): Promise<void> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'large-input-tab-'))
  const profile = path.join(folder, 'profile')
  const site = path.join(folder, 'dist')
  const cleanups: (() => Promise<unknown>)[] = [() => rm(folder, { recursive: true, force: true })]
  let volunteers: ChildProcess | undefined
  try {
    log(`writing a ${totalMiB} MiB input to ${folder}`)
    const expected = await writeLargeInputPackage(folder, totalMiB)
    const expectedBytes = Buffer.from(expected.buffer)

    // A copy of the build, so a rebuild of dist/ during the run changes nothing here.
    await cp(path.join(root, 'dist'), site, { recursive: true })
    const server = await createSignalingServer({ port: 0 })
    cleanups.unshift(() => server.close())
    delete process.env.CHAIN_CONFIG_JSON
    const app = await preview({
      root,
      logLevel: 'warn',
      build: { outDir: site },
      preview: { host: '127.0.0.1', port: 0 },
    })
    cleanups.unshift(() => app.close())
    const appUrl = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`

    const executablePath = chromiumExecutablePath()
    const context: BrowserContext = await chromium.launchPersistentContext(profile, {
      ...(executablePath ? { executablePath } : {}),
      args: [...chromiumArgs, ...noBackgroundThrottlingArgs, ...noComputePressureArgs],
      acceptDownloads: true,
    })
    cleanups.unshift(() => context.close())
    const version = context.browser()?.version() ?? 'unknown'
    const page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(remaining())
    page.on('pageerror', (error) => log(`page error: ${error.message}`))
    page.on('console', (message) => {
      // The site runs without rewards: its /chain.json answers 404.
      if (message.type() === 'error' && message.text().includes('404')) return
      if (message.type() === 'error' || message.type() === 'warning')
        log(`page console: ${message.text()}`)
    })
    page.on('crash', () => log('the requester page crashed'))
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const sampler = new MemorySampler(await browserPid(profile), cdp)
    sampler.start()

    const query = new URLSearchParams({ signaling: server.url })
    await page.goto(`${appUrl}/requester/?${query}`)
    await page.getByRole('button', { name: 'Check and dry run' }).waitFor()
    await page.waitForTimeout(2000)

    sampler.phase('check')
    log('uploading the package through the form (by file path)')
    await page.locator('#wasm-file').setInputFiles(path.join(folder, 'wordfreq.wasm'))
    await page.locator('#manifest-file').setInputFiles(path.join(folder, 'manifest.json'))
    await page.locator('#input-file').setInputFiles(path.join(folder, 'input.txt'))
    await page.waitForFunction(
      () => (document.querySelector('#manifest-text') as HTMLTextAreaElement).value.length > 0,
    )
    const checkAt = performance.now()
    await page.getByRole('button', { name: 'Check and dry run' }).click()
    const publish = page.getByRole('button', { name: 'Publish job' })
    const problems = page.locator('[aria-labelledby="upload-heading"] [role="alert"]')
    await Promise.race([
      publish.waitFor(),
      problems
        .first()
        .waitFor()
        .then(async () => {
          throw new Error(`the upload was refused: ${await problems.allInnerTexts()}`)
        }),
    ])
    const checkSeconds = (performance.now() - checkAt) / 1000
    log(`checked, input hashed and unit 0 dry-run in ${checkSeconds.toFixed(1)} s`)

    sampler.phase('open')
    const publishAt = performance.now()
    await publish.click()
    const unitsTotal = readout(page, 'Units total')
    await unitsTotal.waitFor()
    await page.getByText(/host id/).waitFor()
    const openSeconds = (performance.now() - publishAt) / 1000
    log(`job open (input stored in IndexedDB, pieces hashed) in ${openSeconds.toFixed(1)} s`)
    const storedBytes = await sizeOnDisk(path.join(profile, 'Default', 'IndexedDB'))
    log(`the profile's IndexedDB holds ${(storedBytes / MiB).toFixed(0)} MiB on disk`)

    sampler.phase('run')
    const runAt = performance.now()
    volunteers = spawnLargeInputVolunteers(server.url, volunteerCount, folder)
    const exited = new Promise((resolve) => volunteers!.on('exit', resolve))
    cleanups.unshift(async () => {
      volunteers!.stdin!.end()
      await exited
    })
    const progress = setInterval(() => {
      void Promise.all(
        ['Validated', 'Units total', 'Data sent (MiB)'].map((label) =>
          readout(page, label)
            .textContent({ timeout: 1000 })
            .catch(() => '?'),
        ),
      ).then(([validated, total, sent]) => log(`${validated}/${total} validated, ${sent} MiB sent`))
    }, 10_000)
    const hash = page.getByTestId('output-sha256')
    try {
      await Promise.race([
        hash.waitFor({ timeout: remaining() }),
        exited.then((code) => {
          throw new Error(`the volunteers' process exited (${code}) before the job completed`)
        }),
      ])
    } finally {
      clearInterval(progress)
    }
    const runSeconds = (performance.now() - runAt) / 1000
    sampler.phase('done')
    log(`output shown after ${runSeconds.toFixed(1)} s`)

    const read = async (label: string) => (await readout(page, label).textContent())?.trim() ?? ''
    const sentMiB = Number(await read('Data sent (MiB)'))
    const inputMiB = Number(await read('Input (MiB)'))
    const resultsPerUnit = await read('Results per accepted unit')
    const validated = await read('Validated')
    const flagged = await read('Flagged volunteers')
    const shownSha256 = (await hash.textContent())?.trim() ?? ''
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download output' }).click(),
    ])
    const downloaded = await readFile(await download.path())
    const expectedSha256 = createHash('sha256').update(expectedBytes).digest('hex')
    const right = downloaded.equals(expectedBytes) && shownSha256 === expectedSha256
    await page.waitForTimeout(1000)
    sampler.stop()

    const m = (bytes: number) => (bytes / MiB).toFixed(0)
    const phases = [
      ['idle', 'page open'],
      ['check', 'upload check'],
      ['open', 'publish'],
      ['run', 'job run'],
    ] as const
    const kinds = [...sampler.overall.byKind.keys()].sort(
      (a, b) => sampler.overall.byKind.get(b)!.rss - sampler.overall.byKind.get(a)!.rss,
    )
    const cell = (peaks: Peaks | undefined, kind: string) => {
      const peak = peaks?.byKind.get(kind)
      return peak ? `${m(peak.rss)}${peak.count > 1 ? ` (${peak.count})` : ''}` : '–'
    }
    const row = (label: string, value: (peaks: Peaks | undefined) => string) =>
      `| ${label} | ${phases.map(([name]) => value(sampler.phases.get(name))).join(' | ')} | **${value(sampler.overall)}** |`
    process.stdout.write(
      [
        `## A ${totalMiB % 1024 ? `${totalMiB} MiB` : `${totalMiB / 1024} GiB`} input, hosted from a tab`,
        '',
        `${machine()}; Node ${process.version}; Chromium ${version} (headless, a profile on disk). ${totalMiB} MiB input in ${totalMiB} units of 1 MiB (4 pieces each), plain quorum 2, uploaded through the requester page's form and published from it; ${volunteerCount} headless volunteers (another process, upload share 32 MiB/s), no uplink cap. Memory sampled every 250 ms (${sampler.samples} samples).`,
        '',
        '| figure | value |',
        '| --- | --- |',
        `| output right (downloaded from the page, ${validated} units validated, ${flagged} flagged) | ${right ? 'yes' : '**no**'} |`,
        `| upload check (input hashed in a worker, unit 0 dry-run) | ${checkSeconds.toFixed(1)} s |`,
        `| publish (input stored in IndexedDB, its ${totalMiB * 4} pieces hashed) | ${openSeconds.toFixed(1)} s |`,
        `| the profile's IndexedDB on disk after publishing | ${(storedBytes / MiB).toFixed(0)} MiB |`,
        `| job run (volunteers started to output shown) | ${runSeconds.toFixed(1)} s |`,
        `| host sent ("Data sent (MiB)") | ${sentMiB.toFixed(0)} MiB (${(sentMiB / inputMiB).toFixed(2)}× the input; results/unit ${resultsPerUnit}) |`,
        '',
        "Peak RSS by process kind, MiB (summed over the processes of a kind; their number in parentheses), and the page's JS heap (main thread, CDP):",
        '',
        `| process | ${phases.map(([, label]) => label).join(' | ')} | peak |`,
        `| --- | ${phases.map(() => '---').join(' | ')} | --- |`,
        ...kinds.map((kind) => row(kind, (peaks) => cell(peaks, kind))),
        row('renderer, the largest one', (peaks) => m(peaks?.largest.get('renderer') ?? 0)),
        row('all processes, RSS', (peaks) => (peaks ? m(peaks.total) : '–')),
        row('all processes, PSS', (peaks) => (peaks ? m(peaks.pss) : '–')),
        row('page JS heap used', (peaks) => (peaks ? m(peaks.heapUsed) : '–')),
        row('page JS heap total', (peaks) => (peaks ? m(peaks.heapTotal) : '–')),
        '',
      ].join('\n'),
    )
    if (!right) {
      log(`output wrong: shown ${shownSha256}, expected ${expectedSha256}`)
      process.exitCode = 1
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => log(String(error)))
  }
}

await main()
process.exit()
