import { mergeGpuRequirements, type GpuRequirements } from './GpuRequirements.ts'

export type Vec3 = readonly [x: number, y: number, z: number]

/**
 * A WGSL compute kernel and how to dispatch it, as plain data (it can cross a worker boundary).
 *
 * Binding convention, the same for every kernel: group 0 holds
 * - binding 0: `var<storage, read>` the unit's input bytes;
 * - binding 1: `var<storage, read_write>` the unit's output bytes;
 * - binding 2: `var<uniform>` the unit's parameters (padded with zeros to 16 bytes).
 *
 * Built-in kernels do not write the workgroup size in the source: the shader declares
 * `override workgroupSizeX: u32; override workgroupSizeY: u32; override workgroupSizeZ: u32;`
 * and `@workgroup_size(workgroupSizeX, workgroupSizeY, workgroupSizeZ)`, and the engine sets
 * them from `workgroupSize`, so one source serves every size a device allows. Requesters'
 * kernels (docs/task-api.md) write it in the source instead: `fixedWorkgroupSize`.
 *
 * @example
 * const program: GpuKernelProgram = {
 *   label: 'double',
 *   source: doubleWgsl,
 *   workgroupSize: [64, 1, 1],
 *   outputExtent: [elementCount, 1, 1],
 * }
 */
export type GpuKernelProgram = {
  /** Names the program's pipeline, buffers and passes in browser tools and errors. */
  label: string
  /** WGSL following the binding convention above. */
  source: string
  /** Defaults to `main`. */
  entryPoint?: string
  /** Invocations per workgroup along x, y, z. */
  workgroupSize: Vec3
  /** Output elements one invocation computes along x, y, z (register blocking); default 1, 1, 1. */
  elementsPerInvocation?: Vec3
  /** The output's extent in elements along x, y, z: the dispatch covers all of it. */
  outputExtent: Vec3
  /**
   * The shader's own `@workgroup_size` equals `workgroupSize`: no workgroup-size override
   * constants are set.
   */
  fixedWorkgroupSize?: boolean
  /**
   * Workgroups to dispatch, when not derived from `outputExtent` (see {@link computeDispatch}).
   * With `linear` the dispatch is `[count, 1, 1]` and may be cut into slices along x (the GPU
   * share): the shader then adds the unit header's `workgroupOffset` to `workgroup_id.x`.
   */
  workgroups?: { linear: number }
  /** More override constants besides the workgroup size. */
  constants?: Readonly<Record<string, number>>
  /** Bytes of `var<workgroup>` memory the shader declares (WGSL does not report it). */
  workgroupStorageBytes?: number
  /** Features and limits beyond those the engine derives from the fields above. */
  requirements?: GpuRequirements
}

/** The override constants that carry the workgroup size. */
export const workgroupSizeConstants = [
  'workgroupSizeX',
  'workgroupSizeY',
  'workgroupSizeZ',
] as const

/**
 * Workgroups to dispatch along x, y, z: each axis's output extent over what one workgroup
 * covers (invocations times elements per invocation), rounded up; the shader skips the
 * overhang.
 *
 * @example
 * computeDispatch({ ...program, workgroupSize: [16, 16, 1], elementsPerInvocation: [4, 4, 1],
 *   outputExtent: [130, 130, 1] }) // [3, 3, 1]
 */
export function computeDispatch(
  program: Pick<
    GpuKernelProgram,
    'workgroupSize' | 'elementsPerInvocation' | 'outputExtent' | 'workgroups'
  >,
): [number, number, number] {
  const { workgroupSize, elementsPerInvocation = [1, 1, 1], outputExtent, workgroups } = program
  if (workgroups) return [Math.max(1, workgroups.linear), 1, 1]
  const axis = (i: 0 | 1 | 2) =>
    Math.max(1, Math.ceil(outputExtent[i] / (workgroupSize[i] * elementsPerInvocation[i])))
  return [axis(0), axis(1), axis(2)]
}

/** All override constants a program's pipeline is created with. */
export function programConstants(program: GpuKernelProgram): Record<string, number> {
  if (program.fixedWorkgroupSize) return { ...program.constants }
  const [x, y, z] = program.workgroupSize
  return { ...program.constants, workgroupSizeX: x, workgroupSizeY: y, workgroupSizeZ: z }
}

/**
 * What a program needs from the device to run one unit of the given sizes: its workgroup shape
 * and storage, its dispatch, its buffer sizes, and whatever else it declares.
 *
 * @example
 * requestComputeDevice({ allowFallbackAdapter, requirements: programRequirements(program, sizes) })
 */
export function programRequirements(
  program: GpuKernelProgram,
  sizes: { inputBytes: number; outputBytes: number },
): GpuRequirements {
  const [x, y, z] = program.workgroupSize
  const largestBuffer = Math.max(sizes.inputBytes, sizes.outputBytes, 4)
  const derived: GpuRequirements = {
    limits: {
      maxComputeWorkgroupSizeX: x,
      maxComputeWorkgroupSizeY: y,
      maxComputeWorkgroupSizeZ: z,
      maxComputeInvocationsPerWorkgroup: x * y * z,
      maxComputeWorkgroupStorageSize: program.workgroupStorageBytes ?? 0,
      maxComputeWorkgroupsPerDimension: Math.max(...computeDispatch(program)),
      maxStorageBufferBindingSize: largestBuffer,
      maxBufferSize: largestBuffer,
    },
  }
  return mergeGpuRequirements(derived, program.requirements ?? {})
}
