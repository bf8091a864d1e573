/**
 * The compute worker: one per pool slot, started by WorkerPool as a module worker. It runs
 * untrusted kernels, so it does nothing but what ComputeApi offers: no DOM, no network.
 */
import { expose } from 'comlink'
import { registerErrorTransferHandler } from '../errorTransferHandler.ts'
import { createComputeApi } from './createComputeApi.ts'

export type { ComputeApi, ComputeKernel } from './createComputeApi.ts'

registerErrorTransferHandler()
expose(createComputeApi())
