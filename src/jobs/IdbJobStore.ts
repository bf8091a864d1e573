import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { ReputationEntry } from '../trust/ReputationBook.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore, UnitWrite } from './JobStore.ts'
import type { UnitRecord } from './UnitRecord.ts'

type StoredUnit = UnitRecord & { jobId: string }
type StoredOutput = { jobId: string; index: number; sha256: string; bytes: Uint8Array }

interface HostDb extends DBSchema {
  jobs: { key: string; value: JobRecord; indexes: { createdAt: number } }
  units: { key: [string, number]; value: StoredUnit }
  outputs: { key: [string, number, string]; value: StoredOutput }
  inputs: { key: string; value: Blob }
  reputation: { key: string; value: ReputationEntry }
}

const stores = ['jobs', 'units', 'outputs', 'inputs', 'reputation'] as const

/** The job host's IndexedDB: one database per origin, jobs keyed by id. */
export class IdbJobStore implements JobStore {
  readonly #db: Promise<IDBPDatabase<HostDb>>

  constructor(name = 'volunteer-compute-host') {
    // Version 2 stores manifest jobs and their input files. Version 1 jobs (the built-in demo
    // before manifests) cannot be resumed by this host: they are dropped. Version 3 adds the
    // reputation book, kept across the requester's jobs.
    this.#db = openDB<HostDb>(name, 3, {
      upgrade(db, oldVersion) {
        if (oldVersion < 2) {
          for (const store of stores)
            if (db.objectStoreNames.contains(store)) db.deleteObjectStore(store)
          db.createObjectStore('jobs', { keyPath: 'jobId' }).createIndex('createdAt', 'createdAt')
          db.createObjectStore('units', { keyPath: ['jobId', 'index'] })
          db.createObjectStore('outputs', { keyPath: ['jobId', 'index', 'sha256'] })
          db.createObjectStore('inputs')
        }
        if (!db.objectStoreNames.contains('reputation'))
          db.createObjectStore('reputation', { keyPath: 'identity' })
      },
    })
  }

  async saveJob(job: JobRecord): Promise<void> {
    await (await this.#db).put('jobs', job)
  }

  async saveInput(jobId: string, input: Blob): Promise<void> {
    await (await this.#db).put('inputs', input, jobId)
  }

  async loadInput(jobId: string): Promise<Blob | undefined> {
    return (await this.#db).get('inputs', jobId)
  }

  async loadJob(jobId: string): Promise<JobRecord | undefined> {
    return (await this.#db).get('jobs', jobId)
  }

  async latestJob(): Promise<JobRecord | undefined> {
    const cursor = await (
      await this.#db
    )
      .transaction('jobs')
      .store.index('createdAt')
      .openCursor(null, 'prev')
    return cursor?.value
  }

  async loadReputation(): Promise<ReputationEntry[]> {
    return (await this.#db).getAll('reputation')
  }

  async saveReputation(entries: readonly ReputationEntry[]): Promise<void> {
    const tx = (await this.#db).transaction('reputation', 'readwrite')
    await Promise.all([...entries.map((entry) => tx.store.put(entry)), tx.done])
  }

  async saveUnits(
    jobId: string,
    writes: readonly UnitWrite[],
    reputation: readonly ReputationEntry[] = [],
  ): Promise<void> {
    const tx = (await this.#db).transaction(['units', 'outputs', 'reputation'], 'readwrite')
    const units = tx.objectStore('units')
    const outputs = tx.objectStore('outputs')
    const requests: Promise<unknown>[] = reputation.map((entry) =>
      tx.objectStore('reputation').put(entry),
    )
    for (const { unit, change = {} } of writes) {
      requests.push(units.put({ ...unit, jobId }))
      if (change.put) {
        const { sha256, bytes } = change.put
        requests.push(outputs.put({ jobId, index: unit.index, sha256, bytes }))
      }
      for (const sha256 of change.drop ?? []) {
        requests.push(outputs.delete([jobId, unit.index, sha256]))
      }
    }
    await Promise.all([...requests, tx.done])
  }

  async loadUnits(jobId: string): Promise<UnitRecord[]> {
    const range = IDBKeyRange.bound([jobId, 0], [jobId, Number.MAX_SAFE_INTEGER])
    const stored = await (await this.#db).getAll('units', range)
    return stored.map(({ jobId: _, ...unit }) => unit)
  }

  async loadOutput(jobId: string, index: number, sha256: string): Promise<Uint8Array | undefined> {
    return (await (await this.#db).get('outputs', [jobId, index, sha256]))?.bytes
  }

  async deleteJob(jobId: string): Promise<void> {
    const tx = (await this.#db).transaction(['jobs', 'units', 'outputs', 'inputs'], 'readwrite')
    const units = IDBKeyRange.bound([jobId, 0], [jobId, Number.MAX_SAFE_INTEGER])
    const outputs = IDBKeyRange.bound([jobId, 0, ''], [jobId, Number.MAX_SAFE_INTEGER, '\uffff'])
    await Promise.all([
      tx.objectStore('jobs').delete(jobId),
      tx.objectStore('units').delete(units),
      tx.objectStore('outputs').delete(outputs),
      tx.objectStore('inputs').delete(jobId),
      tx.done,
    ])
  }
}
