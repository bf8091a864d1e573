import { sha256Hex } from '../crypto/sha256Hex.ts'
import { encodeMatmulParams, matmulOutputBytes } from '../kernels/matmul/params.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import type { UnitRunner } from './UnitRunner.ts'

const n = 128
const rounds = 3

/**
 * The WASM engine's calibration: GFLOPS of the SIMD matrix multiply at a small size, every
 * worker at once (so it measures what the pool delivers, not one core), best of a few rounds.
 * It loads the calibration kernel (`build/wasm/matmul.wasm`, which `fetchKernel` reads: a tab
 * fetches it, Node reads the file) into the pool: call it before joining a job.
 *
 * @example
 * const gflops = await calibrateWasm(pool, async () => (await fetch(matmulWasmUrl)).arrayBuffer())
 */
export async function calibrateWasm(
  pool: UnitRunner<ComputeKernel>,
  fetchKernel: () => Promise<ArrayBuffer>,
): Promise<number> {
  const bytes = await fetchKernel()
  await pool.load({ bytes, sha256: await sha256Hex(bytes) })
  const unit = {
    index: 0,
    count: 1,
    params: encodeMatmulParams(n),
    input: new Uint8Array(2 * n * n * 4),
    outputBytes: matmulOutputBytes(n),
  }
  let best = Infinity
  for (let round = 0; round < rounds; round++) {
    const started = performance.now()
    await Promise.all(
      Array.from({ length: pool.size }, () => pool.run(unit, { timeLimitMs: 10_000 })),
    )
    best = Math.min(best, performance.now() - started)
  }
  return (pool.size * 2 * n ** 3) / (best * 1e6)
}
