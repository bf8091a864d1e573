/**
 * The compute worker on a Node `worker_threads` thread: the same ComputeApi as the tab's
 * `computeWorker.ts`, exposed on `parentPort` through comlink's node adapter instead of on the
 * worker's global scope, which a thread does not have. Started by `createNodeWorkerPool`.
 */
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { parentPort } from 'node:worker_threads'
import { createComputeApi } from '../workers/compute/createComputeApi.ts'
import { registerErrorTransferHandler } from '../workers/errorTransferHandler.ts'

if (!parentPort) throw new Error('computeWorkerThread.ts runs only as a worker thread')
registerErrorTransferHandler()
expose(createComputeApi(), nodeEndpoint(parentPort))
