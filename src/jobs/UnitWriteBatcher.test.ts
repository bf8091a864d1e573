import { describe, expect, it } from 'vitest'
import type { UnitWrite } from './JobStore.ts'
import type { UnitRecord } from './UnitRecord.ts'
import { UnitWriteBatcher } from './UnitWriteBatcher.ts'

const unit = (index: number, issued = 1): UnitRecord => ({
  index,
  status: 'open',
  issued,
  errors: 0,
  results: [],
})

describe('UnitWriteBatcher', () => {
  it('commits writes made while a transaction runs as one next batch, latest records only', async () => {
    const batches: UnitWrite[][] = []
    let release!: () => void
    const batcher = new UnitWriteBatcher(async (writes) => {
      batches.push(writes.map((w) => structuredClone(w)))
      if (batches.length === 1) await new Promise<void>((r) => (release = r))
    })
    const first = batcher.write(unit(0))
    await Promise.resolve()
    await Promise.resolve()
    const u1 = unit(1)
    const later = [batcher.write(u1), batcher.write(unit(2))]
    u1.issued = 5
    later.push(batcher.write(u1))
    release()
    await Promise.all([first, ...later])
    expect(batches.map((b) => b.map((w) => [w.unit.index, w.unit.issued]))).toEqual([
      [[0, 1]],
      [
        [1, 5],
        [2, 1],
      ],
    ])
  })

  it('keeps output changes in order and resolves idle() after everything', async () => {
    const batches: UnitWrite[][] = []
    const batcher = new UnitWriteBatcher(async (writes) => void batches.push([...writes]))
    const bytes = new Uint8Array([1])
    void batcher.write(unit(3), { put: { sha256: 'a', bytes } })
    void batcher.write(unit(3), { drop: ['a'] })
    void batcher.write(unit(3))
    await batcher.idle()
    expect(batches).toHaveLength(1)
    expect(batches[0]!.map((w) => w.change)).toEqual([
      { put: { sha256: 'a', bytes } },
      { drop: ['a'] },
    ])
  })

  it('reports a failed transaction to its writers and goes on with the next', async () => {
    let fail = true
    const batcher = new UnitWriteBatcher(async () => {
      if (fail) throw new Error('quota exceeded')
    })
    await expect(batcher.write(unit(0))).rejects.toThrow('quota exceeded')
    fail = false
    await expect(batcher.write(unit(1))).resolves.toBeUndefined()
  })
})
