import matmulUrl from '../../build/wasm/matmul.wasm?url'
import matmulThreadsUrl from '../../build/wasm/matmulThreads.wasm?url'
import { sha256Hex } from '../../src/crypto/sha256Hex.ts'
import {
  encodeMatmulParams,
  matmulOutputBytes,
  packMatmulInput,
} from '../../src/kernels/matmul/params.ts'
import type { WasmUnit } from '../../src/kernels/wasmAbi.ts'
import { WorkerPool } from '../../src/workers/WorkerPool.ts'

/**
 * The threads bench page, cross-origin isolated: three WorkerPools of the app's compute workers.
 * `team`: the threaded matmul kernel on `size` workers, one unit at a time on all of them;
 * `one`: the plain kernel on one worker; `each`: the plain kernel on `size` workers, a unit each.
 */
type PoolName = 'team' | 'one' | 'each'

const pools = new Map<PoolName, WorkerPool>()
const units = new Map<number, WasmUnit>()

async function loaded(url: string, size: number): Promise<WorkerPool> {
  const bytes = await (await fetch(url)).arrayBuffer()
  const pool = new WorkerPool({ size })
  await pool.load({ bytes, sha256: await sha256Hex(bytes), memoryBytes: 1 << 30 })
  return pool
}

function unitOf(n: number): WasmUnit {
  let unit = units.get(n)
  if (!unit) {
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i))
    const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.3))
    unit = {
      index: 0,
      count: 1,
      params: encodeMatmulParams(n),
      input: packMatmulInput(a, b),
      outputBytes: matmulOutputBytes(n),
    }
    units.set(n, unit)
  }
  return unit
}

export const bench = {
  async start(size: number) {
    pools.set('team', await loaded(matmulThreadsUrl, size))
    pools.set('one', await loaded(matmulUrl, 1))
    pools.set('each', await loaded(matmulUrl, size))
    return { isolated: crossOriginIsolated, teamed: pools.get('team')!.teamed }
  },
  /** `count` units of size n on one pool, all queued at once; wall ms and the first's hash. */
  async run(name: PoolName, n: number, count: number) {
    const pool = pools.get(name)!
    const unit = unitOf(n)
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: count }, () => pool.run(unit, { timeLimitMs: 600_000 })),
    )
    const ms = performance.now() - started
    return {
      ms,
      kernelMs: results.map((r) => r.kernelMs),
      sha256: await sha256Hex(results[0]!.output),
    }
  },
  close() {
    for (const pool of pools.values()) pool.dispose()
    pools.clear()
  },
}
export type ThreadsBenchApi = typeof bench

Object.assign(globalThis, { bench })
