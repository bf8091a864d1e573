import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb'
import type { CachedPiece, PieceCache } from './PieceCache.ts'

/** A piece's bookkeeping, apart from its bytes: a use rewrites this, not 256 KiB. */
type StoredPiece = { sha256: string; size: number; usedAt: number }
type StoredBytes = { sha256: string; bytes: Uint8Array<ArrayBuffer> }
type StoredIndex = { root: string; index: number; sha256: string }

interface PieceDb extends DBSchema {
  /**
   * The `usedAt` index is keyed `[usedAt, size]`: in order of use, with each piece's size, so
   * that opening (the byte total) and eviction walk keys alone and never read a piece's bytes.
   */
  pieces: { key: string; value: StoredPiece; indexes: { usedAt: [number, number] } }
  bytes: { key: string; value: StoredBytes }
  indices: { key: [string, number]; value: StoredIndex }
}

type PiecesTransaction = IDBPTransaction<PieceDb, ['pieces', 'bytes', 'indices'], 'readwrite'>

export type IdbPieceCacheOpenParameters = {
  /** The database's name: one per origin is shared by its tabs. */
  name?: string
  budgetBytes: number
}

/**
 * A `PieceCache` in a tab's IndexedDB, so that a volunteer's pieces outlive a reload: pieces by
 * hash with the time of their last use (their bytes in a store of their own, so that a use
 * rewrites a few bytes, not the piece), and which index of which input each one is. The byte
 * total is counted once when the cache opens and kept in memory after, so a put need not scan
 * the store; another tab writing the same database is not seen in it until the next open.
 *
 * @example
 * const cache = await IdbPieceCache.open({ budgetBytes: 256 * 1024 * 1024 })
 */
export class IdbPieceCache implements PieceCache {
  readonly #db: IDBPDatabase<PieceDb>
  readonly #budgetBytes: number
  #pieces: number
  #bytes: number
  /** The last `usedAt` given: strictly increasing, so that no two uses tie. */
  #clock: number
  // Puts and clears one after another: each starts from the totals the last one left.
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(
    db: IDBPDatabase<PieceDb>,
    budgetBytes: number,
    totals: { pieces: number; bytes: number; clock: number },
  ) {
    this.#db = db
    this.#budgetBytes = budgetBytes
    this.#pieces = totals.pieces
    this.#bytes = totals.bytes
    this.#clock = totals.clock
  }

  /** Opens (or creates) the database, counts what it holds, and trims it to `budgetBytes`. */
  static async open({
    name = 'volunteer-compute-pieces',
    budgetBytes,
  }: IdbPieceCacheOpenParameters): Promise<IdbPieceCache> {
    if (!(budgetBytes >= 0))
      throw new RangeError(`a cache budget must be at least 0, not ${budgetBytes}`)
    const db = await openDB<PieceDb>(name, 1, {
      upgrade(db) {
        db.createObjectStore('pieces', { keyPath: 'sha256' }).createIndex('usedAt', [
          'usedAt',
          'size',
        ])
        db.createObjectStore('bytes', { keyPath: 'sha256' })
        db.createObjectStore('indices', { keyPath: ['root', 'index'] })
      },
    })
    const totals = { pieces: 0, bytes: 0, clock: 0 }
    let cursor = await db.transaction('pieces').store.index('usedAt').openKeyCursor()
    while (cursor) {
      const [usedAt, size] = cursor.key
      totals.pieces += 1
      totals.bytes += size
      totals.clock = Math.max(totals.clock, usedAt)
      cursor = await cursor.continue()
    }
    const cache = new IdbPieceCache(db, budgetBytes, totals)
    if (totals.bytes > budgetBytes) {
      const tx = db.transaction(['pieces', 'bytes', 'indices'], 'readwrite')
      const dropped = await cache.#evict(tx, totals.bytes)
      await tx.done
      cache.#pieces -= dropped.pieces
      cache.#bytes -= dropped.bytes
    }
    return cache
  }

