import { availableParallelism } from 'node:os'
import { WorkerPool, type WorkerPoolParameters } from '../workers/WorkerPool.ts'
import { NodeWorker } from './NodeWorker.ts'

export type CreateNodeWorkerPoolParameters = Omit<WorkerPoolParameters, 'createWorker'>

/**
 * The tab's WorkerPool on Node worker threads: one compute thread per core by default, the same
 * CPU share (rests between units), time limit (a stuck thread is terminated and replaced) and
 * memory limit (the kernel's memory maximum) as in a tab, and the same kernel-running code
 * (`createComputeApi`). `dispose()` terminates the threads, so the process can exit.
 *
 * @example
 * const pool = createNodeWorkerPool({ cpuShare: 0.5 })
 * await pool.load({ bytes, sha256 })
 * const { output } = await pool.run(unit, { timeLimitMs: 10_000 })
 * pool.dispose()
 */
export function createNodeWorkerPool(parameters: CreateNodeWorkerPoolParameters = {}): WorkerPool {
  return new WorkerPool({
    size: availableParallelism(),
    ...parameters,
    createWorker: (index) =>
      new NodeWorker(new URL('./computeWorkerThread.ts', import.meta.url), {
        name: `compute-${index}`,
      }),
  })
}
