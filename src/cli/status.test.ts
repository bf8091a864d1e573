import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Io } from './commandLine.ts'
import { main } from './main.ts'
import { publishStatus } from './publishStatus.ts'
import { statusFileName, type StatusFile, type VolunteerSnapshot } from './statusFile.ts'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'status-cli-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** `main` with its output collected. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = ''
  let err = ''
  const io: Io = {
    out: { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream,
    err: { write: (text: string) => ((err += text), true) } as unknown as NodeJS.WriteStream,
    env,
  }
  const code = await main(argv, io)
  return { code, out, err }
}

const volunteer: VolunteerSnapshot = {
  kind: 'volunteer',
  state: 'running',
  job: { jobId: 'job-1', name: 'Monte Carlo π' },
  unitsDone: 12,
  credit: 11,
  threads: 8,
  cpuShare: 0.5,
  engines: ['wasm'],
}

async function put(pid: number, overrides: Partial<StatusFile> = {}): Promise<void> {
  const file: StatusFile = {
    v: 1,
    pid,
    hostname: os.hostname(),
    startedAt: Date.now() - 60_000,
    updatedAt: Date.now(),
    refreshMs: 5000,
    status: volunteer,
    ...overrides,
  }
  await writeFile(path.join(dir, statusFileName(file.hostname, pid)), JSON.stringify(file))
}

describe('volunteer-compute status', () => {
  test('with nothing running, says so and where it looked', async () => {
    const { code, out } = await run(['status', '--status-dir', path.join(dir, 'run')])
    expect(code).toBe(0)
    expect(out).toBe(`No volunteer or host process is running (no status file in ${dir}/run).\n`)
  })

  test('one line per process: running, stale, exited; a malformed file is a line too', async () => {
    const stop = publishStatus({
      dir,
      snapshot: () => ({
        kind: 'host',
        state: 'hosting',
        job: { jobId: 'job-2', name: 'Fractal' },
        validated: 24,
        total: 64,
        volunteers: 3,
        unitsPerSecond: 4,
        flagged: 1,
      }),
    })
    await put(2_000_000_000, { updatedAt: Date.now() - 20_000 })
    await writeFile(path.join(dir, 'zz.json'), 'not json')
    try {
      // The environment names the folder too.
      const { code, out } = await waitFor(() =>
        run(['status'], { VOLUNTEER_COMPUTE_STATUS_DIR: dir }),
      )
      expect(code).toBe(0)
      const lines = out.trimEnd().split('\n')
      expect(lines).toHaveLength(3)
      expect(lines[0]).toMatch(
        new RegExp(
          `^host +pid ${process.pid} +since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +hosting · Fractal \\(job-2\\) · 24/64 validated · 3 volunteers · 4.0 units/s · 1 flagged$`,
        ),
      )
      expect(lines[1]).toMatch(
        /^volunteer +pid 2000000000 +since .* exited without cleaning up, last seen .* · computing · Monte Carlo π \(job-1\) · 12 units done · 11 credited · 8 threads at 50% CPU · wasm$/,
      )
      expect(lines[2]).toBe(`?          ${path.join(dir, 'zz.json')}: not JSON`)
    } finally {
      await stop()
    }
  })

  test('a live process whose file is old is stale', async () => {
    await put(process.pid, { updatedAt: Date.now() - 120_000 })
    const { out } = await run(['status', '--status-dir', dir])
    expect(out).toMatch(/pid \d+ .* stale: no update for 2 min · computing · /)
  })

  test('--json gives every entry with its condition', async () => {
    await put(process.pid, {
      status: { ...volunteer, wallet: '0x00000000000000000000000000000000000000aa' },
    })
    await writeFile(path.join(dir, 'broken.json'), '{}')
    const { code, out } = await run(['status', '--json', '--status-dir', dir])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual([
      {
        file: path.join(dir, statusFileName(os.hostname(), process.pid)),
        condition: 'running',
        status: expect.objectContaining({
          pid: process.pid,
          status: { ...volunteer, wallet: '0x00000000000000000000000000000000000000aa' },
        }),
      },
      {
        file: path.join(dir, 'broken.json'),
        condition: 'unreadable',
        reason: 'not a status file of this program',
      },
    ])
  })

  test('--help, and a bad flag exits 2', async () => {
    const help = await run(['status', '--help'])
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/^Usage: volunteer-compute status/)
    expect((await run(['--help'])).out).toMatch(/status +What this machine is doing/)
    const bad = await run(['status', '--everything'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/Unknown option '--everything'/)
  })

  test('the command itself, through bin/volunteer-compute.mjs', async () => {
    await put(process.pid)
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bin', 'volunteer-compute.mjs'), 'status', '--status-dir', dir],
      { cwd: root },
    )
    expect(stdout).toMatch(
      new RegExp(`^volunteer +pid ${process.pid} .* computing · Monte Carlo π \\(job-1\\)`),
    )
  }, 30_000)
})

/** Runs `read` until its output has what the first write put there. */
async function waitFor(read: () => ReturnType<typeof run>): ReturnType<typeof run> {
  for (let i = 0; ; i++) {
    const result = await read()
    if (result.out.includes('host ') || i > 100) return result
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
