import { spawn, type ChildProcess } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { SqliteJobStore } from '../../src/node/SqliteJobStore.ts'
import { referenceHits } from '../../src/tasks/examples/monteCarloPiReference.ts'
import {
  openRequester,
  openVolunteer,
  outputSha256,
  referenceImageSha256,
  startDemoJob,
  startDonating,
} from './support.ts'

// `volunteer-compute host` in a Node process, with browser volunteers over WebRTC: the package
// is examples/monte-carlo-pi with fewer units and samples, so the reference is quick to compute.
const root = fileURLToPath(new URL('../..', import.meta.url))
const example = path.join(root, 'examples', 'monte-carlo-pi')
const seed = 42

async function packageFolder(units: number, samples: number): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'cli-host-'))
  const manifest = JSON.parse(await readFile(path.join(example, 'manifest.json'), 'utf8'))
  manifest.units.unitCount = units
  manifest.params = [
    { name: 'seed', type: 'u32', value: seed },
    { name: 'samples', type: 'u32', value: samples },
  ]
  await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2))
  await copyFile(path.join(example, 'monteCarloPi.wasm'), path.join(folder, 'monteCarloPi.wasm'))
  return folder
}

type Command = { process: ChildProcess; output: () => string; exited: Promise<number | null> }
type Host = Command

function startHost(folder: string): Host {
  return run('host', folder)
}

/** `volunteer-compute <args>` in a process of its own, its output collected. */
function run(...args: string[]): Command {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'volunteer-compute.mjs'), ...args],
    {
      cwd: root,
      env: { ...process.env, SIGNALING_URL: 'http://127.0.0.1:9000' },
    },
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { process: child, output: () => output, exited }
}

/** The validated count of the host's last progress line ('[##··] 12/64 validated · …'). */
function lastValidated(output: string): number {
  const counts = [...output.matchAll(/(\d+)\/\d+ validated/g)].map((match) => Number(match[1]))
  return counts.at(-1) ?? 0
}

function expectedHits(units: number, samples: number): number {
  let total = 0
  for (let unit = 0; unit < units; unit++) total += referenceHits(seed, unit, samples)
  return total >>> 0
}

async function outputHits(folder: string): Promise<number> {
  const bytes = await readFile(path.join(folder, 'output.bin'))
  expect(bytes.length).toBe(4)
  return bytes.readUInt32LE(0)
}

/**
 * The units the host's store holds as accepted and final, with how many times each was issued.
 * Volunteers earn trust within the job, so some units are accepted on one result and checked
 * later, and units a quorum of trusted volunteers accepted may come back as canaries: both are
 * issued again on purpose, and are left out.
 */
async function acceptedUnits(folder: string): Promise<Map<number, number>> {
  const store = new SqliteJobStore(path.join(folder, '.volunteer-compute', 'host.sqlite'))
  try {
    const job = await store.latestJob()
    if (!job) return new Map()
    const units = await store.loadUnits(job.jobId)
    return new Map(
      units
        .filter((unit) => unit.status === 'accepted' && !unit.single && !unit.canary)
        .map((unit) => [unit.index, unit.issued]),
    )
  } finally {
    store.close()
  }
}

test.describe('headless nodes: the volunteer-compute command', () => {
  const folders: string[] = []
  const hosts: Host[] = []
  test.afterEach(async ({ browser }) => {
    for (const host of hosts.splice(0)) host.process.kill('SIGKILL')
    await Promise.all(browser.contexts().map((context) => context.close()))
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true })
  })

  test('a Node host and two browser volunteers complete a job; the output equals the reference', async ({
    browser,
  }) => {
    const [units, samples] = [32, 20_000]
    const folder = await packageFolder(units, samples)
    folders.push(folder)
    const statusDir = path.join(folder, 'run')
    const host = run('host', folder, '--status-dir', statusDir)
    hosts.push(host)
    await expect.poll(host.output).toContain('Waiting for volunteers')
    // `status` shows the running host, from the file it keeps.
    const status = run('status', '--status-dir', statusDir)
    expect(await status.exited).toBe(0)
    expect(status.output()).toMatch(/host\s+pid \d+ .*hosting · Monte Carlo pi .*0\/32 validated/)
    for (const name of ['A', 'B']) await startDonating(await openVolunteer(browser, name))

    expect(await host.exited, host.output()).toBe(0)
    const after = run('status', '--status-dir', statusDir)
    expect(await after.exited).toBe(0)
    expect(after.output()).toContain('No volunteer or host process is running')
    expect(host.output()).toMatch(/Output: .*output\.bin \(SHA-256 [0-9a-f]{64}\)/)
    expect(await outputHits(folder)).toBe(expectedHits(units, samples))
  })

  test('killed with kill -9 mid-job and run again: no accepted unit is computed again, and the output is right', async ({
    browser,
  }) => {
    const [units, samples] = [64, 400_000]
    const folder = await packageFolder(units, samples)
    folders.push(folder)
    const first = startHost(folder)
    hosts.push(first)
    await expect.poll(first.output).toContain('Waiting for volunteers')
    for (const name of ['A', 'B']) await startDonating(await openVolunteer(browser, name))
    // The host holds its store exclusively while it runs: its progress lines say how far it is.
    await expect
      .poll(() => lastValidated(first.output()), { timeout: 120_000 })
      .toBeGreaterThanOrEqual(8)
    first.process.kill('SIGKILL')
    await first.exited
    const beforeKill = await acceptedUnits(folder)
    expect(beforeKill.size).toBeLessThan(units)

    const second = startHost(folder)
    hosts.push(second)
    expect(await second.exited, second.output()).toBe(0)
    const resumed = /Resuming .*: (\d+) of 64 units already validated/.exec(second.output())
    expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(beforeKill.size)
    expect(await outputHits(folder)).toBe(expectedHits(units, samples))
    // Every unit accepted before the kill was never issued again.
    const after = await acceptedUnits(folder)
    for (const [index, issued] of beforeKill) expect(after.get(index), `unit ${index}`).toBe(issued)
  })

  test('a bad package exits 2 and prints the problems the upload page shows', async () => {
    const folder = await packageFolder(4, 1000)
    folders.push(folder)
    const manifestFile = path.join(folder, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'))
    manifest.kernels[0].sha256 = '0'.repeat(64)
    manifest.replication = { quorum: 0 }
    await writeFile(manifestFile, JSON.stringify(manifest))
    const host = startHost(folder)
    hosts.push(host)
    expect(await host.exited).toBe(2)
    expect(host.output()).toContain('Problems with the manifest:')
    expect(host.output()).toMatch(/replication\.quorum/)
  })

  test('a browser host and two Node volunteers complete the demo job; the output equals the reference', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    await startDemoJob(requester)
    const dir = await mkdtemp(path.join(os.tmpdir(), 'node-volunteers-'))
    folders.push(dir)
    const volunteers = ['A', 'B'].map((name) =>
      run(
        'volunteer',
        '--identity',
        path.join(dir, `${name}.json`),
        '--cpu-share',
        '1',
        '--threads',
        '1',
      ),
    )
    hosts.push(...volunteers)
    for (const volunteer of volunteers)
      await expect
        .poll(volunteer.output)
        .toMatch(/Identity [\w-]{43} .*: new, so no host trusts it yet/)

    expect(await outputSha256(requester)).toBe(referenceImageSha256())
    for (const volunteer of volunteers) {
      expect(volunteer.output()).toMatch(/computing · Mandelbrot/)
      volunteer.process.kill('SIGINT')
      expect(await volunteer.exited, volunteer.output()).toBe(0)
    }
  })
})
