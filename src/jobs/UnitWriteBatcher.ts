import type { OutputChange, UnitWrite } from './JobStore.ts'
import type { UnitRecord } from './UnitRecord.ts'

/**
 * Gathers unit writes into one storage transaction at a time. While one
 * transaction commits, the next batch fills up, so under load batches grow
 * instead of transactions queueing up. A unit written twice in a batch is
 * stored once, with its latest record (records are read at flush time); output
 * changes keep their order.
 */
export class UnitWriteBatcher {
  readonly #flush: (writes: readonly UnitWrite[]) => Promise<void>
  #batch: Batch | undefined
  #inFlight: Promise<void> = Promise.resolve()

  constructor(flush: (writes: readonly UnitWrite[]) => Promise<void>) {
    this.#flush = flush
  }

  /** Resolves once the write is committed. */
  write(unit: UnitRecord, change?: OutputChange): Promise<void> {
    if (!this.#batch) {
      const batch: Batch = { units: new Map(), changes: [], done: deferred() }
      this.#batch = batch
      this.#inFlight = this.#inFlight.then(() => this.#commit(batch))
    }
    if (change && (change.put || change.drop?.length)) this.#batch.changes.push({ unit, change })
    else this.#batch.units.set(unit.index, unit)
    return this.#batch.done.promise
  }

  /** Resolves when every write made so far is committed. */
  idle(): Promise<void> {
    return this.#inFlight
  }

  async #commit(batch: Batch): Promise<void> {
    // Writes made from here on go to the next batch.
    if (this.#batch === batch) this.#batch = undefined
    for (const { unit } of batch.changes) batch.units.delete(unit.index)
    const writes = [...batch.changes, ...[...batch.units.values()].map((unit) => ({ unit }))]
    try {
      await this.#flush(writes)
      batch.done.resolve()
    } catch (error) {
      batch.done.reject(error)
    }
  }
}

type Batch = { units: Map<number, UnitRecord>; changes: UnitWrite[]; done: Deferred }

type Deferred = {
  promise: Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
}

function deferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  // A failed batch is reported to its writers; the chain of batches goes on.
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}
