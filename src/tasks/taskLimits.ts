/**
 * Caps every job manifest is held to. They follow from the wire and the devices: a unit's
 * input and output each travel in one protocol message (64 MiB at most, header included), a
 * WebGPU device guarantees 128 MiB storage bindings and 65535 workgroups per dimension, and a
 * phone should be able to hold a unit in memory.
 */
export const taskLimits = {
  maxUnits: 10_000_000,
  maxUnitInputBytes: 32 * 1024 * 1024,
  maxUnitOutputBytes: 32 * 1024 * 1024,
  /** Whole input file; read and hashed in the requester's tab. */
  maxInputBytes: 2 * 1024 * 1024 * 1024,
  /** Assembled output, held in the requester's tab before download. */
  maxJobOutputBytes: 1024 * 1024 * 1024,
  maxParams: 64,
  minTimeLimitMs: 100,
  maxTimeLimitMs: 600_000,
  defaultTimeLimitMs: 30_000,
  minMemoryBytes: 1024 * 1024,
  maxMemoryBytes: 1024 * 1024 * 1024,
  defaultMemoryBytes: 256 * 1024 * 1024,
  defaultQuorum: 2,
  maxQuorum: 10,
  maxResultsPerUnit: 16,
  defaultMaxErrorsPerUnit: 4,
  maxErrorsPerUnit: 16,
  /** WebGPU's guaranteed minimums (`maxComputeWorkgroupSize*`, `maxComputeInvocationsPerWorkgroup`). */
  maxWorkgroupSize: [256, 256, 64],
  maxWorkgroupInvocations: 256,
  maxWorkgroupsPerDimension: 65_535,
} as const
