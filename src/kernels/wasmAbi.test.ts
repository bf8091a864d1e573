import { describe, expect, test } from 'vitest'
import { buildTestKernel, type TestKernelOptions } from '../workers/compute/testKernels.ts'
import { instantiateWasmKernel, runWasmUnit, validateWasmKernel } from './wasmAbi.ts'

async function instantiate(options: TestKernelOptions): Promise<WebAssembly.Instance> {
  const module = await WebAssembly.compile(buildTestKernel(options))
  validateWasmKernel(module)
  return instantiateWasmKernel(module)
}

const unit = {
  index: 0,
  count: 1,
  params: new Uint8Array([1, 2]),
  input: new Uint8Array([3, 4, 5, 6]),
  outputBytes: 4,
}

describe('WASM ABI v0', () => {
  test.each(['echo', 'spin-if-input'] as const)(
    'copies params and input in and the output out (%s)',
    async (run) => {
      const instance = await instantiate({ run })
      const input = new Uint8Array([0, 4, 5, 6])
      const result = runWasmUnit(instance, { ...unit, input })
      expect([...result.output]).toEqual([0, 4, 5, 6])
      expect(result.kernelMs).toBeGreaterThanOrEqual(0)
      // reset() between units: the same unit again lands at the same addresses.
      expect([...runWasmUnit(instance, { ...unit, input }).output]).toEqual([0, 4, 5, 6])
    },
  )

  test('refuses imports other than env.abort', async () => {
    const module = await WebAssembly.compile(
      buildTestKernel({ run: 'echo', extraImports: [['env', 'fetch']] }),
    )
    expect(() => validateWasmKernel(module)).toThrow(
      expect.objectContaining({ code: 'kernel/forbidden-import' }),
    )
  })

  test.each(['memory', 'reset', 'alloc', 'run'] as const)(
    'refuses a kernel without %s',
    async (name) => {
      const module = await WebAssembly.compile(buildTestKernel({ run: 'echo', omitExport: name }))
      expect(() => validateWasmKernel(module)).toThrow(
        expect.objectContaining({ code: 'kernel/missing-export' }),
      )
    },
  )

  test('a non-zero return is kernel/run-failed with the code', async () => {
    const instance = await instantiate({ run: { returns: 7 } })
    expect(() => runWasmUnit(instance, unit)).toThrow(
      expect.objectContaining({ code: 'kernel/run-failed', kernelCode: 7 }),
    )
  })

  test('a trap is kernel/trap', async () => {
    const instance = await instantiate({ run: 'trap' })
    expect(() => runWasmUnit(instance, unit)).toThrow(
      expect.objectContaining({ code: 'kernel/trap' }),
    )
  })

  test('abort is kernel/abort with its line and column', async () => {
    const instance = await instantiate({ run: 'abort' })
    expect(() => runWasmUnit(instance, unit)).toThrow(
      expect.objectContaining({ code: 'kernel/abort', line: 7, column: 3 }),
    )
  })

  test('an allocation the kernel cannot satisfy is kernel/alloc-failed', async () => {
    const instance = await instantiate({ run: 'echo' })
    expect(() => runWasmUnit(instance, { ...unit, outputBytes: 1 << 20 })).toThrow(
      expect.objectContaining({ code: 'kernel/alloc-failed' }),
    )
  })

  test('a unit index outside the job is unit/invalid', async () => {
    const instance = await instantiate({ run: 'echo' })
    expect(() => runWasmUnit(instance, { ...unit, index: 1 })).toThrow(
      expect.objectContaining({ code: 'unit/invalid' }),
    )
  })
})
