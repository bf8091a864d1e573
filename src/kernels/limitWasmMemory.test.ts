import { describe, expect, test } from 'vitest'
import { buildTestKernel } from '../workers/compute/testKernels.ts'
import { limitWasmMemory } from './limitWasmMemory.ts'

const mib = 1024 * 1024

async function maximumPages(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => undefined } })
  const memory = instance.exports.memory as WebAssembly.Memory
  let pages = memory.buffer.byteLength / 65_536
  try {
    for (; pages < 70_000; pages++) memory.grow(1)
  } catch {
    // Memory.grow from JavaScript throws where memory.grow in wasm returns -1.
  }
  return pages
}

describe('limitWasmMemory', () => {
  test('caps an unbounded memory at the limit, in whole pages', async () => {
    const bytes = buildTestKernel({ run: 'echo' })
    expect(await maximumPages(limitWasmMemory(bytes, 2 * mib + 100))).toBe(32)
  })

  test('keeps a maximum the module already set below the limit', async () => {
    const capped = limitWasmMemory(buildTestKernel({ run: 'echo' }), 2 * mib)
    expect(await maximumPages(limitWasmMemory(capped, 8 * mib))).toBe(32)
  })

  test('refuses a memory that starts above the limit', () => {
    expect(() =>
      limitWasmMemory(buildTestKernel({ run: 'echo', memoryPages: 40 }), 2 * mib),
    ).toThrow(expect.objectContaining({ code: 'kernel/memory-limit' }))
  })

  test('a section table that runs past the end is invalid wasm', () => {
    const bytes = buildTestKernel({ run: 'echo' }).slice(0, 20)
    expect(() => limitWasmMemory(bytes, mib)).toThrow(
      expect.objectContaining({ code: 'kernel/invalid-wasm' }),
    )
  })
})
