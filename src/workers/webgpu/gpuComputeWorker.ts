/** The volunteer's GPU compute worker: WebGPU off the main thread, one device, one kernel. */
import { expose } from 'comlink'
import { registerErrorTransferHandler } from '../errorTransferHandler.ts'
import { createGpuComputeApi } from './createGpuComputeApi.ts'

registerErrorTransferHandler()
expose(createGpuComputeApi())
