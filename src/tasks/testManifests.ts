import type { ManifestInput } from './manifestSchema.ts'

/** Manifests shared by the tests: the worked examples of docs/task-api.md. */
export const scaleWgslManifest = {
  manifestVersion: 1,
  name: 'Scale and offset (WGSL)',
  kernels: [
    { kind: 'wgsl', sha256: 'a'.repeat(64), entry: 'main', workgroupSize: [64] },
    { kind: 'wasm', sha256: 'b'.repeat(64) },
  ],
  units: { mode: 'split', itemBytes: 4, itemsPerUnit: 65536 },
  params: [
    { name: 'a', type: 'f32', value: 2 },
    { name: 'b', type: 'f32', value: 0.5 },
  ],
  output: { bytesPerItem: 4, assemble: 'concat' },
  comparison: { mode: 'float', elementType: 'f32', absolute: 1e-6, relative: 1e-6 },
  replication: { quorum: 2 },
  limits: { timeLimitMs: 10000, memoryBytes: 16777216 },
} satisfies ManifestInput

export const piWasmManifest = {
  manifestVersion: 1,
  name: 'Monte Carlo pi (WASM)',
  kernels: [{ kind: 'wasm', sha256: 'c'.repeat(64) }],
  units: { mode: 'count', unitCount: 1000 },
  params: [
    { name: 'seed', type: 'u32', value: 42 },
    { name: 'samples', type: 'u32', value: 1000000 },
  ],
  output: { bytesPerUnit: 4, assemble: { reduce: 'sum-u32' } },
} satisfies ManifestInput
