// @vitest-environment node
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignalingServer,
  type SignalingServer,
} from '../../signaling/createSignalingServer.ts'
import { startNodeVolunteer, type NodeVolunteer } from '../node/startNodeVolunteer.ts'
import { monteCarloPiHits, monteCarloPiPackage } from '../../tests/support/monteCarloPiPackage.ts'
import { createJob, InvalidPackageError, JobStoppedError, type UnitResult } from './index.ts'

// ICE gathers candidates on every interface: a WebRTC test runs only inside the private network
// (`../shared/bin/private-net npx vitest run ...`, as `npm test` does in CI).
const insidePrivateNet = process.env.PRIVATE_NET === '1'

const seed = 7
const samples = 20_000
const unitCount = 8

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The Monte Carlo example, built in code with a smaller sweep: what a script would do. */
function smallPiPackage(overrides: Record<string, unknown> = {}) {
  return monteCarloPiPackage({ seed, samples, unitCount }, overrides)
}

describe('createJob: bad packages', () => {
  it('rejects a package that fails the upload checks with their messages, and creates no store', async () => {
    const store = path.join(dir, 'job.sqlite')
    const pkg = await smallPiPackage({ replication: { quorum: 0 } })
    const error = await createJob({
      package: { ...pkg, wasm: new Uint8Array([0, 97, 115, 109]) },
      signaling: 'http://127.0.0.1:1',
      store,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidPackageError)
    const problems = (error as InvalidPackageError).problems
    expect(problems.manifest?.join('\n')).toMatch(/replication\.quorum/)
    expect(problems.wasm?.length).toBeGreaterThan(0)
    expect((error as InvalidPackageError).code).toBe('sdk/invalid-package')
    expect((error as Error).message).toContain('Problems with the manifest:')
    expect(existsSync(store)).toBe(false)
  })

  it('says which folder is missing', async () => {
    const error = await createJob({
      package: path.join(dir, 'nowhere'),
      signaling: 'http://127.0.0.1:1',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidPackageError)
    expect((error as InvalidPackageError).problems.manifest?.[0]).toMatch(/nowhere/)
  })
})

describe.skipIf(!insidePrivateNet)('createJob: hosting over WebRTC', () => {
  let server: SignalingServer
  let volunteers: NodeVolunteer[]

  beforeEach(async () => {
    server = await createSignalingServer({ port: 0 })
    volunteers = []
  })

  afterEach(async () => {
    for (const volunteer of volunteers) volunteer.stop()
    await server.close()
  })

  async function volunteer(jobId: string, name: string): Promise<void> {
    volunteers.push(
      await startNodeVolunteer({
        signalingUrl: server.url,
        identityFile: path.join(dir, `${name}.json`),
        cpuShare: 1,
        threads: 1,
        // The GPU is not what these tests are about: WASM only.
        useGpu: false,
        jobId,
      }),
    )
  }

  it('hosts a package built in code: two Node volunteers, every unit told, the output right', async () => {
    const job = await createJob({
      package: await smallPiPackage(),
      signaling: server.url,
      store: path.join(dir, 'job.sqlite'),
      privatePool: true,
    })
    expect(job.resumed).toBe(false)
    const units: UnitResult[] = []
    const listed = new Promise((resolve) =>
      job.on('signaling', (event) => event.kind === 'listed' && resolve(event.hostPeerId)),
    )
    job.on('unit', (unit) => units.push(unit))
    await listed
    await volunteer(job.id, 'a')
    await volunteer(job.id, 'b')
    const output = await job.done()

    const expected = monteCarloPiHits({ seed, samples, unitCount })
    const total = expected.reduce((sum, hits) => sum + hits, 0)
    expect(new DataView(output.bytes.buffer, output.bytes.byteOffset).getUint32(0, true)).toBe(
      total,
    )
    expect(
      output.units.map((u) => new DataView(u.buffer, u.byteOffset).getUint32(0, true)),
    ).toEqual(expected)
    // Every unit was told, each with its verified output, before done() resolved.
    const told = new Map(units.map((u) => [u.index, u]))
    expect([...told.keys()].sort((a, b) => a - b)).toEqual([...Array(unitCount).keys()])
    for (const [index, unit] of told)
      expect(new DataView(unit.output.buffer, unit.output.byteOffset).getUint32(0, true)).toBe(
        expected[index],
      )
    expect(job.progress.validated).toBe(unitCount)
  }, 120_000)

  it('stops and resumes from its store: accepted units are kept, not computed again', async () => {
    const store = path.join(dir, 'job.sqlite')
    const pkg = await smallPiPackage()
    const first = await createJob({ package: pkg, signaling: server.url, store, privatePool: true })
    const someFinal = new Promise<void>((resolve) =>
      first.on('progress', (p) => p.validated >= 2 && resolve()),
    )
    await volunteer(first.id, 'a')
    await volunteer(first.id, 'b')
    await someFinal
    await first.stop()
    await expect(first.done()).rejects.toBeInstanceOf(JobStoppedError)
    const kept = first.progress.validated
    for (const v of volunteers.splice(0)) v.stop()

    const second = await createJob({ package: pkg, signaling: server.url, store })
    expect(second.resumed).toBe(true)
    expect(second.id).toBe(first.id)
    expect(second.progress.validated).toBe(kept)
    const recomputed: number[] = []
    second.on('unit', (unit) => recomputed.push(unit.index))
    await volunteer(second.id, 'a')
    await volunteer(second.id, 'b')
    const output = await second.done()
    expect(output.units).toHaveLength(unitCount)
    expect(recomputed).toHaveLength(unitCount - kept)
  }, 120_000)
})
