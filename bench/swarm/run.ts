/**
 * The data swarm against the star, on a requester's home uplink. Prints a markdown report on
 * stdout, progress on stderr.
 *
 * The same data-heavy job (word counts over a generated text, tests/support/wordCountPackage.ts:
 * BENCH_SWARM_MIB of input in 1 MiB units of four pieces, plain quorum 2) is hosted by the SDK
 * with its uplink capped at BENCH_SWARM_UPLINK KiB/s, for the same 8 headless volunteers (another
 * process, real WebRTC, their default upload share of 512 KiB/s):
 * - star: the host sends every replica's input (`swarm: false`, the protocol before pieces);
 * - swarm: volunteers fetch pieces from each other, the host sends what nobody has;
 * - swarm again: a second job over the same input, right after, the volunteers' caches warm.
 * Star and swarm take turns going first. Per run: what the host sent ÷ (input × results per
 * unit), and the wall time from the first unit issued to the job's completion.
 *
 *   ../shared/bin/private-net npx tsx bench/swarm/run.ts
 *
 * BENCH_RUNS (default 3), BENCH_SWARM_MIB (default 32), BENCH_SWARM_UPLINK (default 2048),
 * BENCH_SWARM_VOLUNTEERS (default 8).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { createJob } from '../../src/sdk/index.ts'
import type { SwarmStats } from '../../src/pieces/PieceSwarm.ts'
import { expectedWordCounts, wordCountPackage } from '../../tests/support/wordCountPackage.ts'
import { machine, median } from '../pipeline/harness.ts'
import type { SwarmVolunteersOptions } from './volunteers.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const runs = Number(process.env.BENCH_RUNS ?? 3)
const MiB = 1024 * 1024
const size = { totalBytes: Number(process.env.BENCH_SWARM_MIB ?? 32) * MiB, chunkBytes: MiB }
const uplinkKiBps = Number(process.env.BENCH_SWARM_UPLINK ?? 2048)
const volunteerCount = Number(process.env.BENCH_SWARM_VOLUNTEERS ?? 8)

type Mode = 'star' | 'swarm' | 'swarm again'
type Sample = {
  mode: Mode
  seconds: number
  sentBytes: number
  resultsPerUnit: number
  /** Host bytes ÷ (input × results per unit): 1 for the star. */
  ratio: number
  fromPeers: number
  fromCache: number
}

const log = (line: string) => process.stderr.write(`${line}\n`)

class Volunteers {
  readonly #child: ChildProcess
  readonly #lines: ((line: Record<string, unknown>) => void)[] = []

  constructor(options: SwarmVolunteersOptions) {
    this.#child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'volunteers.ts'), JSON.stringify(options)],
      { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
    )
    let pending = ''
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) this.#lines.shift()?.(JSON.parse(line))
    })
  }

  next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.#lines.push(resolve))
  }

  async stats(): Promise<SwarmStats[]> {
    const answer = this.next()
    this.#child.stdin!.write('stats\n')
    return (await answer).stats as SwarmStats[]
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#child.on('exit', () => resolve())
      this.#child.stdin!.end()
    })
  }
}

