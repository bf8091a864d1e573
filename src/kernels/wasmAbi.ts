/**
 * WASM ABI v0: how the compute worker (and tests in Node) run one work unit in a wasm kernel.
 *
 * Imports: nothing but `env.abort(message: usize, fileName: usize, line: u32, column: u32)`,
 * AssemblyScript's abort (strings are UTF-16LE with their byte length in the u32 before the
 * pointer). A kernel that imports anything else could reach the outside world, so it is
 * refused before instantiation.
 *
 * Exports:
 * - `memory`: the kernel's linear memory, through which all data moves.
 * - `reset(): void`: forgets every allocation; called before each unit.
 * - `alloc(bytes: u32): usize`: reserves bytes (a bump allocator from `__heap_base`, growing
 *   memory as needed); returns 0 when it cannot.
 * - `run(unitIndex: u32, unitCount: u32, paramsPtr: usize, paramsLen: u32, inputPtr: usize,
 *   inputLen: u32, outputPtr: usize, outputLen: u32): i32`: 0 on success, otherwise a
 *   kernel-defined error code.
 *
 * Per unit the host calls reset(), allocs params, input and output, copies params and input
 * in, zeroes the output, calls run, and copies the output out.
 */
import {
  KernelAbortError,
  KernelAllocFailedError,
  KernelForbiddenImportError,
  KernelMissingExportError,
  KernelRunFailedError,
  KernelTrapError,
  UnitInvalidError,
} from '../workers/errors.ts'

export const wasmAbiVersion = 0

/** Exports of an instantiated ABI v0 kernel. */
export type WasmKernelExports = {
  memory: WebAssembly.Memory
  reset: () => void
  alloc: (bytes: number) => number
  run: (
    unitIndex: number,
    unitCount: number,
    paramsPtr: number,
    paramsLen: number,
    inputPtr: number,
    inputLen: number,
    outputPtr: number,
    outputLen: number,
  ) => number
}

/** One work unit as the kernel sees it. */
export type WasmUnit = {
  index: number
  count: number
  params: Uint8Array
  input: Uint8Array
  outputBytes: number
}

export type WasmUnitResult = {
  output: Uint8Array
  /** Time spent inside the kernel's run(), copies excluded. */
  kernelMs: number
}

const requiredExports = [
  { name: 'memory', kind: 'memory' },
  { name: 'reset', kind: 'function' },
  { name: 'alloc', kind: 'function' },
  { name: 'run', kind: 'function' },
] as const

/**
 * Checks a compiled module's imports and exports against ABI v0; throws
 * `kernel/forbidden-import` or `kernel/missing-export`.
 */
export function validateWasmKernel(module: WebAssembly.Module): void {
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from !== 'env' || name !== 'abort' || kind !== 'function')
      throw new KernelForbiddenImportError({ module: from, name, kind })
  }
  const exports = WebAssembly.Module.exports(module)
  for (const required of requiredExports) {
    if (!exports.some((e) => e.name === required.name && e.kind === required.kind))
      throw new KernelMissingExportError(required)
  }
}

/**
 * Instantiates a validated module with `env.abort` as its only import; abort throws
 * `kernel/abort` carrying the kernel's message, file and line.
 *
 * @example
 * const module = await WebAssembly.compile(bytes)
 * validateWasmKernel(module)
 * const instance = await instantiateWasmKernel(module)
 */
export async function instantiateWasmKernel(
  module: WebAssembly.Module,
): Promise<WebAssembly.Instance> {
  let memory: WebAssembly.Memory | undefined
  const abort = (messagePtr: number, filePtr: number, line: number, column: number): never => {
    throw new KernelAbortError({
      message: readAssemblyScriptString(memory, messagePtr),
      fileName: readAssemblyScriptString(memory, filePtr),
      line: line >>> 0,
      column: column >>> 0,
    })
  }
  const instance = await WebAssembly.instantiate(module, { env: { abort } })
  memory = (instance.exports as Partial<WasmKernelExports>).memory
  return instance
}

// Abort strings come from a kernel we do not trust: read them within bounds, and cap them.
function readAssemblyScriptString(
  memory: WebAssembly.Memory | undefined,
  pointer: number,
): string | undefined {
  pointer >>>= 0
  if (!memory || pointer < 4 || pointer % 2 !== 0) return undefined
  const buffer = memory.buffer
  if (pointer > buffer.byteLength) return undefined
  const byteLength = new DataView(buffer).getUint32(pointer - 4, true)
  const length = Math.min(byteLength, buffer.byteLength - pointer, 2048) >>> 1
  return new TextDecoder('utf-16le').decode(new Uint8Array(buffer, pointer, length * 2))
}

/**
 * Runs one unit through the ABI. Traps become `kernel/trap`, a non-zero return becomes
 * `kernel/run-failed`. DOM-free: the worker and the Node tests share it.
 *
 * @example
 * const { output } = runWasmUnit(instance, { index: 0, count: 64, params, input, outputBytes })
 */
export function runWasmUnit(instance: WebAssembly.Instance, unit: WasmUnit): WasmUnitResult {
  assertWasmUnit(unit)
  const kernel = instance.exports as unknown as WasmKernelExports
  try {
    kernel.reset()
    const paramsPtr = allocate(kernel, unit.params.length)
    const inputPtr = allocate(kernel, unit.input.length)
    const outputPtr = allocate(kernel, unit.outputBytes)
    // alloc may grow memory, which detaches earlier views: take views only after all allocs.
    const bytes = new Uint8Array(kernel.memory.buffer)
    bytes.set(unit.params, paramsPtr)
    bytes.set(unit.input, inputPtr)
    // A kernel that skips some output bytes must not leak the previous unit's memory into its
    // result: that would make replicas differ by what ran before on each volunteer.
    bytes.fill(0, outputPtr, outputPtr + unit.outputBytes)
    const started = performance.now()
    const code = kernel.run(
      unit.index,
      unit.count,
      paramsPtr,
      unit.params.length,
      inputPtr,
      unit.input.length,
      outputPtr,
      unit.outputBytes,
    )
    const kernelMs = performance.now() - started
    if (code !== 0) throw new KernelRunFailedError({ kernelCode: code })
    const memoryBytes = new Uint8Array(kernel.memory.buffer)
    return { output: memoryBytes.slice(outputPtr, outputPtr + unit.outputBytes), kernelMs }
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError)
      throw new KernelTrapError({ cause: error })
    throw error
  }
}

function allocate(kernel: WasmKernelExports, bytes: number): number {
  const pointer = kernel.alloc(bytes) >>> 0
  if (pointer === 0 || pointer + bytes > kernel.memory.buffer.byteLength)
    throw new KernelAllocFailedError({ bytes, pointer })
  return pointer
}

const maxU32 = 0xffffffff

function assertWasmUnit(unit: WasmUnit): void {
  const { index, count, outputBytes } = unit
  if (!Number.isInteger(count) || count < 1 || count > maxU32)
    throw new UnitInvalidError(`unit count ${count} is not in 1..${maxU32}`)
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new UnitInvalidError(`unit index ${index} is not in 0..${count - 1}`)
  if (!Number.isInteger(outputBytes) || outputBytes < 0 || outputBytes > maxU32)
    throw new UnitInvalidError(`output size ${outputBytes} is not a byte count`)
}
