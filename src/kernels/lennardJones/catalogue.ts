import wasmUrl from '../../../build/wasm/lennardJones.wasm?url'
import type { CatalogueEntry, Presentation } from '../catalogue/CatalogueEntry.ts'
import {
  createCataloguePackage,
  type CreateCataloguePackageParameters,
} from '../catalogue/createCataloguePackage.ts'
import type { JobPackage } from '../../tasks/JobPackage.ts'
import type { Manifest } from '../../tasks/manifestSchema.ts'
import { createSampleSystems } from './createSampleSystems.ts'
import source from './lennardJones.wgsl?raw'
import {
  lennardJonesManifestParams,
  lennardJonesParamsFromManifest,
  lennardJonesSampleParams,
} from './params.ts'
import {
  atomField,
  atomsPerSystem,
  floatsPerAtom,
  floatsPerSystem,
  systemBytes,
} from './systemLayout.ts'

/**
 * The sample ensemble: 1024 systems in 16 units of 64. A system's 100 steps take about 1.5 ms in
 * the SIMD WASM kernel on a laptop core, so a unit is a tenth of a second there.
 */
export const lennardJonesSample = {
  systems: 1024,
  systemsPerUnit: 64,
  temperature: 1,
  seed: 2024,
} as const

/**
 * The sample job's package; tests in Node pass `fetchWasm` to read the built kernel from disk.
 *
 * @example
 * const job = await createLennardJonesPackage()
 */
export function createLennardJonesPackage(
  options: Pick<CreateCataloguePackageParameters, 'fetchWasm'> = {},
): Promise<JobPackage> {
  const params = lennardJonesSampleParams
  const { systems, systemsPerUnit, temperature, seed } = lennardJonesSample
  const input = createSampleSystems({ systems, box: params.box, temperature, seed })
  return createCataloguePackage({
    manifest: {
      manifestVersion: 1,
      name: 'Lennard-Jones fluid: 1024 replicas of 64 atoms',
      kernels: [
        // One workgroup per system, one invocation per atom writing its eight floats.
        { kind: 'wgsl', entry: 'main', workgroupSize: [atomsPerSystem], elementsPerInvocation: 8 },
        { kind: 'wasm' },
      ],
      units: { mode: 'split', itemBytes: systemBytes, itemsPerUnit: systemsPerUnit },
      params: lennardJonesManifestParams(params),
      output: { bytesPerItem: systemBytes, assemble: 'concat' },
      // Positions are a few units, velocities and energies a few units too. A GPU's fused
      // multiply-adds and 2.5-ULP division, amplified by 100 chaotic steps, move them by about
      // 1e-4 at worst (reference.test.ts): ten times inside this tolerance.
      comparison: { mode: 'float', elementType: 'f32', absolute: 1e-3, relative: 1e-3 },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 30_000, memoryBytes: 4 << 20 },
    },
    wgsl: source,
    wasmUrl,
    input: new Blob([input]),
    ...options,
  })
}

type SystemSummary = { potential: number; kinetic: number; temperature: number }

/** Per-atom energies and the kinetic temperature of each system of an output. */
export function summarizeSystems(output: Uint8Array): SystemSummary[] {
  const floats = new Float32Array(
    output.buffer,
    output.byteOffset,
    Math.floor(output.byteLength / 4),
  )
  const summaries: SystemSummary[] = []
  for (let start = 0; start + floatsPerSystem <= floats.length; start += floatsPerSystem) {
    let potential = 0
    let kinetic = 0
    for (let at = start; at < start + floatsPerSystem; at += floatsPerAtom) {
      potential += floats[at + atomField.potential] ?? 0
      kinetic += floats[at + atomField.kinetic] ?? 0
    }
    summaries.push({
      potential: potential / atomsPerSystem,
      kinetic: kinetic / atomsPerSystem,
      // Equipartition over the 3N − 3 degrees of freedom of a system at rest as a whole.
      temperature: (2 * kinetic) / (3 * atomsPerSystem - 3),
    })
  }
  return summaries
}

function meanAndSpread(values: number[]): string {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length
  return `${mean.toFixed(3)} ± ${Math.sqrt(variance).toFixed(3)}`
}

function presentLennardJones(output: Uint8Array, manifest: Manifest): Presentation {
  const { steps, dt, box, cutoff } = lennardJonesParamsFromManifest(manifest.params)
  const systems = summarizeSystems(output)
  if (systems.length === 0) return { kind: 'text', lines: ['The output holds no system.'] }
  const density = atomsPerSystem / box ** 3
  return {
    kind: 'text',
    lines: [
      `${systems.length} systems of ${atomsPerSystem} Lennard-Jones atoms (density ${density.toFixed(3)}, cutoff ${cutoff}) after ${steps} velocity-Verlet steps of ${dt} (t = ${Number((steps * dt).toPrecision(6))}); mean ± standard deviation over the systems:`,
      `temperature ${meanAndSpread(systems.map((s) => s.temperature))}`,
      `potential energy per atom ${meanAndSpread(systems.map((s) => s.potential))}`,
      `kinetic energy per atom ${meanAndSpread(systems.map((s) => s.kinetic))}`,
      `total energy per atom ${meanAndSpread(systems.map((s) => s.potential + s.kinetic))}`,
    ],
  }
}

/** The catalogue's molecular dynamics job: an ensemble of small Lennard-Jones fluids. */
export const lennardJonesCatalogueEntry: CatalogueEntry = {
  id: 'lennardJones',
  title: 'Lennard-Jones molecular dynamics',
  summary:
    'Integrates 1024 independent boxes of 64 Lennard-Jones atoms for 100 velocity-Verlet steps each, the ensemble kind of molecular dynamics run (physics, chemistry, life sciences).',
  createPackage: () => createLennardJonesPackage(),
  present: presentLennardJones,
}
