import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import { packParams } from '../../tasks/packParams.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import { createFractalPackage, fractalCatalogueEntry, sampleFractalParams } from './catalogue.ts'
import { toFixed } from './fixedPoint.ts'
import source from './fractal.wgsl?raw'
import { fractalUnitCount, type FractalParams } from './params.ts'
import { fractalColor, fractalIterations, fractalReference } from './reference.ts'

const root = path.resolve(import.meta.dirname, '../../..')
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

// The `?url` import names the built kernel as the page would fetch it: read it from disk.
async function fetchWasm(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const file = path.join(root, new URL(url, 'http://localhost/').pathname)
  return new Uint8Array(await readFile(file))
}

describe('fractal catalogue entry', () => {
  test('the sample package validates and names both kernels by their hashes', async () => {
    const { manifest, wgsl, wasm, input } = await createFractalPackage({ fetchWasm })
    expect(fractalCatalogueEntry.id).toBe('fractal')
    expect(wgsl).toBe(source)
    expect(input).toBeUndefined()
    const built = await readFile(path.join(root, 'build/wasm/fractal.wasm'))
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
    expect(manifest.comparison).toEqual({ mode: 'exact' })
    const plan = planUnits(manifest, 0)
    expect(plan.unitCount).toBe(64)
    expect(plan.outputBytes(63)).toBe(256 * 192 * 4)
    expect(packParams(manifest.params)).toHaveLength(32)
  })

  test('present() shows the reference tiles as one image', async () => {
    const params: FractalParams = {
      centreX: toFixed(-0.75),
      centreY: 0,
      pixelSize: toFixed(3 / 32),
      width: 32,
      height: 24,
      tileWidth: 8,
      tileHeight: 6,
      maxIterations: 50,
    }
    const { manifest } = await createFractalPackage({ params, fetchWasm })
    const count = fractalUnitCount(params)
    expect(manifest.units).toEqual({ mode: 'count', unitCount: 16 })
    const tiles = Array.from({ length: count }, (_, index) =>
      fractalReference({ index, count, params }),
    )
    const presentation = fractalCatalogueEntry.present(
      assembleOutputs(manifest.output.assemble, tiles),
      manifest,
    )
    if (presentation.kind !== 'image') throw new Error('the fractal job shows an image')
    expect(presentation).toMatchObject({ width: 32, height: 24 })
    expect(presentation.caption).toContain('around −0.75 + 0i, 3 wide: 32×24 pixels in 16 tiles')
    // Pixel (px, py) of the image is c = −0.75 + (px − 16, 12 − py) · 3/32.
    const pixel = (px: number, py: number) =>
      new DataView(presentation.rgba.buffer).getUint32((py * 32 + px) * 4, true)
    for (const [px, py] of [
      [0, 0],
      [16, 12],
      [9, 17],
      [31, 23],
    ] as const) {
      const cx = toFixed(-0.75 + ((px - 16) * 3) / 32)
      const cy = toFixed(((12 - py) * 3) / 32)
      expect(pixel(px, py), `pixel ${px}, ${py}`).toBe(
        fractalColor(fractalIterations(cx, cy, 50), 50),
      )
    }
  })

  test('present() lays the 64 sample tiles out as one 2048×1536 image', async () => {
    const { manifest } = await createFractalPackage({ fetchWasm })
    const plan = planUnits(manifest, 0)
    // Each tile filled with its own index, so the picture shows where each one landed.
    const tiles = Array.from({ length: plan.unitCount }, (_, index) =>
      new Uint8Array(plan.outputBytes(index)).fill(index),
    )
    const presentation = fractalCatalogueEntry.present(
      assembleOutputs(manifest.output.assemble, tiles),
      manifest,
    )
    if (presentation.kind !== 'image') throw new Error('the fractal job shows an image')
    expect(presentation).toMatchObject({ width: 2048, height: 1536 })
    expect(presentation.rgba).toHaveLength(2048 * 1536 * 4)
    const tileAt = (px: number, py: number) => presentation.rgba[(py * 2048 + px) * 4]
    expect(tileAt(0, 0)).toBe(0)
    expect(tileAt(255, 191)).toBe(0)
    expect(tileAt(256, 0)).toBe(1)
    expect(tileAt(2047, 0)).toBe(7)
    expect(tileAt(0, 192)).toBe(8)
    expect(tileAt(256 * 3 + 17, 192 * 2 + 100)).toBe(19)
    expect(tileAt(2047, 1535)).toBe(63)
    expect(presentation.caption).toBe(
      'The Mandelbrot set around −0.7453 + 0.1127i, 0.02 wide: 2048×1536 pixels in 64 tiles, up to 1024 iterations (black: inside)',
    )
    expect(sampleFractalParams.maxIterations).toBe(1024)
  })
})
