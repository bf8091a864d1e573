import { BaseError } from '../../errors/BaseError.ts'

// WebGPU errors: this browser or device cannot run the unit; the kernel is not at fault.

export class WebGpuUnavailableError extends BaseError {
  override readonly code = 'webgpu/unavailable'

  constructor() {
    super('WebGPU is not available in this browser', {
      details: 'navigator.gpu is missing (an old browser, WebGPU disabled, or an insecure context)',
    })
  }
}

export class WebGpuNoAdapterError extends BaseError {
  override readonly code = 'webgpu/no-adapter'

  constructor({ powerPreference }: { powerPreference: GPUPowerPreference | undefined }) {
    super('No WebGPU adapter was found', {
      details: `requestAdapter({ powerPreference: ${powerPreference ?? 'default'} }) returned null`,
    })
  }
}

export class WebGpuFallbackAdapterError extends BaseError {
  override readonly code = 'webgpu/fallback-adapter'

  constructor({ vendor, architecture }: { vendor: string; architecture: string }) {
    super('The only WebGPU adapter is a software fallback', {
      details: `${vendor || 'unknown vendor'} ${architecture || 'unknown architecture'} runs on the CPU; pass allowFallbackAdapter to use it`,
    })
  }
}

export class WebGpuFeatureMissingError extends BaseError {
  override readonly code = 'webgpu/feature-missing'
  readonly feature: string

  constructor({ feature }: { feature: string }) {
    super(`The WebGPU adapter lacks the feature \`${feature}\``)
    this.feature = feature
  }
}

export class WebGpuLimitExceededError extends BaseError {
  override readonly code = 'webgpu/limit-exceeded'
  readonly limit: string
  readonly required: number
  readonly supported: number

  constructor({
    limit,
    required,
    supported,
  }: {
    limit: string
    required: number
    supported: number
  }) {
    const alignment = limit.startsWith('min')
    super(`The WebGPU limit ${limit} is too ${alignment ? 'coarse' : 'low'}`, {
      details: `needs ${alignment ? 'at most' : 'at least'} ${required}, the device supports ${supported}`,
    })
    this.limit = limit
    this.required = required
    this.supported = supported
  }
}

export class WebGpuDeviceRequestError extends BaseError {
  override readonly code = 'webgpu/device-request-failed'

  constructor({ cause }: { cause: unknown }) {
    super('The WebGPU adapter refused to create a device', { details: String(cause), cause })
  }
}

export class WebGpuDeviceLostError extends BaseError {
  override readonly code = 'webgpu/device-lost'
  readonly reason: string

  constructor({ reason, message }: { reason: string; message: string }) {
    super('The WebGPU device was lost', { details: `${reason}: ${message || '(no message)'}` })
    this.reason = reason
  }
}

export class WebGpuEngineDisposedError extends BaseError {
  override readonly code = 'webgpu/disposed'

  constructor() {
    super('The WebGPU engine was disposed')
  }
}

export class WebGpuValidationError extends BaseError {
  override readonly code = 'webgpu/validation'

  constructor({ label, message }: { label: string; message: string }) {
    super(`WebGPU refused the commands of ${label}`, { details: message })
  }
}

export class WebGpuOutOfMemoryError extends BaseError {
  override readonly code = 'webgpu/out-of-memory'

  constructor({ label, message }: { label: string; message: string }) {
    super(`The GPU ran out of memory running ${label}`, { details: message })
  }
}

// Kernel errors: the WGSL a job brought is wrong.

/** One message of `GPUShaderModule.getCompilationInfo()`, positions 1-based (0 when unknown). */
export type WgslMessage = {
  type: GPUCompilationMessageType
  line: number
  column: number
  message: string
}

export class KernelWgslCompileError extends BaseError {
  override readonly code = 'kernel/wgsl-compile'
  readonly messages: readonly WgslMessage[]

  constructor({ label, messages }: { label: string; messages: readonly WgslMessage[] }) {
    const errors = messages.filter((m) => m.type === 'error')
    super(
      `WGSL of ${label} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'})`,
      {
        details: errors.map((m) => `${m.line}:${m.column} ${m.message}`).join('\n'),
      },
    )
    this.messages = messages
  }
}

export class KernelWgslPipelineError extends BaseError {
  override readonly code = 'kernel/wgsl-pipeline'

  constructor({ label, cause }: { label: string; cause: unknown }) {
    super(`WGSL of ${label} compiles but cannot become a compute pipeline`, {
      details: `${cause instanceof Error ? cause.message : String(cause)} (check the entry point, the override constants workgroupSizeX/Y/Z and the bindings of group 0)`,
      cause,
    })
  }
}

export class WebGpuInvalidShareError extends BaseError {
  override readonly code = 'webgpu/invalid-share'

  constructor({ share }: { share: number }) {
    super(`GPU share ${share} is not in 0.1..1`)
  }
}
