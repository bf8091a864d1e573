/**
 * TensorFlow.js matMul on its WebGPU and WASM backends, in the bench worker beside our kernels:
 * tfjs-core holds one active backend at a time, so each call switches to the one it measures.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu'
import '@tensorflow/tfjs-backend-webgpu'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
// Vite copies the three binaries into the bench's dist; tfjs-wasm fetches the one it picks.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'

export type TfjsBackendName = 'webgpu' | 'wasm'

export type TfjsStarted = {
  core: string
  /** The WebGPU backend's own device's adapter, to show it is the one our engine uses. */
  webgpuAdapter: { vendor: string; architecture: string }
  /** Which tfjs-wasm binary runs and with how many XNNPACK threads. */
  wasmBinary: string
  wasmThreads: number
}

async function use(backend: TfjsBackendName): Promise<void> {
  if (tf.getBackend() === backend) return
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to start`)
}

/**
 * Initialises both backends. `wasmThreads` 1 forces tfjs-wasm's single-threaded SIMD binary, on
 * the same footing as our one-thread kernel; more takes the threaded binary (the page is
 * cross-origin isolated) with that many XNNPACK threads.
 */
export async function startTfjs(wasmThreads: number): Promise<TfjsStarted> {
  const absolute = (url: string) => new URL(url, location.href).href
  setWasmPaths({
    'tfjs-backend-wasm.wasm': absolute(wasmPlainUrl),
    'tfjs-backend-wasm-simd.wasm': absolute(wasmSimdUrl),
    'tfjs-backend-wasm-threaded-simd.wasm': absolute(wasmThreadedSimdUrl),
  })
  if (wasmThreads <= 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false)
  else setThreadsCount(wasmThreads)
  await use('webgpu')
  const { adapterInfo } = (tf.backend() as WebGPUBackend).device
  await use('wasm')
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true
  const threaded = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true
  return {
    core: tf.version_core,
    webgpuAdapter: { vendor: adapterInfo.vendor, architecture: adapterInfo.architecture },
    wasmBinary: `tfjs-backend-wasm${threaded && simd ? '-threaded-simd' : simd ? '-simd' : ''}.wasm`,
    wasmThreads: getThreadsCount(),
  }
}

/**
 * C = A × B on one tfjs backend, timed as our engines are: from the host arrays to the product
 * read back (tensor creation uploads, `data()` reads back). Returns the wall ms and C.
 */
export async function tfjsMatmul(
  backend: TfjsBackendName,
  a: Float32Array,
  b: Float32Array,
  n: number,
): Promise<{ ms: number; output: Float32Array }> {
  await use(backend)
  const started = performance.now()
  const ta = tf.tensor2d(a, [n, n])
  const tb = tf.tensor2d(b, [n, n])
  const tc = tf.matMul(ta, tb)
  const output = (await tc.data()) as Float32Array
  const ms = performance.now() - started
  tf.dispose([ta, tb, tc])
  return { ms, output }
}
