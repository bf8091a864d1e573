import { describe, expect, test } from 'vitest'
import { createComputeApi } from './createComputeApi.ts'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { buildTestKernel, type TestKernelBehaviour } from './testKernels.ts'

async function kernel(run: TestKernelBehaviour) {
  const bytes = buildTestKernel({ run }).buffer
  return { bytes, sha256: await sha256Hex(bytes) }
}

const unit = {
  index: 0,
  count: 1,
  params: new Uint8Array(0),
  input: new Uint8Array([9, 8, 7]),
  outputBytes: 3,
}

describe('compute API', () => {
  test('loads a kernel and runs units', async () => {
    const api = createComputeApi()
    await api.load(await kernel('echo'))
    const { output, kernelMs } = await api.run(unit)
    expect([...output]).toEqual([9, 8, 7])
    expect(kernelMs).toBeGreaterThanOrEqual(0)
  })

  test('refuses bytes whose SHA-256 differs, and then has no kernel', async () => {
    const api = createComputeApi()
    const { bytes } = await kernel('echo')
    await expect(api.load({ bytes, sha256: '00'.repeat(32) })).rejects.toMatchObject({
      code: 'kernel/hash-mismatch',
    })
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'kernel/not-loaded' })
  })

  test('refuses bytes that are not wasm', async () => {
    const api = createComputeApi()
    const bytes = new TextEncoder().encode('not wasm').buffer
    await expect(api.load({ bytes, sha256: await sha256Hex(bytes) })).rejects.toMatchObject({
      code: 'kernel/invalid-wasm',
    })
  })

  test('refuses a kernel that breaks the ABI', async () => {
    const api = createComputeApi()
    const bytes = buildTestKernel({ run: 'echo', extraImports: [['wasi', 'fd_write']] }).buffer
    await expect(api.load({ bytes, sha256: await sha256Hex(bytes) })).rejects.toMatchObject({
      code: 'kernel/forbidden-import',
    })
  })

  test('a trap fails the unit, and the next unit runs in a fresh instance', async () => {
    const api = createComputeApi()
    await api.load(await kernel('trap'))
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'kernel/trap' })
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'kernel/trap' })
  })

  test('loading another kernel replaces the first', async () => {
    const api = createComputeApi()
    await api.load(await kernel({ returns: 5 }))
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'kernel/run-failed', kernelCode: 5 })
    await api.load(await kernel('echo'))
    expect([...(await api.run(unit)).output]).toEqual([9, 8, 7])
  })

  test('a kernel that allocates without bound stops at the memory limit, with its code', async () => {
    const api = createComputeApi()
    const bytes = buildTestKernel({ run: 'grow-forever' }).buffer
    const memoryBytes = 4 * 1024 * 1024
    await api.load({ bytes, sha256: await sha256Hex(bytes), memoryBytes })
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'unit/memory-limit' })
    // The next unit starts from a fresh instance, not from the full memory.
    await expect(api.run(unit)).rejects.toMatchObject({ code: 'unit/memory-limit' })
  })

  test('a kernel whose memory starts above the limit is refused at load', async () => {
    const api = createComputeApi()
    const bytes = buildTestKernel({ run: 'echo', memoryPages: 32 }).buffer
    await expect(
      api.load({ bytes, sha256: await sha256Hex(bytes), memoryBytes: 1024 * 1024 }),
    ).rejects.toMatchObject({ code: 'kernel/memory-limit' })
  })

  test('a kernel within its memory limit runs as before', async () => {
    const api = createComputeApi()
    const bytes = buildTestKernel({ run: 'echo' }).buffer
    await api.load({ bytes, sha256: await sha256Hex(bytes), memoryBytes: 1024 * 1024 })
    expect([...(await api.run(unit)).output]).toEqual([9, 8, 7])
  })
})
