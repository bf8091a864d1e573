import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { createBindingLayout, type BindingLayout } from './bindingLayout.ts'
import { compileShaderModule, type CompiledShader } from './compileShaderModule.ts'
import {
  KernelWgslPipelineError,
  WebGpuDeviceLostError,
  WebGpuEngineDisposedError,
} from './errors.ts'
import { assertGpuRequirements } from './GpuRequirements.ts'
import { programConstants, programRequirements, type GpuKernelProgram } from './GpuKernelProgram.ts'
import {
  dispatchUnit,
  unitSizes,
  type GpuSlicing,
  type GpuUnit,
  type GpuUnitResult,
} from './dispatchUnit.ts'
import { GpuUnitBufferCache, type GpuUnitBuffers } from './GpuUnitBuffers.ts'
import {
  requestComputeDevice,
  type ComputeDevice,
  type RequestComputeDeviceParameters,
} from './requestComputeDevice.ts'

export type { GpuSlicing, GpuUnit, GpuUnitResult }

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

  /**
   * Runs one unit of a program; rejects with `webgpu/device-lost` if the device goes. With
   * `slicing`, a linear dispatch runs in slices that yield the GPU (the GPU share).
   */
  async run(
    program: GpuKernelProgram,
    unit: GpuUnit,
    slicing?: GpuSlicing,
  ): Promise<GpuUnitResult> {
    const resources = this.#usable()
    const sizes = unitSizes(unit)
    assertGpuRequirements(resources.device, programRequirements(program, sizes))
    let buffers: GpuUnitBuffers | undefined
    try {
      const pipeline = await this.#pipeline(resources, program)
      this.#assertUsable(resources)
      buffers = resources.buffers.acquire(sizes)
      const result = await dispatchUnit({
        device: resources.device,
        program,
        pipeline,
        buffers,
        unit,
        slicing,
      })
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

  #emit(event: GpuEngineEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}
