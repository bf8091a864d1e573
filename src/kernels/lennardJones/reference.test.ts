import { describe, expect, test } from 'vitest'
import { compareResults } from '../../tasks/compareResults.ts'
import { createSampleSystems } from './createSampleSystems.ts'
import { lennardJonesSampleParams, type LennardJonesParams } from './params.ts'
import { lennardJonesReference } from './reference.ts'
import { atomField, atomsPerSystem, floatsPerAtom, floatsPerSystem } from './systemLayout.ts'

// The reference against physics it must obey, computed independently in f64: the LJ pair
// energy and force in closed form, the energy of a periodic box summed over explicit images,
// conservation of momentum and energy; and the chaos that sets the job's tolerance.

const sample = lennardJonesSampleParams
const sampleTolerance = {
  mode: 'float',
  elementType: 'f32',
  absolute: 1e-3,
  relative: 1e-3,
} as const

// The cutoff-smoothed pair energy of reference.ts in f64.
function pairEnergy(r2: number, cutoff: number): number {
  const lj = (s: number) => 4 * (s ** -6 - s ** -3)
  const g = (s: number) => 24 * s ** -4 * (2 * s ** -3 - 1)
  const c2 = cutoff * cutoff
  return r2 < c2 ? lj(r2) - lj(c2) + (g(c2) * (r2 - c2)) / 2 : 0
}

const sumOf = (values: Iterable<number>) => {
  let sum = 0
  for (const value of values) sum += value
  return sum
}

function field(system: Float32Array, k: number): number[] {
  return Array.from({ length: atomsPerSystem }, (_, i) => system[i * floatsPerAtom + k] ?? 0)
}

// Two atoms on the x axis, 62 more on a lattice of spacing 10 in a box of 40: with a cutoff of
// 9 only the pair interacts, and the smoothing of the cutoff is below 1e-5.
const isolated: LennardJonesParams = { steps: 0, dt: 0.01, box: 40, cutoff: 9 }

function isolatedPair(r: number): Float32Array {
  const system = new Float32Array(floatsPerSystem)
  for (let i = 0; i < atomsPerSystem; i++) {
    system[i * floatsPerAtom] = (i % 4) * 10
    system[i * floatsPerAtom + 1] = (Math.floor(i / 4) % 4) * 10
    system[i * floatsPerAtom + 2] = Math.floor(i / 16) * 10
  }
  system[floatsPerAtom] = r
  return system
}

