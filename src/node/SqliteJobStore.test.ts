import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { jobStoreContract } from '../jobs/testing/jobStoreContract.ts'
import { sampleJob, sampleReputation, sampleUnit } from '../jobs/testing/sampleRecords.ts'
import { storeSchemaVersion } from './openStoreDatabase.ts'
import { inputChunkBytes, SqliteJobStore } from './SqliteJobStore.ts'
import { crashJobId, crashUnit } from './testing/crashUnit.ts'

const folder = mkdtempSync(join(tmpdir(), 'sqlite-job-store-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const newPath = () => join(folder, `store-${files++}.sqlite`)

jobStoreContract('SqliteJobStore', {
  create: () => new SqliteJobStore(newPath()),
  dispose: (store) => store.close(),
})

/** Runs `use` on a store at `path`, then closes it. */
async function withStore<T>(path: string, use: (store: SqliteJobStore) => Promise<T>): Promise<T> {
  const store = new SqliteJobStore(path)
  try {
    return await use(store)
  } finally {
    store.close()
  }
}

describe('SqliteJobStore', () => {
  it('keeps everything across close and reopen', async () => {
    const path = newPath()
    const job = sampleJob()
    const input = Uint8Array.from({ length: 1_000 }, (_, i) => i % 256)
    await withStore(path, async (store) => {
      await store.saveInput(job.jobId, new Blob([input], { type: 'application/x-sample' }))
      await store.saveJob(job)
      await store.saveUnits(
        job.jobId,
        [{ unit: sampleUnit(3), change: { put: { sha256: 'h', bytes: new Uint8Array([5, 6]) } } }],
        [sampleReputation('key-a')],
      )
    })
    await withStore(path, async (store) => {
      expect(await store.latestJob()).toStrictEqual(job)
      expect(await store.loadUnits(job.jobId)).toStrictEqual([sampleUnit(3)])
      expect(await store.loadOutput(job.jobId, 3, 'h')).toStrictEqual(new Uint8Array([5, 6]))
      expect(await store.loadReputation()).toStrictEqual([sampleReputation('key-a')])
      const loaded = await store.loadInput(job.jobId)
      expect(loaded?.type).toBe('application/x-sample')
      expect(new Uint8Array(await loaded!.arrayBuffer())).toStrictEqual(input)
    })
  })

  it('returns units and reputation in key order, as IndexedDB does', async () => {
    await withStore(newPath(), async (store) => {
      await store.saveUnits(
        'job',
        [2, 0, 10, 1].map((index) => ({ unit: sampleUnit(index) })),
        ['key-c', 'key-a', 'key-b'].map((identity) => sampleReputation(identity)),
      )
      expect((await store.loadUnits('job')).map((unit) => unit.index)).toEqual([0, 1, 2, 10])
      expect((await store.loadReputation()).map((entry) => entry.identity)).toEqual([
        'key-a',
        'key-b',
        'key-c',
      ])
    })
  })

  it('reads an input written in chunks, as stores before input files did', async () => {
    const path = newPath()
    const input = new Uint8Array(inputChunkBytes + 7).map((_, i) => i % 253)
    await withStore(path, async (store) => {
      await store.saveInput('old', new Blob([input]))
      await rm(`${path}.inputs`, { recursive: true })
    })
    const db = new Database(path)
    db.prepare('INSERT INTO input_chunks (job_id, chunk, bytes) VALUES (?, ?, ?)').run(
      'old',
      0,
      input.subarray(0, inputChunkBytes),
    )
    db.prepare('INSERT INTO input_chunks (job_id, chunk, bytes) VALUES (?, ?, ?)').run(
      'old',
      1,
      input.subarray(inputChunkBytes),
    )
    db.close()
    await withStore(path, async (store) => {
      const loaded = new Uint8Array(await (await store.loadInput('old'))!.arrayBuffer())
      expect(Buffer.from(loaded).equals(Buffer.from(input))).toBe(true)
    })
  })

  it('keeps an input larger than one chunk, as a file beside the store that deleteJob removes', async () => {
    const path = newPath()
    const size = inputChunkBytes * 2 + 12_345
    const input = new Uint8Array(size)
    for (let i = 0; i < size; i += 4_096) input[i] = (i / 4_096) % 251
    input[size - 1] = 42
    await withStore(path, (store) => store.saveInput('big', new Blob([input])))
    await withStore(path, async (store) => {
      const loaded = new Uint8Array(await (await store.loadInput('big'))!.arrayBuffer())
      expect(loaded.length).toBe(size)
      expect(Buffer.from(loaded).equals(Buffer.from(input))).toBe(true)
      expect(existsSync(`${path}.inputs/big`)).toBe(true)
      await store.deleteJob('big')
      expect(existsSync(`${path}.inputs/big`)).toBe(false)
      expect(await store.loadInput('big')).toBeUndefined()
    })
  })

  it('writes nothing of a saveUnits that fails', async () => {
    await withStore(newPath(), async (store) => {
      const broken = { ...sampleUnit(1), issued: 2n } as unknown as ReturnType<typeof sampleUnit>
      const saving = store.saveUnits(
        'job',
        [
          { unit: sampleUnit(0), change: { put: { sha256: 'h', bytes: new Uint8Array([1]) } } },
          { unit: broken },
        ],
        [sampleReputation('key-a')],
      )
      await expect(saving).rejects.toMatchObject({
        code: 'store/unserializable',
        message: expect.stringContaining('field "issued" is a bigint'),
      })
      expect(await store.loadUnits('job')).toEqual([])
      expect(await store.loadOutput('job', 0, 'h')).toBeUndefined()
      expect(await store.loadReputation()).toEqual([])
    })
  })

  it('refuses a job record field JSON cannot keep, rather than change it', async () => {
    await withStore(newPath(), async (store) => {
      const job = { ...sampleJob(), ownerToken: new Uint8Array([1]) } as unknown as ReturnType<
        typeof sampleJob
      >
      await expect(store.saveJob(job)).rejects.toMatchObject({
        code: 'store/unserializable',
        message: expect.stringContaining('field "ownerToken" is a Uint8Array'),
      })
    })
  })

  it('keeps every unit acknowledged before the writer was killed (SIGKILL)', async () => {
    const path = newPath()
    const writer = fileURLToPath(new URL('./testing/saveUnitsUntilKilled.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    let acknowledged = -1
    let pending = ''
    const killed = new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`Writer exited ${code}: ${stderr}`)),
      )
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n')
        pending = lines.pop()!
        for (const line of lines) acknowledged = Number(line)
        // Mid-way: the writer is in the middle of its next saves when the signal lands.
        if (acknowledged >= 200) child.kill('SIGKILL')
      })
    })
    await killed
    expect(acknowledged).toBeGreaterThanOrEqual(200)

    const check = new Database(path, { readonly: true })
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
    check.close()
    await withStore(path, async (store) => {
      const units = await store.loadUnits(crashJobId)
      expect(units.length).toBeGreaterThan(acknowledged)
      const reputation = new Map((await store.loadReputation()).map((e) => [e.identity, e]))
      for (let index = 0; index <= acknowledged; index++) {
        const { unit, bytes, sha256 } = crashUnit(index)
        expect(units[index]).toStrictEqual(unit)
        expect(await store.loadOutput(crashJobId, index, sha256)).toStrictEqual(bytes)
      }
      for (let index = acknowledged - 4; index <= acknowledged; index++) {
        const { reputation: entry } = crashUnit(index)
        expect(reputation.get(entry.identity)?.lastSeen).toBeGreaterThanOrEqual(entry.lastSeen)
      }
    })
  }, 60_000)

  describe('errors', () => {
    it('refuses a file that is not a SQLite database, naming it', () => {
      const path = join(folder, 'notes.txt')
      writeFileSync(path, 'These are notes, not a database. '.repeat(100))
      expect(() => new SqliteJobStore(path)).toThrow(
        expect.objectContaining({
          code: 'store/not-a-database',
          message: expect.stringContaining(path),
        }),
      )
    })

    it('refuses a file of a newer schema version, and leaves it as it was', async () => {
      const path = newPath()
      await withStore(path, async () => {})
      const db = new Database(path)
      db.pragma(`user_version = ${storeSchemaVersion + 1}`)
      db.close()
      expect(() => new SqliteJobStore(path)).toThrow(
        expect.objectContaining({
          code: 'store/newer-version',
          version: storeSchemaVersion + 1,
          supported: storeSchemaVersion,
          message: expect.stringContaining(path),
        }),
      )
      const after = new Database(path, { readonly: true })
      expect(after.pragma('user_version', { simple: true })).toBe(storeSchemaVersion + 1)
      after.close()
    })

    it('refuses a store another host has open, until that one closes it', async () => {
      const path = newPath()
      const first = new SqliteJobStore(path)
      try {
        await first.saveJob(sampleJob())
        expect(() => new SqliteJobStore(path)).toThrow(
          expect.objectContaining({
            code: 'store/locked',
            message: expect.stringContaining(path),
          }),
        )
        // The first host goes on writing and reading as before.
        expect(await first.latestJob()).toStrictEqual(sampleJob())
      } finally {
        first.close()
      }
      const second = new SqliteJobStore(path)
      expect(await second.latestJob()).toStrictEqual(sampleJob())
      second.close()
    })

    it("refuses another program's SQLite database, and leaves it as it was", () => {
      const path = join(folder, 'other.sqlite')
      const other = new Database(path)
      other.exec('CREATE TABLE notes (text TEXT)')
      other.close()
      expect(() => new SqliteJobStore(path)).toThrow(
        expect.objectContaining({ code: 'store/foreign-database' }),
      )
      const after = new Database(path, { readonly: true })
      expect(after.pragma('journal_mode', { simple: true })).toBe('delete')
      after.close()
    })

    it.each([
      ['a folder that does not exist', () => join(folder, 'missing', 'host.sqlite')],
      ['a path below a file', () => join(folder, 'notes.txt', 'host.sqlite')],
      ['a directory', () => mkdirSync(join(folder, 'a-directory'), { recursive: true })!],
    ])('refuses %s as unwritable, naming it', (_, pathOf) => {
      writeFileSync(join(folder, 'notes.txt'), 'not a folder')
      const path = pathOf()
      expect(() => new SqliteJobStore(path)).toThrow(
        expect.objectContaining({
          code: 'store/unwritable',
          message: expect.stringContaining(path),
        }),
      )
    })

    it.skipIf(process.getuid?.() === 0)('refuses a read-only file as unwritable', async () => {
      const path = newPath()
      await withStore(path, async () => {})
      const { chmodSync } = await import('node:fs')
      chmodSync(path, 0o444)
      expect(() => new SqliteJobStore(path)).toThrow(
        expect.objectContaining({
          code: 'store/unwritable',
          message: expect.stringContaining(path),
        }),
      )
    })
  })
})
