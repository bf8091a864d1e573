/**
 * WASM ABI v0: how the compute worker (and tests in Node) run one work unit in a wasm kernel.
 *
 * Imports: nothing but `env.abort(message: usize, fileName: usize, line: u32, column: u32)`,
 * AssemblyScript's abort (strings are UTF-16LE with their byte length in the u32 before the
 * pointer), and, for a threaded kernel only, `env.memory`: a shared memory. A kernel that imports
 * anything else could reach the outside world, so it is refused before instantiation.
 *
 * Exports of a plain kernel:
 * - `memory`: the kernel's linear memory, through which all data moves.
 * - `reset(): void`: forgets every allocation; called before each unit.
 * - `alloc(bytes: u32): usize`: reserves bytes (a bump allocator from `__heap_base`, growing
 *   memory as needed); returns 0 when it cannot.
 * - `run(unitIndex: u32, unitCount: u32, paramsPtr: usize, paramsLen: u32, inputPtr: usize,
 *   inputLen: u32, outputPtr: usize, outputLen: u32): i32`: 0 on success, otherwise a
 *   kernel-defined error code.
 *
 * A threaded kernel imports its memory (shared, so several workers' instances of the module see
 * the same bytes) and exports `reset`, `alloc` and, instead of `run`,
 * `runThread(thread: u32, threads: u32, ...the eight arguments of run): i32`, which the host calls
 * once per thread, all at once, for one unit. Its output must not depend on `threads`.
 *
 * Per unit the host calls reset(), allocs params, input and output, copies params and input
 * in, zeroes the output, calls run (or every thread's runThread), and copies the output out.
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

type RunArguments = [
  unitIndex: number,
  unitCount: number,
  paramsPtr: number,
  paramsLen: number,
  inputPtr: number,
  inputLen: number,
  outputPtr: number,
  outputLen: number,
]

/** Exports of an instantiated ABI v0 kernel: `run` for a plain one, `runThread` for a threaded. */
export type WasmKernelExports = {
  memory?: WebAssembly.Memory
  reset: () => void
  alloc: (bytes: number) => number
  run?: (...args: RunArguments) => number
  runThread?: (thread: number, threads: number, ...args: RunArguments) => number
}

/** What {@link validateWasmKernel} learnt: whether the kernel runs on several threads. */
export type WasmKernelShape = { threaded: boolean }

/** Where {@link placeWasmUnit} put a unit in the kernel's memory. */
export type WasmUnitPlacement = { paramsPtr: number; inputPtr: number; outputPtr: number }

/** A unit without its bytes: what each thread of a threaded kernel is told. */
export type WasmUnitShape = {
  index: number
  count: number
  paramsBytes: number
  inputBytes: number
  outputBytes: number
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
  output: Uint8Array<ArrayBuffer>
  /** Time spent inside the kernel's run(), copies excluded. */
  kernelMs: number
}

const requiredExports = {
  plain: [
    { name: 'memory', kind: 'memory' },
    { name: 'reset', kind: 'function' },
    { name: 'alloc', kind: 'function' },
    { name: 'run', kind: 'function' },
  ],
  threaded: [
    { name: 'reset', kind: 'function' },
    { name: 'alloc', kind: 'function' },
    { name: 'runThread', kind: 'function' },
  ],
} as const

/**
 * Checks a compiled module's imports and exports against ABI v0; throws
 * `kernel/forbidden-import` or `kernel/missing-export`. A module that imports `env.memory` is a
 * threaded kernel (that the memory is shared is checked on its bytes: `readWasmMemoryType`).
 */
