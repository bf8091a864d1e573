/**
 * Tiny hand-encoded ABI v0 kernels for tests: misbehaving kernels (spinning, trapping,
 * aborting, importing too much) are easier to write as a few bytes than to coax out of a
 * compiler. Each function body is raw wasm opcodes.
 */

/**
 * What run() does: spin forever, trap, call abort, copy the input to the output ('echo'),
 * echo unless the first input byte is non-zero and then spin, or return a code.
 */
export type TestKernelBehaviour =
  | 'spin'
  | 'trap'
  | 'abort'
  | 'echo'
  | 'spin-if-input'
  /** Grows memory 1 MiB at a time until it cannot, then traps: an allocation without bound. */
  | 'grow-forever'
  | { returns: number }

export type TestKernelOptions = {
  run: TestKernelBehaviour
  /** Extra function imports (module, name) besides env.abort; they make the kernel invalid. */
  extraImports?: readonly (readonly [string, string])[]
  /** An export to leave out; makes the kernel invalid. */
  omitExport?: 'memory' | 'reset' | 'alloc' | 'run'
  /** The memory's initial size in 64 KiB pages; default 1. */
  memoryPages?: number
}

const i32 = 0x7f
const end = 0x0b

/** Bytes of a valid-or-deliberately-invalid ABI v0 module. */
export function buildTestKernel(options: TestKernelOptions): Uint8Array<ArrayBuffer> {
  const imports: (readonly [string, string])[] = [['env', 'abort'], ...(options.extraImports ?? [])]
  const types = section(1, [
    vector([
      [0x60, ...vector([[i32], [i32], [i32], [i32]]), 0x00],
      [0x60, 0x00, 0x00],
      [0x60, ...vector([[i32]]), ...vector([[i32]])],
      [0x60, ...vector(Array.from({ length: 8 }, () => [i32])), ...vector([[i32]])],
    ]),
  ])
  const importSection = section(2, [
    vector(imports.map(([module, name]) => [...text(module), ...text(name), 0x00, 0x00])),
  ])
  const functions = section(3, [vector([[1], [2], [3]])])
  const memory = section(5, [vector([[0x00, ...unsigned(options.memoryPages ?? 1)]])])
  // One mutable i32 global: the bump allocator's top, starting at 1024.
  const globals = section(6, [vector([[i32, 0x01, 0x41, ...signed(1024), end]])])
  const first = imports.length
  const exportEntries: [string, number, number][] = [
    ['memory', 0x02, 0],
    ['reset', 0x00, first],
    ['alloc', 0x00, first + 1],
    ['run', 0x00, first + 2],
  ]
  const exports = section(7, [
    vector(
      exportEntries
        .filter(([name]) => name !== options.omitExport)
        .map(([name, kind, index]) => [...text(name), kind, ...unsigned(index)]),
    ),
  ])
  const resetBody = [0x00, 0x41, ...signed(1024), 0x24, 0x00, end]
  const allocBody = [0x00, 0x23, 0x00, 0x23, 0x00, 0x20, 0x00, 0x6a, 0x24, 0x00, end]
  const code = section(10, [vector([body(resetBody), body(allocBody), body(runBody(options.run))])])
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...types,
    ...importSection,
    ...functions,
    ...memory,
    ...globals,
    ...exports,
    ...code,
  ])
}

function runBody(behaviour: TestKernelBehaviour): number[] {
  if (typeof behaviour === 'object') return [0x00, 0x41, ...signed(behaviour.returns), end]
  switch (behaviour) {
    case 'spin':
      return [0x00, ...spin, 0x41, 0x00, end]
    case 'trap':
      return [0x00, 0x00, end]
    case 'abort':
      return [
        0x00,
        ...[0x41, 0x00, 0x41, 0x00, 0x41, 0x07, 0x41, 0x03],
        0x10,
        0x00,
        0x41,
        0x00,
        end,
      ]
    case 'echo':
      return [0x00, ...echo, 0x41, 0x00, end]
    case 'grow-forever':
      // loop { if (memory.grow(16) == -1) unreachable; br 0 }
      return [
        0x00,
        ...[0x03, 0x40, 0x41, 0x10, 0x40, 0x00, 0x41, 0x7f, 0x46],
        ...[0x04, 0x40, 0x00, end, 0x0c, 0x00, end],
        0x41,
        0x00,
        end,
      ]
    case 'spin-if-input':
      // if (load8_u(inputPtr)) loop {}
      return [
        0x00,
        0x20,
        0x04,
        0x2d,
        0x00,
        0x00,
        0x04,
        0x40,
        ...spin,
        end,
        ...echo,
        0x41,
        0x00,
        end,
      ]
  }
}

const spin = [0x03, 0x40, 0x0c, 0x00, end]
// memory.copy(outputPtr, inputPtr, inputLen): tests pass inputLen === outputLen.
const echo = [0x20, 0x06, 0x20, 0x04, 0x20, 0x05, 0xfc, 0x0a, 0x00, 0x00]

function body(code: number[]): number[] {
  return [...unsigned(code.length), ...code]
}

function section(id: number, content: number[][]): number[] {
  const bytes = content.flat()
  return [id, ...unsigned(bytes.length), ...bytes]
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()]
}

function text(value: string): number[] {
  const bytes = [...new TextEncoder().encode(value)]
  return [...unsigned(bytes.length), ...bytes]
}

function unsigned(value: number): number[] {
  const bytes: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    bytes.push(byte)
  } while (value !== 0)
  return bytes
}

function signed(value: number): number[] {
  const bytes: number[] = []
  for (;;) {
    const byte = value & 0x7f
    value >>= 7
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)
    bytes.push(done ? byte : byte | 0x80)
    if (done) return bytes
  }
}
