import {
  KernelInvalidWasmError,
  KernelMemoryTooLargeError,
  KernelUnsupportedMemoryError,
} from '../workers/errors.ts'

const pageBytes = 65_536
const importSectionId = 2
const memorySectionId = 5
const importKindMemory = 0x02
const limitsHasMaximum = 0x01
const limitsShared = 0x02
const limitsMemory64 = 0x04

/** A kernel's linear memory as its module declares it. */
export type WasmMemoryType = {
  /** Imported as `env.memory` (a threaded kernel's shared memory) rather than defined. */
  imported: boolean
  shared: boolean
  minimumPages: number
  /** Absent when the module sets no maximum. */
  maximumPages: number | undefined
}

/**
 * Rewrites a WASM module so that its memory cannot grow past `limitBytes` (whole 64 KiB pages):
 * the memory's maximum becomes the smaller of the module's own and the limit, whether the module
 * defines its memory or imports it (a threaded kernel's shared `env.memory`). A kernel that then
 * allocates without bound sees `memory.grow` fail (AssemblyScript's allocator returns 0, a C
 * allocator returns NULL) instead of taking the volunteer's tab down with it. Throws
 * `kernel/memory-limit` if the memory starts above the limit, `kernel/unsupported-memory` for
 * 64-bit memories, a shared memory the module defines or an imported one that is not shared,
 * `kernel/invalid-wasm` for a malformed section table.
 *
 * @example
 * const module = await WebAssembly.compile(limitWasmMemory(bytes, manifest.limits.memoryBytes))
 */
export function limitWasmMemory(
  bytes: Uint8Array<ArrayBuffer>,
  limitBytes: number,
): Uint8Array<ArrayBuffer> {
  const limitPages = Math.floor(limitBytes / pageBytes)
  // From the last to the first, so that each rewrite leaves the earlier offsets valid.
  const sites = findMemories(bytes).reverse()
  let patched = bytes
  for (const { memory, sectionStart, payloadStart, sectionEnd, limitsStart, limitsEnd } of sites) {
    assertSupported(memory)
    if (memory.minimumPages > limitPages)
      throw new KernelMemoryTooLargeError({
        minimumBytes: memory.minimumPages * pageBytes,
        limitBytes,
      })
    const maximum = Math.min(memory.maximumPages ?? Infinity, limitPages)
    const flags = limitsHasMaximum | (memory.shared ? limitsShared : 0)
    const limits = [flags, ...leb(memory.minimumPages), ...leb(maximum)]
    const payload = [
      ...patched.subarray(payloadStart, limitsStart),
      ...limits,
      ...patched.subarray(limitsEnd, sectionEnd),
    ]
    const section = [patched[sectionStart]!, ...leb(payload.length), ...payload]
    const next = new Uint8Array(patched.length - (sectionEnd - sectionStart) + section.length)
    next.set(patched.subarray(0, sectionStart))
    next.set(section, sectionStart)
    next.set(patched.subarray(sectionEnd), sectionStart + section.length)
    patched = next
  }
  return patched
}

/**
 * The module's linear memory, or undefined if it has none; throws `kernel/unsupported-memory`
 * as {@link limitWasmMemory} does, `kernel/invalid-wasm` for a malformed section table.
 *
 * @example
 * const memory = readWasmMemoryType(bytes)
 * if (memory?.imported) env.memory = new WebAssembly.Memory({ initial: memory.minimumPages, ... })
 */
export function readWasmMemoryType(bytes: Uint8Array): WasmMemoryType | undefined {
  const [first] = findMemories(bytes)
  if (first) assertSupported(first.memory)
  return first?.memory
}

function assertSupported(memory: WasmMemoryType): void {
  if (memory.minimumPages === -1) throw new KernelUnsupportedMemoryError('a 64-bit memory')
  if (memory.shared && !memory.imported)
    throw new KernelUnsupportedMemoryError(
      'a shared memory the module defines: a threaded kernel imports its shared memory as env.memory',
    )
  if (memory.imported && !memory.shared)
    throw new KernelUnsupportedMemoryError(
      'an imported memory that is not shared: only a threaded kernel imports its memory, and it must be shared',
    )
}

type MemorySite = {
  memory: WasmMemoryType
  sectionStart: number
  payloadStart: number
  sectionEnd: number
  limitsStart: number
  limitsEnd: number
}

function findMemories(bytes: Uint8Array): MemorySite[] {
  const sites: MemorySite[] = []
  const reader = new Reader(bytes)
  reader.offset = 8 // magic and version; WebAssembly.compile checks them
  while (reader.offset < bytes.length) {
    const sectionStart = reader.offset
    const id = reader.byte()
    const size = reader.u32()
    const payloadStart = reader.offset
    const sectionEnd = payloadStart + size
    if (sectionEnd > bytes.length) throw malformed('a section runs past the end')
    const site = (imported: boolean): MemorySite => {
      const limitsStart = reader.offset
      const memory = readLimits(reader, imported)
      return {
        memory,
        sectionStart,
        payloadStart,
        sectionEnd,
        limitsStart,
        limitsEnd: reader.offset,
      }
    }
    if (id === importSectionId) {
      const count = reader.u32()
      for (let i = 0; i < count; i++) {
        reader.skip(reader.u32()) // module name
        reader.skip(reader.u32()) // field name
        const kind = reader.byte()
        if (kind === importKindMemory) sites.push(site(true))
        else skipImportDescription(reader, kind)
      }
      if (reader.offset !== sectionEnd) throw malformed('the import section has extra bytes')
    } else if (id === memorySectionId) {
      const count = reader.u32()
      for (let i = 0; i < count; i++) sites.push(site(false))
      if (reader.offset !== sectionEnd) throw malformed('the memory section has extra bytes')
    }
    reader.offset = sectionEnd
  }
  return sites
}

/** Reads memory limits; a 64-bit memory comes back with minimumPages -1. */
function readLimits(reader: Reader, imported: boolean): WasmMemoryType {
  const flags = reader.byte()
  if (flags > 7) throw malformed(`memory limits with flags ${flags}`)
  if (flags & limitsMemory64) {
    reader.skipLeb() // minimum and maximum, as u64
    if (flags & limitsHasMaximum) reader.skipLeb()
    return { imported, shared: false, minimumPages: -1, maximumPages: undefined }
  }
  const minimumPages = reader.u32()
  const maximumPages = flags & limitsHasMaximum ? reader.u32() : undefined
  return { imported, shared: (flags & limitsShared) !== 0, minimumPages, maximumPages }
}

function skipImportDescription(reader: Reader, kind: number): void {
  if (kind === 0x00)
    reader.u32() // function: type index
  else if (kind === 0x01) {
    reader.byte() // table: reference type, then limits
    const flags = reader.byte()
    reader.u32()
    if (flags & limitsHasMaximum) reader.u32()
  } else if (kind === 0x03) {
    reader.byte() // global: value type, mutability
    reader.byte()
  } else if (kind === 0x04) {
    reader.byte() // tag: attribute, type index
    reader.u32()
  } else throw malformed(`an import of unknown kind ${kind}`)
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

  skip(count: number): void {
    this.offset += count
    if (this.offset > this.#bytes.length) throw malformed('unexpected end of the module')
  }

  /** Skips an LEB128 of any width. */
  skipLeb(): void {
    while (this.byte() & 0x80);
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
