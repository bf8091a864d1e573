import { describe, expect, test } from 'vitest'
import { assembleFractalImage } from './assembleFractalImage.ts'
import { fixedOne, fromFixed, mulShift, toFixed } from './fixedPoint.ts'
import {
  assertFractalParams,
  fractalManifestParams,
  fractalParamsFromManifest,
  fractalUnitCount,
  type FractalParams,
} from './params.ts'
import {
  fractalColor,
  fractalIterations,
  fractalPixelPoint,
  fractalReference,
} from './reference.ts'

/** mulShift by BigInt: the exact product, floored, wrapped to i32. */
function mulShiftBigInt(a: number, b: number, shift: number): number {
  return Number(BigInt.asIntN(32, (BigInt(a) * BigInt(b)) >> BigInt(shift)))
}

/** Deterministic i32 values (xorshift32), so a failure reproduces. */
function randomI32s(count: number, seed: number): number[] {
  let state = seed
  return Array.from({ length: count }, () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state | 0
  })
}

/** The textbook escape-time loop in float64: an independent estimate of the count. */
function floatIterations(cx: number, cy: number, maxIterations: number): number {
  let x = 0
  let y = 0
  let i = 0
  while (i < maxIterations && x * x + y * y <= 4) {
    ;[x, y] = [x * x - y * y + cx, 2 * x * y + cy]
    i++
  }
  return i
}

const rgba = (pixel: number) => [
  pixel & 255,
  (pixel >>> 8) & 255,
  (pixel >>> 16) & 255,
  pixel >>> 24,
]

describe('Q4.28 fixed point', () => {
  test('converts to and from numbers', () => {
    expect(toFixed(1)).toBe(fixedOne)
    expect(toFixed(-0.75)).toBe(-201326592)
    expect(fromFixed(toFixed(0.1127))).toBeCloseTo(0.1127, 8)
    expect(() => toFixed(8)).toThrow(RangeError)
    expect(toFixed(-8)).toBe(-0x80000000)
  })

  test('mulShift equals the exact 64-bit product shifted, at the extremes and at random', () => {
    const extremes = [0, 1, -1, 0xffff, 0x10000, -0x10000, 0x7fffffff, -0x80000000, 0x12345678]
    const values = [...extremes, ...randomI32s(400, 2463534242)]
    for (const shift of [16, 27, 28, 31]) {
      for (let i = 0; i < values.length; i++) {
        const a = values[i]!
        for (const b of [values[(i * 7 + 3) % values.length]!, ...extremes]) {
          if (mulShift(a, b, shift) !== mulShiftBigInt(a, b, shift))
            expect(mulShift(a, b, shift), `${a} · ${b} >> ${shift}`).toBe(
              mulShiftBigInt(a, b, shift),
            )
        }
      }
    }
    expect(mulShift(3 << 28, 1 << 27, 28)).toBe(toFixed(1.5))
    // Floored, not truncated: -1 · 2^-28 · 0.5 rounds down to -2^-28.
    expect(mulShift(-1, 1 << 27, 28)).toBe(-1)
  })
})

describe('escape iterations', () => {
  test('known points', () => {
    // Inside: the centre, the period-2 bulb, the tip -2 (z stays at 2), i (period 2), a point of
    // the main cardioid.
    for (const [x, y] of [
      [0, 0],
      [-1, 0],
      [-2, 0],
      [0, 1],
      [-0.5, 0.5],
    ] as const)
      expect(fractalIterations(toFixed(x), toFixed(y), 500), `${x} + ${y}i`).toBe(500)
    // c = 1: z = 1, 2, 5; c = 2: z = 2, 6; c = 0.5 escapes after z = 3.15...
    expect(fractalIterations(toFixed(1), 0, 500)).toBe(3)
    expect(fractalIterations(toFixed(2), 0, 500)).toBe(2)
    expect(fractalIterations(toFixed(0.5), 0, 500)).toBe(floatIterations(0.5, 0, 500))
    expect(fractalIterations(toFixed(-3), toFixed(3), 500)).toBe(1)
    expect(fractalIterations(0, 0, 1)).toBe(1)
  })

  test('agrees with float64 iteration away from the boundary of the set', () => {
    const maxIterations = 100
    let same = 0
    let total = 0
    for (let y = -1.2; y <= 1.2; y += 0.05) {
      for (let x = -2.2; x <= 0.8; x += 0.05) {
        const fixed = fractalIterations(toFixed(x), toFixed(y), maxIterations)
        const float = floatIterations(x, y, maxIterations)
        total++
        if (fixed === float) same++
        // Rounding moves a count near the boundary, never far from it.
        else expect(Math.abs(fixed - float), `${x} + ${y}i`).toBeLessThan(maxIterations)
      }
    }
    expect(same / total).toBeGreaterThan(0.99)
  })
})

