/**
 * Moves 64 MiB between two headless Chromium processes over WebRTC and compares our
 * FramedChannel with a bare RTCDataChannel sender and PeerJS's binary serialization. The three
 * alternate within each round; medians are reported. Run inside the private network:
 *
 *   /work/shared/bin/private-net npx tsx bench/transfer/run.ts
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from '@playwright/test'
import { PeerServer } from 'peer'
import { build } from 'vite'
import { chromiumArgs, chromiumExecutablePath } from '../../tests/support/chromium.ts'
import type { BenchApi, Method, ProbeReport, SendSettings } from './page.ts'

const MiB = 1024 * 1024
const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.join(here, 'dist')
const runs = Number(process.env.BENCH_RUNS ?? 5)
if (!Number.isInteger(runs) || runs < 1) throw new Error('BENCH_RUNS must be a positive integer.')
const settings: SendSettings = {
  totalBytes: 64 * MiB,
  chunkBytes: 4 * MiB,
  highWaterMark: MiB,
  lowWaterMark: 256 * 1024,
}
const methods: Method[] = ['ours', 'raw', 'peerjs']
const launchArgs = [
  '--headless=new',
  ...chromiumArgs,
  // Lets the page collect garbage between runs, so one run's leftovers do not tax the next.
  '--js-flags=--expose-gc',
]

type Sample = { mibPerSecond: number } & ProbeReport

function call<K extends keyof BenchApi>(
  page: Page,
  name: K,
  ...args: Parameters<BenchApi[K]>
): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  return page.evaluate(
    ({ name, args }) => {
      const api = (globalThis as unknown as { bench: Record<string, (...a: unknown[]) => unknown> })
        .bench
      return api[name]!(...args)
    },
    { name, args },
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>
}

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function serveDist(): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }
  const server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    const file = path.join(dist, pathname === '/' ? 'index.html' : pathname)
    const found = file.startsWith(dist) && (await stat(file).catch(() => undefined))?.isFile()
    if (!found) {
      response.writeHead(404).end()
      return
    }
    const type = types[path.extname(file)] ?? 'application/octet-stream'
    response.writeHead(200, { 'content-type': type })
    createReadStream(file).pipe(response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

async function startPeerServer(): Promise<{ server: Server; port: number }> {
  const port = await freePort()
  const server = await new Promise<Server>((resolve) => {
    PeerServer({ host: '127.0.0.1', port, path: '/' }, (listening) => resolve(listening as Server))
  })
  return { server, port }
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`page console: ${message.text()}`)
  })
  await page.goto(url)
  await page.waitForFunction(() => 'bench' in globalThis)
  return page
}

async function connect(method: Method, sender: Page, receiver: Page): Promise<void> {
  if (method === 'peerjs') {
    await call(receiver, 'expect', settings.totalBytes)
    await call(sender, 'peerConnect', 'receiver')
    return
  }
  const offer = await call(sender, 'rtcOffer')
  const answer = await call(receiver, 'rtcAnswer', offer, method, settings.totalBytes)
  await call(sender, 'rtcAccept', answer)
}

async function transfer(method: Method, sender: Page, receiver: Page) {
  await connect(method, sender, receiver)
  const [sent, got] = await Promise.all([
    call(sender, 'send', method, settings),
    call(receiver, 'received'),
  ])
  const probe = await call(sender, 'stopProbe')
  if (!got.verified) throw new Error(`${method}: received bytes differ from those sent`)
  const close = method === 'peerjs' ? 'peerClose' : 'rtcClose'
  await Promise.all([call(sender, close), call(receiver, close)])
  await Promise.all([call(sender, 'gc'), call(receiver, 'gc')])
  const seconds = (got.endedAt - sent.startedAt) / 1000
  return {
    sample: { mibPerSecond: got.bytes / MiB / seconds, ...probe },
    frameBytes: sent.frameBytes,
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const fixed = (value: number, digits = 2) => value.toFixed(digits)
const bytes = (value: number) => (value % 1024 ? `${value} B` : `${value / 1024} KiB`)

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    throw new Error(
      'Run inside /work/shared/bin/private-net: WebRTC must not reach the host network.',
    )
  }
  await build({
    root: here,
    configFile: false,
    logLevel: 'warn',
    build: { outDir: dist, emptyOutDir: true, target: 'es2022' },
  })
  const site = await serveDist()
  const signaling = await startPeerServer()
  const executablePath = chromiumExecutablePath()
  const launch = () =>
    chromium.launch({ ...(executablePath ? { executablePath } : {}), args: launchArgs })
  const browsers = await Promise.all([launch(), launch()])
  try {
    const [sender, receiver] = await Promise.all(browsers.map((b) => openPage(b, site.url)))
    await Promise.all([
      call(sender!, 'prepare', settings.totalBytes, 42),
      call(receiver!, 'prepare', settings.totalBytes, 42),
    ])
    await Promise.all([
      call(sender!, 'peerOpen', 'sender', signaling.port),
      call(receiver!, 'peerOpen', 'receiver', signaling.port),
    ])
    const samples = new Map<Method, Sample[]>(methods.map((method) => [method, []]))
    const frameBytes = new Map<Method, number>()
    for (let run = 0; run < runs; run++) {
      // Rotate the order so no method always runs first, or right after another.
      const order = methods.map((_, i) => methods[(i + run) % methods.length]!)
      for (const method of order) {
        const result = await transfer(method, sender!, receiver!)
        samples.get(method)!.push(result.sample)
        frameBytes.set(method, result.frameBytes)
        const { mibPerSecond, longTaskMs, latenessMs } = result.sample
        console.error(
          `run ${run + 1}/${runs} ${method}: ${fixed(mibPerSecond)} MiB/s, long tasks ${fixed(longTaskMs, 0)} ms, lateness ${fixed(latenessMs, 0)} ms`,
        )
      }
    }
    report(samples, frameBytes, browsers[0]!.version())
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()))
    site.server.close()
    signaling.server.close()
  }
}

function report(samples: Map<Method, Sample[]>, frameBytes: Map<Method, number>, version: string) {
  const medianOf = (method: Method, key: keyof Sample) =>
    median(samples.get(method)!.map((sample) => sample[key]))
  const labels: Record<Method, string> = {
    ours: 'ours (FramedChannel, 4 MiB messages)',
    raw: 'raw RTCDataChannel',
    peerjs: "PeerJS DataConnection, serialization 'binary'",
  }
  const lines = [
    `## Transfer: ${settings.totalBytes / MiB} MiB between two Chromium processes, median of ${runs} runs`,
    '',
    `- machine: ${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${fixed(os.totalmem() / 1024 ** 3, 0)} GiB`,
    `- chromium ${version}, node ${process.version}`,
    `- sizes: ${settings.chunkBytes / MiB} MiB messages (ours, PeerJS); water marks ${settings.highWaterMark / 1024} / ${settings.lowWaterMark / 1024} KiB (ours, raw); frames ${methods.map((m) => `${m} ${bytes(frameBytes.get(m) ?? 0)}`).join(', ')}`,
    '- sender main thread: lateness = Σ max(0, gap − 10 ms) of a 10 ms setInterval probe; long tasks = Σ PerformanceObserver longtask durations (≥ 50 ms)',
    '',
    '| method | MiB/s (median) | MiB/s (min–max) | lateness ms | longest gap ms | long tasks ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const method of methods) {
    const rates = samples.get(method)!.map((sample) => sample.mibPerSecond)
    lines.push(
      `| ${labels[method]} | ${fixed(medianOf(method, 'mibPerSecond'))} | ${fixed(Math.min(...rates))}–${fixed(Math.max(...rates))} | ${fixed(medianOf(method, 'latenessMs'), 0)} | ${fixed(medianOf(method, 'longestGapMs'), 0)} | ${fixed(medianOf(method, 'longTaskMs'), 0)} |`,
    )
  }
  const ratio = (other: Method) =>
    median(
      samples
        .get('ours')!
        .map((sample, run) => sample.mibPerSecond / samples.get(other)![run]!.mibPerSecond),
    )
  lines.push(
    '',
    `ours/raw ${fixed(ratio('raw'))} (median of per-round ratios), ours/peerjs ${fixed(ratio('peerjs'))}`,
  )
  console.log(lines.join('\n'))
}

// Exit explicitly: PeerServer keeps interval timers that would hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
