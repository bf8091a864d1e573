import type { LennardJonesParams } from './params.ts'
import { atomsPerSystem, floatsPerAtom, floatsPerSystem } from './systemLayout.ts'

const f = Math.fround

/**
 * The unit function of the Lennard-Jones job in plain TypeScript: every system of the unit's
 * input advanced by `steps` velocity-Verlet steps, then each atom's potential energy (half its
 * pair energies) and kinetic energy written beside its position and velocity.
 *
 * Every operation is rounded to f32 in the order assembly/lennardJones.ts computes each SIMD
 * lane and lennardJones.wgsl each invocation, so the WASM kernel agrees bit for bit; a GPU
 * may fuse multiply-adds and divides within 2.5 ULP, hence the job's float comparison.
 *
 * The pair interaction is LJ, `4(r⁻¹² − r⁻⁶)`, with a cutoff smoothed in r² so no square root
 * is needed: the force is `(g(r²) − g(rc²))·r⃗` with `g(s) = 24 s⁻⁴(2 s⁻³ − 1)`, zero at the
 * cutoff, and the energy `4(r⁻¹² − r⁻⁶) − U(rc) + g(rc²)(r² − rc²)/2` is its potential, also
 * zero there. So the cutoff test `r² < rc²`, which two engines may decide differently for a
 * pair at the cutoff to the last bit, switches nothing on or off.
 *
 * @example
 * const output = lennardJonesReference(input, { steps: 100, dt: 0.005, box: 4.3, cutoff: 2 })
 */
export function lennardJonesReference(
  input: Float32Array,
  params: LennardJonesParams,
): Float32Array<ArrayBuffer> {
  if (input.length % floatsPerSystem !== 0)
    throw new RangeError(`the input holds ${input.length} floats, not whole systems`)
  const output = new Float32Array(input.length)
  for (let start = 0; start < input.length; start += floatsPerSystem)
    simulateSystem(
      input.subarray(start, start + floatsPerSystem),
      output.subarray(start, start + floatsPerSystem),
      params,
    )
  return output
}

type Atoms = { x: Float32Array; y: Float32Array; z: Float32Array }

function simulateSystem(input: Float32Array, output: Float32Array, params: LennardJonesParams) {
  const n = atomsPerSystem
  const field = (k: number) =>
    Float32Array.from({ length: n }, (_, i) => input[i * floatsPerAtom + k] ?? 0)
  const position: Atoms = { x: field(0), y: field(1), z: field(2) }
  const velocity: Atoms = { x: field(3), y: field(4), z: field(5) }
  const acceleration: Atoms = {
    x: new Float32Array(n),
    y: new Float32Array(n),
    z: new Float32Array(n),
  }
  const potential = new Float32Array(n)
  const dt = f(params.dt)
  const halfDt = f(0.5 * dt)
  const pair = pairConstants(params)
  const axes = ['x', 'y', 'z'] as const

  computeForces(position, acceleration, potential, pair)
  for (let step = 0; step < params.steps; step++) {
    for (const axis of axes)
      for (let i = 0; i < n; i++) {
        velocity[axis][i] = f(velocity[axis][i]! + f(halfDt * acceleration[axis][i]!))
        position[axis][i] = f(position[axis][i]! + f(dt * velocity[axis][i]!))
      }
    computeForces(position, acceleration, potential, pair)
    for (const axis of axes)
      for (let i = 0; i < n; i++)
        velocity[axis][i] = f(velocity[axis][i]! + f(halfDt * acceleration[axis][i]!))
  }

  for (let i = 0; i < n; i++) {
    const vx = velocity.x[i]!
    const vy = velocity.y[i]!
    const vz = velocity.z[i]!
    const at = i * floatsPerAtom
    output.set([position.x[i]!, position.y[i]!, position.z[i]!, vx, vy, vz, potential[i]!], at)
    output[at + 7] = f(0.5 * f(f(f(vx * vx) + f(vy * vy)) + f(vz * vz)))
  }
}

/** What every pair evaluation needs, computed once per system as the kernels do. */
type PairConstants = {
  box: number
  inverseBox: number
  cutoff2: number
  /** g(rc²), the force factor at the cutoff. */
  forceAtCutoff: number
  /** 4(rc⁻¹² − rc⁻⁶). */
  energyAtCutoff: number
  halfForceAtCutoff: number
}

function pairConstants(params: LennardJonesParams): PairConstants {
  const box = f(params.box)
  const cutoff = f(params.cutoff)
  const cutoff2 = f(cutoff * cutoff)
  const inverse = f(1 / cutoff2)
  const s6 = f(f(inverse * inverse) * inverse)
  const forceAtCutoff = f(f(f(24 * inverse) * s6) * f(f(2 * s6) - 1))
  return {
    box,
    inverseBox: f(1 / box),
    cutoff2,
    forceAtCutoff,
    energyAtCutoff: f(f(4 * s6) * f(s6 - 1)),
    halfForceAtCutoff: f(0.5 * forceAtCutoff),
  }
}

// Sums over j in index order for each atom i, as each SIMD lane and each invocation does. The
// atom itself and pairs past the cutoff add +0 rather than being skipped, as the kernels' masks
// do, so that even the sign of a zero sum agrees.
function computeForces(
  position: Atoms,
  acceleration: Atoms,
  potential: Float32Array,
  pair: PairConstants,
): void {
  const { x, y, z } = position
  for (let i = 0; i < atomsPerSystem; i++) {
    let ax = 0
    let ay = 0
    let az = 0
    let energy = 0
    for (let j = 0; j < atomsPerSystem; j++) {
      const dx = minimumImage(f(x[i]! - x[j]!), pair)
      const dy = minimumImage(f(y[i]! - y[j]!), pair)
      const dz = minimumImage(f(z[i]! - z[j]!), pair)
      const r2 = f(f(f(dx * dx) + f(dy * dy)) + f(dz * dz))
      const inside = j !== i && r2 < pair.cutoff2
      const inverse = f(1 / r2)
      const s6 = f(f(inverse * inverse) * inverse)
      const force = inside
        ? f(f(f(f(24 * inverse) * s6) * f(f(2 * s6) - 1)) - pair.forceAtCutoff)
        : 0
      const u = inside
        ? f(
            f(f(f(4 * s6) * f(s6 - 1)) - pair.energyAtCutoff) +
              f(pair.halfForceAtCutoff * f(r2 - pair.cutoff2)),
          )
        : 0
      ax = f(ax + f(force * dx))
      ay = f(ay + f(force * dy))
      az = f(az + f(force * dz))
      energy = f(energy + u)
    }
    acceleration.x[i] = ax
    acceleration.y[i] = ay
    acceleration.z[i] = az
    potential[i] = f(0.5 * energy)
  }
}

/** The nearest image of a separation along one axis: `d − L·round(d/L)`, ties to even. */
function minimumImage(d: number, pair: PairConstants): number {
  return f(d - f(pair.box * roundHalfToEven(f(d * pair.inverseBox))))
}

// WGSL's round() and wasm's f32.nearest round halves to even; Math.round rounds them up.
function roundHalfToEven(value: number): number {
  const rounded = Math.round(value)
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded
}
