import type { WasmUnit, WasmUnitResult } from '../kernels/wasmAbi.ts'

/**
 * What runs units of one engine on this device: the WorkerPool for WASM kernels, the
 * GpuUnitRunner for WGSL kernels. `K` is the kernel as that engine loads it.
 */
export type UnitRunner<K> = {
  /** Units it runs at once. */
  readonly size: number
  load(kernel: K): Promise<void>
  run(unit: WasmUnit, options: { timeLimitMs: number }): Promise<WasmUnitResult>
}
