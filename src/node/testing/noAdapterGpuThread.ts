/**
 * Entry of startNodeGpuRunner's tests: the GPU compute worker on a WebGPU entry point that finds
 * no adapter, as Dawn does on a machine with neither a GPU driver nor EGL.
 */
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { parentPort } from 'node:worker_threads'
import { registerErrorTransferHandler } from '../../workers/errorTransferHandler.ts'
import { registerRawImports } from '../registerRawImports.ts'

registerRawImports()
registerErrorTransferHandler()
const { createGpuComputeApi } = await import('../../workers/webgpu/createGpuComputeApi.ts')
const gpu = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU
expose(createGpuComputeApi({ gpu }), nodeEndpoint(parentPort!))