export function validateWasmKernel(module: WebAssembly.Module): WasmKernelShape {
  let threaded = false
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    const allowed =
      from === 'env' &&
      ((name === 'abort' && kind === 'function') || (name === 'memory' && kind === 'memory'))
    if (!allowed) throw new KernelForbiddenImportError({ module: from, name, kind })
    if (name === 'memory') threaded = true
  }
  const exports = WebAssembly.Module.exports(module)
  for (const required of requiredExports[threaded ? 'threaded' : 'plain']) {
    if (!exports.some((e) => e.name === required.name && e.kind === required.kind))
      throw new KernelMissingExportError(required)
  }
  return { threaded }
}

const memories = new WeakMap<WebAssembly.Instance, WebAssembly.Memory>()

/** The linear memory of an instance made by {@link instantiateWasmKernel}. */
export function wasmKernelMemory(instance: WebAssembly.Instance): WebAssembly.Memory {
  const memory = memories.get(instance) ?? instance.exports.memory
  if (!(memory instanceof WebAssembly.Memory))
    throw new KernelMissingExportError({ name: 'memory', kind: 'memory' })
  return memory
}

/**
 * Instantiates a validated module with `env.abort` (and, for a threaded kernel, `memory` as
 * `env.memory`) as its imports; abort throws `kernel/abort` carrying the kernel's message, file
 * and line.
 *
 * @example
 * const module = await WebAssembly.compile(bytes)
 * validateWasmKernel(module)
 * const instance = await instantiateWasmKernel(module)
 */
