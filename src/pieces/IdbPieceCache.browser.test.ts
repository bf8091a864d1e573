import { afterEach, describe, expect, it } from 'vitest'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { IdbPieceCache } from './IdbPieceCache.ts'
import { pieceCacheContract } from './testing/pieceCacheContract.ts'

// Each cache its own database, fresh for every run: the browser profile outlives one test file.
const freshName = () => `volunteer-pieces-test-${crypto.randomUUID()}`
const opened: IdbPieceCache[] = []
afterEach(() => {
  for (const cache of opened.splice(0)) cache.close()
})

async function open(name: string, budgetBytes: number): Promise<IdbPieceCache> {
  const cache = await IdbPieceCache.open({ name, budgetBytes })
  opened.push(cache)
  return cache
}

async function piece(root: string, index: number, fill: number, size = 100) {
  const bytes = new Uint8Array(size).fill(fill)
  return { root, index, sha256: await sha256Hex(bytes), bytes }
}

pieceCacheContract('IdbPieceCache', (budgetBytes) => open(freshName(), budgetBytes))

describe('IdbPieceCache', () => {
  it('keeps its pieces, indices and order of use for the next page on the same database', async () => {
    const name = freshName()
    const a = await piece('root', 0, 1)
    const b = await piece('root', 1, 2)
    const first = await open(name, 300)
    await first.put(a)
    await first.put(b)
    await first.get(a.sha256)
    first.close()

    const second = await open(name, 300)
    expect(await second.usage()).toEqual({ pieces: 2, bytes: 200, budgetBytes: 300 })
    expect(await second.held('root')).toEqual([
      { index: 0, sha256: a.sha256 },
      { index: 1, sha256: b.sha256 },
    ])
    // b was used least recently, before the reload: it goes first.
    await second.put(await piece('root', 2, 3, 150))
    expect(await second.get(b.sha256)).toBeUndefined()
    expect(await second.get(a.sha256)).toEqual(a.bytes)
  })

  it('opened with a smaller budget, drops the least recently used pieces to fit it', async () => {
    const name = freshName()
    const pieces = [await piece('root', 0, 1), await piece('root', 1, 2), await piece('root', 2, 3)]
    const first = await open(name, 300)
    for (const each of pieces) await first.put(each)
    first.close()

    const second = await open(name, 150)
    expect(await second.usage()).toEqual({ pieces: 1, bytes: 100, budgetBytes: 150 })
    expect(await second.held('root')).toEqual([{ index: 2, sha256: pieces[2]!.sha256 }])
  })
})
