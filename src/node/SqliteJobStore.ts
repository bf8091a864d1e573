import { existsSync, openAsBlob } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import nodePath from 'node:path'
import type Database from 'better-sqlite3'
import type { JobRecord } from '../jobs/JobRecord.ts'
import type { JobStore, UnitWrite } from '../jobs/JobStore.ts'
import type { UnitRecord } from '../jobs/UnitRecord.ts'
import type { ReputationEntry } from '../trust/ReputationBook.ts'
import { openStoreDatabase } from './openStoreDatabase.ts'
import { toRecordJson } from './toRecordJson.ts'

type JobRow = { record: string; params: Uint8Array; wasm: Uint8Array | null }

/**
 * Input files of stores written before inputs became files of their own were kept in chunks of
 * this size (see the schema in `openStoreDatabase`); such stores are still read.
 */
export const inputChunkBytes = 16 * 1024 * 1024

/**
 * The job host's store in Node: one SQLite file per host (WAL, every commit synced), with the
 * same behaviour as `IdbJobStore` in a tab. A job's input is a file of its own beside it
 * (`<store>.inputs/<jobId>`), copied in as a stream and read in ranges as units need them
 * (`fs.openAsBlob`), so an input of gigabytes never sits in memory. Each call is one transaction; `saveUnits` writes its
 * units, outputs and reputation entries together, in the order given. Throws the
 * `store/...` errors of `storeErrors.ts` when the file cannot serve as a store.
 *
 * @example
 * const store = new SqliteJobStore('./host.sqlite')
 * const job = await store.latestJob()
 * store.close()
 */
export class SqliteJobStore implements JobStore {
  readonly path: string
  /** The folder of the stored jobs' input files. */
  readonly inputsDir: string
  readonly #db: Database.Database
  readonly #sql

  constructor(path: string) {
    this.path = path
    this.inputsDir = `${path}.inputs`
    const db = (this.#db = openStoreDatabase(path))
    this.#sql = {
      putJob: db.prepare<[string, number, string, Uint8Array, Uint8Array | null]>(
        `INSERT INTO jobs (job_id, created_at, record, params, wasm) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET created_at = excluded.created_at,
           record = excluded.record, params = excluded.params, wasm = excluded.wasm`,
      ),
      getJob: db.prepare<[string], JobRow>(
        'SELECT record, params, wasm FROM jobs WHERE job_id = ?',
      ),
      latestJob: db.prepare<[], JobRow>(
        // Ties as IndexedDB's index cursor breaks them: the greater id first.
        'SELECT record, params, wasm FROM jobs ORDER BY created_at DESC, job_id DESC LIMIT 1',
      ),
      putInput: db.prepare<[string, string]>(
        'INSERT INTO inputs (job_id, type) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET type = excluded.type',
      ),
      putInputChunk: db.prepare<[string, number, Uint8Array]>(
        'INSERT INTO input_chunks (job_id, chunk, bytes) VALUES (?, ?, ?)',
      ),
      getInput: db.prepare<[string], { type: string }>('SELECT type FROM inputs WHERE job_id = ?'),
      getInputChunks: db
        .prepare<[string], Uint8Array<ArrayBuffer>>(
          'SELECT bytes FROM input_chunks WHERE job_id = ? ORDER BY chunk',
        )
        .pluck(),
      deleteInput: db.prepare<[string]>('DELETE FROM inputs WHERE job_id = ?'),
      deleteInputChunks: db.prepare<[string]>('DELETE FROM input_chunks WHERE job_id = ?'),
      putUnit: db.prepare<[string, number, string]>(
        `INSERT INTO units (job_id, unit_index, record) VALUES (?, ?, ?)
         ON CONFLICT (job_id, unit_index) DO UPDATE SET record = excluded.record`,
      ),
      getUnits: db
        .prepare<[string], string>('SELECT record FROM units WHERE job_id = ? ORDER BY unit_index')
        .pluck(),
      putOutput: db.prepare<[string, number, string, Uint8Array]>(
        `INSERT INTO outputs (job_id, unit_index, sha256, bytes) VALUES (?, ?, ?, ?)
         ON CONFLICT (job_id, unit_index, sha256) DO UPDATE SET bytes = excluded.bytes`,
      ),
      getOutput: db
        .prepare<[string, number, string], Uint8Array>(
          'SELECT bytes FROM outputs WHERE job_id = ? AND unit_index = ? AND sha256 = ?',
        )
        .pluck(),
      dropOutput: db.prepare<[string, number, string]>(
        'DELETE FROM outputs WHERE job_id = ? AND unit_index = ? AND sha256 = ?',
      ),
      putReputation: db.prepare<[string, string]>(
        `INSERT INTO reputation (identity, record) VALUES (?, ?)
         ON CONFLICT (identity) DO UPDATE SET record = excluded.record`,
      ),
      getReputation: db
        .prepare<[], string>('SELECT record FROM reputation ORDER BY identity')
        .pluck(),
      deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE job_id = ?'),
      deleteUnits: db.prepare<[string]>('DELETE FROM units WHERE job_id = ?'),
      deleteOutputs: db.prepare<[string]>('DELETE FROM outputs WHERE job_id = ?'),
    }
  }

