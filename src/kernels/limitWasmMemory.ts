import {
  KernelInvalidWasmError,
  KernelMemoryTooLargeError,
  KernelUnsupportedMemoryError,
} from '../workers/errors.ts'

const pageBytes = 65_536
const memorySectionId = 5

/**
 * Rewrites a WASM module so that its memory cannot grow past `limitBytes` (whole 64 KiB pages):
 * the memory section's maximum becomes the smaller of the module's own and the limit. A kernel
 * that then allocates without bound sees `memory.grow` fail (AssemblyScript's allocator returns
 * 0, a C allocator returns NULL) instead of taking the volunteer's tab down with it. Throws
 * `kernel/memory-limit` if the memory starts above the limit, `kernel/unsupported-memory` for
 * shared or 64-bit memories, `kernel/invalid-wasm` for a malformed section table.
 *
 * @example
 * const module = await WebAssembly.compile(limitWasmMemory(bytes, manifest.limits.memoryBytes))
 */
export function limitWasmMemory(
  bytes: Uint8Array<ArrayBuffer>,
  limitBytes: number,
): Uint8Array<ArrayBuffer> {
  const limitPages = Math.floor(limitBytes / pageBytes)
  const reader = new Reader(bytes)
  reader.offset = 8 // magic and version; WebAssembly.compile checks them
  while (reader.offset < bytes.length) {
    const sectionStart = reader.offset
    const id = reader.byte()
    const size = reader.u32()
    const payloadStart = reader.offset
    if (payloadStart + size > bytes.length) throw malformed('a section runs past the end')
    if (id !== memorySectionId) {
      reader.offset = payloadStart + size
      continue
    }
    const count = reader.u32()
    const payload: number[] = [...leb(count)]
    for (let i = 0; i < count; i++) {
      const flags = reader.byte()
      if (flags > 1)
        throw new KernelUnsupportedMemoryError(
          flags & 2 ? 'a shared memory (threads)' : 'a 64-bit memory',
        )
      const minimum = reader.u32()
      const maximum = flags === 1 ? reader.u32() : Infinity
      if (minimum > limitPages)
        throw new KernelMemoryTooLargeError({ minimumBytes: minimum * pageBytes, limitBytes })
      payload.push(1, ...leb(minimum), ...leb(Math.min(maximum, limitPages)))
    }
    if (reader.offset !== payloadStart + size) throw malformed('the memory section has extra bytes')
    const section = [memorySectionId, ...leb(payload.length), ...payload]
    const patched = new Uint8Array(bytes.length - (reader.offset - sectionStart) + section.length)
    patched.set(bytes.subarray(0, sectionStart))
    patched.set(section, sectionStart)
    patched.set(bytes.subarray(reader.offset), sectionStart + section.length)
    return patched
  }
  return bytes
}

function malformed(what: string): KernelInvalidWasmError {
  return new KernelInvalidWasmError({ cause: new Error(what) })
}

function leb(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value = Math.floor(value / 128)
    if (value > 0) byte |= 0x80
    out.push(byte)
  } while (value > 0)
  return out
}

class Reader {
  offset = 0
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  byte(): number {
    const value = this.#bytes[this.offset++]
    if (value === undefined) throw malformed('unexpected end of the module')
    return value
  }

  /** An unsigned LEB128 of at most 5 bytes (a u32). */
  u32(): number {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return result
    }
    throw malformed('an integer longer than 5 bytes')
  }
}
