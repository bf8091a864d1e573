/**
 * A parameter sweep hosted from a script: the Lennard-Jones fluid at a range of temperatures.
 *
 * Each unit is one temperature: `replicas` independent 64-atom systems, built here on a lattice
 * with velocities drawn for that temperature, which volunteers advance by `steps` molecular
 * dynamics steps (the `lennardJones.wasm` kernel of the catalogue). Every unit is computed by two
 * volunteers whose results must agree before it counts. The script prints each temperature's
 * mean potential energy per atom as its unit is verified, then the whole table.
 *
 *   npx tsx examples/parameter-sweep/sweep.ts
 *
 * Environment: SIGNALING_URL (default http://127.0.0.1:9000), SWEEP_STEPS (default 2000),
 * SWEEP_STORE (the job's store; run again with the same one to resume).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createJob, JobStoppedError } from 'volunteer-compute/sdk'

const signaling = process.env.SIGNALING_URL ?? 'http://127.0.0.1:9000'
const steps = Number(process.env.SWEEP_STEPS ?? 2000)
const temperatures = [0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
const replicas = 16
const density = 0.8
const atoms = 64
const floatsPerAtom = 8 // x y z vx vy vz potential kinetic
const systemFloats = atoms * floatsPerAtom
const box = Math.fround(Math.cbrt(atoms / density))

/** A seeded generator, so that the same sweep builds the same input (and can resume). */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** One system: atoms on a 4×4×4 lattice, nudged, with velocities for temperature `t`. */
function system(t: number, draw: () => number): Float32Array {
  const data = new Float32Array(systemFloats)
  const spacing = box / 4
  const velocities: number[][] = []
  for (let atom = 0; atom < atoms; atom++) {
    const cell = [atom % 4, Math.floor(atom / 4) % 4, Math.floor(atom / 16)]
    cell.forEach(
      (c, k) => (data[atom * floatsPerAtom + k] = (c + 0.5 + 0.1 * (draw() - 0.5)) * spacing),
    )
    // Box-Muller: 1 - u is in (0, 1], so the logarithm is finite.
    velocities.push(
      [0, 1, 2].map(() => Math.sqrt(-2 * Math.log(1 - draw())) * Math.cos(2 * Math.PI * draw())),
    )
  }
  // No drift, and the kinetic energy of temperature t over 3N − 3 degrees of freedom.
  const drift = [0, 1, 2].map((k) => velocities.reduce((s, v) => s + v[k]!, 0) / atoms)
  const still = velocities.map((v) => v.map((value, k) => value - drift[k]!))
  const kinetic = still.reduce((s, v) => s + v.reduce((a, value) => a + value * value, 0), 0)
  const scale = Math.sqrt((t * (3 * atoms - 3)) / kinetic)
  still.forEach((v, atom) =>
    v.forEach((value, k) => (data[atom * floatsPerAtom + 3 + k] = value * scale)),
  )
  return data
}

/** Mean potential energy per atom and kinetic temperature over a unit's systems. */
function summarize(output: Uint8Array): { potential: number; temperature: number } {
  const floats = new Float32Array(output.buffer, output.byteOffset, output.byteLength / 4)
  let potential = 0
  let kinetic = 0
  for (let atom = 0; atom < floats.length / floatsPerAtom; atom++) {
    potential += floats[atom * floatsPerAtom + 6]!
    kinetic += floats[atom * floatsPerAtom + 7]!
  }
  const systems = floats.length / systemFloats
  return {
    potential: potential / (systems * atoms),
    temperature: (2 * kinetic) / (systems * (3 * atoms - 3)),
  }
}

const draw = random(2024)
const input = new Float32Array(temperatures.length * replicas * systemFloats)
temperatures.forEach((t, unit) => {
  for (let r = 0; r < replicas; r++)
    input.set(system(t, draw), (unit * replicas + r) * systemFloats)
})
const wasm = new Uint8Array(await readFile(new URL('lennardJones.wasm', import.meta.url)))

const job = await createJob({
  package: {
    manifest: {
      manifestVersion: 1,
      name: `Lennard-Jones temperature sweep: ${temperatures.length} temperatures × ${replicas} replicas`,
      kernels: [{ kind: 'wasm', sha256: createHash('sha256').update(wasm).digest('hex') }],
      units: { mode: 'split', itemBytes: systemFloats * 4, itemsPerUnit: replicas },
      params: [
        { name: 'steps', type: 'u32', value: steps },
        { name: 'dt', type: 'f32', value: 0.005 },
        { name: 'box', type: 'f32', value: box },
        { name: 'cutoff', type: 'f32', value: 2 },
      ],
      output: { bytesPerItem: systemFloats * 4, assemble: 'concat' },
      comparison: { mode: 'float', elementType: 'f32', absolute: 1e-3, relative: 1e-3 },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 60_000, memoryBytes: 4 << 20 },
    },
    wasm,
    input: new Uint8Array(input.buffer),
  },
  signaling,
  ...(process.env.SWEEP_STORE && { store: process.env.SWEEP_STORE }),
  // Volunteers on this machine's own network may check each other (a local trial).
  privatePool: /^http:\/\/(127\.|localhost)/.test(signaling),
})
console.log(
  `${job.resumed ? 'Resuming' : 'Hosting'} ${job.name} (${job.id}); store ${job.storeFile}`,
)
job.on('signaling', (event) => {
  if (event.kind === 'listed')
    console.log(
      `Listed on ${event.url}: start volunteers, e.g. npx volunteer-compute volunteer --job ${job.id}`,
    )
  if (event.kind === 'retrying')
    console.log(`${event.url} unreachable (${event.reason}); retrying in ${event.delayMs / 1000} s`)
})
job.on('unit', ({ index, output }) => {
  const { potential, temperature } = summarize(output)
  console.log(
    `T = ${temperatures[index]!.toFixed(1)}: U/N = ${potential.toFixed(4)}, T after ${steps} steps = ${temperature.toFixed(4)} (verified)`,
  )
})
process.once('SIGINT', () => void job.stop())

const { units } = await job.done().catch((error: unknown) => {
  if (!(error instanceof JobStoppedError)) throw error
  console.log(`Stopped: run the same command again to resume from ${job.storeFile}.`)
  process.exit(130)
})
console.log('\n T start   U/N       T end')
units.forEach((output, index) => {
  const { potential, temperature } = summarize(output)
  console.log(
    ` ${temperatures[index]!.toFixed(1).padEnd(8)}  ${potential.toFixed(4).padEnd(8)}  ${temperature.toFixed(4)}`,
  )
})
