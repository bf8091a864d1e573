import { bytesToHex } from '../encoding/bytesToHex.ts'
import type { UnitPlan } from '../tasks/planUnits.ts'
import { merkleRoot } from './merkleRoot.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'

/** Where piece `index` lies in the input file. */
export type PieceRange = { index: number; start: number; end: number }

/** Bytes read from the input file at a time while hashing: bounded, whatever the file's size. */
const readChunkBytes = 16 * 1024 * 1024

/**
 * A job's input file cut into content-addressed pieces: each unit's input is cut into `perUnit`
 * pieces of at most 256 KiB (equal but for the last), so a unit names exactly the pieces it needs
 * and no volunteer fetches bytes of units it was not given. Piece `unit × perUnit + j` is the
 * unit's `j`th. Each piece is named by its SHA-256; the `root` is the Merkle root over them all
 * (`merkleRoot`), which names the input as a whole.
 *
 * @example
 * const pieces = await InputPieces.hash(plan, file)
 * const needed = pieces.piecesOf(7) // [{ index, start, end }]
 * pieces.sha256Of(needed[0].index)
 */
export class InputPieces {
  readonly root: string
  readonly count: number
  /** Pieces of each unit but (perhaps) the last. */
  readonly perUnit: number
  readonly #plan: UnitPlan
  readonly #pieceBytes: number
  readonly #hashes: Uint8Array

  private constructor(plan: UnitPlan, hashes: Uint8Array, root: string) {
    const layout = layoutOf(plan)
    this.#plan = plan
    this.perUnit = layout.perUnit
    this.#pieceBytes = layout.pieceBytes
    this.count = layout.count
    this.#hashes = hashes
    this.root = root
  }

  /** How many pieces a job of this plan has (none for a job without input). */
  static countOf(plan: UnitPlan): number {
    return plan.inputBytes > 0 ? layoutOf(plan).count : 0
  }

  /**
   * Hashes every piece of `file`, reading it 16 MiB at a time, so memory stays bounded for any
   * size. Throws when the file's size is not the plan's.
   */
  static async hash(plan: UnitPlan, file: Blob): Promise<InputPieces> {
    if (plan.inputBytes === 0 || file.size !== plan.inputBytes)
      throw new RangeError(
        `the input file has ${file.size} bytes, but the job was planned for ${plan.inputBytes}`,
      )
    const layout = layoutOf(plan)
    const hashes = new Uint8Array(layout.count * 32)
    let chunkStart = 0
    let chunk = new Uint8Array(0)
    for (let index = 0; index < layout.count; index++) {
      const { start, end } = rangeOf(plan, layout, index)
      if (end > chunkStart + chunk.length) {
        chunkStart = start
        const chunkEnd = Math.min(plan.inputBytes, Math.max(end, start + readChunkBytes))
        chunk = new Uint8Array(await file.slice(chunkStart, chunkEnd).arrayBuffer())
      }
      const piece = chunk.subarray(start - chunkStart, end - chunkStart)
      hashes.set(new Uint8Array(await crypto.subtle.digest('SHA-256', piece)), index * 32)
    }
    const leaves = Array.from({ length: layout.count }, (_, i) =>
      hashes.subarray(i * 32, i * 32 + 32),
    )
    return new InputPieces(plan, hashes, bytesToHex(await merkleRoot(leaves)))
  }

  /** The pieces of unit `unit`'s input, in order: their concatenation is its input. */
  piecesOf(unit: number): PieceRange[] {
    const { start: unitStart, end: unitEnd } = this.#plan.inputRange(unit)
    const pieces: PieceRange[] = []
    for (let j = 0; unitStart + j * this.#pieceBytes < unitEnd; j++) {
      const index = unit * this.perUnit + j
      pieces.push(this.range(index))
    }
    return pieces
  }

  /** The unit whose input piece `index` is part of. */
  unitOf(index: number): number {
    this.#check(index)
    return Math.floor(index / this.perUnit)
  }

  range(index: number): PieceRange {
    this.#check(index)
    return rangeOf(this.#plan, { perUnit: this.perUnit, pieceBytes: this.#pieceBytes }, index)
  }

  sha256Of(index: number): string {
    this.#check(index)
    return bytesToHex(this.#hashes.subarray(index * 32, index * 32 + 32))
  }

  /** Reads piece `index` from the input file. */
  async read(file: Blob, index: number): Promise<Uint8Array<ArrayBuffer>> {
    const { start, end } = this.range(index)
    return new Uint8Array(await file.slice(start, end).arrayBuffer())
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`piece ${index} is not in 0..${this.count - 1}`)
  }
}

type Layout = { perUnit: number; pieceBytes: number; count: number }

function layoutOf(plan: UnitPlan): Layout {
  // Unit 0 is the largest: every unit but the last has the same input size.
  const { start, end } = plan.inputRange(0)
  const unitBytes = end - start
  const perUnit = Math.max(1, Math.ceil(unitBytes / MAX_PIECE_BYTES))
  const pieceBytes = Math.ceil(unitBytes / perUnit)
  const last = plan.inputRange(plan.unitCount - 1)
  const lastPieces = Math.ceil((last.end - last.start) / pieceBytes)
  return { perUnit, pieceBytes, count: (plan.unitCount - 1) * perUnit + lastPieces }
}

function rangeOf(
  plan: UnitPlan,
  layout: Pick<Layout, 'perUnit' | 'pieceBytes'>,
  index: number,
): PieceRange {
  const unit = Math.floor(index / layout.perUnit)
  const { start: unitStart, end: unitEnd } = plan.inputRange(unit)
  const start = unitStart + (index % layout.perUnit) * layout.pieceBytes
  return { index, start, end: Math.min(unitEnd, start + layout.pieceBytes) }
}