export async function instantiateWasmKernel(
  module: WebAssembly.Module,
  sharedMemory?: WebAssembly.Memory,
): Promise<WebAssembly.Instance> {
  let memory: WebAssembly.Memory | undefined = sharedMemory
  const abort = (messagePtr: number, filePtr: number, line: number, column: number): never => {
    throw new KernelAbortError({
      message: readAssemblyScriptString(memory, messagePtr),
      fileName: readAssemblyScriptString(memory, filePtr),
      line: line >>> 0,
      column: column >>> 0,
    })
  }
  const env = sharedMemory ? { abort, memory: sharedMemory } : { abort }
  const instance = await WebAssembly.instantiate(module, { env })
  memory ??= (instance.exports as Partial<WasmKernelExports>).memory
  if (memory) memories.set(instance, memory)
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
 * Runs one unit through the ABI (a threaded kernel as its only thread). Traps become
 * `kernel/trap`, a non-zero return becomes `kernel/run-failed`. DOM-free: the worker and the
 * Node tests share it.
 *
 * @example
 * const { output } = runWasmUnit(instance, { index: 0, count: 64, params, input, outputBytes })
 */
export function runWasmUnit(instance: WebAssembly.Instance, unit: WasmUnit): WasmUnitResult {
  const placement = placeWasmUnit(instance, unit)
  const kernelMs = runWasmThread(instance, shapeOf(unit), placement, 0, 1)
  return { output: readWasmOutput(instance, placement, unit.outputBytes), kernelMs }
}

/** The unit without its bytes, as each thread of a threaded kernel is told it. */
export function shapeOf(unit: WasmUnit): WasmUnitShape {
  const { index, count, params, input, outputBytes } = unit
  return { index, count, paramsBytes: params.length, inputBytes: input.length, outputBytes }
}

/**
 * The host's half of a unit before the kernel runs: reset(), then alloc params, input and output,
 * copy params and input in and zero the output. For a threaded kernel, done on one thread.
 */
export function placeWasmUnit(instance: WebAssembly.Instance, unit: WasmUnit): WasmUnitPlacement {
  const placement = allocateWasmUnit(instance, shapeOf(unit))
  writeWasmUnit(wasmKernelMemory(instance), unit, placement)
  return placement
}

/** reset(), then alloc the unit's params, input and output: where they go, nothing copied yet. */
export function allocateWasmUnit(
  instance: WebAssembly.Instance,
  unit: WasmUnitShape,
): WasmUnitPlacement {
  assertWasmUnit(unit)
  const kernel = instance.exports as unknown as WasmKernelExports
  const memory = wasmKernelMemory(instance)
  return asKernelError(() => {
    kernel.reset()
    const paramsPtr = allocate(kernel, memory, unit.paramsBytes)
    const inputPtr = allocate(kernel, memory, unit.inputBytes)
    const outputPtr = allocate(kernel, memory, unit.outputBytes)
    return { paramsPtr, inputPtr, outputPtr }
  })
}

/**
 * Copies the unit's params and input to where they were allocated and zeroes its output. For a
 * threaded kernel the page can do it itself, straight into the shared memory.
 */
export function writeWasmUnit(
  memory: WebAssembly.Memory,
  unit: WasmUnit,
  placement: WasmUnitPlacement,
): void {
  // alloc may grow memory, which detaches earlier views: take views only after all allocs.
  const bytes = new Uint8Array(memory.buffer)
  bytes.set(unit.params, placement.paramsPtr)
  bytes.set(unit.input, placement.inputPtr)
  // A kernel that skips some output bytes must not leak the previous unit's memory into its
  // result: that would make replicas differ by what ran before on each volunteer.
  bytes.fill(0, placement.outputPtr, placement.outputPtr + unit.outputBytes)
}

/**
 * Calls the kernel on a placed unit: `run` for a plain kernel (thread 0 of 1), `runThread` for a
 * threaded one. Returns the milliseconds spent inside the kernel.
 */
export function runWasmThread(
  instance: WebAssembly.Instance,
  unit: WasmUnitShape,
  placement: WasmUnitPlacement,
  thread: number,
  threads: number,
): number {
  const kernel = instance.exports as unknown as WasmKernelExports
  const args: RunArguments = [
    unit.index,
    unit.count,
    placement.paramsPtr,
    unit.paramsBytes,
    placement.inputPtr,
    unit.inputBytes,
    placement.outputPtr,
    unit.outputBytes,
  ]
  return asKernelError(() => {
    const started = performance.now()
    const code = kernel.runThread
      ? kernel.runThread(thread, threads, ...args)
      : kernel.run!(...args)
    const kernelMs = performance.now() - started
    if (code !== 0) throw new KernelRunFailedError({ kernelCode: code })
    return kernelMs
  })
}

/** Copies a placed unit's output out of the kernel's memory. */
export function readWasmOutput(
  instance: WebAssembly.Instance,
  placement: WasmUnitPlacement,
  outputBytes: number,
): Uint8Array<ArrayBuffer> {
  return copyWasmOutput(wasmKernelMemory(instance), placement, outputBytes)
}

/** Copies a placed unit's output out of a kernel's memory (the page's handle on a shared one). */
export function copyWasmOutput(
  memory: WebAssembly.Memory,
  placement: WasmUnitPlacement,
  outputBytes: number,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(memory.buffer)
  return bytes.slice(placement.outputPtr, placement.outputPtr + outputBytes)
}

function asKernelError<T>(body: () => T): T {
  try {
    return body()
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError)
      throw new KernelTrapError({ cause: error })
    throw error
  }
}

function allocate(kernel: WasmKernelExports, memory: WebAssembly.Memory, bytes: number): number {
  const pointer = kernel.alloc(bytes) >>> 0
  if (pointer === 0 || pointer + bytes > memory.buffer.byteLength)
    throw new KernelAllocFailedError({ bytes, pointer })
  return pointer
}

const maxU32 = 0xffffffff

function assertWasmUnit(unit: Pick<WasmUnit, 'index' | 'count' | 'outputBytes'>): void {
  const { index, count, outputBytes } = unit
  if (!Number.isInteger(count) || count < 1 || count > maxU32)
    throw new UnitInvalidError(`unit count ${count} is not in 1..${maxU32}`)
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new UnitInvalidError(`unit index ${index} is not in 0..${count - 1}`)
  if (!Number.isInteger(outputBytes) || outputBytes < 0 || outputBytes > maxU32)
    throw new UnitInvalidError(`output size ${outputBytes} is not a byte count`)
}