describe('colour map', () => {
  test('stops, halfway points, floored negative steps and the inside', () => {
    expect(rgba(fractalColor(0, 64))).toEqual([8, 16, 64, 255])
    expect(rgba(fractalColor(16, 64))).toEqual([32, 128, 224, 255])
    expect(rgba(fractalColor(32, 64))).toEqual([240, 248, 255, 255])
    expect(rgba(fractalColor(48, 64))).toEqual([255, 160, 16, 255])
    // A cycle every 64 iterations.
    expect(fractalColor(64 + 5, 1000)).toBe(fractalColor(5, 1000))
    // Halfway from stop 0 to stop 1.
    expect(rgba(fractalColor(8, 64))).toEqual([20, 72, 144, 255])
    // Three quarters from stop 3 back to stop 0: 255 + floor(-247 · 192 / 256) = 69.
    expect(rgba(fractalColor(60, 64))).toEqual([
      255 + Math.floor((-247 * 192) / 256),
      160 + Math.floor((-144 * 192) / 256),
      16 + Math.floor((48 * 192) / 256),
      255,
    ])
    expect(rgba(fractalColor(64, 64))).toEqual([0, 0, 0, 255])
    expect(rgba(fractalColor(99, 64))).toEqual([0, 0, 0, 255])
  })
})

const small: FractalParams = {
  centreX: toFixed(-0.5),
  centreY: toFixed(0.25),
  pixelSize: toFixed(1 / 16),
  width: 12,
  height: 10,
  tileWidth: 3,
  tileHeight: 5,
  maxIterations: 40,
}

describe('fractalReference', () => {
  test('pixel (px, py) shows c = centre + (px − w/2, h/2 − py) · pixelSize', () => {
    expect(fractalPixelPoint(small, 6, 5)).toEqual({ cx: small.centreX, cy: small.centreY })
    const { cx, cy } = fractalPixelPoint(small, 0, 0)
    expect(fromFixed(cx)).toBe(-0.5 - 6 / 16)
    expect(fromFixed(cy)).toBe(0.25 + 5 / 16)
    // Tile 5 is the second tile of the second row: pixels 3..5 across, 5..9 down.
    const tile = new DataView(fractalReference({ index: 5, count: 8, params: small }).buffer)
    const x = -0.5 + (4 - 6) / 16
    const y = 0.25 + (5 - 7) / 16
    expect(tile.getUint32((2 * 3 + 1) * 4, true)).toBe(
      fractalColor(fractalIterations(toFixed(x), toFixed(y), 40), 40),
    )
  })

  test('tiles assemble into the image rendered as one tile', () => {
    const count = fractalUnitCount(small)
    expect(count).toBe(8)
    const tiles = Array.from({ length: count }, (_, index) =>
      fractalReference({ index, count, params: small }),
    )
    const concat = new Uint8Array(tiles.reduce((sum, t) => sum + t.length, 0))
    tiles.forEach((t, i) => concat.set(t, i * t.length))
    const whole = { ...small, tileWidth: 12, tileHeight: 10 }
    expect(assembleFractalImage(concat, small)).toEqual(
      fractalReference({ index: 0, count: 1, params: whole }),
    )
    expect(() => assembleFractalImage(concat.subarray(4), small)).toThrow(RangeError)
  })

  test('refuses units and params that do not describe the tiling', () => {
    expect(() => fractalReference({ index: 8, count: 8, params: small })).toThrow(RangeError)
    expect(() => fractalReference({ index: 0, count: 7, params: small })).toThrow(RangeError)
    expect(() => assertFractalParams({ ...small, tileWidth: 5 })).toThrow(RangeError)
    expect(() => assertFractalParams({ ...small, maxIterations: 0 })).toThrow(RangeError)
    expect(() => assertFractalParams({ ...small, width: 1.5 })).toThrow(RangeError)
  })

  test('params survive the manifest and come back by name', () => {
    const params = fractalManifestParams(small)
    expect(params.map((p) => p.name)).toEqual([
      'centreX',
      'centreY',
      'pixelSize',
      'width',
      'height',
      'tileWidth',
      'tileHeight',
      'maxIterations',
    ])
    expect(fractalParamsFromManifest([...params].reverse())).toEqual(small)
    expect(() => fractalParamsFromManifest(params.slice(1))).toThrow(RangeError)
  })
})
