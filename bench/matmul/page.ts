import { releaseProxy, wrap } from 'comlink'
import kernelUrl from '../../build/wasm/matmul.wasm?url'
import type { MatmulVariant } from '../../src/kernels/matmul/createMatmulProgram.ts'
import { registerErrorTransferHandler } from '../../src/workers/errorTransferHandler.ts'
import type { TfjsBackendName } from './tfjsMatmul.ts'
import type { MatmulWorkerApi } from './worker.ts'

/**
 * The matmul bench page: it starts one dedicated worker and forwards run.ts's calls to it, so
 * WebGPU and wasm (ours and tfjs's) run off the main thread as for volunteers.
 */
registerErrorTransferHandler()
const worker = new Worker(new URL('./worker.ts', import.meta.url), {
  type: 'module',
  name: 'matmul bench worker',
})
const api = wrap<MatmulWorkerApi>(worker)

export const bench = {
  start: (tfjsWasmThreads: number) =>
    api.start(new URL(kernelUrl, location.href).href, tfjsWasmThreads),
  gpu: (variant: MatmulVariant, n: number) => api.gpu(variant, n),
  wasm: (n: number) => api.wasm(n),
  tfjs: (backend: TfjsBackendName, n: number) => api.tfjs(backend, n),
  wasmHash: (n: number) => api.wasmHash(n),
  readback: (bytes: number) => api.readback(bytes),
  check: (n: number) => api.check(n),
  close: async () => {
    await api.dispose()
    api[releaseProxy]()
    worker.terminate()
  },
}
export type MatmulBenchApi = typeof bench

Object.assign(globalThis, { bench })
