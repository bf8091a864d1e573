/** What runs units on this device: the WorkerPool in a browser. */
export type UnitRunner = {
  readonly size: number
  load(kernel: { bytes: ArrayBuffer; sha256: string }): Promise<void>
  run(
    unit: {
      index: number
      count: number
      params: Uint8Array
      input: Uint8Array
      outputBytes: number
    },
    options: { timeLimitMs: number },
  ): Promise<{ output: Uint8Array; kernelMs: number }>
}
