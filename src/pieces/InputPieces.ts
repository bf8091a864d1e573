import { bytesToHex } from '../encoding/bytesToHex.ts'
import type { UnitPlan } from '../tasks/planUnits.ts'
import { merkleLevels, merkleRoot, proofIn } from './merkleRoot.ts'
import { PieceLayout, type PieceRange } from './PieceLayout.ts'

export type { PieceRange } from './PieceLayout.ts'

/** Bytes read from the input file at a time while hashing: bounded, whatever the file's size. */
const readChunkBytes = 16 * 1024 * 1024

/**
 * A job's input file cut into content-addressed pieces (`PieceLayout`: each unit's input in
 * pieces of at most 256 KiB, so a unit names exactly the pieces it needs and no volunteer fetches
 * bytes of units it was not given). Each piece is named by its SHA-256; the `root` is the Merkle
 * root over them all (`merkleRoot`), which names the input as a whole and which a funded job
 * commits to on chain (`jobContentHashOf`).
 *
 * @example
 * const pieces = await InputPieces.hash(plan, file)
 * const needed = pieces.piecesOf(7) // [{ index, start, end }]
 * pieces.sha256Of(needed[0].index)
 * await pieces.proofOf(needed[0].index) // under pieces.root
 */
export class InputPieces {
  readonly root: string
  readonly count: number
  /** Pieces of each unit but (perhaps) the last. */
  readonly perUnit: number
  readonly #layout: PieceLayout
  readonly #hashes: Uint8Array
  /** The Merkle tree's levels, built at the first proof asked for. */
  #levels: Promise<Uint8Array[][]> | undefined

  private constructor(layout: PieceLayout, hashes: Uint8Array, root: string) {
    this.#layout = layout
    this.perUnit = layout.perUnit
    this.count = layout.count
    this.#hashes = hashes
    this.root = root
  }

  /** How many pieces a job of this plan has (none for a job without input). */
  static countOf(plan: UnitPlan): number {
    return PieceLayout.countOf(plan)
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
    const layout = PieceLayout.of(plan)
    const hashes = new Uint8Array(layout.count * 32)
    let chunkStart = 0
    let chunk = new Uint8Array(0)
    for (let index = 0; index < layout.count; index++) {
      const { start, end } = layout.range(index)
      if (end > chunkStart + chunk.length) {
        chunkStart = start
        const chunkEnd = Math.min(plan.inputBytes, Math.max(end, start + readChunkBytes))
        chunk = new Uint8Array(await file.slice(chunkStart, chunkEnd).arrayBuffer())
      }
      const piece = chunk.subarray(start - chunkStart, end - chunkStart)
      hashes.set(new Uint8Array(await crypto.subtle.digest('SHA-256', piece)), index * 32)
    }
    return new InputPieces(layout, hashes, bytesToHex(await merkleRoot(leavesOf(hashes))))
  }

  /** The pieces of unit `unit`'s input, in order: their concatenation is its input. */
  piecesOf(unit: number): PieceRange[] {
    return this.#layout.piecesOf(unit)
  }

  /** The unit whose input piece `index` is part of. */
  unitOf(index: number): number {
    return this.#layout.unitOf(index)
  }

  range(index: number): PieceRange {
    return this.#layout.range(index)
  }

  sha256Of(index: number): string {
    this.#layout.check(index)
    return bytesToHex(this.#hashes.subarray(index * 32, index * 32 + 32))
  }

  /** Every piece's SHA-256, in order (the Merkle tree's leaves). */
  leaves(): Uint8Array[] {
    return leavesOf(this.#hashes)
  }

  /** The Merkle proof of piece `index`'s hash under `root` (`verifyMerkleProof`), in hex. */
  async proofOf(index: number): Promise<string[]> {
    this.#layout.check(index)
    this.#levels ??= merkleLevels(leavesOf(this.#hashes))
    return proofIn(await this.#levels, index).map(bytesToHex)
  }

  /** Reads piece `index` from the input file. */
  async read(file: Blob, index: number): Promise<Uint8Array<ArrayBuffer>> {
    const { start, end } = this.range(index)
    return new Uint8Array(await file.slice(start, end).arrayBuffer())
  }
}

function leavesOf(hashes: Uint8Array): Uint8Array[] {
  return Array.from({ length: hashes.length / 32 }, (_, i) => hashes.subarray(i * 32, i * 32 + 32))
}
