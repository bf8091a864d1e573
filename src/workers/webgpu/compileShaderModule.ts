import { KernelWgslCompileError, type WgslMessage } from './errors.ts'

export type CompiledShader = {
  module: GPUShaderModule
  /** Warnings and notes from the compiler; errors are thrown instead. */
  messages: readonly WgslMessage[]
}

/**
 * Compiles WGSL and throws `kernel/wgsl-compile` with every error's line and column, as a
 * requester needs them next to the kernel they uploaded.
 *
 * @example
 * const { module } = await compileShaderModule(device, source, 'matmul')
 */
export async function compileShaderModule(
  device: GPUDevice,
  source: string,
  label: string,
): Promise<CompiledShader> {
  // Chromium also reports an invalid module as an uncaptured error on the console; the scope
  // swallows it, getCompilationInfo says the same with positions.
  device.pushErrorScope('validation')
  const module = device.createShaderModule({ label: `${label} shader`, code: source })
  device.popErrorScope().catch(() => null)
  const info = await module.getCompilationInfo()
  const messages = info.messages.map((m): WgslMessage => ({
    type: m.type,
    line: m.lineNum,
    column: m.linePos,
    message: m.message,
  }))
  if (messages.some((m) => m.type === 'error'))
    throw new KernelWgslCompileError({ label, messages })
  return { module, messages }
}
