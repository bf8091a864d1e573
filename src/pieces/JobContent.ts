import { bytesToHex } from '../encoding/bytesToHex.ts'
import type { KernelRef } from '../tasks/manifestSchema.ts'
import type { InputPieces, PieceRange } from './InputPieces.ts'
import { merkleRoot } from './merkleRoot.ts'
import { MAX_PIECE_BYTES } from './pieceLimits.ts'

/** A kernel file of the job: its kind, and its bytes (a WGSL kernel's source as UTF-8). */
export type KernelFile = { kind: KernelRef['kind']; bytes: Uint8Array }

type KernelSpan = { kind: KernelRef['kind']; first: number; count: number; bytes: Uint8Array }

/**
 * Everything a job's volunteers fetch, content-addressed under one root: the input's pieces
 * (`InputPieces`, indexes 0 … n−1, cut along units) and then each kernel file's pieces (the
 * manifest's order, 256 KiB each but the last). Each piece is named by its SHA-256; the root is
 * the Merkle root over all of them, in index order (`merkleRoot`). The host's `PieceDesk` names
 * pieces by their index here, so a volunteer fetches a kernel from other volunteers as it does a
 * unit's input.
 *
 * @example
 * const content = await JobContent.of({ pieces, file }, [{ kind: 'wasm', bytes: job.wasm }])
 * content.kernelPieces('wasm') // [{ index, start, end }], start and end within the kernel file
 */
export class JobContent {
  readonly root: string
  readonly count: number
  /** How many of the pieces are the input's (they come first). */
  readonly inputCount: number
  readonly #input: { pieces: InputPieces; file: Blob } | undefined
  readonly #kernels: KernelSpan[]
  readonly #kernelHashes: Uint8Array

  private constructor(
    input: { pieces: InputPieces; file: Blob } | undefined,
    kernels: KernelSpan[],
    kernelHashes: Uint8Array,
    root: string,
  ) {
    this.#input = input
    this.#kernels = kernels
    this.#kernelHashes = kernelHashes
    this.inputCount = input?.pieces.count ?? 0
    this.count = this.inputCount + kernelHashes.length / 32
    this.root = root
  }

  /** Hashes the kernel files' pieces, and the root over the input's and theirs. */
  static async of(
    input: { pieces: InputPieces; file: Blob } | undefined,
    kernels: readonly KernelFile[],
  ): Promise<JobContent> {
    const spans: KernelSpan[] = []
    let next = input?.pieces.count ?? 0
    for (const { kind, bytes } of kernels) {
      const count = Math.max(1, Math.ceil(bytes.length / MAX_PIECE_BYTES))
      spans.push({ kind, first: next, count, bytes })
      next += count
    }
    const kernelCount = next - (input?.pieces.count ?? 0)
    const hashes = new Uint8Array(kernelCount * 32)
    let at = 0
    for (const span of spans)
      for (let j = 0; j < span.count; j++, at++) {
        const piece = span.bytes.slice(j * MAX_PIECE_BYTES, (j + 1) * MAX_PIECE_BYTES)
        hashes.set(new Uint8Array(await crypto.subtle.digest('SHA-256', piece)), at * 32)
      }
    const kernelLeaves = Array.from({ length: kernelCount }, (_, i) =>
      hashes.subarray(i * 32, i * 32 + 32),
    )
    const leaves = [...(input?.pieces.leaves() ?? []), ...kernelLeaves]
    if (!leaves.length) throw new RangeError('a job has at least a kernel file')
    return new JobContent(input, spans, hashes, bytesToHex(await merkleRoot(leaves)))
  }

  /** The input pieces of unit `unit`, in order; none for a job without input. */
  unitPieces(unit: number): PieceRange[] {
    return this.#input?.pieces.piecesOf(unit) ?? []
  }

  /** The pieces of the kernel file of `kind`, in order; ranges are within that file. */
  kernelPieces(kind: KernelRef['kind']): PieceRange[] {
    const span = this.#kernels.find((k) => k.kind === kind)
    if (!span) throw new RangeError(`the job has no ${kind} kernel file`)
    return Array.from({ length: span.count }, (_, j) => ({
      index: span.first + j,
      start: j * MAX_PIECE_BYTES,
      end: Math.min(span.bytes.length, (j + 1) * MAX_PIECE_BYTES),
    }))
  }

  /** What piece `index` is part of: a unit's input, or a kernel file. */
  ownerOf(index: number): { unit: number } | { kernel: KernelRef['kind'] } {
    this.#check(index)
    if (index < this.inputCount) return { unit: this.#input!.pieces.unitOf(index) }
    const span = this.#spanOf(index)
    return { kernel: span.kind }
  }

  sha256Of(index: number): string {
    this.#check(index)
    if (index < this.inputCount) return this.#input!.pieces.sha256Of(index)
    const at = index - this.inputCount
    return bytesToHex(this.#kernelHashes.subarray(at * 32, at * 32 + 32))
  }

  /** The bytes of piece `index`: read from the input file, or cut from the kernel's. */
  async read(index: number): Promise<Uint8Array<ArrayBuffer>> {
    this.#check(index)
    if (index < this.inputCount) return this.#input!.pieces.read(this.#input!.file, index)
    const span = this.#spanOf(index)
    const start = (index - span.first) * MAX_PIECE_BYTES
    return span.bytes.slice(start, start + MAX_PIECE_BYTES)
  }

  #spanOf(index: number): KernelSpan {
    return this.#kernels.find((k) => index >= k.first && index < k.first + k.count)!
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count)
      throw new RangeError(`piece ${index} is not in 0..${this.count - 1}`)
  }
}
