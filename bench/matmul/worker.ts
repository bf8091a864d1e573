/**
 * The matmul bench's dedicated worker: one GpuEngine (SwiftShader in the bench) and the
 * AssemblyScript matmul kernel, both run here as they run for volunteers, off the main thread,
 * and TensorFlow.js's WebGPU and WASM backends beside them in the same worker for comparison.
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
import { ReadbackProbe } from './ReadbackProbe.ts'
import { startTfjs, tfjsMatmul, type TfjsBackendName } from './tfjsMatmul.ts'

let engine: GpuEngine | undefined
let kernel: WebAssembly.Instance | undefined
let probe: ReadbackProbe | undefined
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

/** A and B of the packed input, as views. */
function matrices(n: number): { a: Float32Array; b: Float32Array } {
  const packed = new Float32Array(input(n).buffer)
  return { a: packed.subarray(0, n * n), b: packed.subarray(n * n) }
}

/** FNV-1a over bytes, as native/matmul.c prints it: equal hashes mean bit-identical C. */
function fnv1a(bytes: Uint8Array): number {
  let hash = 2166136261
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0
  return hash
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
function relativeError(output: Uint8Array | Float32Array, n: number): number {
  const { a, b } = matrices(n)
  const expected = matmulReference(a, b, n)
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
  /**
   * Opens the device (fallback adapter allowed), instantiates the wasm kernel and starts tfjs's
   * two backends (see startTfjs for `tfjsWasmThreads`).
   */
  async start(wasmUrl: string, tfjsWasmThreads: number) {
    const request = { allowFallbackAdapter: true }
    const { device, adapterInfo, isFallback } = await requestComputeDevice(request)
    engine = new GpuEngine(device, { request })
    probe = new ReadbackProbe(device)
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl))
    validateWasmKernel(module)
    kernel = await instantiateWasmKernel(module)
    const tfjs = await startTfjs(tfjsWasmThreads)
    return {
      adapterInfo,
      isFallback,
      timestamps: engine.device.features.has('timestamp-query'),
      tfjs,
    }
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

  /** One tfjs matMul: wall time from the host arrays to the product read back. */
  async tfjs(backend: TfjsBackendName, n: number) {
    const { a, b } = matrices(n)
    const { ms } = await tfjsMatmul(backend, a, b, n)
    return { ms }
  },

  /** FNV-1a of the wasm kernel's C, to compare with native/matmul.c's. */
  wasmHash(n: number) {
    const unit = {
      index: 0,
      count: 1,
      params: encodeMatmulParams(n),
      input: input(n),
      outputBytes: matmulOutputBytes(n),
    }
    return fnv1a(runWasmUnit(wasm(), unit).output)
  },

  /** Readback latency alone for `bytes` on our engine's device (see ReadbackProbe). */
  readback(bytes: number) {
    if (!probe) throw new Error('call start() first')
    return probe.measure(bytes)
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
    const { a, b } = matrices(n)
    const tfjsWebgpu = await tfjsMatmul('webgpu', a, b, n)
    const tfjsWasm = await tfjsMatmul('wasm', a, b, n)
    return {
      tiled: relativeError(tiled.output, n),
      naive: relativeError(naive.output, n),
      wasm: relativeError(wasmRun.output, n),
      tfjsWebgpu: relativeError(tfjsWebgpu.output, n),
      tfjsWasm: relativeError(tfjsWasm.output, n),
    }
  },

  dispose() {
    probe?.destroy()
    probe = undefined
    engine?.dispose()
    engine = undefined
  },
}

export type MatmulWorkerApi = typeof api

registerErrorTransferHandler()
expose(api)
