import { describe, expect, test } from 'vitest'
import { demoMandelbrotParams, type MandelbrotParams } from './params.ts'
import {
  assembleTiles,
  mandelbrotColor,
  mandelbrotIterations,
  renderMandelbrot,
  renderMandelbrotTile,
} from './reference.ts'

const small: MandelbrotParams = {
  ...demoMandelbrotParams,
  width: 100,
  height: 70,
  tileWidth: 32,
  tileHeight: 24,
  maxIterations: 256,
}

describe('Mandelbrot reference', () => {
  test('points inside the set are opaque black, points far outside escape at once', () => {
    expect(mandelbrotIterations(0, 0, 100)).toBe(100)
    expect(mandelbrotColor(100, 100)).toBe(0xff000000)
    expect(mandelbrotIterations(3, 3, 100)).toBe(1)
    expect(mandelbrotColor(0, 100)).toBe(0xff640700)
  })

  test('the palette stays within bytes and is opaque', () => {
    for (let i = 0; i < 64; i++) {
      const color = mandelbrotColor(i, 1000)
      expect(color >>> 24).toBe(0xff)
      expect(color).toBe(color >>> 0)
    }
  })

  test('the image does not depend on the tiling', () => {
    const oneTile = renderMandelbrotTile({ ...small, tileWidth: 100, tileHeight: 70 }, 0)
    expect(Buffer.compare(renderMandelbrot(small), oneTile)).toBe(0)
  })

  test('pixels of an edge tile outside the image stay 0', () => {
    const corner = renderMandelbrotTile(small, 11)
    // Tile 11 covers x 96..127, y 48..71; the image ends at x 100, y 70.
    const pixel = (x: number, y: number) => corner.subarray((y * 32 + x) * 4, (y * 32 + x + 1) * 4)
    expect([...pixel(3, 21)].at(3)).toBe(0xff)
    expect([...pixel(4, 0)]).toEqual([0, 0, 0, 0])
    expect([...pixel(0, 22)]).toEqual([0, 0, 0, 0])
  })

  test('assembleTiles refuses a wrong tile count or size', () => {
    expect(() => assembleTiles(small, [])).toThrow(
      expect.objectContaining({ code: 'mandelbrot/invalid-tile' }),
    )
    const tiles = Array.from({ length: 12 }, () => new Uint8Array(32 * 24 * 4))
    tiles[5] = new Uint8Array(7)
    expect(() => assembleTiles(small, tiles)).toThrow(
      expect.objectContaining({ code: 'mandelbrot/invalid-tile' }),
    )
  })

  test('renderMandelbrotTile refuses a unit outside the job', () => {
    expect(() => renderMandelbrotTile(small, 12)).toThrow(
      expect.objectContaining({ code: 'mandelbrot/invalid-tile' }),
    )
  })
})
