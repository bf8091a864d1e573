import { compareResults } from '../tasks/compareResults.ts'
import type { Comparison } from '../tasks/manifestSchema.ts'
import type { UnitRecord } from './UnitRecord.ts'

export type LoadReference = (index: number, sha256: string) => Promise<Uint8Array | undefined>

/**
 * Gives each result the key the Scheduler counts votes by. With `exact` comparison that is the
 * result's own hash. With `float` it is the hash of the first result of the group it matches
 * (docs/task-api.md, "Quorum with tolerance"), so results within tolerance of a group's
 * reference vote together, and the reference is the output kept when the group wins.
 * References of open units are kept in memory: the store may not have committed them yet.
 *
 * @example
 * const key = await classifier.classify(unit, output, await sha256Hex(output))
 * scheduler.recordResult(assignmentId, key)
 */
export class ResultClassifier {
  readonly #comparison: Comparison
  readonly #load: LoadReference
  readonly #references = new Map<number, Map<string, Uint8Array>>()

  constructor(comparison: Comparison, load: LoadReference) {
    this.#comparison = comparison
    this.#load = load
  }

  async classify(
    unit: UnitRecord | undefined,
    output: Uint8Array,
    sha256: string,
  ): Promise<string> {
    if (this.#comparison.mode === 'exact' || !unit) return this.#remember(unit, output, sha256)
    const keys = [...new Set(unit.results.map((result) => result.sha256))]
    if (keys.includes(sha256)) return sha256
    for (const key of keys) {
      const reference = await this.#reference(unit.index, key)
      if (reference && compareResults(output, reference, this.#comparison).equal) return key
    }
    return this.#remember(unit, output, sha256)
  }

  /** The unit is decided: its references are no longer needed in memory. */
  forget(index: number): void {
    this.#references.delete(index)
  }

  #remember(unit: UnitRecord | undefined, output: Uint8Array, sha256: string): string {
    if (this.#comparison.mode === 'exact' || !unit) return sha256
    let references = this.#references.get(unit.index)
    if (!references) this.#references.set(unit.index, (references = new Map()))
    references.set(sha256, output)
    return sha256
  }

  async #reference(index: number, sha256: string): Promise<Uint8Array | undefined> {
    const cached = this.#references.get(index)?.get(sha256)
    if (cached) return cached
    // Only after a reload: the reference was stored before the reload.
    const loaded = await this.#load(index, sha256)
    if (loaded) {
      let references = this.#references.get(index)
      if (!references) this.#references.set(index, (references = new Map()))
      references.set(sha256, loaded)
    }
    return loaded
  }
}
