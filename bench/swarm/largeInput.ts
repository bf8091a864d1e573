/**
 * A 1 GiB input hosted headless, and the host's memory while it runs. Writes a word-count job
 * package with a 1 GiB text input (BENCH_LARGE_MIB) to a temporary folder, hosts it with the
 * SDK (the input copied into the store as a stream, its pieces hashed 16 MiB at a time, each
 * piece read from disk as it is sent), for 4 headless volunteers in another process that serve
 * each other at 32 MiB/s; samples the host process's RSS and heap every 250 ms. Prints a
 * markdown report on stdout, progress on stderr.
 *
 *   ../shared/bin/private-net npx tsx bench/swarm/largeInput.ts
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createSignalingServer } from '../../signaling/createSignalingServer.ts'
import { createJob } from '../../src/sdk/index.ts'
import { machine } from '../pipeline/harness.ts'
import { spawnLargeInputVolunteers, writeLargeInputPackage } from './largeInputPackage.ts'

const MiB = 1024 * 1024
const totalMiB = Number(process.env.BENCH_LARGE_MIB ?? 1024)
const volunteerCount = 4
const log = (line: string) => process.stderr.write(`${line}\n`)

async function main(): Promise<void> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'large-input-'))
  const server = await createSignalingServer({ port: 0 })
  let peak = { rss: 0, heapUsed: 0, arrayBuffers: 0 }
  const sample = () => {
    const { rss, heapUsed, arrayBuffers } = process.memoryUsage()
    peak = {
      rss: Math.max(peak.rss, rss),
      heapUsed: Math.max(peak.heapUsed, heapUsed),
      arrayBuffers: Math.max(peak.arrayBuffers, arrayBuffers),
    }
  }
  try {
    log(`writing a ${totalMiB} MiB input to ${folder}`)
    const expected = await writeLargeInputPackage(folder, totalMiB)
    const before = process.memoryUsage().rss
    const sampler = setInterval(sample, 250)
    const openedAt = performance.now()
    const job = await createJob({ package: folder, signaling: server.url, privatePool: true })
    const openSeconds = (performance.now() - openedAt) / 1000
    log(`job open (input stored and hashed) in ${openSeconds.toFixed(1)} s`)
    const volunteers = spawnLargeInputVolunteers(server.url, volunteerCount, folder)
    const startedAt = performance.now()
    job.on('progress', (p) => {
      if (p.validated % 64 === 0 && p.validated) log(`${p.validated}/${p.unitsTotal} validated`)
    })
    const output = await job.done()
    const seconds = (performance.now() - startedAt) / 1000
    clearInterval(sampler)
    sample()
    const words = new Uint32Array(output.bytes.slice().buffer)
    const right = words.every((count, i) => count === expected[i])
    const { data, verification } = job.progress
    await job.stop()
    volunteers.stdin!.end()
    await new Promise((resolve) => volunteers.on('exit', resolve))
    process.stdout.write(
      [
        '## A 1 GiB input, headless',
        '',
        `${machine()}; Node ${process.version}. ${totalMiB} MiB input in ${totalMiB} units of 1 MiB (4 pieces each), plain quorum 2, ${volunteerCount} headless volunteers (another process, upload share 32 MiB/s), no uplink cap.`,
        '',
        '| figure | value |',
        '| --- | --- |',
        `| output right | ${right ? 'yes' : '**no**'} |`,
        `| job open (input copied into the store and its ${totalMiB * 4} pieces hashed) | ${openSeconds.toFixed(1)} s |`,
        `| job run (first volunteer to completion) | ${seconds.toFixed(1)} s |`,
        `| host sent | ${(data.sentBytes / MiB).toFixed(0)} MiB (${(data.sentBytes / data.inputBytes).toFixed(2)}× the input; results/unit ${verification.resultsPerUnit.toFixed(2)}) |`,
        `| host RSS before the job | ${(before / MiB).toFixed(0)} MiB |`,
        `| host RSS, peak | ${(peak.rss / MiB).toFixed(0)} MiB |`,
        `| host JS heap, peak | ${(peak.heapUsed / MiB).toFixed(0)} MiB |`,
        `| host ArrayBuffers, peak | ${(peak.arrayBuffers / MiB).toFixed(0)} MiB |`,
        '',
      ].join('\n'),
    )
    if (!right) process.exitCode = 1
  } finally {
    await server.close()
    await rm(folder, { recursive: true, force: true })
  }
}

await main()
