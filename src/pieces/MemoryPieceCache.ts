import type { CachedPiece, PieceCache } from './PieceCache.ts'

/**
 * A `PieceCache` in this process's memory: least recently used pieces go first once the budget
 * is full. A headless volunteer's default, and what the tests use.
 *
 * @example
 * const cache = new MemoryPieceCache({ budgetBytes: 256 * 1024 * 1024 })
 */
export class MemoryPieceCache implements PieceCache {
  readonly #budgetBytes: number
  /** By hash, in order of use: the first is the least recently used. */
  readonly #pieces = new Map<string, Uint8Array<ArrayBuffer>>()
  /** root → index → hash. */
  readonly #indices = new Map<string, Map<number, string>>()
  #bytes = 0

  constructor({ budgetBytes }: { budgetBytes: number }) {
    if (!(budgetBytes >= 0))
      throw new RangeError(`a cache budget must be at least 0, not ${budgetBytes}`)
    this.#budgetBytes = budgetBytes
  }

  async get(sha256: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const bytes = this.#pieces.get(sha256)
    if (!bytes) return undefined
    this.#pieces.delete(sha256)
    this.#pieces.set(sha256, bytes)
    return bytes
  }

  async put({ root, index, sha256, bytes }: CachedPiece): Promise<void> {
    if (bytes.length > this.#budgetBytes) return
    let indices = this.#indices.get(root)
    if (!indices) this.#indices.set(root, (indices = new Map()))
    indices.set(index, sha256)
    const held = this.#pieces.get(sha256)
    if (held) {
      this.#pieces.delete(sha256)
      this.#pieces.set(sha256, held)
      return
    }
    this.#pieces.set(sha256, bytes.slice())
    this.#bytes += bytes.length
    for (const [hash, oldest] of this.#pieces) {
      if (this.#bytes <= this.#budgetBytes) break
      this.#pieces.delete(hash)
      this.#bytes -= oldest.length
    }
  }

  async held(root: string): Promise<{ index: number; sha256: string }[]> {
    const indices = this.#indices.get(root)
    if (!indices) return []
    // The entries of pieces evicted since go now: the index does not outgrow the pieces.
    for (const [index, sha256] of indices) if (!this.#pieces.has(sha256)) indices.delete(index)
    if (!indices.size) this.#indices.delete(root)
    return [...indices].map(([index, sha256]) => ({ index, sha256 }))
  }

  async usage(): Promise<{ pieces: number; bytes: number; budgetBytes: number }> {
    return { pieces: this.#pieces.size, bytes: this.#bytes, budgetBytes: this.#budgetBytes }
  }

  async clear(): Promise<void> {
    this.#pieces.clear()
    this.#indices.clear()
    this.#bytes = 0
  }
}
