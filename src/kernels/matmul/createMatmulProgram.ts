import type { GpuKernelProgram } from '../../workers/webgpu/GpuKernelProgram.ts'
import matmulWgsl from './matmul.wgsl?raw'
import matmulNaiveWgsl from './matmulNaive.wgsl?raw'

export type MatmulVariant = 'tiled' | 'naive'

export type CreateMatmulProgramParameters = {
  /** Rows and columns of A, B and C. */
  n: number
  variant?: MatmulVariant
}

// Each invocation of the tiled kernel computes a 4×4 block of C (matmul.wgsl).
const tiledBlock = 4
const tileK = 16
const workgroup = 16

/**
 * The GPU program for C = A × B at one matrix size; its WGSL does not depend on the size, so
 * every size shares one pipeline.
 *
 * @example
 * const program = createMatmulProgram({ n: 1024 })
 * await engine.run(program, { input: packMatmulInput(a, b), params: encodeMatmulParams(1024),
 *   outputBytes: matmulOutputBytes(1024) })
 */
export function createMatmulProgram(parameters: CreateMatmulProgramParameters): GpuKernelProgram {
  const { n, variant = 'tiled' } = parameters
  if (variant === 'naive')
    return {
      label: 'matmul naive',
      source: matmulNaiveWgsl,
      workgroupSize: [workgroup, workgroup, 1],
      outputExtent: [n, n, 1],
    }
  const tileRows = workgroup * tiledBlock
  return {
    label: 'matmul tiled',
    source: matmulWgsl,
    workgroupSize: [workgroup, workgroup, 1],
    elementsPerInvocation: [tiledBlock, tiledBlock, 1],
    outputExtent: [n, n, 1],
    workgroupStorageBytes: 2 * tileRows * tileK * Float32Array.BYTES_PER_ELEMENT,
  }
}
