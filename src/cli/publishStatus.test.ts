import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { publishStatus } from './publishStatus.ts'
import { statusFileSchema, type VolunteerSnapshot } from './statusFile.ts'

let dir: string

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'status-')), 'run')
})
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true })
})

const snapshot = (unitsDone: number): VolunteerSnapshot => ({
  kind: 'volunteer',
  state: 'running',
  job: { jobId: 'job-1', name: 'Monte Carlo π' },
  unitsDone,
  credit: unitsDone,
  threads: 2,
  cpuShare: 0.5,
  engines: ['wasm'],
})

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read().catch(() => undefined)
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('timed out')
}

describe('publishStatus', () => {
  test('writes the file at once (its folder created), refreshes it, and removes it on stop', async () => {
    let units = 1
    const stop = publishStatus({ dir, snapshot: () => snapshot(units), refreshMs: 20 })
    // The file is written under a temporary name, then renamed: wait for the final name.
    const name = await until(async () => (await readdir(dir)).find((n) => n.endsWith('.json')))
    expect(name).toBe(`${os.hostname()}.${process.pid}.json`)
    const first = statusFileSchema.parse(JSON.parse(await readFile(path.join(dir, name!), 'utf8')))
    expect(first).toMatchObject({ v: 1, pid: process.pid, refreshMs: 20, status: snapshot(1) })

    units = 7
    const refreshed = await until(async () => {
      const file = statusFileSchema.parse(JSON.parse(await readFile(path.join(dir, name!), 'utf8')))
      return file.status.kind === 'volunteer' && file.status.unitsDone === 7 ? file : undefined
    })
    expect(refreshed.startedAt).toBe(first.startedAt)
    expect(refreshed.updatedAt).toBeGreaterThanOrEqual(first.updatedAt)

    await stop()
    // No file and no temporary file is left behind.
    expect(await readdir(dir)).toEqual([])
  })

  test('a folder it cannot write is reported, and does not throw', async () => {
    const errors: unknown[] = []
    const file = path.join(path.dirname(dir), 'a-file')
    await import('node:fs/promises').then((fs) => fs.writeFile(file, ''))
    const stop = publishStatus({
      dir: path.join(file, 'run'),
      snapshot: () => snapshot(0),
      onError: (error) => errors.push(error),
    })
    await until(async () => (errors.length ? errors : undefined))
    await stop()
    expect((errors[0] as { code?: string }).code).toBe('ENOTDIR')
  })
})
