import type { GpuKernelProgram } from '../workers/webgpu/GpuKernelProgram.ts'
import type { WgslKernelRef } from './manifestSchema.ts'

/**
 * The GPU program for one unit of a manifest's WGSL kernel, by the binding contract of
 * docs/task-api.md: the shader's own `@workgroup_size` (no override constants), and a linear
 * dispatch of `ceil(E / (W · elementsPerInvocation))` workgroups for `E` output words and
 * `W = x·y·z` invocations per workgroup.
 *
 * @example
 * const program = createWgslUnitProgram(manifest.kernels[0], source, plan.outputBytes(index))
 * await engine.run(program, { input, params: packUnitUniform(header, params), outputBytes })
 */
export function createWgslUnitProgram(
  kernel: WgslKernelRef,
  source: string,
  outputBytes: number,
): GpuKernelProgram {
  const [x, y, z] = kernel.workgroupSize
  const words = Math.ceil(outputBytes / 4)
  return {
    label: `${kernel.entry} ${kernel.sha256.slice(0, 12)}`,
    source,
    entryPoint: kernel.entry,
    workgroupSize: kernel.workgroupSize,
    outputExtent: [words, 1, 1],
    fixedWorkgroupSize: true,
    workgroups: { linear: Math.ceil(words / (x * y * z * kernel.elementsPerInvocation)) },
  }
}
