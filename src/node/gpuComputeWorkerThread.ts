/**
 * The GPU compute worker on a Node `worker_threads` thread: the tab's `createGpuComputeApi` on
 * Dawn's WebGPU (`openNodeGpu`), exposed on `parentPort` through comlink's node adapter. Started
 * by `startNodeGpuRunner`. The WGSL programs it imports are Vite `?raw` imports, so the module
 * hooks for those are registered before the imports.
 */
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { parentPort } from 'node:worker_threads'
import { registerErrorTransferHandler } from '../workers/errorTransferHandler.ts'
import { openNodeGpu } from './openNodeGpu.ts'
import { registerRawImports } from './registerRawImports.ts'

if (!parentPort) throw new Error('gpuComputeWorkerThread.ts runs only as a worker thread')
registerRawImports()
registerErrorTransferHandler()
const { createGpuComputeApi } = await import('../workers/webgpu/createGpuComputeApi.ts')
expose(createGpuComputeApi({ gpu: await openNodeGpu() }), nodeEndpoint(parentPort))
