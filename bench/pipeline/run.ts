/**
 * The job pipeline in real browsers over real WebRTC: one host tab (Chromium process 1) and
 * volunteer tabs (Chromium process 2), a signaling server in this process. Measures units/s and
 * the host's cost per unit with trivial units, worker efficiency with ~1 s units, and the host
 * tab's heap with a 100,000-unit job. Prints a markdown report on stdout, progress on stderr.
 *
 *   ../shared/bin/private-net npx tsx bench/pipeline/run.ts
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { measureEfficiency, reportEfficiency } from './efficiency.ts'
import { launchBrowsers, machine, type BenchContext } from './harness.ts'
import { serveBenchPage } from '../support/serveBenchPage.ts'
import { measureMemory, reportMemory } from './memory.ts'
import { measureThroughput, reportThroughput } from './throughput.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const runs = Number(process.env.BENCH_RUNS ?? 3)
if (!Number.isInteger(runs) || runs < 1) throw new Error('BENCH_RUNS must be a positive integer.')
const only = new Set((process.env.BENCH_PIPELINE_ONLY ?? 'throughput,efficiency,memory').split(','))

async function main(): Promise<void> {
  if (process.env.PRIVATE_NET !== '1') {
    throw new Error(
      'Run inside the private network: ../shared/bin/private-net npm run bench (WebRTC must not reach the host network).',
    )
  }
  const site = await serveBenchPage(here)
  const signaling = await createSignalingServer({ host: '127.0.0.1', port: 0 })
  const browsers = await launchBrowsers()
  const context: BenchContext = {
    siteUrl: site.url,
    signalingUrl: signaling.url,
    browsers,
    runs,
  }
  try {
    const sections: string[][] = []
    if (only.has('throughput')) sections.push(reportThroughput(await measureThroughput(context)))
    if (only.has('efficiency')) sections.push(reportEfficiency(await measureEfficiency(context)))
    if (only.has('memory')) sections.push(reportMemory(await measureMemory(context)))
    const lines = [
      `## Pipeline: one host tab, volunteer tabs in a second Chromium process, over WebRTC`,
      '',
      `- machine: ${machine()}`,
      `- chromium ${browsers.version}, node ${process.version}; kernel build/wasm/mandelbrot.wasm (release)`,
      '',
      ...sections.flatMap((section) => [...section, '']),
    ]
    console.log(lines.join('\n').trimEnd())
  } finally {
    await browsers.close()
    site.server.close()
    await signaling.close()
  }
}

// Exit explicitly: the browsers' and peers' handles may hold the process open.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
