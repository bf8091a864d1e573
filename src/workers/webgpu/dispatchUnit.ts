import { UnitInvalidError } from '../errors.ts'
import { WebGpuOutOfMemoryError, WebGpuValidationError } from './errors.ts'
import { computeDispatch, type GpuKernelProgram } from './GpuKernelProgram.ts'
import { workgroupOffsetByte } from '../../tasks/packUnitUniform.ts'
import { stagingOutputOffset, type GpuUnitBuffers, type GpuUnitSizes } from './GpuUnitBuffers.ts'

/** One unit for a GPU kernel: bytes in, parameters for the uniform, and the output's size. */
export type GpuUnit = { input: Uint8Array; params: Uint8Array; outputBytes: number }

/**
 * The GPU share: how a unit's dispatch yields the GPU to the volunteer's own page. Applies to
 * programs with a linear dispatch (the Task API's), whose uniform starts with the unit header.
 */
export type GpuSlicing = {
  /** A dispatch slice runs about this long (then the queue drains); 0 or absent: no slicing. */
  maxSliceMs: number
  /** After a slice of t ms the GPU rests t × (1/share − 1) ms. */
  share: number
}

export type GpuUnitResult = {
  output: Uint8Array<ArrayBuffer>
  /**
   * Time of the compute pass from timestamp queries when the device has them, else from submit
   * until the readback is mapped.
   */
  gpuMs: number
}

export type DispatchUnitParameters = {
  device: GPUDevice
  program: GpuKernelProgram
  pipeline: GPUComputePipeline
  /** Sized by {@link unitSizes} for this unit, and not in use by another. */
  buffers: GpuUnitBuffers
  unit: GpuUnit
  slicing?: GpuSlicing | undefined
}

/**
 * Runs one unit on the GPU: uploads input and parameters, clears the output, dispatches the
 * program over its output extent, copies the output (and the pass's timestamps) to a staging
 * buffer and reads it back.
 *
 * @example
 * const { output, gpuMs } = await dispatchUnit({ device, program, pipeline, buffers, unit })
 */
export async function dispatchUnit(parameters: DispatchUnitParameters): Promise<GpuUnitResult> {
  const { program, slicing } = parameters
  if (program.workgroups && slicing && slicing.maxSliceMs > 0)
    return dispatchSlices({ ...parameters, slicing })
  return dispatchWhole(parameters)
}

async function dispatchWhole(parameters: DispatchUnitParameters): Promise<GpuUnitResult> {
  const { device, program, pipeline, buffers, unit } = parameters
  const { sizes, timestamps } = buffers
  // Everything from here to submit is synchronous, so the error scopes hold this unit's
  // commands only, even with other units in flight.
  device.pushErrorScope('out-of-memory')
  device.pushErrorScope('validation')
  device.queue.writeBuffer(buffers.input, 0, padded(unit.input, sizes.inputBytes))
  device.queue.writeBuffer(buffers.params, 0, padded(unit.params, sizes.paramsBytes))
  const encoder = device.createCommandEncoder({ label: `${program.label} commands` })
  // The output buffer is reused: a kernel that skips an element must read zero there, not
  // the previous unit's value, or volunteers' results would differ.
  encoder.clearBuffer(buffers.output)
  const pass = encoder.beginComputePass({
    label: `${program.label} pass`,
    ...(timestamps && {
      timestampWrites: {
        querySet: timestamps.querySet,
        beginningOfPassWriteIndex: 0,
        endOfPassWriteIndex: 1,
      },
    }),
  })
  pass.setPipeline(pipeline)
  pass.setBindGroup(0, buffers.bindGroup)
  pass.dispatchWorkgroups(...computeDispatch(program))
  pass.end()
  if (timestamps) {
    encoder.resolveQuerySet(timestamps.querySet, 0, 2, timestamps.resolve, 0)
    encoder.copyBufferToBuffer(timestamps.resolve, 0, buffers.staging, 0, 16)
  }
  encoder.copyBufferToBuffer(
    buffers.output,
    0,
    buffers.staging,
    stagingOutputOffset,
    sizes.outputBytes,
  )
  device.queue.submit([encoder.finish()])
  const validation = device.popErrorScope()
  const outOfMemory = device.popErrorScope()
  const submitted = performance.now()

  // A validation error leaves the staging buffer unwritten but still mappable: check first.
  const [invalid, exhausted] = await Promise.all([validation, outOfMemory])
  if (exhausted)
    throw new WebGpuOutOfMemoryError({ label: program.label, message: exhausted.message })
  if (invalid) throw new WebGpuValidationError({ label: program.label, message: invalid.message })
  await buffers.staging.mapAsync(GPUMapMode.READ)
  const wallMs = performance.now() - submitted
  const mapped = buffers.staging.getMappedRange()
  const output = new Uint8Array(mapped, stagingOutputOffset, unit.outputBytes).slice()
  let gpuMs = wallMs
  if (timestamps) {
    const view = new DataView(mapped, 0, 16)
    const elapsed = view.getBigUint64(8, true) - view.getBigUint64(0, true)
    // Some implementations write zeros, or reorder the two; fall back to wall time then.
    if (elapsed > 0n) gpuMs = Number(elapsed) / 1e6
  }
  buffers.staging.unmap()
  return { output, gpuMs }
}

