import { unitRandomF32 } from '../../tasks/unitRandom.ts'
import { atomsPerSystem, floatsPerAtom, floatsPerSystem } from './systemLayout.ts'

export type CreateSampleSystemsParameters = {
  systems: number
  /** Edge of the periodic box; 64 atoms in it. */
  box: number
  /** Target temperature of the initial velocities (kB = 1). */
  temperature: number
  seed: number
}

/**
 * Independent replicas of a 64-atom Lennard-Jones fluid, ready for the job's input: atoms on a
 * 4×4×4 cubic lattice filling the box, each nudged by up to 5% of the spacing, with Gaussian
 * velocities whose total momentum is removed and whose kinetic energy is scaled to the
 * temperature. Deterministic: the random numbers come from the Task API generator with system,
 * atom and component as counters.
 *
 * @example
 * const input = createSampleSystems({ systems: 8, box: 4.3089, temperature: 1, seed: 7 })
 */
export function createSampleSystems(
  parameters: CreateSampleSystemsParameters,
): Float32Array<ArrayBuffer> {
  const { systems, box, temperature, seed } = parameters
  const data = new Float32Array(systems * floatsPerSystem)
  const side = Math.round(Math.cbrt(atomsPerSystem))
  const spacing = box / side
  for (let system = 0; system < systems; system++) {
    const draw = (atom: number, k: number) =>
      unitRandomF32({ seed, unit: system, element: atom, draw: k })
    const velocities: number[][] = []
    for (let atom = 0; atom < atomsPerSystem; atom++) {
      const cell = [atom % side, Math.floor(atom / side) % side, Math.floor(atom / side ** 2)]
      const at = system * floatsPerSystem + atom * floatsPerAtom
      cell.forEach((c, k) => {
        data[at + k] = (c + 0.5 + 0.1 * (draw(atom, k) - 0.5)) * spacing
      })
      // Box-Muller; 1 - u is in (0, 1], so the logarithm is finite.
      velocities.push(
        [0, 1, 2].map((k) => {
          const radius = Math.sqrt(-2 * Math.log(1 - draw(atom, 3 + 2 * k)))
          return radius * Math.cos(2 * Math.PI * draw(atom, 4 + 2 * k))
        }),
      )
    }
    const drift = [0, 1, 2].map((k) => mean(velocities.map((v) => v[k] ?? 0)))
    const still = velocities.map((v) => v.map((value, k) => value - (drift[k] ?? 0)))
    const kinetic = still.reduce((sum, v) => sum + v.reduce((s, value) => s + value * value, 0), 0)
    // Equipartition over the 3N − 3 degrees of freedom left once momentum is removed.
    const scale = Math.sqrt((temperature * (3 * atomsPerSystem - 3)) / kinetic)
    still.forEach((v, atom) => {
      const at = system * floatsPerSystem + atom * floatsPerAtom + 3
      v.forEach((value, k) => {
        data[at + k] = value * scale
      })
    })
  }
  return data
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}
