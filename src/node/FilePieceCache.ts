import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { CachedPiece, PieceCache } from '../pieces/PieceCache.ts'

const hashPattern = /^[0-9a-f]{64}$/
const rootFileSchema = z.strictObject({
  v: z.literal(1),
  root: z.string(),
  pieces: z.array(
    z.strictObject({
      index: z.number().int().nonnegative(),
      sha256: z.string().regex(hashPattern),
    }),
  ),
})

export type FilePieceCacheOpenParameters = {
  /** The cache's folder, created (mode 0700) when missing. One process uses it at a time. */
  dir: string
  budgetBytes: number
}

/**
 * A `PieceCache` in a folder, so that a headless volunteer's pieces outlive the process:
 * `pieces/<sha256>`, one file per piece (mode 0600), and `roots/<sha256 of root>.json`, which
 * index of that input each held piece is. Every file is written beside its name, then renamed,
 * so a crash leaves a whole file or none.
 *
 * The order of use is each piece file's mtime, set on every put and get: it lives with the piece,
 * costs one `utimes` a use, and cannot disagree with the pieces after a crash, where one
 * recency file would be rewritten whole on every get. Opening lists the folder once for the byte
 * total and the order; the indices are kept in memory too, and an index entry goes when its piece
 * does, so the root files stay as small as what the cache holds. A piece is hashed again on each
 * get: one whose file no longer matches its name is deleted and answered as absent.
 *
 * @example
 * const cache = await FilePieceCache.open({
 *   dir: `${os.homedir()}/.volunteer-compute/pieces`,
 *   budgetBytes: 1024 * 1024 * 1024,
 * })
 */
export class FilePieceCache implements PieceCache {
  readonly #piecesDir: string
  readonly #rootsDir: string
  readonly #budgetBytes: number
  /** Size by hash, in order of use: the first is the least recently used. */
  readonly #sizes: Map<string, number>
  /** root → index → hash, for held pieces only. */
  readonly #roots: Map<string, Map<number, string>>
  #bytes: number
  /** The last mtime given: strictly increasing, so that no two uses tie. */
  #clock: number
  // Every change one after another: each starts from the files and totals the last one left.
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(
    dir: string,
    budgetBytes: number,
    sizes: Map<string, number>,
    roots: Map<string, Map<number, string>>,
    clock: number,
  ) {
    this.#piecesDir = path.join(dir, 'pieces')
    this.#rootsDir = path.join(dir, 'roots')
    this.#budgetBytes = budgetBytes
    this.#sizes = sizes
    this.#roots = roots
    this.#bytes = [...sizes.values()].reduce((sum, size) => sum + size, 0)
    this.#clock = clock
  }

