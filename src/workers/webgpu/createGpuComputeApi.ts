import { transfer } from 'comlink'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { createMatmulProgram } from '../../kernels/matmul/createMatmulProgram.ts'
import { encodeMatmulParams, matmulOutputBytes } from '../../kernels/matmul/params.ts'
import { createWgslUnitProgram } from '../../tasks/createWgslUnitProgram.ts'
import { packUnitUniform } from '../../tasks/packUnitUniform.ts'
import type { WasmUnit, WasmUnitResult } from '../../kernels/wasmAbi.ts'
import { KernelHashMismatchError, KernelNotLoadedError } from '../errors.ts'
import { calibrateGpu } from './calibrateGpu.ts'
import { WebGpuDeviceLostError } from './errors.ts'
import { GpuEngine, type GpuSlicing } from './GpuEngine.ts'
import { requestComputeDevice, type GpuAdapterDescription } from './requestComputeDevice.ts'

/** A manifest's WGSL kernel as it travels: the source's bytes, their hash, how to dispatch it. */
export type GpuComputeKernel = {
  bytes: ArrayBuffer
  sha256: string
  entry: string
  workgroupSize: [number, number, number]
  elementsPerInvocation: number
}

export type GpuStartParameters = {
  /** Whether a software adapter may be used (GPU-only jobs the volunteer allowed). */
  allowFallbackAdapter: boolean
}

/** What the GPU compute worker exposes through comlink. */
export type GpuComputeApi = {
  start(parameters: GpuStartParameters): Promise<GpuAdapterDescription>
  /** Verifies the source's hash and compiles it (`kernel/wgsl-compile` with line and column). */
  load(kernel: GpuComputeKernel): Promise<void>
  /**
   * Runs one unit, its dispatch sliced by `slicing` (the GPU share); rejects with
   * `webgpu/device-lost` if the device goes, and reacquires it.
   */
  run(unit: WasmUnit, slicing?: GpuSlicing): Promise<WasmUnitResult>
  /** GFLOPS the device sustains on the tiled matrix multiply: the engine's calibration. */
  calibrate(): Promise<number>
}

export type CreateGpuComputeApiParameters = {
  /** The WebGPU entry point; defaults to `navigator.gpu` (Node passes Dawn's: `openNodeGpu`). */
  gpu?: GPU | undefined
}

type Loaded = { kernel: GpuComputeKernel; source: string }

/**
 * The GPU compute worker's logic: one GpuEngine, the loaded WGSL kernel, units run by the
 * Task API's binding contract. A lost device fails the unit in flight (the host reissues it)
 * and is replaced before the next.
 *
 * @example
 * const api = createGpuComputeApi()
 * await api.start({ allowFallbackAdapter: false })
 * await api.load(kernel)
 * const { output, kernelMs } = await api.run(unit)
 */
export function createGpuComputeApi(parameters: CreateGpuComputeApiParameters = {}): GpuComputeApi {
  const entryPoint = parameters.gpu ? { gpu: parameters.gpu } : {}
  let engine: GpuEngine | undefined
  let loaded: Loaded | undefined

  function current(): GpuEngine {
    if (!engine) throw new KernelNotLoadedError()
    return engine
  }

  return {
    async start(parameters) {
      engine?.dispose()
      const request = { ...parameters, label: 'volunteer compute', ...entryPoint }
      const { device, adapterInfo, isFallback } = await requestComputeDevice(request)
      engine = new GpuEngine(device, { request })
      return { ...adapterInfo, isFallbackAdapter: isFallback }
    },

    async load(kernel) {
      const actual = await sha256Hex(kernel.bytes)
      if (actual !== kernel.sha256)
        throw new KernelHashMismatchError({ expected: kernel.sha256, actual })
      const source = new TextDecoder('utf-8', { fatal: true }).decode(kernel.bytes)
      loaded = undefined
      await current().compile(source, `kernel ${kernel.sha256.slice(0, 12)}`)
      loaded = { kernel, source }
    },

    async run(unit, slicing) {
      const gpu = current()
      if (!loaded) throw new KernelNotLoadedError()
      if (!gpu.ready) await gpu.reacquire()
      const program = createWgslUnitProgram(
        { kind: 'wgsl', ...loaded.kernel },
        loaded.source,
        unit.outputBytes,
      )
      try {
        const { output, gpuMs } = await gpu.run(
          program,
          {
            input: unit.input,
            params: packUnitUniform(
              { index: unit.index, count: unit.count, inputBytes: unit.input.length },
              unit.params,
            ),
            outputBytes: unit.outputBytes,
          },
          slicing,
        )
        return transfer({ output, kernelMs: gpuMs }, [output.buffer])
      } catch (error) {
        if (error instanceof WebGpuDeviceLostError) void gpu.reacquire().catch(() => undefined)
        throw error
      }
    },

    async calibrate() {
      const gpu = current()
      // Without timestamp queries gpuMs is timed from after the submit, and a backend that runs
      // the work inside submit (Dawn on OpenGL ES) reports next to nothing: time the whole run.
      const timestamps = gpu.device.features.has('timestamp-query')
      return calibrateGpu({
        runMatmul: async (n) => {
          const unit = {
            input: new Uint8Array(2 * n * n * 4),
            params: encodeMatmulParams(n),
            outputBytes: matmulOutputBytes(n),
          }
          const started = performance.now()
          const { gpuMs } = await gpu.run(createMatmulProgram({ n }), unit)
          return timestamps ? gpuMs : performance.now() - started
        },
      })
    },
  }
}
