import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import type { CachedPiece, PieceCache } from '../PieceCache.ts'

/** `size` bytes that differ for each `seed`, with their real hash (a file cache checks it). */
async function sampleBytes(seed: number, size: number) {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (seed * 131 + i * 7 + (i >> 8)) % 256)
  return { bytes, sha256: await sha256Hex(bytes) }
}

/** Piece `index` under `root`, `size` bytes made from `seed`. */
async function samplePiece(
  root: string,
  index: number,
  seed: number,
  size = 100,
): Promise<CachedPiece> {
  return { root, index, ...(await sampleBytes(seed, size)) }
}

/** Which of `pieces` the cache still returns, by seed order given. */
async function stillHeld(cache: PieceCache, pieces: Record<string, CachedPiece>) {
  const held: string[] = []
  for (const [name, piece] of Object.entries(pieces))
    if ((await cache.get(piece.sha256)) !== undefined) held.push(name)
  return held
}

const byIndex = (entries: { index: number; sha256: string }[]) =>
  [...entries].sort((a, b) => a.index - b.index || a.sha256.localeCompare(b.sha256))

/**
 * The behaviour every `PieceCache` shares, as a vitest `describe` block: call it from a cache's
 * test file, so that each implementation is held to the same contract. `makeCache` opens a new,
 * empty cache with that budget for each test.
 *
 * @example
 * pieceCacheContract('MemoryPieceCache', async (budgetBytes) => new MemoryPieceCache({ budgetBytes }))
 */