/** Workgroups of the first slice, before anything is measured: small enough for any GPU. */
const firstSliceWorkgroups = 16

/**
 * A linear dispatch cut into slices of about `maxSliceMs` each: each slice is its own submit,
 * with the unit header's `workgroupOffset` rewritten before it, and the queue drains before
 * the next, so the compositor and the page's own GPU work get the GPU between slices. Slice
 * sizes follow the measured time per workgroup. The output is cleared once, before the first
 * slice (kernels that add into it keep their sums across slices).
 */
async function dispatchSlices(
  parameters: DispatchUnitParameters & { slicing: GpuSlicing },
): Promise<GpuUnitResult> {
  const { device, program, pipeline, buffers, unit, slicing } = parameters
  const { sizes } = buffers
  const total = computeDispatch(program)[0]
  device.queue.writeBuffer(buffers.input, 0, padded(unit.input, sizes.inputBytes))
  const params = padded(unit.params, sizes.paramsBytes).slice()
  const clear = device.createCommandEncoder({ label: `${program.label} clear` })
  clear.clearBuffer(buffers.output)
  device.queue.submit([clear.finish()])
  let gpuMs = 0
  let next = firstSliceWorkgroups
  for (let offset = 0; offset < total;) {
    const slice = Math.min(next, total - offset)
    new DataView(params.buffer).setUint32(workgroupOffsetByte, offset, true)
    device.pushErrorScope('out-of-memory')
    device.pushErrorScope('validation')
    device.queue.writeBuffer(buffers.params, 0, params)
    const encoder = device.createCommandEncoder({ label: `${program.label} slice` })
    const pass = encoder.beginComputePass({ label: `${program.label} pass @${offset}` })
    pass.setPipeline(pipeline)
    pass.setBindGroup(0, buffers.bindGroup)
    pass.dispatchWorkgroups(slice, 1, 1)
    pass.end()
    const started = performance.now()
    device.queue.submit([encoder.finish()])
    const invalid = device.popErrorScope()
    const exhausted = device.popErrorScope()
    await device.queue.onSubmittedWorkDone()
    const sliceMs = performance.now() - started
    gpuMs += sliceMs
    const [validation, outOfMemory] = await Promise.all([invalid, exhausted])
    if (outOfMemory)
      throw new WebGpuOutOfMemoryError({ label: program.label, message: outOfMemory.message })
    if (validation)
      throw new WebGpuValidationError({ label: program.label, message: validation.message })
    const restMs = sliceMs * (1 / slicing.share - 1)
    if (restMs > 0) await new Promise((resolve) => setTimeout(resolve, restMs))
    offset += slice
    // Aim the next slice at maxSliceMs, growing at most 4× at a time.
    const perWorkgroup = Math.max(sliceMs, 0.05) / slice
    next = Math.max(1, Math.min(slice * 4, Math.floor(slicing.maxSliceMs / perWorkgroup)))
  }
  const copy = device.createCommandEncoder({ label: `${program.label} readback` })
  copy.copyBufferToBuffer(
    buffers.output,
    0,
    buffers.staging,
    stagingOutputOffset,
    sizes.outputBytes,
  )
  device.queue.submit([copy.finish()])
  await buffers.staging.mapAsync(GPUMapMode.READ)
  const output = new Uint8Array(
    buffers.staging.getMappedRange(),
    stagingOutputOffset,
    unit.outputBytes,
  ).slice()
  buffers.staging.unmap()
  return { output, gpuMs }
}

/** The buffer sizes a unit needs; throws `unit/invalid` for an output size that cannot be. */
export function unitSizes(unit: GpuUnit): GpuUnitSizes {
  const { outputBytes } = unit
  if (!Number.isInteger(outputBytes) || outputBytes <= 0)
    throw new UnitInvalidError(`outputBytes must be a positive integer, got ${outputBytes}`)
  // A binding cannot be empty, copies move whole 4-byte words, and a uniform block is
  // 16-byte aligned in WGSL.
  return {
    inputBytes: roundUp(Math.max(unit.input.byteLength, 4), 4),
    outputBytes: roundUp(outputBytes, 4),
    paramsBytes: roundUp(Math.max(unit.params.byteLength, 16), 16),
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple
}

function padded(bytes: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  if (bytes.byteLength === size && bytes.buffer instanceof ArrayBuffer)
    return bytes as Uint8Array<ArrayBuffer>
  const copy = new Uint8Array(size)
  copy.set(bytes)
  return copy
}
