import { releaseProxy, wrap, type Remote } from 'comlink'
import { registerErrorTransferHandler } from '../errorTransferHandler.ts'
import type { GpuTestApi } from './gpuTestWorker.ts'

export type GpuTestWorker = { api: Remote<GpuTestApi>; terminate: () => void }

/** Starts gpuTestWorker.ts as a module worker, the way WorkerPool starts compute workers. */
export function startGpuTestWorker(): GpuTestWorker {
  registerErrorTransferHandler()
  const worker = new Worker(new URL('./gpuTestWorker.ts', import.meta.url), {
    type: 'module',
    name: 'gpu test worker',
  })
  const api = wrap<GpuTestApi>(worker)
  return {
    api,
    terminate: () => {
      api[releaseProxy]()
      worker.terminate()
    },
  }
}
