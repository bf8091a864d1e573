import { sha256Hex } from '../crypto/sha256Hex.ts'
import { encodeMatmulParams, matmulOutputBytes } from '../kernels/matmul/params.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import { sustainedGflops } from '../workers/sustainedGflops.ts'
import type { UnitRunner } from './UnitRunner.ts'

// 2·512³ = 268 MFLOP a unit: about 6 ms for one thread of the SIMD kernel here (Node 20, an
// EPYC core: 45 GFLOPS, as at N=1024), 50 ms on a core eight times slower. Long enough that the
// timer's resolution and the kernel's packing are lost in it; short enough that four rounds keep
// a start-up well under a second.
const n = 512
/** Rounds timed after the warm-up round (which grows each worker's memory and tiers up its code). */
const timedRounds = 3

/**
 * The WASM engine's calibration: GFLOPS the pool sustains on the SIMD matrix multiply
 * (`build/wasm/matmul.wasm`, which `fetchKernel` reads: a tab fetches it, Node reads the file).
 * Every worker runs a unit at once, a warm-up round and then `timedRounds`; each unit's rate is
 * the time its kernel computed, as the worker timed it, so the messages to and from the worker
 * and the CPU share's rests between units do not count. The median unit's rate, one thread's,
 * times the workers. It loads the calibration kernel into the pool: call it before joining a job.
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
  const unitMs: number[] = []
  for (let round = 0; round <= timedRounds; round++) {
    const results = await Promise.all(
      Array.from({ length: pool.size }, () => pool.run(unit, { timeLimitMs: 10_000 })),
    )
    if (round > 0) unitMs.push(...results.map((result) => result.kernelMs))
  }
  return sustainedGflops({ flopsPerUnit: 2 * n ** 3, unitMs, threads: pool.size })
}
