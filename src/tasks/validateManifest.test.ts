import { describe, expect, test } from 'vitest'
import { ManifestError } from './errors.ts'
import type { ManifestInput } from './manifestSchema.ts'
import { parseManifest } from './parseManifest.ts'
import { piWasmManifest, scaleWgslManifest } from './testManifests.ts'
import { validateManifest } from './validateManifest.ts'

function issuesOf(value: unknown): { path: string; message: string }[] {
  try {
    validateManifest(value)
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError)
    expect((error as ManifestError).code).toBe('task/invalid-manifest')
    return [...(error as ManifestError).issues]
  }
  throw new Error('the manifest was accepted')
}

/** A copy of `base` with the value at a dotted path replaced (undefined deletes it). */
function edit(base: object, path: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>
  const keys = path.split('.')
  const last = keys.pop() ?? ''
  let target: Record<string, unknown> = copy
  for (const key of keys) target = target[key] as Record<string, unknown>
  if (value === undefined) delete target[last]
  else target[last] = value
  return copy
}

describe('validateManifest', () => {
  test('accepts the WGSL example and fills in defaults', () => {
    const manifest = validateManifest(scaleWgslManifest)
    expect(manifest.kernels[0]).toEqual({
      kind: 'wgsl',
      sha256: 'a'.repeat(64),
      entry: 'main',
      workgroupSize: [64, 1, 1],
      elementsPerInvocation: 1,
    })
    expect(manifest.replication).toEqual({ quorum: 2, maxResults: 5, maxErrors: 4 })
  })

  test('accepts the WASM example and fills in defaults', () => {
    const manifest = validateManifest(piWasmManifest)
    expect(manifest.comparison).toEqual({ mode: 'exact' })
    expect(manifest.limits).toEqual({ timeLimitMs: 30_000, memoryBytes: 256 * 1024 * 1024 })
    expect(manifest.replication.quorum).toBe(2)
  })

  test.each<[string, unknown, string, string]>([
    ['manifestVersion', 2, 'manifestVersion', 'Use 1.'],
    ['manifestVersion', undefined, 'manifestVersion', 'Required.'],
    ['name', '', 'name', 'Must be at least 1 characters.'],
    ['name', 'a\u0007b', 'name', 'Control characters are not allowed.'],
    ['kernels', [], 'kernels', 'Give at least 1 items.'],
    [
      'kernels',
      [{ kind: 'glsl', sha256: 'a'.repeat(64) }],
      'kernels[0].kind',
      'Use "wgsl", or "wasm".',
    ],
    [
      'kernels',
      [{ kind: 'wasm', sha256: 'ABC' }],
      'kernels[0].sha256',
      'Use the SHA-256 of the kernel file as 64 lowercase hex digits.',
    ],
    [
      'kernels',
      [{ kind: 'wasm', sha256: 'a'.repeat(64), entry: 'run' }],
      'kernels[0].entry',
      'Unknown field.',
    ],
    [
      'kernels',
      [{ kind: 'wgsl', sha256: 'a'.repeat(64) }],
      'kernels[0].workgroupSize',
      'Required.',
    ],
    [
      'kernels',
      [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [1, 1, 1, 1] }],
      'kernels[0].workgroupSize',
      'Give at most 3 items.',
    ],
    [
      'kernels',
      [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [512] }],
      'kernels[0].workgroupSize[0]',
      'Must be at most 256.',
    ],
    [
      'kernels',
      [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [64], entry: '1x' }],
      'kernels[0].entry',
      'Use an identifier: a letter or "_", then letters, digits or "_" (64 characters at most).',
    ],
    ['units', { mode: 'spilt' }, 'units.mode', 'Use "split", or "count".'],
    [
      'units',
      { mode: 'split', itemBytes: 0, itemsPerUnit: 1 },
      'units.itemBytes',
      'Must be at least 1.',
    ],
    [
      'units',
      { mode: 'split', itemBytes: 1.5, itemsPerUnit: 1 },
      'units.itemBytes',
      'Must be an integer.',
    ],
    [
      'units',
      { mode: 'split', itemBytes: '4', itemsPerUnit: 1 },
      'units.itemBytes',
      'Must be a number.',
    ],
    ['units', { mode: 'split', itemBytes: 4 }, 'units.itemsPerUnit', 'Required.'],
    [
      'units',
      { mode: 'count', unitCount: 10_000_001 },
      'units.unitCount',
      'Must be at most 10000000.',
    ],
    ['units', { mode: 'count', unitCount: 1, itemBytes: 4 }, 'units.itemBytes', 'Unknown field.'],
    [
      'params',
      [{ name: 'n', type: 'u64', value: 1 }],
      'params[0].type',
      'Use "u32", or "i32", or "f32", or "f64".',
    ],
    ['params', [{ name: 'n', type: 'u32', value: -1 }], 'params[0].value', 'Must be at least 0.'],
    [
      'params',
      [{ name: 'n', type: 'u32', value: 2 ** 32 }],
      'params[0].value',
      'Must be at most 4294967295.',
    ],
    [
      'params',
      [{ name: 'n', type: 'i32', value: 2 ** 31 }],
      'params[0].value',
      'Must be at most 2147483647.',
    ],
    [
      'params',
      [{ name: 'x', type: 'f32', value: 1e39 }],
      'params[0].value',
      'Must be within ±3.4028234663852886e+38 (f32).',
    ],
    [
      'params',
      [{ name: 'my-param', type: 'f64', value: 1 }],
      'params[0].name',
      'Use an identifier: a letter or "_", then letters, digits or "_" (64 characters at most).',
    ],
    [
      'params',
      Array.from({ length: 65 }, (_, i) => ({ name: `p${i}`, type: 'u32', value: 0 })),
      'params',
      'Give at most 64 items.',
    ],
    ['output', { bytesPerItem: 4, extra: 1 }, 'output.extra', 'Unknown field.'],
    [
      'output',
      { bytesPerItem: 4, assemble: 'join' },
      'output.assemble',
      'Does not match any allowed form.',
    ],
    [
      'output',
      { bytesPerItem: 4, assemble: { reduce: 'sum' } },
      'output.assemble.reduce',
      expect.stringMatching(/^Use "sum-u32", or /) as unknown as string,
    ],
    ['output', { maxBytesPerUnit: 2 }, 'output.maxBytesPerUnit', 'Must be at least 4.'],
    [
      'output',
      { bytesPerUnit: 64 * 1024 * 1024 },
      'output.bytesPerUnit',
      'Must be at most 33554432.',
    ],
    [
      'comparison',
      { mode: 'float', elementType: 'f16', absolute: 0, relative: 0 },
      'comparison.elementType',
      'Use "f32", or "f64".',
    ],
    [
      'comparison',
      { mode: 'float', elementType: 'f32', absolute: -1, relative: 0 },
      'comparison.absolute',
      'Must be at least 0.',
    ],
    [
      'comparison',
      { mode: 'float', elementType: 'f32', absolute: 0 },
      'comparison.relative',
      'Required.',
    ],
    ['comparison', { mode: 'exact', absolute: 0 }, 'comparison.absolute', 'Unknown field.'],
    ['replication', { quorum: 0 }, 'replication.quorum', 'Must be at least 1.'],
    ['replication', { quorum: 2, maxResults: 17 }, 'replication.maxResults', 'Must be at most 16.'],
    ['limits', { timeLimitMs: 50 }, 'limits.timeLimitMs', 'Must be at least 100.'],
    ['limits', { memoryBytes: 2 ** 31 }, 'limits.memoryBytes', 'Must be at most 1073741824.'],
    ['extra', true, 'extra', 'Unknown field.'],
  ])('schema: %s = %j is reported at %s', (field, value, path, message) => {
    expect(issuesOf(edit(scaleWgslManifest, field, value))).toContainEqual({ path, message })
  })

  test.each<[string, (m: Record<string, unknown>) => void, string, string]>([
    [
      'two kernels of a kind',
      (m) =>
        (m.kernels = [
          { kind: 'wasm', sha256: 'b'.repeat(64) },
          { kind: 'wasm', sha256: 'c'.repeat(64) },
        ]),
      'kernels[1].kind',
      'Give at most one wasm kernel.',
    ],
    [
      'z above 64',
      (m) => (m.kernels = [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [1, 1, 128] }]),
      'kernels[0].workgroupSize',
      'Must be at most [256, 256, 64] with at most 256 invocations in all.',
    ],
    [
      'more than 256 invocations',
      (m) => (m.kernels = [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [32, 16] }]),
      'kernels[0].workgroupSize',
      'Must be at most [256, 256, 64] with at most 256 invocations in all.',
    ],
    [
      'too many workgroups',
      (m) => {
        m.kernels = [{ kind: 'wgsl', sha256: 'a'.repeat(64), workgroupSize: [1] }]
        m.output = { bytesPerUnit: 4 * 65536 }
        m.units = { mode: 'count', unitCount: 1 }
      },
      'kernels[0].workgroupSize',
      "A unit would need 65536 workgroups, more than WebGPU's 65535: raise workgroupSize or elementsPerInvocation.",
    ],
    [
      'a repeated parameter name',
      (m) =>
        (m.params = [
          { name: 'a', type: 'f32', value: 1 },
          { name: 'a', type: 'u32', value: 1 },
        ]),
      'params[1].name',
      'Another parameter is named a.',
    ],
    [
      'f64 with WGSL',
      (m) => (m.params = [{ name: 'a', type: 'f64', value: 1 }]),
      'params[0].type',
      'WGSL has no f64: use f32, or drop the WGSL kernel.',
    ],
    [
      'no output size',
      (m) => (m.output = {}),
      'output',
      'Give exactly one of bytesPerUnit, bytesPerItem and maxBytesPerUnit.',
    ],
    [
      'two output sizes',
      (m) => (m.output = { bytesPerUnit: 4, bytesPerItem: 4 }),
      'output',
      'Give exactly one of bytesPerUnit, bytesPerItem and maxBytesPerUnit.',
    ],
    [
      'bytesPerItem with count units',
      (m) => (m.units = { mode: 'count', unitCount: 4 }),
      'output.bytesPerItem',
      'Only split units have items: use bytesPerUnit.',
    ],
    [
      'a reduction of variable outputs',
      (m) => (m.output = { maxBytesPerUnit: 64, assemble: { reduce: 'sum-f32' } }),
      'output.assemble',
      'A reduction needs the same size from every unit: use bytesPerUnit.',
    ],
    [
      'a reduction of part of an element',
      (m) => {
        m.kernels = [{ kind: 'wasm', sha256: 'b'.repeat(64) }]
        m.comparison = { mode: 'exact' }
        m.output = { bytesPerUnit: 12, assemble: { reduce: 'sum-f64' } }
      },
      'output.bytesPerUnit',
      'Must be a multiple of 8 bytes for sum-f64.',
    ],
    [
      'a reduction in another type than compared',
      (m) => (m.output = { bytesPerUnit: 16, assemble: { reduce: 'max-u32' } }),
      'comparison.elementType',
      'Must be the type the output is reduced in (u32).',
    ],
    [
      'float comparison of part of an element',
      (m) => {
        m.kernels = [{ kind: 'wasm', sha256: 'b'.repeat(64) }]
        m.output = { bytesPerItem: 6 }
      },
      'output.bytesPerItem',
      'Must be a multiple of 4 bytes to compare f32 elements.',
    ],
    [
      'WGSL output not in words',
      (m) => {
        m.comparison = { mode: 'exact' }
        m.output = { maxBytesPerUnit: 10 }
      },
      'output.maxBytesPerUnit',
      'WGSL kernels write 4-byte words: must be a multiple of 4.',
    ],
    [
      'too much input per unit',
      (m) => (m.units = { mode: 'split', itemBytes: 1024, itemsPerUnit: 65536 }),
      'units.itemsPerUnit',
      'A unit would hold 67108864 bytes of input, more than 33554432.',
    ],
    [
      'too much output per unit',
      (m) => (m.output = { bytesPerItem: 1024 }),
      'output.bytesPerItem',
      'A unit would write 67108864 bytes, more than 33554432.',
    ],
    [
      'a unit larger than its memory',
      (m) => {
        m.units = { mode: 'split', itemBytes: 4, itemsPerUnit: 262144 }
        m.limits = { memoryBytes: 2 * 1024 * 1024 }
      },
      'limits.memoryBytes',
      'A unit needs 2097168 bytes for its input, output and parameters alone.',
    ],
    [
      'count units with too much output',
      (m) => {
        m.units = { mode: 'count', unitCount: 100_000 }
        m.output = { bytesPerUnit: 65536 }
      },
      'units.unitCount',
      'The assembled output could reach 6553600000 bytes, more than 1073741824.',
    ],
    [
      'maxResults below the quorum',
      (m) => (m.replication = { quorum: 3, maxResults: 2 }),
      'replication.maxResults',
      'Must be at least the quorum (3).',
    ],
  ])('cross-field: %s', (_, change, path, message) => {
    const manifest = structuredClone(scaleWgslManifest) as Record<string, unknown>
    change(manifest)
    expect(issuesOf(manifest)).toContainEqual({ path, message })
  })

  test('a unit larger than its memory passes with the memory it needs', () => {
    const manifest: ManifestInput = {
      ...scaleWgslManifest,
      units: { mode: 'split', itemBytes: 4, itemsPerUnit: 262144 },
      limits: { memoryBytes: 2097168 },
    }
    expect(() => validateManifest(manifest)).not.toThrow()
  })

  test('lists every problem at once, with details by path', () => {
    const error = (() => {
      try {
        validateManifest({ manifestVersion: 1, name: 'x', kernels: [], units: {}, output: {} })
      } catch (error) {
        return error as ManifestError
      }
    })()
    expect(error?.issues.map((issue) => issue.path)).toEqual(['kernels', 'units.mode'])
    expect(error?.message).toContain('kernels: Give at least 1 items.')
  })

  test('a manifest that is not an object', () => {
    expect(issuesOf([])).toEqual([{ path: '', message: 'Must be an object.' }])
  })

  test('parseManifest reports JSON syntax errors', () => {
    expect(() => parseManifest('{"manifestVersion": 1,')).toThrow(ManifestError)
    expect(() => parseManifest('{"manifestVersion": 1,')).toThrow(/Not valid JSON/)
    expect(parseManifest(JSON.stringify(piWasmManifest)).name).toBe('Monte Carlo pi (WASM)')
  })
})
