import type { ReputationEntry } from '../trust/ReputationBook.ts'
import type { JobRecord } from './JobRecord.ts'
import type { JobStore, UnitWrite } from './JobStore.ts'
import type { UnitRecord } from './UnitRecord.ts'

/** A JobStore in memory, for a headless host that needs no persistence, and for tests. */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobRecord>()
  readonly #units = new Map<string, Map<number, UnitRecord>>()
  readonly #outputs = new Map<string, Uint8Array>()
  readonly #inputs = new Map<string, Blob>()
  readonly #reputation = new Map<string, ReputationEntry>()

  async loadReputation(): Promise<ReputationEntry[]> {
    return [...this.#reputation.values()].map((entry) => structuredClone(entry))
  }

  async saveReputation(entries: readonly ReputationEntry[]): Promise<void> {
    for (const entry of entries) this.#reputation.set(entry.identity, structuredClone(entry))
  }

  async saveJob(job: JobRecord): Promise<void> {
    this.#jobs.set(job.jobId, structuredClone(job))
  }

  async saveInput(jobId: string, input: Blob): Promise<void> {
    this.#inputs.set(jobId, input)
  }

  async loadInput(jobId: string): Promise<Blob | undefined> {
    return this.#inputs.get(jobId)
  }

  async loadJob(jobId: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(jobId)
    return job && structuredClone(job)
  }

  async latestJob(): Promise<JobRecord | undefined> {
    const jobs = [...this.#jobs.values()].sort((a, b) => b.createdAt - a.createdAt)
    return jobs[0] && structuredClone(jobs[0])
  }

  async saveUnits(
    jobId: string,
    writes: readonly UnitWrite[],
    reputation: readonly ReputationEntry[] = [],
  ): Promise<void> {
    await this.saveReputation(reputation)
    let units = this.#units.get(jobId)
    if (!units) this.#units.set(jobId, (units = new Map()))
    for (const { unit, change = {} } of writes) {
      units.set(unit.index, structuredClone(unit))
      if (change.put) {
        this.#outputs.set(`${jobId}/${unit.index}/${change.put.sha256}`, change.put.bytes.slice())
      }
      for (const sha256 of change.drop ?? []) {
        this.#outputs.delete(`${jobId}/${unit.index}/${sha256}`)
      }
    }
  }

  async loadUnits(jobId: string): Promise<UnitRecord[]> {
    return [...(this.#units.get(jobId)?.values() ?? [])].map((u) => structuredClone(u))
  }

  async loadOutput(jobId: string, index: number, sha256: string): Promise<Uint8Array | undefined> {
    return this.#outputs.get(`${jobId}/${index}/${sha256}`)?.slice()
  }

  async deleteJob(jobId: string): Promise<void> {
    this.#jobs.delete(jobId)
    this.#units.delete(jobId)
    this.#inputs.delete(jobId)
    for (const key of this.#outputs.keys())
      if (key.startsWith(`${jobId}/`)) this.#outputs.delete(key)
  }
}
