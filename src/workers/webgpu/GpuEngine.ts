import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { UnitInvalidError } from '../errors.ts'
import { createBindingLayout, type BindingLayout } from './bindingLayout.ts'
import { compileShaderModule, type CompiledShader } from './compileShaderModule.ts'
import {
  KernelWgslPipelineError,
  WebGpuDeviceLostError,
  WebGpuEngineDisposedError,
  WebGpuOutOfMemoryError,
  WebGpuValidationError,
} from './errors.ts'
import { assertGpuRequirements } from './GpuRequirements.ts'
import {
  computeDispatch,
  programConstants,
  programRequirements,
  type GpuKernelProgram,
} from './GpuKernelProgram.ts'
import {
  GpuUnitBufferCache,
  stagingOutputOffset,
  type GpuUnitBuffers,
  type GpuUnitSizes,
} from './GpuUnitBuffers.ts'
import {
  requestComputeDevice,
  type ComputeDevice,
  type RequestComputeDeviceParameters,
} from './requestComputeDevice.ts'

/** One unit for a GPU kernel: bytes in, parameters for the uniform, and the output's size. */
export type GpuUnit = { input: Uint8Array; params: Uint8Array; outputBytes: number }

export type GpuUnitResult = {
  output: Uint8Array<ArrayBuffer>
  /**
   * Time of the compute pass from timestamp queries when the device has them, else from submit
   * until the readback is mapped.
   */
  gpuMs: number
}

export type GpuEngineEvent =
  | { type: 'device-lost'; reason: string; message: string }
  | { type: 'device-reacquired'; isFallback: boolean }
  | { type: 'disposed' }

export type GpuEngineStats = {
  shaderModulesCreated: number
  pipelinesCreated: number
  buffersCreated: number
  unitsRun: number
}

export type GpuEngineParameters = {
  /** How `reacquire()` asks for a new device; `GpuEngine.create` fills it in. */
  request?: RequestComputeDeviceParameters
}

/** What belongs to one device: dropped as a whole when the device is lost or replaced. */
type DeviceResources = {
  device: GPUDevice
  layout: BindingLayout
  buffers: GpuUnitBufferCache
  /** By SHA-256 of the source. */
  shaders: Map<string, Promise<CompiledShader>>
  /** By SHA-256 of the source, entry point and override constants. */
  pipelines: Map<string, Promise<GPUComputePipeline>>
  lost: WebGpuDeviceLostError | undefined
}

/**
 * Runs GPU kernel programs on one WebGPU device, in a page or a dedicated worker: shaders and
 * pipelines cached by content hash, unit buffers reused, every object labelled, and a lost
 * device reported (the pending units reject with `webgpu/device-lost`) until `reacquire()`.
 *
 * @example
 * const engine = await GpuEngine.create({ allowFallbackAdapter: false })
 * const { output, gpuMs } = await engine.run(program, { input, params, outputBytes })
 */
