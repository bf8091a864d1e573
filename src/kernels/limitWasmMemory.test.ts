import { describe, expect, test } from 'vitest'
import { buildTestKernel } from '../workers/compute/testKernels.ts'
import { limitWasmMemory, readWasmMemoryType } from './limitWasmMemory.ts'

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

  // Bare modules with nothing but their memory: limits flags 0x01 has a maximum, 0x02 shared.
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
  const definedMemory = (flags: number) =>
    new Uint8Array([...header, 0x05, 0x04, 0x01, flags, 0x01, 0x02])
  const importedMemory = (flags: number) =>
    new Uint8Array([
      ...[...header, 0x02, 0x10, 0x01, 0x03, ...encode('env'), 0x06, ...encode('memory')],
      ...[0x02, flags, 0x01, 0x02],
    ])
  const encode = (text: string) => new TextEncoder().encode(text)

  test('refuses a shared memory the module defines, a plain imported one and a 64-bit one', () => {
    for (const bytes of [definedMemory(0x03), importedMemory(0x01), definedMemory(0x05)]) {
      expect(() => limitWasmMemory(bytes, mib)).toThrow(
        expect.objectContaining({ code: 'kernel/unsupported-memory' }),
      )
      expect(() => readWasmMemoryType(bytes)).toThrow(
        expect.objectContaining({ code: 'kernel/unsupported-memory' }),
      )
    }
  })

  test('caps an imported shared memory and keeps it shared', async () => {
    const limited = limitWasmMemory(importedMemory(0x03), 1.5 * 65_536)
    expect(readWasmMemoryType(limited)).toEqual({
      imported: true,
      shared: true,
      minimumPages: 1,
      maximumPages: 1,
    })
    expect(WebAssembly.validate(limited)).toBe(true)
  })
})
