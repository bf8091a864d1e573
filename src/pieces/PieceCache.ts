/** A piece to keep: piece `index` of the input under `root`, already checked against `sha256`. */
export type CachedPiece = { root: string; index: number; sha256: string; bytes: Uint8Array }

/**
 * Where a volunteer keeps the job data pieces it has fetched, within a size budget, so that it
 * fetches a piece once across units (and, where the cache outlives the page, across reloads)
 * and can serve it to other volunteers. Pieces are stored by their SHA-256, so two jobs that
 * share data share pieces; which index of which input each piece is, is kept beside them, so
 * that a volunteer joining a job can tell its host what it already holds.
 *
 * `MemoryPieceCache` keeps them in memory, `IdbPieceCache` in a tab's IndexedDB, `FilePieceCache`
 * in a folder in Node; `src/pieces/testing/pieceCacheContract.ts` holds them to the same tests.
 */
export type PieceCache = {
  /** The piece with this hash, when held; it becomes the most recently used. */
  get(sha256: string): Promise<Uint8Array<ArrayBuffer> | undefined>
  /**
   * Keeps a checked piece, then drops the least recently used pieces until the cache is within
   * its budget again. A piece larger than the whole budget is not kept.
   */
  put(piece: CachedPiece): Promise<void>
  /** The pieces of the input under `root` held now, by index. */
  held(root: string): Promise<{ index: number; sha256: string }[]>
  /** What the cache holds now, and its budget. */
  usage(): Promise<{ pieces: number; bytes: number; budgetBytes: number }>
  /** Drops everything. */
  clear(): Promise<void>
}