export function pieceCacheContract(
  name: string,
  makeCache: (budgetBytes: number) => Promise<PieceCache>,
): void {
  describe(`${name} (PieceCache contract)`, () => {
    it('returns the bytes put, and undefined for a hash it does not hold', async () => {
      const cache = await makeCache(1_000)
      const piece = await samplePiece('root-a', 0, 1, 300)
      await cache.put(piece)
      expect(await cache.get(piece.sha256)).toEqual(piece.bytes)
      expect(await cache.get((await sampleBytes(2, 300)).sha256)).toBeUndefined()
    })

    it('keeps an empty piece', async () => {
      const cache = await makeCache(1_000)
      const piece = await samplePiece('root-a', 0, 1, 0)
      await cache.put(piece)
      expect(await cache.get(piece.sha256)).toEqual(new Uint8Array(0))
      expect(await cache.usage()).toEqual({ pieces: 1, bytes: 0, budgetBytes: 1_000 })
    })

    it('keeps a copy: changing the bytes after put does not change the piece', async () => {
      const cache = await makeCache(1_000)
      const piece = await samplePiece('root-a', 0, 1)
      const original = piece.bytes.slice()
      await cache.put(piece)
      piece.bytes.fill(0)
      expect(await cache.get(piece.sha256)).toEqual(original)
    })

    it('keeps only the bytes of a view, not the rest of its buffer', async () => {
      const cache = await makeCache(1_000)
      const { bytes } = await sampleBytes(1, 500)
      const view = bytes.subarray(100, 200)
      await cache.put({
        root: 'root-a',
        index: 0,
        sha256: await sha256Hex(view.slice()),
        bytes: view,
      })
      expect(await cache.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 1_000 })
      const got = await cache.get(await sha256Hex(view.slice()))
      expect(got).toEqual(view.slice())
      expect(got?.byteLength).toBe(100)
    })

    it('counts the pieces and bytes it holds, and reports its budget', async () => {
      const cache = await makeCache(1_000)
      expect(await cache.usage()).toEqual({ pieces: 0, bytes: 0, budgetBytes: 1_000 })
      await cache.put(await samplePiece('root-a', 0, 1, 100))
      await cache.put(await samplePiece('root-a', 1, 2, 250))
      expect(await cache.usage()).toEqual({ pieces: 2, bytes: 350, budgetBytes: 1_000 })
    })

    it('drops the least recently used pieces, by bytes, once over budget', async () => {
      const cache = await makeCache(300)
      const pieces = {
        a: await samplePiece('root-a', 0, 1),
        b: await samplePiece('root-a', 1, 2),
        c: await samplePiece('root-a', 2, 3),
      }
      for (const piece of Object.values(pieces)) await cache.put(piece)
      expect(await cache.usage()).toEqual({ pieces: 3, bytes: 300, budgetBytes: 300 })
      // 150 bytes more: a alone is not enough room, so b goes too.
      const large = await samplePiece('root-a', 3, 4, 150)
      await cache.put(large)
      expect(await cache.usage()).toEqual({ pieces: 2, bytes: 250, budgetBytes: 300 })
      expect(await stillHeld(cache, { ...pieces, large })).toEqual(['c', 'large'])
    })

    it('get makes a piece the most recently used', async () => {
      const cache = await makeCache(300)
      const a = await samplePiece('root-a', 0, 1)
      const b = await samplePiece('root-a', 1, 2)
      const c = await samplePiece('root-a', 2, 3)
      for (const piece of [a, b, c]) await cache.put(piece)
      expect(await cache.get(a.sha256)).toEqual(a.bytes)
      const d = await samplePiece('root-a', 3, 4)
      await cache.put(d)
      expect(await stillHeld(cache, { a, b, c, d })).toEqual(['a', 'c', 'd'])
    })

    it('put of a piece it holds refreshes it and does not count it twice', async () => {
      const cache = await makeCache(300)
      const a = await samplePiece('root-a', 0, 1)
      const b = await samplePiece('root-a', 1, 2)
      const c = await samplePiece('root-a', 2, 3)
      for (const piece of [a, b, c]) await cache.put(piece)
      await cache.put({ ...a, root: 'root-b', index: 7 })
      await cache.put(a)
      expect(await cache.usage()).toEqual({ pieces: 3, bytes: 300, budgetBytes: 300 })
      const d = await samplePiece('root-a', 3, 4)
      await cache.put(d)
      expect(await stillHeld(cache, { a, b, c, d })).toEqual(['a', 'c', 'd'])
      expect(await cache.usage()).toEqual({ pieces: 3, bytes: 300, budgetBytes: 300 })
    })

    it('does not keep a piece larger than the whole budget, and keeps one of exactly it', async () => {
      const cache = await makeCache(200)
      const small = await samplePiece('root-a', 0, 1, 50)
      await cache.put(small)
      const large = await samplePiece('root-a', 1, 2, 201)
      await cache.put(large)
      expect(await cache.get(large.sha256)).toBeUndefined()
      expect(await cache.get(small.sha256)).toEqual(small.bytes)
      expect(byIndex(await cache.held('root-a'))).toEqual([{ index: 0, sha256: small.sha256 }])
      expect(await cache.usage()).toEqual({ pieces: 1, bytes: 50, budgetBytes: 200 })
      const exact = await samplePiece('root-a', 2, 3, 200)
      await cache.put(exact)
      expect(await cache.get(exact.sha256)).toEqual(exact.bytes)
      expect(await cache.usage()).toEqual({ pieces: 1, bytes: 200, budgetBytes: 200 })
    })

    it('held lists the pieces under a root by index, the same hash under two roots and indices', async () => {
      const cache = await makeCache(1_000)
      const a = await samplePiece('root-a', 0, 1)
      const b = await samplePiece('root-a', 1, 2)
      await cache.put(a)
      await cache.put(b)
      await cache.put({ ...a, root: 'root-b', index: 0 })
      await cache.put({ ...a, root: 'root-b', index: 5 })
      expect(byIndex(await cache.held('root-a'))).toEqual([
        { index: 0, sha256: a.sha256 },
        { index: 1, sha256: b.sha256 },
      ])
      expect(byIndex(await cache.held('root-b'))).toEqual([
        { index: 0, sha256: a.sha256 },
        { index: 5, sha256: a.sha256 },
      ])
      expect(await cache.held('root-c')).toEqual([])
      expect(await cache.usage()).toEqual({ pieces: 2, bytes: 200, budgetBytes: 1_000 })
    })

    it('held names the last piece put at an index', async () => {
      const cache = await makeCache(1_000)
      const first = await samplePiece('root-a', 3, 1)
      const second = await samplePiece('root-a', 3, 2)
      await cache.put(first)
      await cache.put(second)
      expect(await cache.held('root-a')).toEqual([{ index: 3, sha256: second.sha256 }])
    })

    it('held leaves out the pieces dropped to make room', async () => {
      const cache = await makeCache(200)
      const a = await samplePiece('root-a', 0, 1)
      const b = await samplePiece('root-a', 1, 2)
      await cache.put(a)
      await cache.put({ ...a, root: 'root-b', index: 4 })
      await cache.put(b)
      await cache.put(await samplePiece('root-c', 0, 3))
      expect(await cache.held('root-a')).toEqual([{ index: 1, sha256: b.sha256 }])
      expect(await cache.held('root-b')).toEqual([])
    })

    it('keeps its count right under puts made at once', async () => {
      const cache = await makeCache(300)
      const pieces = await Promise.all([1, 2, 3, 4, 5].map((seed) => samplePiece('r', seed, seed)))
      await Promise.all([...pieces, ...pieces].map((piece) => cache.put(piece)))
      expect(await cache.usage()).toEqual({ pieces: 3, bytes: 300, budgetBytes: 300 })
      const held = await stillHeld(cache, Object.fromEntries(pieces.map((p) => [p.index, p])))
      expect(held).toHaveLength(3)
      expect(await cache.held('r')).toHaveLength(3)
    })

    it('clear drops every piece and index, and the cache works on after it', async () => {
      const cache = await makeCache(1_000)
      const a = await samplePiece('root-a', 0, 1)
      await cache.put(a)
      await cache.put(await samplePiece('root-b', 0, 2))
      await cache.clear()
      expect(await cache.usage()).toEqual({ pieces: 0, bytes: 0, budgetBytes: 1_000 })
      expect(await cache.get(a.sha256)).toBeUndefined()
      expect(await cache.held('root-a')).toEqual([])
      expect(await cache.held('root-b')).toEqual([])
      await cache.put(a)
      expect(await cache.get(a.sha256)).toEqual(a.bytes)
      expect(await cache.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 1_000 })
    })
  })
}
