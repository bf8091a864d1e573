import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Page,
} from '@playwright/test'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
} from '../../tests/support/chromium.ts'
import { pageCaller } from '../support/pageCaller.ts'
import type { BenchApi } from './page.ts'

/** Browsers, pages and the static server the pipeline bench drives; no measuring here. */

const launchArgs = [
  '--headless=new',
  ...chromiumArgs,
  ...noBackgroundThrottlingArgs,
  '--js-flags=--expose-gc',
]

const executablePath = chromiumExecutablePath()

// Cross-origin isolated, as the app is served (see vite.config.ts).
const isolationHeaders = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
}

export async function serveDist(dist: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.wasm': 'application/wasm',
  }
  const server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    const file = path.join(dist, pathname === '/' ? 'index.html' : pathname)
    const found = file.startsWith(dist) && (await stat(file).catch(() => undefined))?.isFile()
    if (!found) {
      response.writeHead(404).end()
      return
    }
    const type = types[path.extname(file)] ?? 'application/octet-stream'
    response.writeHead(200, { 'content-type': type, ...isolationHeaders })
    createReadStream(file).pipe(response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

/**
 * The host gets a persistent profile so its IndexedDB lives on disk as in a person's browser
 * (a fresh Playwright context keeps it in memory); the volunteers share a second process.
 */
export type Browsers = {
  host: BrowserContext
  volunteers: Browser
  version: string
  close: () => Promise<void>
}

export async function launchBrowsers(): Promise<Browsers> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'pipeline-bench-'))
  const host = await chromium.launchPersistentContext(profile, {
    ...(executablePath ? { executablePath } : {}),
    args: launchArgs,
  })
  const volunteers = await chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: launchArgs,
  })
  return {
    host,
    volunteers,
    version: volunteers.version(),
    close: async () => {
      await Promise.all([host.close(), volunteers.close()])
      await rm(profile, { recursive: true, force: true })
    },
  }
}

export async function openPage(page: Page, url: string, label: string): Promise<Page> {
  page.on('pageerror', (error) => console.error(`${label} page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      console.error(`${label} console: ${message.text()}`)
  })
  await page.goto(url)
  await page.waitForFunction(() => 'bench' in globalThis)
  return page
}

/** Calls `window.bench[name](...args)` in the page; fails after 120,000 ms. */
export const call = pageCaller<BenchApi>(120_000)

/** Chromium's own counters for one page, by CDP `Performance.getMetrics`. */
export async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics')
  return Object.fromEntries(list.map(({ name, value }) => [name, value]))
}

export async function collectGarbage(cdp: CDPSession): Promise<void> {
  await cdp.send('HeapProfiler.collectGarbage')
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export function machine(): string {
  const cpus = os.cpus()
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`
}

/** What every measurement needs: where the page and the signaling server are, the browsers. */
export type BenchContext = {
  siteUrl: string
  signalingUrl: string
  browsers: Browsers
  runs: number
}

/** A fresh host tab (fresh heap) with a CDP session on it. */
export async function openHost(context: BenchContext): Promise<{ page: Page; cdp: CDPSession }> {
  const page = await openPage(await context.browsers.host.newPage(), context.siteUrl, 'host')
  const cdp = await context.browsers.host.newCDPSession(page)
  await cdp.send('Performance.enable')
  return { page, cdp }
}

/** `count` volunteer tabs, each with a pool of `workers` workers and its own peer. */
export async function openVolunteers(
  context: BenchContext,
  count: number,
  workers: number,
): Promise<Page[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const page = await openPage(
        await context.browsers.volunteers.newPage(),
        context.siteUrl,
        `volunteer ${i + 1}`,
      )
      await call(page, 'volunteerOpen', [context.signalingUrl, workers])
      return page
    }),
  )
}
