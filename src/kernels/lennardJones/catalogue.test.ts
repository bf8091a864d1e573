import { createHash } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { fetchBuiltWasm } from '../testing/fetchBuiltWasm.ts'
import { assembleOutputs } from '../../tasks/assembleOutputs.ts'
import { planUnits } from '../../tasks/planUnits.ts'
import {
  createLennardJonesPackage,
  lennardJonesCatalogueEntry,
  lennardJonesSample,
  summarizeSystems,
} from './catalogue.ts'
import { createSampleSystems } from './createSampleSystems.ts'
import { lennardJonesParamsFromManifest, lennardJonesSampleParams } from './params.ts'
import { lennardJonesReference } from './reference.ts'
import { systemBytes } from './systemLayout.ts'

const fetchWasm = fetchBuiltWasm

const nodeSha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('lennardJones catalogue entry', () => {
  test('the package validates, names its kernels by their hashes and splits its input', async () => {
    const job = await createLennardJonesPackage({ fetchWasm })
    const { manifest } = job
    const wasm = await fetchWasm('/build/wasm/lennardJones.wasm')
    expect(job.wasm).toEqual(wasm)
    expect(manifest.kernels).toEqual([
      expect.objectContaining({
        kind: 'wgsl',
        sha256: nodeSha256Hex(new TextEncoder().encode(job.wgsl)),
        workgroupSize: [64, 1, 1],
        elementsPerInvocation: 8,
      }),
      { kind: 'wasm', sha256: nodeSha256Hex(wasm) },
    ])
    expect(lennardJonesParamsFromManifest(manifest.params)).toEqual(lennardJonesSampleParams)
    const input = new Uint8Array(await job.input!.arrayBuffer())
    expect(input.length).toBe(lennardJonesSample.systems * systemBytes)
    const plan = planUnits(manifest, input.length)
    expect(plan.unitCount).toBe(16)
    expect(plan.outputBytes(15)).toBe(lennardJonesSample.systemsPerUnit * systemBytes)
    expect(manifest.comparison).toMatchObject({ mode: 'float', elementType: 'f32' })
    // The box holds one image of each neighbour within the cutoff.
    const { box, cutoff } = lennardJonesSampleParams
    expect(cutoff).toBeLessThan(box / 2)
  })

  test('present() summarises the reference output of a smaller ensemble', async () => {
    const { manifest } = await createLennardJonesPackage({ fetchWasm })
    const params = lennardJonesSampleParams
    const input = createSampleSystems({ systems: 4, box: params.box, temperature: 1, seed: 6 })
    // Two units of two systems, assembled as the host assembles them.
    const units = [0, 1].map((unit) =>
      lennardJonesReference(input.subarray(unit * 1024, (unit + 1) * 1024), params),
    )
    const output = assembleOutputs(
      manifest.output.assemble,
      units.map((floats) => new Uint8Array(floats.buffer)),
    )
    const presentation = lennardJonesCatalogueEntry.present(output, manifest)
    if (presentation.kind !== 'text') throw new Error('expected text')
    const [header, temperature, potential, , total] = presentation.lines
    expect(header).toMatch(/^4 systems of 64 Lennard-Jones atoms \(density 0\.800, cutoff 2\)/)
    expect(header).toContain('100 velocity-Verlet steps of 0.005 (t = 0.5)')
    // The lattice melts: potential energy turns into heat, the total stays where it started.
    const atStart = lennardJonesReference(input, { ...params, steps: 0 })
    const start = summarizeSystems(new Uint8Array(atStart.buffer))
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
    const shown = (line: string | undefined) => Number(line?.match(/(-?\d+\.\d+) ±/)?.[1])
    expect(shown(temperature)).toBeGreaterThan(1)
    expect(shown(potential)).toBeLessThan(mean(start.map((s) => s.potential)))
    expect(shown(total)).toBeCloseTo(mean(start.map((s) => s.potential + s.kinetic)), 2)
  })
})
