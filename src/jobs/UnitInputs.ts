import type { UnitPlan } from '../tasks/planUnits.ts'

/**
 * Reads units' input slices from the job's input file on demand, so a file of hundreds of MiB
 * is never held in memory: only the slices of units being sent are.
 *
 * @example
 * const inputs = new UnitInputs(plan, await store.loadInput(jobId))
 * const slice = await inputs.read(7)
 */
export class UnitInputs {
  readonly #plan: UnitPlan
  readonly #file: Blob | undefined

  constructor(plan: UnitPlan, file: Blob | undefined) {
    if (plan.inputBytes > 0 && file?.size !== plan.inputBytes)
      throw new Error(
        `the job's input file has ${file?.size ?? 'no'} bytes, but the job was planned for ${plan.inputBytes}`,
      )
    this.#plan = plan
    this.#file = file
  }

  async read(index: number): Promise<Uint8Array<ArrayBuffer>> {
    const { start, end } = this.#plan.inputRange(index)
    if (!this.#file || start === end) return new Uint8Array(0)
    return new Uint8Array(await this.#file.slice(start, end).arrayBuffer())
  }
}
