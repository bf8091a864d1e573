import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { pieceCacheContract } from '../pieces/testing/pieceCacheContract.ts'
import { FilePieceCache } from './FilePieceCache.ts'

const folder = await mkdtemp(path.join(os.tmpdir(), 'file-piece-cache-'))
afterAll(() => rm(folder, { recursive: true, force: true }))
let dirs = 0
const newDir = () => path.join(folder, `cache-${dirs++}`)

async function piece(root: string, index: number, fill: number, size = 100) {
  const bytes = new Uint8Array(size).fill(fill)
  return { root, index, sha256: await sha256Hex(bytes), bytes }
}

pieceCacheContract('FilePieceCache', (budgetBytes) =>
  FilePieceCache.open({ dir: newDir(), budgetBytes }),
)

describe('FilePieceCache', () => {
  it('keeps pieces, indices and order of use across reopening, in files only its owner reads', async () => {
    const dir = newDir()
    const a = await piece('root', 0, 1)
    const b = await piece('root', 1, 2)
    const first = await FilePieceCache.open({ dir, budgetBytes: 300 })
    await first.put(a)
    await first.put(b)
    await first.get(a.sha256)

    const second = await FilePieceCache.open({ dir, budgetBytes: 300 })
    expect(await second.usage()).toEqual({ pieces: 2, bytes: 200, budgetBytes: 300 })
    expect(await second.held('root')).toEqual([
      { index: 0, sha256: a.sha256 },
      { index: 1, sha256: b.sha256 },
    ])
    // b was used least recently, before reopening: it goes first.
    await second.put(await piece('other', 0, 3, 150))
    expect(await second.get(b.sha256)).toBeUndefined()
    expect(await second.get(a.sha256)).toEqual(a.bytes)
    expect(await second.held('root')).toEqual([{ index: 0, sha256: a.sha256 }])

    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await stat(path.join(dir, 'pieces', a.sha256))).mode & 0o777).toBe(0o600)
  })

  it('opened with a smaller budget, drops the least recently used pieces to fit it', async () => {
    const dir = newDir()
    const pieces = [await piece('root', 0, 1), await piece('root', 1, 2), await piece('root', 2, 3)]
    const first = await FilePieceCache.open({ dir, budgetBytes: 300 })
    for (const each of pieces) await first.put(each)

    const second = await FilePieceCache.open({ dir, budgetBytes: 150 })
    expect(await second.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 150 })
    expect(await second.held('root')).toEqual([{ index: 2, sha256: pieces[2]!.sha256 }])
    expect(await readdir(path.join(dir, 'pieces'))).toEqual([pieces[2]!.sha256])
  })

  it('treats a piece whose file no longer matches its hash as absent, and deletes it', async () => {
    const dir = newDir()
    const a = await piece('root', 0, 1)
    const b = await piece('root', 1, 2)
    const cache = await FilePieceCache.open({ dir, budgetBytes: 1_000 })
    await cache.put(a)
    await cache.put(b)
    await writeFile(path.join(dir, 'pieces', a.sha256), new Uint8Array(100).fill(9))

    expect(await cache.get(a.sha256)).toBeUndefined()
    expect(await readdir(path.join(dir, 'pieces'))).toEqual([b.sha256])
    expect(await cache.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 1_000 })
    expect(await cache.held('root')).toEqual([{ index: 1, sha256: b.sha256 }])
    expect(await cache.get(b.sha256)).toEqual(b.bytes)
    await cache.put(a)
    expect(await cache.get(a.sha256)).toEqual(a.bytes)
  })

  it('treats a piece whose file was deleted as absent', async () => {
    const dir = newDir()
    const a = await piece('root', 0, 1)
    const cache = await FilePieceCache.open({ dir, budgetBytes: 1_000 })
    await cache.put(a)
    await rm(path.join(dir, 'pieces', a.sha256))
    expect(await cache.get(a.sha256)).toBeUndefined()
    expect(await cache.usage()).toEqual({ pieces: 0, bytes: 0, budgetBytes: 1_000 })
    expect(await cache.held('root')).toEqual([])
  })

  it('does not count what an interrupted write left, or files not its own, and removes the first', async () => {
    const dir = newDir()
    const a = await piece('root', 0, 1)
    const first = await FilePieceCache.open({ dir, budgetBytes: 1_000 })
    await first.put(a)
    const stray = `${a.sha256.replace(/^./, 'f')}.123.tmp`
    await writeFile(path.join(dir, 'pieces', stray), new Uint8Array(500))
    await writeFile(path.join(dir, 'pieces', 'notes.txt'), 'not a piece')
    await writeFile(path.join(dir, 'roots', 'broken.json'), '{')

    const second = await FilePieceCache.open({ dir, budgetBytes: 1_000 })
    expect(await second.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 1_000 })
    expect(await second.held('root')).toEqual([{ index: 0, sha256: a.sha256 }])
    expect((await readdir(path.join(dir, 'pieces'))).sort()).toEqual([a.sha256, 'notes.txt'])
    expect(await readdir(path.join(dir, 'roots'))).toHaveLength(1)
  })

  it('refuses a hash that is not 64 lowercase hex digits: it names a file', async () => {
    const cache = await FilePieceCache.open({ dir: newDir(), budgetBytes: 1_000 })
    const bytes = new Uint8Array(1)
    await expect(cache.put({ root: 'r', index: 0, sha256: '../escape', bytes })).rejects.toThrow(
      RangeError,
    )
    expect(await cache.get('../escape')).toBeUndefined()
  })
})