  /** Closes the file; the store cannot be used after. */
  close(): void {
    this.#db.close()
  }

  async loadReputation(): Promise<ReputationEntry[]> {
    return this.#sql.getReputation.all().map((json) => JSON.parse(json) as ReputationEntry)
  }

  async saveReputation(entries: readonly ReputationEntry[]): Promise<void> {
    this.#db.transaction(() => this.#putReputation(entries))()
  }

  async saveJob(job: JobRecord): Promise<void> {
    // The bytes go to BLOB columns; JSON would make them objects of indices.
    const { params, wasm, ...rest } = job
    const record = toRecordJson(rest, `job ${job.jobId}`)
    this.#sql.putJob.run(job.jobId, job.createdAt, record, params, wasm ?? null)
  }

  /**
   * Copies the input into its file (a temporary name, synced, then renamed), then records it: a
   * crash part way leaves no input recorded, and a job is saved only after its input.
   */
  async saveInput(jobId: string, input: Blob): Promise<void> {
    const file = this.#inputFile(jobId)
    await mkdir(this.inputsDir, { recursive: true, mode: 0o700 })
    const temporary = `${file}.tmp`
    const handle = await open(temporary, 'w', 0o600)
    try {
      for await (const chunk of input.stream()) await handle.write(chunk)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, file)
    this.#db.transaction(() => {
      this.#sql.deleteInputChunks.run(jobId)
      this.#sql.putInput.run(jobId, input.type)
    })()
  }

  async loadInput(jobId: string): Promise<Blob | undefined> {
    const input = this.#sql.getInput.get(jobId)
    if (!input) return undefined
    const file = this.#inputFile(jobId)
    if (existsSync(file)) return openAsBlob(file, { type: input.type })
    // A store written before inputs became files: the input is in its chunks.
    return new Blob(this.#sql.getInputChunks.all(jobId), { type: input.type })
  }

  #inputFile(jobId: string): string {
    // Job ids are [A-Za-z0-9_-]; anything else is escaped, never a path.
    return nodePath.join(this.inputsDir, encodeURIComponent(jobId))
  }

  async loadJob(jobId: string): Promise<JobRecord | undefined> {
    const row = this.#sql.getJob.get(jobId)
    return row && jobOf(row)
  }

  async latestJob(): Promise<JobRecord | undefined> {
    const row = this.#sql.latestJob.get()
    return row && jobOf(row)
  }

  async saveUnits(
    jobId: string,
    writes: readonly UnitWrite[],
    reputation: readonly ReputationEntry[] = [],
  ): Promise<void> {
    // Group commit. The transaction below is synchronous, and each one ends with an fsync; the
    // host's UnitWriteBatcher gathers the writes made while one commits into the next, but a
    // call that commits at once leaves nothing to gather: one result, one fsync. Yielding to
    // the event loop first lets the results already received join the next transaction.
    await new Promise((resolve) => setImmediate(resolve))
    // Encoded first: a record JSON cannot keep fails the call before anything is written.
    const records = writes.map(({ unit }) => toRecordJson(unit, `unit ${unit.index} of ${jobId}`))
    this.#db.transaction(() => {
      this.#putReputation(reputation)
      writes.forEach(({ unit, change = {} }, i) => {
        this.#sql.putUnit.run(jobId, unit.index, records[i]!)
        if (change.put) {
          this.#sql.putOutput.run(jobId, unit.index, change.put.sha256, change.put.bytes)
        }
        for (const sha256 of change.drop ?? []) this.#sql.dropOutput.run(jobId, unit.index, sha256)
      })
    })()
  }

  async loadUnits(jobId: string): Promise<UnitRecord[]> {
    return this.#sql.getUnits.all(jobId).map((json) => JSON.parse(json) as UnitRecord)
  }

  async loadOutput(jobId: string, index: number, sha256: string): Promise<Uint8Array | undefined> {
    const bytes = this.#sql.getOutput.get(jobId, index, sha256)
    return bytes && plainBytes(bytes)
  }

  async deleteJob(jobId: string): Promise<void> {
    this.#db.transaction(() => {
      this.#sql.deleteJob.run(jobId)
      this.#sql.deleteUnits.run(jobId)
      this.#sql.deleteOutputs.run(jobId)
      this.#sql.deleteInput.run(jobId)
      this.#sql.deleteInputChunks.run(jobId)
    })()
    await rm(this.#inputFile(jobId), { force: true })
  }

  #putReputation(entries: readonly ReputationEntry[]): void {
    const records = entries.map((entry) => toRecordJson(entry, `reputation of ${entry.identity}`))
    entries.forEach((entry, i) => this.#sql.putReputation.run(entry.identity, records[i]!))
  }
}

function jobOf(row: JobRow): JobRecord {
  const job = JSON.parse(row.record) as Omit<JobRecord, 'params' | 'wasm'>
  return {
    ...job,
    params: plainBytes(row.params),
    ...(row.wasm && { wasm: plainBytes(row.wasm) }),
  }
}

/** A copy as a plain `Uint8Array` (better-sqlite3 returns Buffers), as IndexedDB would give. */
const plainBytes = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)