async function hostOne(
  mode: Mode,
  signalingUrl: string,
  dir: string,
  pkg: Awaited<ReturnType<typeof wordCountPackage>>,
  expected: Uint32Array,
  volunteers: Volunteers,
): Promise<Sample> {
  const before = await volunteers.stats()
  const job = await createJob({
    package: { ...pkg, manifest: { ...pkg.manifest, name: `Word counts (${mode})` } },
    signaling: signalingUrl,
    store: path.join(dir, `${mode.replace(' ', '-')}-${Date.now()}.sqlite`),
    privatePool: true,
    swarm: mode !== 'star',
    uplinkBytesPerSecond: uplinkKiBps * 1024,
  })
  let firstIssuedAt: number | undefined
  job.on('progress', (progress) => {
    if (progress.issued > 0) firstIssuedAt ??= performance.now()
  })
  const output = await job.done()
  const seconds = (performance.now() - firstIssuedAt!) / 1000
  const words = new Uint32Array(output.bytes.slice().buffer)
  if (words.some((count, i) => count !== expected[i])) throw new Error(`${mode}: wrong output`)
  const { data, verification } = job.progress
  await job.stop()
  const after = await volunteers.stats()
  const delta = (key: 'fromPeers' | 'fromCache') =>
    after.reduce((sum, s, i) => sum + s[key] - (before[i]?.[key] ?? 0), 0)
  const kernelBytes = pkg.wasm.length * volunteerCount
  const sentBytes = data.sentBytes - kernelBytes
  return {
    mode,
    seconds,
    sentBytes,
    resultsPerUnit: verification.resultsPerUnit,
    ratio: sentBytes / (size.totalBytes * verification.resultsPerUnit),
    fromPeers: delta('fromPeers'),
    fromCache: delta('fromCache'),
  }
}

async function main(): Promise<void> {
  const server = await createSignalingServer({ port: 0 })
  const signalingUrl = server.url
  const pkg = await wordCountPackage(size)
  const expected = expectedWordCounts(pkg.input, size)
  const samples: Sample[] = []
  try {
    for (let run = 0; run < runs; run++) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'swarm-bench-'))
      const volunteers = new Volunteers({ signalingUrl, count: volunteerCount, dir })
      await volunteers.next()
      const order: Mode[] =
        run % 2 ? ['swarm', 'swarm again', 'star'] : ['star', 'swarm', 'swarm again']
      for (const mode of order) {
        const sample = await hostOne(mode, signalingUrl, dir, pkg, expected, volunteers)
        log(
          `run ${run + 1} ${mode}: ${sample.seconds.toFixed(1)} s, host sent ${(sample.sentBytes / MiB).toFixed(1)} MiB, ratio ${sample.ratio.toFixed(3)}`,
        )
        samples.push(sample)
      }
      await volunteers.stop()
      await rm(dir, { recursive: true, force: true })
    }
  } finally {
    await server.close()
  }
  process.stdout.write(report(samples))
}

function report(samples: Sample[]): string {
  const of = (mode: Mode) => samples.filter((s) => s.mode === mode)
  const med = (mode: Mode, key: keyof Omit<Sample, 'mode'>) => median(of(mode).map((s) => s[key]))
  const starSeconds = of('star').map((s) => s.seconds)
  const timeRatios = of('swarm').map((s, i) => s.seconds / starSeconds[i]!)
  const row = (mode: Mode) =>
    `| ${mode} | ${med(mode, 'seconds').toFixed(1)} | ${(med(mode, 'sentBytes') / MiB).toFixed(1)} | ${med(mode, 'resultsPerUnit').toFixed(2)} | **${med(mode, 'ratio').toFixed(3)}** | ${(med(mode, 'fromPeers') / MiB).toFixed(1)} | ${(med(mode, 'fromCache') / MiB).toFixed(1)} |`
  return [
    '## Data swarm against star',
    '',
    `${machine()}; Node ${process.version}. ${size.totalBytes / MiB} MiB input in ${size.totalBytes / size.chunkBytes} units of 1 MiB (4 pieces each), plain quorum 2; host uplink capped at ${uplinkKiBps} KiB/s; ${volunteerCount} headless volunteers (one WASM thread each, upload share 512 KiB/s) in one process; ${runs} runs, medians.`,
    '',
    '| mode | wall s | host sent MiB | results/unit | sent ÷ (input × results/unit) | MiB peer to peer | MiB from cache |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('star'),
    row('swarm'),
    row('swarm again'),
    '',
    `Swarm wall time ÷ star, per run: ${timeRatios.map((r) => r.toFixed(2)).join(', ')}; median **${median(timeRatios).toFixed(2)}**.`,
    '',
  ].join('\n')
}

await main()
