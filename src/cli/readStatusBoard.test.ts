import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { readStatusBoard } from './readStatusBoard.ts'
import { statusFileName, type StatusFile } from './statusFile.ts'

let dir: string
const now = Date.parse('2026-03-01T10:00:00Z')

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'status-board-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function statusFile(pid: number, overrides: Partial<StatusFile> = {}): StatusFile {
  return {
    v: 1,
    pid,
    hostname: os.hostname(),
    startedAt: now - 3_600_000,
    updatedAt: now - 2000,
    refreshMs: 5000,
    status: {
      kind: 'host',
      state: 'hosting',
      job: { jobId: 'job-1', name: 'Monte Carlo π' },
      validated: 10,
      total: 64,
      volunteers: 2,
      unitsPerSecond: 1.5,
      flagged: 0,
    },
    ...overrides,
  }
}

async function put(file: StatusFile): Promise<void> {
  await writeFile(path.join(dir, statusFileName(file.hostname, file.pid)), JSON.stringify(file))
}

const alive = new Set([100, 101, 300])
const read = () => readStatusBoard({ dir, now, isAlive: (pid) => alive.has(pid) })

describe('readStatusBoard', () => {
  test('a missing folder has no entries', async () => {
    expect(await readStatusBoard({ dir: path.join(dir, 'none') })).toEqual([])
  })

  test('a live, fresh process is running; a dead pid exited; an old update stale', async () => {
    await put(statusFile(100))
    await put(statusFile(200))
    await put(statusFile(101, { updatedAt: now - 16_000 }))
    const entries = await read()
    expect(
      entries.map((entry) => [entry.condition, 'status' in entry && entry.status.pid]),
    ).toEqual([
      ['running', 100],
      ['stale', 101],
      ['exited', 200],
    ])
  })

  test("another machine's process is judged by its updates only", async () => {
    await put(statusFile(100, { hostname: 'rack-2' }))
    await put(statusFile(101, { hostname: 'rack-3', updatedAt: now - 60_000 }))
    const entries = await readStatusBoard({ dir, now, isAlive: () => false })
    expect(entries.map((entry) => entry.condition)).toEqual(['running', 'stale'])
  })

  test('the real liveness check: this process is alive, an ended child is not', async () => {
    const { spawnSync } = await import('node:child_process')
    const ended = spawnSync(process.execPath, ['-e', '0']).pid
    await put(statusFile(process.pid, { updatedAt: Date.now() }))
    await put(statusFile(ended, { updatedAt: Date.now() }))
    const entries = await readStatusBoard({ dir })
    const byPid = new Map(entries.map((e) => ['status' in e ? e.status.pid : 0, e.condition]))
    expect(byPid.get(process.pid)).toBe('running')
    expect(byPid.get(ended)).toBe('exited')
  })

  test('files it cannot read are entries with a reason, after the processes', async () => {
    await writeFile(path.join(dir, 'broken.json'), '{"v": 1, "pid"')
    await writeFile(path.join(dir, 'other.json'), JSON.stringify({ v: 2, pid: 1 }))
    await mkdir(path.join(dir, 'folder.json'))
    await writeFile(path.join(dir, 'notes.txt'), 'not a status file, and not named like one')
    await writeFile(path.join(dir, 'half.json.abc.tmp'), '{')
    await put(statusFile(100))
    expect(await read()).toEqual([
      expect.objectContaining({ condition: 'running' }),
      { file: path.join(dir, 'broken.json'), condition: 'unreadable', reason: 'not JSON' },
      {
        file: path.join(dir, 'folder.json'),
        condition: 'unreadable',
        reason: 'a folder, not a file',
      },
      {
        file: path.join(dir, 'other.json'),
        condition: 'unreadable',
        reason: 'not a status file of this program',
      },
    ])
  })

  test('volunteers come after hosts, each by start', async () => {
    await put(
      statusFile(300, {
        startedAt: now - 10_000,
        status: {
          kind: 'volunteer',
          state: 'running',
          unitsDone: 1,
          credit: 1,
          threads: 4,
          cpuShare: 1,
          engines: ['wasm'],
        },
      }),
    )
    await put(statusFile(101, { startedAt: now - 5000 }))
    await put(statusFile(100, { startedAt: now - 9000 }))
    const entries = await read()
    expect(entries.map((entry) => 'status' in entry && entry.status.pid)).toEqual([100, 101, 300])
  })
})
