import { afterEach, describe, expect, test } from 'vitest'
import matmulWasmUrl from '../../build/wasm/matmul.wasm?url'
import matmulThreadsWasmUrl from '../../build/wasm/matmulThreads.wasm?url'
import { encodeMatmulParams, matmulOutputBytes, packMatmulInput } from '../kernels/matmul/params.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import type { ComputeKernel } from './compute/computeWorker.ts'
import { WorkerPool, type WorkerPoolEvent } from './WorkerPool.ts'

// Needs build/wasm/matmul*.wasm (`npm run build:wasm`), and a cross-origin isolated page:
// vitest.browser.config.ts serves the tests with COOP/COEP, as the app is served.

let pools: WorkerPool[] = []

afterEach(() => {
  for (const pool of pools) pool.dispose()
  pools = []
})

async function kernel(url: string): Promise<ComputeKernel> {
  const bytes = await (await fetch(url)).arrayBuffer()
  return { bytes, sha256: await sha256Hex(bytes), memoryBytes: 64 * 1024 * 1024 }
}

async function loadedPool(url: string, size: number): Promise<WorkerPool> {
  const pool = new WorkerPool({ size })
  pools.push(pool)
  await pool.load(await kernel(url))
  return pool
}

function matmulUnit(n: number, seed: number) {
  const a = new Float32Array(n * n)
  const b = new Float32Array(n * n)
  let state = seed
  for (let i = 0; i < n * n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    a[i] = state / 2 ** 31 - 1
    b[(i * 7) % (n * n)] = (state >>> 8) / 2 ** 23 - 1
  }
  return {
    index: 0,
    count: 1,
    params: encodeMatmulParams(n),
    input: packMatmulInput(a, b),
    outputBytes: matmulOutputBytes(n),
  }
}

describe('WorkerPool with a threaded kernel', () => {
  test('the page is cross-origin isolated', () => {
    expect(crossOriginIsolated).toBe(true)
  })

  test('a team of workers computes the same bits as one worker with the plain kernel', async () => {
    const team = await loadedPool(matmulThreadsWasmUrl, 3)
    const plain = await loadedPool(matmulWasmUrl, 1)
    expect(team.teamed).toBe(true)
    expect(plain.teamed).toBe(false)
    for (const [n, seed] of [
      [300, 1],
      [129, 2],
    ] as const) {
      const unit = matmulUnit(n, seed)
      const [threaded, single] = await Promise.all([
        team.run(unit, { timeLimitMs: 30_000 }),
        plain.run(unit, { timeLimitMs: 30_000 }),
      ])
      expect(await sha256Hex(threaded.output)).toBe(await sha256Hex(single.output))
    }
  })

  test('units queued on a team run one at a time, each on every worker', async () => {
    const team = await loadedPool(matmulThreadsWasmUrl, 2)
    const busy: number[] = []
    team.onChange(() => busy.push(team.busy))
    const units = [1, 2, 3].map((seed) => matmulUnit(96, seed))
    const results = await Promise.all(units.map((unit) => team.run(unit, { timeLimitMs: 30_000 })))
    expect(results).toHaveLength(3)
    expect(new Set(busy.filter((count) => count > 0))).toEqual(new Set([2]))
    expect(team.stats.unitsRun).toBe(3)
  })

  test('past its time limit a team is rebuilt, and the next unit runs', async () => {
    const team = await loadedPool(matmulThreadsWasmUrl, 2)
    const events: WorkerPoolEvent[] = []
    team.onChange((event) => events.push(event))
    await expect(team.run(matmulUnit(1024, 3), { timeLimitMs: 100 })).rejects.toMatchObject({
      code: 'unit/time-limit',
    })
    expect(events.filter((event) => event.type === 'worker-replaced')).toHaveLength(2)
    const plain = await loadedPool(matmulWasmUrl, 1)
    const unit = matmulUnit(64, 4)
    const [threaded, single] = await Promise.all([
      team.run(unit, { timeLimitMs: 30_000 }),
      plain.run(unit, { timeLimitMs: 30_000 }),
    ])
    expect(threaded.output).toEqual(single.output)
  })

  test('a unit that fails in one thread fails with its code, and the team still works', async () => {
    const team = await loadedPool(matmulThreadsWasmUrl, 2)
    const bad = { ...matmulUnit(64, 5), outputBytes: 4 }
    await expect(team.run(bad, { timeLimitMs: 30_000 })).rejects.toMatchObject({
      code: 'kernel/run-failed',
      shortMessage: 'Kernel run failed with code 5',
    })
    const result = await team.run(matmulUnit(64, 5), { timeLimitMs: 30_000 })
    expect(result.output.length).toBe(matmulOutputBytes(64))
  })
})
