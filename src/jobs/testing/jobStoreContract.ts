import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobStore } from '../JobStore.ts'
import type { UnitRecord } from '../UnitRecord.ts'
import { sampleJob, sampleReputation, sampleUnit } from './sampleRecords.ts'

export type JobStoreContractParameters<S extends JobStore> = {
  /** A new, empty store for each test. */
  create: () => S | Promise<S>
  /** Releases what `create` opened. */
  dispose?: (store: S) => void | Promise<void>
}

const byIndex = (units: UnitRecord[]) => [...units].sort((a, b) => a.index - b.index)
const bytes = (...values: number[]) => new Uint8Array(values)

/**
 * The behaviour every `JobStore` shares, as vitest `describe` blocks: call it from a store's
 * test file, so that each implementation is held to the same contract.
 *
 * @example
 * jobStoreContract('MemoryJobStore', { create: () => new MemoryJobStore() })
 */
export function jobStoreContract<S extends JobStore>(
  name: string,
  { create, dispose }: JobStoreContractParameters<S>,
): void {
  describe(`${name} (JobStore contract)`, () => {
    let store: S
    beforeEach(async () => {
      store = await create()
    })
    afterEach(async () => {
      await dispose?.(store)
    })

    describe('jobs', () => {
      it('keeps every field of a job record, its bytes included', async () => {
        const job = sampleJob()
        await store.saveJob(job)
        const loaded = await store.loadJob(job.jobId)
        expect(loaded).toStrictEqual(job)
        expect(loaded?.params).toBeInstanceOf(Uint8Array)
        expect(loaded?.wasm).toBeInstanceOf(Uint8Array)
      })

      it('keeps a job with no optional fields and empty params without adding any', async () => {
        const {
          wgsl: _wgsl,
          wasm: _wasm,
          inputSha256: _inputSha256,
          catalogueId: _catalogueId,
          rewards: _rewards,
          siteCredits: _siteCredits,
          privatePool: _privatePool,
          violations: _violations,
          flaggedAddresses: _flaggedAddresses,
          ...minimal
        } = sampleJob({ params: new Uint8Array(0), flagged: [] })
        await store.saveJob(minimal)
        const loaded = await store.loadJob(minimal.jobId)
        expect(loaded).toStrictEqual(minimal)
        expect(Object.keys(loaded ?? {}).sort()).toEqual(Object.keys(minimal).sort())
      })

      it('answers undefined for a job it does not have', async () => {
        expect(await store.loadJob('missing')).toBeUndefined()
        expect(await store.latestJob()).toBeUndefined()
      })

      it('replaces a job saved again', async () => {
        const job = sampleJob()
        await store.saveJob(job)
        await store.saveJob({ ...job, status: 'complete', flagged: [], wasm: bytes(7) })
        expect(await store.loadJob(job.jobId)).toMatchObject({
          status: 'complete',
          flagged: [],
          wasm: bytes(7),
        })
      })

      it('returns copies: neither the saved object nor a loaded one changes what is stored', async () => {
        const job = sampleJob()
        await store.saveJob(job)
        job.flagged.push('later')
        job.params[0] = 0
        const loaded = await store.loadJob(job.jobId)
        loaded!.flagged.push('again')
        loaded!.params[1] = 0
        expect(await store.loadJob(job.jobId)).toStrictEqual(sampleJob())
      })

      it('finds the latest job by createdAt, not by the order of saving', async () => {
        await store.saveJob(sampleJob({ jobId: 'middle', createdAt: 2_000 }))
        await store.saveJob(sampleJob({ jobId: 'newest', createdAt: 3_000 }))
        await store.saveJob(sampleJob({ jobId: 'oldest', createdAt: 1_000 }))
        expect((await store.latestJob())?.jobId).toBe('newest')
        await store.saveJob(sampleJob({ jobId: 'oldest', createdAt: 4_000, status: 'complete' }))
        expect(await store.latestJob()).toMatchObject({ jobId: 'oldest', status: 'complete' })
      })
    })

    describe('inputs', () => {
      it('keeps an input file: the same bytes and type', async () => {
        const content = Uint8Array.from({ length: 5_000 }, (_, i) => (i * 31) % 251)
        await store.saveInput('job-1', new Blob([content], { type: 'application/octet-stream' }))
        const input = await store.loadInput('job-1')
        expect(input).toBeInstanceOf(Blob)
        expect(input?.type).toBe('application/octet-stream')
        expect(new Uint8Array(await input!.arrayBuffer())).toEqual(content)
      })

      it('keeps an empty input, replaces one saved again, and answers undefined for none', async () => {
        await store.saveInput('job-1', new Blob([]))
        expect((await store.loadInput('job-1'))?.size).toBe(0)
        await store.saveInput('job-1', new Blob(['new'], { type: 'text/plain' }))
        const input = await store.loadInput('job-1')
        expect(await input?.text()).toBe('new')
        expect(input?.type).toBe('text/plain')
        expect(await store.loadInput('job-2')).toBeUndefined()
      })
    })

    describe('units and outputs', () => {
      it('keeps unit records per job, replacing a unit written again', async () => {
        await store.saveUnits('job-1', [{ unit: sampleUnit(0) }, { unit: sampleUnit(1) }])
        await store.saveUnits('job-2', [{ unit: sampleUnit(0, { status: 'open', results: [] }) }])
        const failed = sampleUnit(1, { status: 'failed', failReason: 'too many errors' })
        await store.saveUnits('job-1', [{ unit: failed }])
        expect(byIndex(await store.loadUnits('job-1'))).toStrictEqual([sampleUnit(0), failed])
        expect(await store.loadUnits('job-2')).toStrictEqual([
          sampleUnit(0, { status: 'open', results: [] }),
        ])
        expect(await store.loadUnits('job-3')).toEqual([])
      })

      it('keeps an output under its job, unit and hash, as a copy', async () => {
        const output = bytes(1, 2, 3)
        await store.saveUnits('job-1', [
          { unit: sampleUnit(4), change: { put: { sha256: 'h1', bytes: output } } },
        ])
        output[0] = 9
        const loaded = await store.loadOutput('job-1', 4, 'h1')
        expect(loaded).toStrictEqual(bytes(1, 2, 3))
        loaded![1] = 9
        expect(await store.loadOutput('job-1', 4, 'h1')).toStrictEqual(bytes(1, 2, 3))
        expect(await store.loadOutput('job-1', 4, 'h2')).toBeUndefined()
        expect(await store.loadOutput('job-1', 5, 'h1')).toBeUndefined()
        expect(await store.loadOutput('job-2', 4, 'h1')).toBeUndefined()
      })

      it('applies puts and drops in the order given', async () => {
        const unit = sampleUnit(0)
        await store.saveUnits('job-1', [
          { unit, change: { put: { sha256: 'kept', bytes: bytes(1) } } },
          { unit, change: { put: { sha256: 'lost', bytes: bytes(2) } } },
          { unit, change: { drop: ['lost'] } },
          { unit, change: { drop: ['again'] } },
          { unit, change: { put: { sha256: 'again', bytes: bytes(3) } } },
        ])
        expect(await store.loadOutput('job-1', 0, 'kept')).toStrictEqual(bytes(1))
        expect(await store.loadOutput('job-1', 0, 'lost')).toBeUndefined()
        expect(await store.loadOutput('job-1', 0, 'again')).toStrictEqual(bytes(3))
      })

      it('drops only the hashes named, of that unit', async () => {
        await store.saveUnits('job-1', [
          { unit: sampleUnit(0), change: { put: { sha256: 'h', bytes: bytes(1) } } },
          { unit: sampleUnit(1), change: { put: { sha256: 'h', bytes: bytes(2) } } },
        ])
        await store.saveUnits('job-1', [{ unit: sampleUnit(0), change: { drop: ['h', 'none'] } }])
        expect(await store.loadOutput('job-1', 0, 'h')).toBeUndefined()
        expect(await store.loadOutput('job-1', 1, 'h')).toStrictEqual(bytes(2))
      })

      it('keeps an empty output', async () => {
        await store.saveUnits('job-1', [
          { unit: sampleUnit(0), change: { put: { sha256: 'empty', bytes: bytes() } } },
        ])
        expect(await store.loadOutput('job-1', 0, 'empty')).toStrictEqual(bytes())
      })
    })

    describe('reputation', () => {
      it('keeps the entries saveUnits carries, and replaces an identity saved again', async () => {
        await store.saveUnits(
          'job-1',
          [{ unit: sampleUnit(0) }],
          [sampleReputation('key-a'), sampleReputation('key-b')],
        )
        await store.saveUnits('job-1', [], [sampleReputation('key-a', 5)])
        const entries = await store.loadReputation()
        expect(entries.sort((a, b) => a.identity.localeCompare(b.identity))).toStrictEqual([
          sampleReputation('key-a', 5),
          sampleReputation('key-b'),
        ])
      })

      it('keeps entries saved alone, and returns copies', async () => {
        expect(await store.loadReputation()).toEqual([])
        await store.saveReputation([sampleReputation('key-a')])
        const [entry] = await store.loadReputation()
        entry!.flaggedJobs.push('changed')
        expect(await store.loadReputation()).toStrictEqual([sampleReputation('key-a')])
      })
    })

    describe('deleteJob', () => {
      it('removes the job, its units, outputs and input, and keeps reputation and other jobs', async () => {
        for (const [jobId, createdAt] of [
          ['old', 1_000],
          ['new', 2_000],
        ] as const) {
          await store.saveInput(jobId, new Blob([jobId]))
          await store.saveJob(sampleJob({ jobId, createdAt }))
          await store.saveUnits(
            jobId,
            [{ unit: sampleUnit(0), change: { put: { sha256: 'h', bytes: bytes(1) } } }],
            [sampleReputation(`key-${jobId}`)],
          )
        }
        await store.deleteJob('new')
        expect(await store.loadJob('new')).toBeUndefined()
        expect(await store.loadUnits('new')).toEqual([])
        expect(await store.loadOutput('new', 0, 'h')).toBeUndefined()
        expect(await store.loadInput('new')).toBeUndefined()
        expect((await store.latestJob())?.jobId).toBe('old')
        expect(await store.loadUnits('old')).toHaveLength(1)
        expect(await store.loadOutput('old', 0, 'h')).toStrictEqual(bytes(1))
        expect(await (await store.loadInput('old'))?.text()).toBe('old')
        expect(await store.loadReputation()).toHaveLength(2)
      })

      it('does nothing for a job it does not have', async () => {
        await store.deleteJob('missing')
        expect(await store.latestJob()).toBeUndefined()
      })
    })
  })
}