describe('lennardJonesReference', () => {
  test.each([0.95, 2 ** (1 / 6), 1.5, 2.5])('two atoms at r = %f have the LJ pair energy', (r) => {
    const output = lennardJonesReference(isolatedPair(r), isolated)
    const potential = field(output, atomField.potential)
    const energy = pairEnergy(Math.fround(r) ** 2, isolated.cutoff)
    // Each atom of the pair holds half of it; the others hold nothing.
    expect(potential[0]).toBeCloseTo(energy / 2, 5)
    expect(potential[1]).toBeCloseTo(energy / 2, 5)
    expect(potential.slice(2).every((u) => u === 0)).toBe(true)
    if (r === 2 ** (1 / 6)) expect(potential[0]! + potential[1]!).toBeCloseTo(-1, 4)
  })

  test.each([0.95, 1.12, 1.5, 2.5])(
    'one step from rest moves the pair by dt²/2 times the LJ force at r = %f',
    (r) => {
      const dt = 0.01
      const output = lennardJonesReference(isolatedPair(r), { ...isolated, steps: 1, dt })
      // The force on atom 0 along x, in closed form: −dU/dr, atom 1 being on the +x side.
      const rf = Math.fround(r)
      const force = -24 * (2 * rf ** -13 - rf ** -7)
      const moved = output[atomField.x]!
      expect(moved / ((dt * dt) / 2)).toBeCloseTo(force, 2)
      // Newton's third law: atom 1 moves as far the other way.
      expect(output[floatsPerAtom + atomField.x]! - rf).toBeCloseTo(-moved, 6)
    },
  )

  test('the potential energy of a periodic box equals a sum over explicit images', () => {
    const input = createSampleSystems({ systems: 2, box: sample.box, temperature: 1, seed: 5 })
    const output = lennardJonesReference(input, { ...sample, steps: 0 })
    for (let s = 0; s < 2; s++) {
      const system = input.subarray(s * floatsPerSystem, (s + 1) * floatsPerSystem)
      const [x, y, z] = [0, 1, 2].map((k) => field(system, k)) as [number[], number[], number[]]
      let energy = 0
      for (let i = 0; i < atomsPerSystem; i++)
        for (let j = i + 1; j < atomsPerSystem; j++)
          for (const a of [-1, 0, 1])
            for (const b of [-1, 0, 1])
              for (const c of [-1, 0, 1]) {
                const dx = x[i]! - x[j]! + a * sample.box
                const dy = y[i]! - y[j]! + b * sample.box
                const dz = z[i]! - z[j]! + c * sample.box
                energy += pairEnergy(dx * dx + dy * dy + dz * dz, sample.cutoff)
              }
      const kernel = sumOf(field(output.subarray(s * floatsPerSystem), atomField.potential))
      expect(Math.abs(kernel - energy)).toBeLessThan(1e-5 * Math.abs(energy))
    }
  })

  test('100 steps conserve momentum and energy', () => {
    const input = createSampleSystems({ systems: 3, box: sample.box, temperature: 1, seed: 9 })
    const before = lennardJonesReference(input, { ...sample, steps: 0 })
    const after = lennardJonesReference(input, sample)
    const totalEnergy = (output: Float32Array, s: number) => {
      const system = output.subarray(s * floatsPerSystem, (s + 1) * floatsPerSystem)
      return sumOf(field(system, atomField.potential)) + sumOf(field(system, atomField.kinetic))
    }
    for (let s = 0; s < 3; s++) {
      const system = after.subarray(s * floatsPerSystem, (s + 1) * floatsPerSystem)
      for (const k of [atomField.vx, atomField.vy, atomField.vz])
        expect(Math.abs(sumOf(field(system, k)))).toBeLessThan(1e-4)
      // The atoms did move: about 0.5 time units at thermal speed.
      expect(system[0]).not.toBe(input[s * floatsPerSystem])
      // Velocity Verlet's energy fluctuates with dt²; it does not drift.
      const drift = totalEnergy(after, s) - totalEnergy(before, s)
      expect(Math.abs(drift) / atomsPerSystem).toBeLessThan(2e-3)
      // The initial kinetic energy is the requested temperature's (3N − 3 degrees of freedom).
      const kinetic = sumOf(field(before.subarray(s * floatsPerSystem), atomField.kinetic))
      expect((2 * kinetic) / (3 * atomsPerSystem - 3)).toBeCloseTo(1, 5)
    }
  })

  test('a last-bit change of every position stays well inside the job tolerance after 100 steps', () => {
    // A GPU rounds differently from the CPU (fused multiply-adds, division within 2.5 ULP):
    // differences of an ulp per operation, which the chaotic dynamics amplify. One tenth of the
    // manifest's tolerance holds for a one-ulp change of every coordinate at the start.
    const input = createSampleSystems({ systems: 8, box: sample.box, temperature: 1, seed: 13 })
    const nudged = input.map((value, i) => (i % floatsPerAtom < 3 ? nextUp(value) : value))
    const tenth = { ...sampleTolerance, absolute: 1e-4, relative: 1e-4 }
    const a = lennardJonesReference(input, sample)
    const b = lennardJonesReference(nudged, sample)
    expect(b.some((value, i) => value !== a[i])).toBe(true)
    expect(compareResults(u8(b), u8(a), tenth)).toEqual({ equal: true })
  })

  test('refuses an input that is not whole systems', () => {
    expect(() => lennardJonesReference(new Float32Array(floatsPerSystem + 8), sample)).toThrow(
      RangeError,
    )
  })
})

function u8(floats: Float32Array): Uint8Array {
  return new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength)
}

function nextUp(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)
  bits[0] = value > 0 ? bits[0]! + 1 : value < 0 ? bits[0]! - 1 : 1
  return new Float32Array(bits.buffer)[0]!
}
