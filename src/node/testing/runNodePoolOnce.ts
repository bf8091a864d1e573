/**
 * Child process of the Node pool's exit test: on a pool of two worker threads, runs a unit that
 * spins past its time limit and one that ends, prints what each gave, and disposes of the pool.
 * It then leaves the process to exit by itself, which it does only if the spinning thread was
 * really stopped and dispose ended every other thread and timer.
 */
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { buildTestKernel } from '../../workers/compute/testKernels.ts'
import { createNodeWorkerPool } from '../createNodeWorkerPool.ts'

const pool = createNodeWorkerPool({ size: 2, cpuShare: 0.5 })
const bytes = buildTestKernel({ run: 'spin-if-input' }).buffer
await pool.load({ bytes, sha256: await sha256Hex(bytes) })
const unit = (first: number) => ({
  index: 0,
  count: 1,
  params: new Uint8Array(0),
  input: new Uint8Array([first, 5, 6]),
  outputBytes: 3,
})
const spun = await pool.run(unit(1), { timeLimitMs: 300 }).catch((error: { code: string }) => error)
console.log('code' in spun ? spun.code : 'no time limit')
const { output } = await pool.run(unit(0), { timeLimitMs: 30_000 })
console.log(JSON.stringify([...output]))
pool.dispose()
