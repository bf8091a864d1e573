import type { UnitPlan } from '../tasks/planUnits.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'

/** Where piece `index` lies in the input file. */
export type PieceRange = { index: number; start: number; end: number }

/**
 * How a job's input file is cut into pieces, which the plan alone decides (no hashing): each
 * unit's input is cut into `perUnit` pieces of at most 256 KiB, equal but for the unit's last, so
 * a unit names exactly the pieces it needs. Piece `unit × perUnit + j` is the unit's `j`th. The
 * host hashes the pieces (`InputPieces`); a verifier, which knows the manifest and the input's
 * size, uses the layout to check that a unit's pieces are the ones it should get.
 *
 * @example
 * const layout = PieceLayout.of(planUnits(manifest, inputBytes))
 * layout.piecesOf(7) // [{ index, start, end }]
 */
export class PieceLayout {
  /** Pieces of each unit but (perhaps) the last. */
  readonly perUnit: number
  readonly count: number
  readonly #plan: UnitPlan
  readonly #pieceBytes: number

  private constructor(plan: UnitPlan) {
    // Unit 0 is the largest: every unit but the last has the same input size.
    const { start, end } = plan.inputRange(0)
    const unitBytes = end - start
    this.perUnit = Math.max(1, Math.ceil(unitBytes / MAX_PIECE_BYTES))
    this.#pieceBytes = Math.ceil(unitBytes / this.perUnit)
    const last = plan.inputRange(plan.unitCount - 1)
    const lastPieces = Math.ceil((last.end - last.start) / this.#pieceBytes)
    this.count = (plan.unitCount - 1) * this.perUnit + lastPieces
    this.#plan = plan
  }

  /** The layout of a plan with input. Throws a RangeError for a plan without input. */
  static of(plan: UnitPlan): PieceLayout {
    if (plan.inputBytes === 0) throw new RangeError('a job without input has no pieces')
    return new PieceLayout(plan)
  }

  /** How many pieces a job of this plan has (none for a job without input). */
  static countOf(plan: UnitPlan): number {
    return plan.inputBytes > 0 ? new PieceLayout(plan).count : 0
  }

  /** The pieces of unit `unit`'s input, in order: their concatenation is its input. */
  piecesOf(unit: number): PieceRange[] {
    const { start: unitStart, end: unitEnd } = this.#plan.inputRange(unit)
    const pieces: PieceRange[] = []
    for (let j = 0; unitStart + j * this.#pieceBytes < unitEnd; j++)
      pieces.push(this.range(unit * this.perUnit + j))
    return pieces
  }

  /** The unit whose input piece `index` is part of. */
  unitOf(index: number): number {
    this.check(index)
    return Math.floor(index / this.perUnit)
  }

  range(index: number): PieceRange {
    this.check(index)
    const unit = Math.floor(index / this.perUnit)
    const { start: unitStart, end: unitEnd } = this.#plan.inputRange(unit)
    const start = unitStart + (index % this.perUnit) * this.#pieceBytes
    return { index, start, end: Math.min(unitEnd, start + this.#pieceBytes) }
  }

  /** Throws a RangeError unless `index` names one of the pieces. */
  check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`piece ${index} is not in 0..${this.count - 1}`)
  }
}
