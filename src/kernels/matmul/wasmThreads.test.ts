import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, test } from 'vitest'
import { createComputeApi } from '../../workers/compute/createComputeApi.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { limitWasmMemory, readWasmMemoryType } from '../limitWasmMemory.ts'
import { instantiateBuiltKernel } from '../testing/instantiateBuiltKernel.ts'
import {
  placeWasmUnit,
  readWasmOutput,
  runWasmThread,
  runWasmUnit,
  shapeOf,
  validateWasmKernel,
  wasmKernelMemory,
} from '../wasmAbi.ts'
import { encodeMatmulParams, matmulOutputBytes, packMatmulInput } from './params.ts'

// The threaded matrix multiply (assembly/matmulThreads.ts) against the plain one: the same
// bits for any thread count. Threads run one after another here; the browser test
// (WorkerPool.threads.browser.test.ts) runs them at once in workers.

let plain: WebAssembly.Instance
let threadedBytes: Uint8Array<ArrayBuffer>

beforeAll(async () => {
  plain = await instantiateBuiltKernel('matmul')
  threadedBytes = new Uint8Array(
    await readFile(new URL('../../../build/wasm/matmulThreads.wasm', import.meta.url)),
  )
})

function matmulUnit(n: number) {
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i) * 2)
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7))
  return {
    index: 0,
    count: 1,
    params: encodeMatmulParams(n),
    input: packMatmulInput(a, b),
    outputBytes: matmulOutputBytes(n),
  }
}

describe('threaded WASM kernels (matmulThreads)', () => {
  test('are recognised by their shared env.memory import', async () => {
    const module = await WebAssembly.compile(threadedBytes)
    expect(validateWasmKernel(module)).toEqual({ threaded: true })
    expect(
      validateWasmKernel(await WebAssembly.compile(limitWasmMemory(threadedBytes, 1 << 26))),
    ).toEqual({ threaded: true })
    expect(readWasmMemoryType(threadedBytes)).toMatchObject({ imported: true, shared: true })
  })

  test("the host lowers the imported memory's maximum to the job's limit", () => {
    const limited = limitWasmMemory(threadedBytes, 64 * 1024 * 1024 + 5)
    expect(readWasmMemoryType(limited)).toMatchObject({
      imported: true,
      shared: true,
      maximumPages: 1024,
    })
  })

  test.each([1, 2, 3, 7])('%i threads give the bits of the plain kernel', async (threads) => {
    const unit = matmulUnit(200)
    const expected = runWasmUnit(plain, unit).output
    const instances = [await instantiateBuiltKernel('matmulThreads')]
    const memory = wasmKernelMemory(instances[0]!)
    for (let t = 1; t < threads; t++)
      instances.push(await instantiateBuiltKernel('matmulThreads', memory))
    const placement = placeWasmUnit(instances[0]!, unit)
    for (let t = threads - 1; t >= 0; t--)
      runWasmThread(instances[t]!, shapeOf(unit), placement, t, threads)
    expect(readWasmOutput(instances[0]!, placement, unit.outputBytes)).toEqual(expected)
  })

  test('a thread index past the thread count is the kernel error', async () => {
    const instance = await instantiateBuiltKernel('matmulThreads')
    const unit = matmulUnit(8)
    const placement = placeWasmUnit(instance, unit)
    expect(() => runWasmThread(instance, shapeOf(unit), placement, 2, 2)).toThrow(
      expect.objectContaining({ code: 'kernel/run-failed', kernelCode: 2 }),
    )
  })

  test('a compute worker alone runs a threaded kernel as its only thread, and hands its memory to a teammate', async () => {
    const unit = matmulUnit(64)
    const expected = runWasmUnit(plain, unit).output
    const kernel = {
      bytes: threadedBytes.slice().buffer,
      sha256: await sha256Hex(threadedBytes),
      memoryBytes: 32 * 1024 * 1024,
    }
    const first = createComputeApi()
    const second = createComputeApi()
    expect(await first.load(kernel)).toEqual({ threaded: true })
    await second.load(kernel)
    expect((await first.run(unit)).output).toEqual(expected)

    await second.join(await first.sharedMemory())
    const placement = await first.place(unit)
    await Promise.all([
      first.runThread(shapeOf(unit), placement, 0, 2),
      second.runThread(shapeOf(unit), placement, 1, 2),
    ])
    expect(await first.readOutput(placement, unit.outputBytes)).toEqual(expected)
  })

  test('a plain kernel has no shared memory to hand out', async () => {
    const bytes = new Uint8Array(
      await readFile(new URL('../../../build/wasm/matmul.wasm', import.meta.url)),
    )
    const api = createComputeApi()
    expect(await api.load({ bytes: bytes.buffer, sha256: await sha256Hex(bytes) })).toEqual({
      threaded: false,
    })
    await expect(api.sharedMemory()).rejects.toMatchObject({ code: 'kernel/unsupported-memory' })
  })
})