export class GpuEngine {
  #resources: DeviceResources
  #request: RequestComputeDeviceParameters | undefined
  #disposed = false
  readonly #listeners = new Set<(event: GpuEngineEvent) => void>()
  readonly #stats: GpuEngineStats = {
    shaderModulesCreated: 0,
    pipelinesCreated: 0,
    buffersCreated: 0,
    unitsRun: 0,
  }

  /** Requests a device (see {@link requestComputeDevice}) and remembers how, for `reacquire`. */
  static async create(parameters: RequestComputeDeviceParameters): Promise<GpuEngine> {
    const { device } = await requestComputeDevice(parameters)
    return new GpuEngine(device, { request: parameters })
  }

  constructor(device: GPUDevice, parameters: GpuEngineParameters = {}) {
    this.#request = parameters.request
    this.#resources = this.#attach(device)
  }

  get device(): GPUDevice {
    return this.#resources.device
  }

  /** Whether the device is usable; false after a loss until `reacquire()`, and after dispose. */
  get ready(): boolean {
    return !this.#disposed && this.#resources.lost === undefined
  }

  get stats(): GpuEngineStats {
    const buffersCreated = this.#stats.buffersCreated + this.#resources.buffers.buffersCreated
    return { ...this.#stats, buffersCreated }
  }

  onChange(listener: (event: GpuEngineEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Compiles WGSL, once per source text; throws `kernel/wgsl-compile` with each error's line
   * and column.
   */
  async compile(source: string, label = 'kernel'): Promise<CompiledShader> {
    return this.#shader(this.#usable(), source, label)
  }

  /** Runs one unit of a program; rejects with `webgpu/device-lost` if the device goes. */
  async run(program: GpuKernelProgram, unit: GpuUnit): Promise<GpuUnitResult> {
    const resources = this.#usable()
    const sizes = unitSizes(unit)
    assertGpuRequirements(resources.device, programRequirements(program, sizes))
    let buffers: GpuUnitBuffers | undefined
    try {
      const pipeline = await this.#pipeline(resources, program)
      this.#assertUsable(resources)
      buffers = resources.buffers.acquire(sizes)
      const result = await this.#dispatch(resources, program, pipeline, buffers, unit)
      resources.buffers.release(buffers)
      this.#stats.unitsRun++
      return result
    } catch (error) {
      if (buffers) resources.buffers.discard(buffers)
      throw await this.#explain(resources, error)
    }
  }

  /**
   * Replaces the device with a new one (after a loss, or to move to another adapter): caches
   * start empty, since GPU objects belong to the device that made them. Asks as `create` did,
   * or, for an engine built on a given device, for a device on a hardware adapter.
   */
  async reacquire(parameters?: RequestComputeDeviceParameters): Promise<ComputeDevice> {
    if (this.#disposed) throw new WebGpuEngineDisposedError()
    const request = parameters ?? this.#request
    if (!request)
      throw new WebGpuDeviceLostError({ reason: 'unknown', message: 'no request to repeat' })
    const acquired = await requestComputeDevice(request)
    this.#request = request
    const previous = this.#resources
    this.#stats.buffersCreated += previous.buffers.buffersCreated
    this.#resources = this.#attach(acquired.device)
    this.#release(previous)
    this.#emit({ type: 'device-reacquired', isFallback: acquired.isFallback })
    return acquired
  }

  /** Destroys the device and everything on it; pending units reject with `webgpu/disposed`. */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    this.#release(this.#resources)
    this.#emit({ type: 'disposed' })
    this.#listeners.clear()
  }

  #attach(device: GPUDevice): DeviceResources {
    const layout = createBindingLayout(device)
    const resources: DeviceResources = {
      device,
      layout,
      buffers: new GpuUnitBufferCache(device, layout.bindGroupLayout),
      shaders: new Map(),
      pipelines: new Map(),
      lost: undefined,
    }
    void device.lost.then(({ reason, message }) => {
      resources.lost = new WebGpuDeviceLostError({ reason, message })
      // Our own destroy (dispose, reacquire) is not news.
      if (this.#disposed || this.#resources !== resources) return
      resources.buffers.destroy()
      this.#emit({ type: 'device-lost', reason, message })
    })
    return resources
  }

  #release(resources: DeviceResources): void {
    resources.buffers.destroy()
    resources.device.destroy()
  }

  #usable(): DeviceResources {
    this.#assertUsable(this.#resources)
    return this.#resources
  }

  #assertUsable(resources: DeviceResources): void {
    if (this.#disposed) throw new WebGpuEngineDisposedError()
    if (resources.lost) throw resources.lost
    if (resources !== this.#resources)
      throw new WebGpuDeviceLostError({ reason: 'replaced', message: 'the engine was reacquired' })
  }

  /**
   * A failure while the device was going away says little: Chromium rejects the readback
   * ("unmapped before mapping was resolved") before it resolves `device.lost`. Waiting until
   * either the queue drains or the loss is known tells the two apart.
   */
  async #explain(resources: DeviceResources, error: unknown): Promise<unknown> {
    if (!this.#disposed && !resources.lost) {
      const settled = resources.device.queue.onSubmittedWorkDone().catch(() => undefined)
      await Promise.race([resources.device.lost, settled])
    }
    if (this.#disposed) return new WebGpuEngineDisposedError()
    return resources.lost ?? error
  }

  async #shader(resources: DeviceResources, source: string, label: string) {
    const key = await sha256Hex(new TextEncoder().encode(source))
    let shader = resources.shaders.get(key)
    if (!shader) {
      this.#stats.shaderModulesCreated++
      shader = compileShaderModule(resources.device, source, label)
      resources.shaders.set(key, shader)
      shader.catch(() => resources.shaders.delete(key))
    }
    return { ...(await shader), key }
  }

  async #pipeline(resources: DeviceResources, program: GpuKernelProgram) {
    const { module, key: sourceKey } = await this.#shader(resources, program.source, program.label)
    const entryPoint = program.entryPoint ?? 'main'
    const constants = programConstants(program)
    const sorted = Object.keys(constants)
      .sort()
      .map((name) => [name, constants[name]])
    const key = `${sourceKey}:${entryPoint}:${JSON.stringify(sorted)}`
    let pipeline = resources.pipelines.get(key)
    if (!pipeline) {
      this.#stats.pipelinesCreated++
      pipeline = resources.device
        .createComputePipelineAsync({
          label: `${program.label} pipeline`,
          layout: resources.layout.pipelineLayout,
          compute: { module, entryPoint, constants },
        })
        .catch((cause: unknown) => {
          resources.pipelines.delete(key)
          throw new KernelWgslPipelineError({ label: program.label, cause })
        })
      resources.pipelines.set(key, pipeline)
    }
    return pipeline
  }

  async #dispatch(
    resources: DeviceResources,
    program: GpuKernelProgram,
    pipeline: GPUComputePipeline,
    buffers: GpuUnitBuffers,
    unit: GpuUnit,
  ): Promise<GpuUnitResult> {
    const { device } = resources
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

  #emit(event: GpuEngineEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

function unitSizes(unit: GpuUnit): GpuUnitSizes {
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
