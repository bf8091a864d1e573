import type { GpuKernelProgram } from '../../workers/webgpu/GpuKernelProgram.ts'
import matmulWgsl from './matmul.wgsl?raw'
import matmulNaiveWgsl from './matmulNaive.wgsl?raw'

export type MatmulVariant = 'tiled' | 'naive'

export type CreateMatmulProgramParameters = {
  /** Rows and columns of A, B and C. */
  n: number
  variant?: MatmulVariant
}

// The tiled kernel (matmul.wgsl): each invocation computes an 8×8 block of C; a workgroup of
// 16×8 invocations a 64-row × 128-column tile, through tiles of A and B 8 values of k deep.
// The WGSL's cooperative loads assume this shape (invocations a multiple of 8 and of
// tileCols / 4, dividing both tiles).
const tiledBlock = 8
const tileK = 8
const tiledWorkgroup = [16, 8, 1] as const
// The naive kernel: one invocation per element of C.
const naiveWorkgroup = 16

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
      workgroupSize: [naiveWorkgroup, naiveWorkgroup, 1],
      outputExtent: [n, n, 1],
    }
  const tileRows = tiledWorkgroup[1] * tiledBlock
  const tileCols = tiledWorkgroup[0] * tiledBlock
  return {
    label: 'matmul tiled',
    source: matmulWgsl,
    workgroupSize: tiledWorkgroup,
    elementsPerInvocation: [tiledBlock, tiledBlock, 1],
    outputExtent: [n, n, 1],
    workgroupStorageBytes: (tileRows + tileCols) * tileK * Float32Array.BYTES_PER_ELEMENT,
  }
}
