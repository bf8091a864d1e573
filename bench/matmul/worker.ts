/**
 * The matmul bench's dedicated worker: one GpuEngine (SwiftShader in the bench) and the
 * AssemblyScript matmul kernel, both run here as they run for volunteers, off the main thread.
 */
import { expose } from 'comlink'
import {
  createMatmulProgram,
  type MatmulVariant,
} from '../../src/kernels/matmul/createMatmulProgram.ts'
import {
  encodeMatmulParams,
  matmulOutputBytes,
  packMatmulInput,
} from '../../src/kernels/matmul/params.ts'
import { matmulReference } from '../../src/kernels/matmul/reference.ts'
import {
  instantiateWasmKernel,
  runWasmUnit,
  validateWasmKernel,
} from '../../src/kernels/wasmAbi.ts'
import { registerErrorTransferHandler } from '../../src/workers/errorTransferHandler.ts'
import { GpuEngine } from '../../src/workers/webgpu/GpuEngine.ts'
import { requestComputeDevice } from '../../src/workers/webgpu/requestComputeDevice.ts'

let engine: GpuEngine | undefined
let kernel: WebAssembly.Instance | undefined
const inputs = new Map<number, Uint8Array<ArrayBuffer>>()

// A fixed LCG (as in wasm.test.ts); values in [-1, 1).
function randomMatrix(n: number, seed: number): Float32Array {
  const m = new Float32Array(n * n)
  let state = seed >>> 0
  for (let i = 0; i < m.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    m[i] = state / 2 ** 31 - 1
  }
  return m
}

function input(n: number): Uint8Array<ArrayBuffer> {
  let packed = inputs.get(n)
  if (!packed) {
    packed = packMatmulInput(randomMatrix(n, n), randomMatrix(n, n + 1000))
    inputs.set(n, packed)
  }
  return packed
}

function gpu(): GpuEngine {
  if (!engine) throw new Error('call start() first')
  return engine
}

function wasm(): WebAssembly.Instance {
  if (!kernel) throw new Error('call start() first')
  return kernel
}

/** Largest difference from the f64 reference, relative to the largest |C| entry. */
function relativeError(output: Uint8Array, n: number): number {
  const packed = new Float32Array(input(n).buffer)
  const expected = matmulReference(packed.subarray(0, n * n), packed.subarray(n * n), n)
  const actual = new Float32Array(output.buffer, output.byteOffset, n * n)
  let error = 0
  let scale = 0
  for (let i = 0; i < expected.length; i++) {
    error = Math.max(error, Math.abs(actual[i]! - expected[i]!))
    scale = Math.max(scale, Math.abs(expected[i]!))
  }
  return error / (scale || 1)
}

const api = {
  /** Opens the device (fallback adapter allowed) and instantiates the wasm kernel. */
  async start(wasmUrl: string) {
    const request = { allowFallbackAdapter: true }
    const { device, adapterInfo, isFallback } = await requestComputeDevice(request)
    engine = new GpuEngine(device, { request })
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl))
    validateWasmKernel(module)
    kernel = await instantiateWasmKernel(module)
    return { adapterInfo, isFallback, timestamps: engine.device.features.has('timestamp-query') }
  },

  /** One GPU run: wall time from engine.run to the output read back, and the engine's gpuMs. */
  async gpu(variant: MatmulVariant, n: number) {
    const unit = {
      input: input(n),
      params: encodeMatmulParams(n),
      outputBytes: matmulOutputBytes(n),
    }
    const program = createMatmulProgram({ n, variant })
    const started = performance.now()
    const { gpuMs } = await gpu().run(program, unit)
    return { ms: performance.now() - started, gpuMs }
  },

  /** One wasm run: wall time of runWasmUnit (copies in and out included) and the kernel's own. */
  wasm(n: number) {
    const unit = {
      index: 0,
      count: 1,
      params: encodeMatmulParams(n),
      input: input(n),
      outputBytes: matmulOutputBytes(n),
    }
    const started = performance.now()
    const { kernelMs } = runWasmUnit(wasm(), unit)
    return { ms: performance.now() - started, kernelMs }
  },

  /** Each implementation's largest relative error against the f64 reference at size n. */
  async check(n: number) {
    const unit = {
      input: input(n),
      params: encodeMatmulParams(n),
      outputBytes: matmulOutputBytes(n),
    }
    const tiled = await gpu().run(createMatmulProgram({ n, variant: 'tiled' }), unit)
    const naive = await gpu().run(createMatmulProgram({ n, variant: 'naive' }), unit)
    const wasmRun = runWasmUnit(wasm(), { index: 0, count: 1, ...unit })
    return {
      tiled: relativeError(tiled.output, n),
      naive: relativeError(naive.output, n),
      wasm: relativeError(wasmRun.output, n),
    }
  },

  dispose() {
    engine?.dispose()
    engine = undefined
  },
}

export type MatmulWorkerApi = typeof api

registerErrorTransferHandler()
expose(api)