  /**
   * Opens the folder, creating it when missing, rebuilds the byte total and the order of use from
   * the piece files there, removes what an interrupted write left, and trims it to `budgetBytes`.
   */
  static async open({ dir, budgetBytes }: FilePieceCacheOpenParameters): Promise<FilePieceCache> {
    if (!(budgetBytes >= 0))
      throw new RangeError(`a cache budget must be at least 0, not ${budgetBytes}`)
    const piecesDir = path.join(dir, 'pieces')
    const rootsDir = path.join(dir, 'roots')
    await mkdir(piecesDir, { recursive: true, mode: 0o700 })
    await mkdir(rootsDir, { recursive: true, mode: 0o700 })

    const found = await Promise.all(
      (await listFiles(piecesDir)).map(async (name) => {
        if (!hashPattern.test(name)) return undefined
        const { size, mtimeMs } = await stat(path.join(piecesDir, name))
        return { sha256: name, size, mtimeMs }
      }),
    )
    const pieces = found
      .filter((piece) => piece !== undefined)
      .sort((a, b) => a.mtimeMs - b.mtimeMs || a.sha256.localeCompare(b.sha256))
    const sizes = new Map(pieces.map(({ sha256, size }) => [sha256, size]))
    // Rounded up: a stamp read back may fall a hair below the millisecond it was set to.
    const clock = Math.ceil(pieces.reduce((latest, { mtimeMs }) => Math.max(latest, mtimeMs), 0))

    const roots = new Map<string, Map<number, string>>()
    const stale: string[] = []
    for (const name of await listFiles(rootsDir)) {
      const stored = await readRootFile(path.join(rootsDir, name))
      if (!stored) continue
      const indices = new Map(
        stored.pieces
          .filter(({ sha256 }) => sizes.has(sha256))
          .map(({ index, sha256 }) => [index, sha256]),
      )
      if (indices.size > 0) roots.set(stored.root, indices)
      if (indices.size < stored.pieces.length) stale.push(stored.root)
    }

    const cache = new FilePieceCache(dir, budgetBytes, sizes, roots, clock)
    await cache.#enqueue(async () => {
      const changed = new Set(stale)
      await cache.#evict(changed)
      await cache.#writeRoots(changed)
    })
    return cache
  }

  get(sha256: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    return this.#enqueue(async () => {
      if (!this.#sizes.has(sha256)) return undefined
      const file = this.#pieceFile(sha256)
      let bytes: Uint8Array<ArrayBuffer>
      try {
        bytes = new Uint8Array(await readFile(file))
      } catch (error) {
        if (!isMissing(error)) throw error
        bytes = new Uint8Array(0)
      }
      if ((await sha256Hex(bytes)) !== sha256 || !(await this.#touch(sha256))) {
        const changed = new Set<string>()
        await this.#drop(sha256, changed)
        await this.#writeRoots(changed)
        return undefined
      }
      return bytes
    })
  }

  put({ root, index, sha256, bytes }: CachedPiece): Promise<void> {
    if (!hashPattern.test(sha256))
      return Promise.reject(
        new RangeError(`a piece hash is 64 lowercase hex digits, not ${sha256}`),
      )
    return this.#enqueue(async () => {
      if (bytes.length > this.#budgetBytes) return
      const changed = new Set<string>()
      if (!(this.#sizes.has(sha256) && (await this.#touch(sha256)))) {
        await this.#drop(sha256, changed)
        await this.#write(sha256, bytes)
        this.#sizes.set(sha256, bytes.length)
        this.#bytes += bytes.length
      }
      let indices = this.#roots.get(root)
      if (!indices) this.#roots.set(root, (indices = new Map()))
      if (indices.get(index) !== sha256) {
        indices.set(index, sha256)
        changed.add(root)
      }
      await this.#evict(changed)
      await this.#writeRoots(changed)
    })
  }

  async held(root: string): Promise<{ index: number; sha256: string }[]> {
    return [...(this.#roots.get(root) ?? [])]
      .map(([index, sha256]) => ({ index, sha256 }))
      .sort((a, b) => a.index - b.index)
  }

  async usage(): Promise<{ pieces: number; bytes: number; budgetBytes: number }> {
    return { pieces: this.#sizes.size, bytes: this.#bytes, budgetBytes: this.#budgetBytes }
  }

  clear(): Promise<void> {
    return this.#enqueue(async () => {
      this.#sizes.clear()
      this.#roots.clear()
      this.#bytes = 0
      for (const dir of [this.#piecesDir, this.#rootsDir]) {
        await rm(dir, { recursive: true, force: true })
        await mkdir(dir, { mode: 0o700 })
      }
    })
  }

  /** Writes a new piece file, stamped as the most recently used. */
  async #write(sha256: string, bytes: Uint8Array): Promise<void> {
    const file = this.#pieceFile(sha256)
    const temporary = temporaryName(file)
    try {
      await writeFile(temporary, bytes, { mode: 0o600, flag: 'wx' })
      const usedAt = new Date(this.#tick())
      await utimes(temporary, usedAt, usedAt)
      await rename(temporary, file)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  }

  /** Makes a held piece the most recently used; false when its file has gone. */
  async #touch(sha256: string): Promise<boolean> {
    const usedAt = new Date(this.#tick())
    try {
      await utimes(this.#pieceFile(sha256), usedAt, usedAt)
    } catch (error) {
      if (isMissing(error)) return false
      throw error
    }
    const size = this.#sizes.get(sha256)!
    this.#sizes.delete(sha256)
    this.#sizes.set(sha256, size)
    return true
  }

  /** Drops the least recently used pieces until the cache is within its budget. */
  async #evict(changed: Set<string>): Promise<void> {
    for (const sha256 of this.#sizes.keys()) {
      if (this.#bytes <= this.#budgetBytes) break
      await this.#drop(sha256, changed)
    }
  }

  /** Forgets a piece and deletes its file; `changed` gains the roots that listed it. */
  async #drop(sha256: string, changed: Set<string>): Promise<void> {
    const size = this.#sizes.get(sha256)
    if (size === undefined) return
    this.#sizes.delete(sha256)
    this.#bytes -= size
    for (const [root, indices] of this.#roots)
      for (const [index, held] of indices)
        if (held === sha256) {
          indices.delete(index)
          changed.add(root)
        }
    await rm(this.#pieceFile(sha256), { force: true })
  }

  /** Rewrites the index files of `roots`, or deletes those that no longer list anything. */
  async #writeRoots(roots: Set<string>): Promise<void> {
    for (const root of roots) {
      const file = path.join(
        this.#rootsDir,
        `${await sha256Hex(new TextEncoder().encode(root))}.json`,
      )
      const indices = this.#roots.get(root)
      if (!indices?.size) {
        this.#roots.delete(root)
        await rm(file, { force: true })
        continue
      }
      const pieces = [...indices]
        .sort(([a], [b]) => a - b)
        .map(([index, sha256]) => ({ index, sha256 }))
      const temporary = temporaryName(file)
      try {
        await writeFile(temporary, `${JSON.stringify({ v: 1, root, pieces })}\n`, {
          mode: 0o600,
          flag: 'wx',
        })
        await rename(temporary, file)
      } catch (error) {
        await rm(temporary, { force: true })
        throw error
      }
    }
  }

  #pieceFile(sha256: string): string {
    return path.join(this.#piecesDir, sha256)
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

/** A name beside `file` for writing it; `listFiles` removes those a crash left. */
function temporaryName(file: string): string {
  return `${file}.${process.pid}.${crypto.randomUUID()}.tmp`
}

/** The files in `dir`, less (and after deleting) those an interrupted write left. */
async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue
    if (entry.name.endsWith('.tmp')) await rm(path.join(dir, entry.name), { force: true })
    else names.push(entry.name)
  }
  return names
}

/** A root index file's contents; undefined, and the file deleted, when it is not one. */
async function readRootFile(file: string): Promise<z.infer<typeof rootFileSchema> | undefined> {
  try {
    return rootFileSchema.parse(JSON.parse(await readFile(file, 'utf8')))
  } catch {
    await rm(file, { force: true })
    return undefined
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT'
}
