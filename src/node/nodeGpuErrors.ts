import { BaseError } from '../errors/BaseError.ts'

/** WebGPU in Node: Dawn, from the optional `webgpu` package (`openNodeGpu`). */

/** The `webgpu` package is not installed (it is optional) or its binary does not load here. */
export class NodeGpuMissingError extends BaseError {
  override readonly code = 'webgpu/package-missing'
  constructor({ cause }: { cause: unknown }) {
    super('The optional package `webgpu` (Dawn) cannot be loaded', {
      details: cause instanceof Error ? cause.message.split('\n')[0] : String(cause),
      cause,
    })
  }
}