  async get(sha256: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const tx = this.#db.transaction(['pieces', 'bytes'], 'readwrite')
    const pieces = tx.objectStore('pieces')
    const [stored, bytes] = await Promise.all([
      pieces.get(sha256),
      tx.objectStore('bytes').get(sha256),
    ])
    if (stored) await pieces.put({ ...stored, usedAt: this.#tick() })
    await tx.done
    return stored && bytes?.bytes
  }

  put(piece: CachedPiece): Promise<void> {
    return this.#enqueue(() => this.#put(piece))
  }

  /** The pieces of `root` held now; the index rows of pieces evicted since go at the same time. */
  held(root: string): Promise<{ index: number; sha256: string }[]> {
    return this.#enqueue(async () => {
      const tx = this.#db.transaction(['indices', 'pieces'], 'readwrite')
      const rows = tx.objectStore('indices')
      const indices = await rows.getAll(IDBKeyRange.bound([root, -Infinity], [root, Infinity]))
      const present = await Promise.all(
        indices.map(({ sha256 }) => tx.objectStore('pieces').getKey(sha256)),
      )
      await Promise.all(
        indices.flatMap(({ index }, i) =>
          present[i] === undefined ? [rows.delete([root, index])] : [],
        ),
      )
      await tx.done
      return indices
        .filter((_, i) => present[i] !== undefined)
        .map(({ index, sha256 }) => ({ index, sha256 }))
    })
  }

  async usage(): Promise<{ pieces: number; bytes: number; budgetBytes: number }> {
    return { pieces: this.#pieces, bytes: this.#bytes, budgetBytes: this.#budgetBytes }
  }

  clear(): Promise<void> {
    return this.#enqueue(async () => {
      const tx = this.#db.transaction(['pieces', 'bytes', 'indices'], 'readwrite')
      await Promise.all([
        tx.objectStore('pieces').clear(),
        tx.objectStore('bytes').clear(),
        tx.objectStore('indices').clear(),
      ])
      await tx.done
      this.#pieces = 0
      this.#bytes = 0
    })
  }

  /** Closes the database; the cache is not used after. */
  close(): void {
    this.#db.close()
  }

  async #put({ root, index, sha256, bytes }: CachedPiece): Promise<void> {
    if (bytes.length > this.#budgetBytes) return
    const tx = this.#db.transaction(['pieces', 'bytes', 'indices'], 'readwrite')
    const pieces = tx.objectStore('pieces')
    await tx.objectStore('indices').put({ root, index, sha256 })
    const held = await pieces.get(sha256)
    let added = { pieces: 0, bytes: 0 }
    let dropped = { pieces: 0, bytes: 0 }
    if (held) await pieces.put({ ...held, usedAt: this.#tick() })
    else {
      // A copy of just the view: a structured clone would keep the whole underlying buffer.
      await Promise.all([
        pieces.put({ sha256, size: bytes.length, usedAt: this.#tick() }),
        tx.objectStore('bytes').put({ sha256, bytes: bytes.slice() }),
      ])
      added = { pieces: 1, bytes: bytes.length }
      dropped = await this.#evict(tx, this.#bytes + bytes.length)
    }
    await tx.done
    this.#pieces += added.pieces - dropped.pieces
    this.#bytes += added.bytes - dropped.bytes
  }

  /** Deletes the least recently used pieces, within `tx`, until `bytes` fit the budget. */
  async #evict(tx: PiecesTransaction, bytes: number): Promise<{ pieces: number; bytes: number }> {
    const dropped = { pieces: 0, bytes: 0 }
    const pieces = tx.objectStore('pieces')
    const deletes: Promise<void>[] = []
    let cursor = await pieces.index('usedAt').openKeyCursor()
    while (cursor && bytes - dropped.bytes > this.#budgetBytes) {
      deletes.push(
        pieces.delete(cursor.primaryKey),
        tx.objectStore('bytes').delete(cursor.primaryKey),
      )
      dropped.pieces += 1
      dropped.bytes += cursor.key[1]
      cursor = await cursor.continue()
    }
    await Promise.all(deletes)
    return dropped
  }

  #tick(): number {
    this.#clock = Math.max(Date.now(), this.#clock + 1)
    return this.#clock
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work)
    this.#queue = done.catch(() => undefined)
    return done
  }
}
