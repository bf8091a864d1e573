import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { createMatmulBatchPackage, matmulCatalogueEntry, presentMatmulBatch } from './catalogue.ts'
import { createMatmulSampleInput } from './createMatmulSampleInput.ts'
import { matmulBatchReference } from './matmulBatchReference.ts'
import source from './matmulBatch.wgsl?raw'

const root = path.resolve(import.meta.dirname, '../../..')
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

// The `?url` import names the built kernel as the page would fetch it: read it from disk.
async function fetchWasm(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const file = path.join(root, new URL(url, 'http://localhost/').pathname)
  return new Uint8Array(await readFile(file))
}

describe('matmul catalogue entry', () => {
  test('the sample package validates, names both kernels by their hashes and cuts 13 units', async () => {
    const { manifest, wgsl, wasm, input } = await createMatmulBatchPackage({ fetchWasm })
    expect(matmulCatalogueEntry.id).toBe('matmul')
    expect(wgsl).toBe(source)
    const built = await readFile(path.join(root, 'build/wasm/matmulBatch.wasm'))
    expect(wasm).toEqual(new Uint8Array(built))
    expect(manifest.kernels).toEqual([
      {
        kind: 'wgsl',
        sha256: sha256(source),
        entry: 'main',
        workgroupSize: [64, 1, 1],
        elementsPerInvocation: 1,
      },
      { kind: 'wasm', sha256: sha256(built) },
    ])
    expect(manifest.units).toEqual({ mode: 'split', itemBytes: 32768, itemsPerUnit: 8 })
    expect(manifest.comparison).toEqual({
      mode: 'float',
      elementType: 'f32',
      absolute: 1e-3,
      relative: 1e-4,
    })
    const bytes = new Uint8Array(await input!.arrayBuffer())
    // A hash: toEqual walks 3 MB element by element.
    expect(sha256(bytes)).toBe(sha256(createMatmulSampleInput({ n: 64, pairs: 100 })))
    const plan = planUnits(manifest, bytes.length)
    expect(plan.unitCount).toBe(13)
    expect(plan.outputBytes(0)).toBe(8 * 16384)
    expect(plan.outputBytes(12)).toBe(4 * 16384)
  })

  test('present() describes the reference products of the sample', async () => {
    const { manifest, input } = await createMatmulBatchPackage({ fetchWasm })
    const bytes = new Uint8Array(await input!.arrayBuffer())
    const plan = planUnits(manifest, bytes.length)
    const results = Array.from({ length: plan.unitCount }, (_, index) => {
      const { start, end } = plan.inputRange(index)
      return matmulBatchReference({ input: bytes.subarray(start, end), n: 64 })
    })
    const output = assembleOutputs(manifest.output.assemble, results)
    const presentation = matmulCatalogueEntry.present(output, manifest)
    if (presentation.kind !== 'text') throw new Error('the matmul job shows text')
    const c = new DataView(output.buffer)
    const [shape, firstRow, largest, expected] = presentation.lines
    expect(shape).toBe('100 products C = A × B of 64×64 f32 matrices')
    expect(firstRow).toContain(c.getFloat32(0, true).toFixed(4).replace('-', '−'))
    expect(largest).toMatch(
      /^largest \|entry\| \d+\.\d{4} \(product \d+, row \d+, column \d+\); root mean square 2\.\d{4}$/,
    )
    expect(expected).toContain('√(n/9) = 2.6667')
  })

  test('present() says so when the output is not whole matrices', async () => {
    const { manifest } = await createMatmulBatchPackage({
      shape: { n: 2, pairs: 1, pairsPerUnit: 1 },
      fetchWasm,
    })
    expect(presentMatmulBatch(new Uint8Array(12), manifest)).toEqual({
      kind: 'text',
      lines: ['12 bytes that are not whole 2×2 f32 matrices'],
    })
    const identity = new Uint8Array(new Float32Array([1, 0, 0, -1]).buffer)
    const { lines } = presentMatmulBatch(identity, manifest) as { lines: string[] }
    expect(lines.slice(0, 3)).toEqual([
      '1 product C = A × B of 2×2 f32 matrices',
      'C₁ row 1 starts 1.0000, 0.0000',
      'largest |entry| 1.0000 (product 1, row 1, column 1); root mean square 0.7071',
    ])
  })
})
