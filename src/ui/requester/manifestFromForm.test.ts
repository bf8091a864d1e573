import { describe, expect, test } from 'vitest'
import { ManifestError } from '../../tasks/errors.ts'
import { parseManifest } from '../../tasks/parseManifest.ts'
import {
  defaultManifestForm,
  manifestFromForm,
  type FormKernels,
  type ManifestForm,
} from './manifestFromForm.ts'

const sha = (c: string) => c.repeat(64)

const base: ManifestForm = defaultManifestForm()

const parse = (form: ManifestForm, kernels: FormKernels = { wasmSha256: sha('a') }) =>
  parseManifest(JSON.stringify(manifestFromForm(form, kernels)))

describe('manifestFromForm', () => {
  test('the form as it opens writes a valid manifest', () => {
    const manifest = parse(base, { wgslSha256: sha('b'), wasmSha256: sha('a') })
    expect(manifest.kernels.map((k) => k.kind)).toEqual(['wgsl', 'wasm'])
    expect(manifest.replication.quorum).toBe(2)
    expect(manifest.limits.memoryBytes).toBe(256 * 1024 * 1024)
  })

  test('params, quorum, memory and a reduction reach the manifest', () => {
    const manifest = parse({
      ...base,
      name: 'Monte Carlo pi',
      unitsMode: 'count',
      unitCount: 1000,
      outputMode: 'bytesPerUnit',
      assemble: 'sum-u32',
      params: [
        { name: 'seed', type: 'u32', value: 42 },
        { name: 'samples', type: 'u32', value: 1_000_000 },
        { name: 'scale', type: 'f64', value: 0.5 },
      ],
      quorum: 3,
      memoryMiB: 1,
    })
    expect(manifest.units).toEqual({ mode: 'count', unitCount: 1000 })
    expect(manifest.output.assemble).toEqual({ reduce: 'sum-u32' })
    expect(manifest.params.map((p) => [p.name, p.type, p.value])).toEqual([
      ['seed', 'u32', 42],
      ['samples', 'u32', 1_000_000],
      ['scale', 'f64', 0.5],
    ])
    expect(manifest.replication).toMatchObject({ quorum: 3, maxResults: 6 })
    expect(manifest.limits.memoryBytes).toBe(1024 * 1024)
  })

  test('a reduction chosen for per-unit output is not kept for per-item output', () => {
    const manifest = parse({ ...base, outputMode: 'bytesPerItem', assemble: 'max-f32' })
    expect(manifest.output.assemble).toBe('concat')
  })

  test('a bad parameter is reported by its path, as for a manifest written by hand', () => {
    const problem = (() => {
      try {
        parse({ ...base, params: [{ name: 'n', type: 'u32', value: -1 }], quorum: 11 })
      } catch (error) {
        return error
      }
    })()
    expect(problem).toBeInstanceOf(ManifestError)
    const paths = (problem as ManifestError).issues.map((issue) => issue.path)
    expect(paths).toEqual(expect.arrayContaining(['params[0].value', 'replication.quorum']))
  })
})
