import { describe, expect, test } from 'vitest'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { buildTestKernel } from '../workers/compute/testKernels.ts'
import { checkUpload } from './checkUpload.ts'

const wasm = buildTestKernel({ run: 'echo' })
const wgsl = '@compute @workgroup_size(64) fn main() {}'
const text = (value: string) => new Blob([value])

async function manifest(overrides: Record<string, unknown> = {}): Promise<string> {
  return JSON.stringify({
    manifestVersion: 1,
    name: 'upload test',
    kernels: [
      {
        kind: 'wgsl',
        sha256: await sha256Hex(new TextEncoder().encode(wgsl)),
        workgroupSize: [64],
      },
      { kind: 'wasm', sha256: await sha256Hex(wasm) },
    ],
    units: { mode: 'split', itemBytes: 4, itemsPerUnit: 16 },
    output: { bytesPerItem: 4 },
    ...overrides,
  })
}

describe('checkUpload', () => {
  test('a complete, consistent upload becomes a package', async () => {
    const input = new Blob([new Uint8Array(4 * 40)])
    const checked = await checkUpload({
      manifestText: await manifest(),
      wgsl: text(wgsl),
      wasm: new Blob([wasm]),
      input,
    })
    expect(checked.ok).toBe(true)
    if (!checked.ok) return
    expect(checked.package.wgsl).toBe(wgsl)
    expect(checked.package.wasm).toEqual(wasm)
    expect(checked.package.input).toBe(input)
  })

  test('manifest problems come by path, on the manifest field', async () => {
    const checked = await checkUpload({
      manifestText: await manifest({ units: { mode: 'split', itemBytes: 0, itemsPerUnit: 1 } }),
    })
    expect(checked).toEqual({
      ok: false,
      problems: { manifest: [expect.stringMatching(/^units\.itemBytes: /)] },
    })
    const broken = await checkUpload({ manifestText: '{ "manifestVersion": 1,' })
    expect(broken).toMatchObject({
      ok: false,
      problems: { manifest: [expect.stringMatching(/Not valid JSON/)] },
    })
  })

  test('a kernel file that is not the one the manifest names, or is missing, is named', async () => {
    const other = buildTestKernel({ run: 'trap' })
    const checked = await checkUpload({
      manifestText: await manifest(),
      wasm: new Blob([other]),
      input: new Blob([new Uint8Array(8)]),
    })
    expect(checked).toMatchObject({
      ok: false,
      problems: {
        wgsl: [expect.stringMatching(/names a wgsl kernel .*choose its file/)],
        wasm: [
          expect.stringMatching(
            `SHA-256 is ${await sha256Hex(other)}, but kernels\\[1\\]\\.sha256`,
          ),
        ],
      },
    })
  })

  test('a WASM module that breaks the ABI gets the ABI problem', async () => {
    const missing = buildTestKernel({ run: 'echo', omitExport: 'alloc' })
    const text1 = await manifest({ kernels: [{ kind: 'wasm', sha256: await sha256Hex(missing) }] })
    const checked = await checkUpload({
      manifestText: text1,
      wasm: new Blob([missing]),
      input: new Blob([new Uint8Array(8)]),
    })
    expect(checked).toMatchObject({
      ok: false,
      problems: { wasm: [expect.stringMatching(/does not export function `alloc`/)] },
    })
    const garbage = new TextEncoder().encode('not wasm at all')
    const text2 = await manifest({ kernels: [{ kind: 'wasm', sha256: await sha256Hex(garbage) }] })
    const invalid = await checkUpload({
      manifestText: text2,
      wasm: new Blob([garbage]),
      input: new Blob([new Uint8Array(8)]),
    })
    expect(invalid).toMatchObject({
      ok: false,
      problems: { wasm: [expect.stringMatching(/Not a valid WebAssembly module/)] },
    })
  })

  test('WGSL: a workgroup size other than the manifest, and compile errors from the device', async () => {
    const source = '@compute @workgroup_size(32) fn main() {}'
    const sha256 = await sha256Hex(new TextEncoder().encode(source))
    const checked = await checkUpload(
      {
        manifestText: await manifest({ kernels: [{ kind: 'wgsl', sha256, workgroupSize: [64] }] }),
        wgsl: text(source),
        input: new Blob([new Uint8Array(8)]),
      },
      {
        compileWgsl: async () => {
          throw Object.assign(new Error('x'), {
            shortMessage: 'WGSL of kernel does not compile (1 error)',
            details: '3:7 unresolved identifier',
          })
        },
      },
    )
    expect(checked).toMatchObject({
      ok: false,
      problems: {
        wgsl: [
          expect.stringMatching(
            /@workgroup_size is \(32, 1, 1\), but the manifest says \[64, 1, 1\]/,
          ),
          'WGSL of kernel does not compile (1 error): 3:7 unresolved identifier',
        ],
      },
    })
  })

  test('an input that does not divide into items is refused on the input field', async () => {
    const checked = await checkUpload({
      manifestText: await manifest(),
      wgsl: text(wgsl),
      wasm: new Blob([wasm]),
      input: new Blob([new Uint8Array(10)]),
    })
    expect(checked).toEqual({
      ok: false,
      problems: {
        input: [expect.stringMatching(/not a multiple of itemBytes \(4\): 2 bytes are left over/)],
      },
    })
  })
})
