import { BaseError, type SerializedError } from '../errors/BaseError.ts'

// Kernel errors: something is wrong with the kernel a job asked us to run.

export class KernelHashMismatchError extends BaseError {
  override readonly code = 'kernel/hash-mismatch'

  constructor({ expected, actual }: { expected: string; actual: string }) {
    super('Kernel bytes do not match their SHA-256', {
      details: `expected ${expected}, got ${actual}`,
    })
  }
}

export class KernelInvalidWasmError extends BaseError {
  override readonly code = 'kernel/invalid-wasm'

  constructor({ cause }: { cause: unknown }) {
    super('Kernel is not a valid WebAssembly module', { details: String(cause), cause })
  }
}

export class KernelMissingExportError extends BaseError {
  override readonly code = 'kernel/missing-export'

  constructor({ name, kind }: { name: string; kind: string }) {
    super(`Kernel does not export ${kind} \`${name}\``, {
      details:
        'WASM ABI v0 needs memory, alloc, reset and run; a threaded kernel (one that imports env.memory) needs alloc, reset and runThread',
    })
  }
}

export class KernelForbiddenImportError extends BaseError {
  override readonly code = 'kernel/forbidden-import'

  constructor({ module, name, kind }: { module: string; name: string; kind: string }) {
    super(`Kernel imports ${kind} \`${module}.${name}\``, {
      details: 'WASM ABI v0 kernels may import only the function env.abort',
    })
  }
}

export class KernelNotLoadedError extends BaseError {
  override readonly code = 'kernel/not-loaded'

  constructor() {
    super('No kernel is loaded', { details: 'call load(kernel) before run(unit)' })
  }
}

export class KernelAbortError extends BaseError {
  override readonly code = 'kernel/abort'
  readonly abortMessage: string | undefined
  readonly fileName: string | undefined
  readonly line: number
  readonly column: number

  constructor(parameters: {
    message: string | undefined
    fileName: string | undefined
    line: number
    column: number
  }) {
    const { message, fileName, line, column } = parameters
    super('Kernel aborted', {
      details: `${message ?? '(no message)'} at ${fileName ?? '(unknown file)'}:${line}:${column}`,
    })
    this.abortMessage = message
    this.fileName = fileName
    this.line = line
    this.column = column
  }
}

export class KernelAllocFailedError extends BaseError {
  override readonly code = 'kernel/alloc-failed'

  constructor({ bytes, pointer }: { bytes: number; pointer: number }) {
    super(`Kernel could not allocate ${bytes} bytes`, {
      details: `alloc returned ${pointer}, outside the kernel's memory or 0`,
    })
  }
}

export class KernelRunFailedError extends BaseError {
  override readonly code = 'kernel/run-failed'
  readonly kernelCode: number

  constructor({ kernelCode }: { kernelCode: number }) {
    super(`Kernel run failed with code ${kernelCode}`)
    this.kernelCode = kernelCode
  }
}

export class KernelTrapError extends BaseError {
  override readonly code = 'kernel/trap'

  constructor({ cause }: { cause: unknown }) {
    super('Kernel trapped', { details: String(cause), cause })
  }
}

// Unit and pool errors: the work unit or the worker pool, not the kernel, is at fault.

export class UnitTimeLimitError extends BaseError {
  override readonly code = 'unit/time-limit'

  constructor({ timeLimitMs }: { timeLimitMs: number }) {
    super(`Unit ran longer than its ${timeLimitMs} ms limit`, {
      details: 'the worker was terminated and replaced',
    })
  }
}

export class UnitInvalidError extends BaseError {
  override readonly code = 'unit/invalid'

  constructor(details: string) {
    super('Invalid work unit', { details })
  }
}

export class WorkerCrashedError extends BaseError {
  override readonly code = 'worker/crashed'

  constructor(details: string) {
    super('Compute worker crashed', { details })
  }
}

export class PoolInvalidCpuShareError extends BaseError {
  override readonly code = 'pool/invalid-cpu-share'

  constructor({ share }: { share: number }) {
    super(`CPU share ${share} is not in 0.1..1`)
  }
}

export class PoolInvalidSizeError extends BaseError {
  override readonly code = 'pool/invalid-size'

  constructor({ size }: { size: number }) {
    super(`Pool size ${size} is not a positive integer`)
  }
}

export class PoolDisposedError extends BaseError {
  override readonly code = 'pool/disposed'

  constructor() {
    super('Worker pool was disposed')
  }
}

/**
 * A BaseError rebuilt on the far side of a worker boundary: the original class is not
 * available there, but `code`, `name`, `shortMessage` and `details` are.
 */
export class RemoteError extends BaseError {
  override readonly code: string

  constructor(serialized: SerializedError) {
    super(serialized.message, { details: serialized.details })
    this.code = serialized.code
    this.name = serialized.name
  }
}

export class KernelMemoryTooLargeError extends BaseError {
  override readonly code = 'kernel/memory-limit'

  constructor({ minimumBytes, limitBytes }: { minimumBytes: number; limitBytes: number }) {
    super('Kernel needs more memory than the job allows', {
      details: `its memory starts at ${minimumBytes} bytes; limits.memoryBytes is ${limitBytes}`,
    })
  }
}

export class KernelUnsupportedMemoryError extends BaseError {
  override readonly code = 'kernel/unsupported-memory'

  constructor(what: string) {
    super('Kernel memory is not a plain 32-bit linear memory', { details: what })
  }
}

export class UnitMemoryLimitError extends BaseError {
  override readonly code = 'unit/memory-limit'

  constructor(parameters: { limitBytes: number; usedBytes: number; cause: unknown }) {
    const { limitBytes, usedBytes, cause } = parameters
    super('Unit stopped at the memory limit', {
      details: `the kernel failed with ${usedBytes} of its ${limitBytes} bytes (limits.memoryBytes) in use: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    })
  }
}
