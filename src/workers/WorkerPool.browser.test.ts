import { afterEach, describe, expect, test } from 'vitest'
import mandelbrotWasmUrl from '../../build/wasm/mandelbrot.wasm?url'
import {
  demoMandelbrotParams,
  encodeMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
} from '../kernels/mandelbrot/params.ts'
import { renderMandelbrotTile } from '../kernels/mandelbrot/reference.ts'
import type { ComputeKernel } from './compute/computeWorker.ts'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import { buildTestKernel, type TestKernelBehaviour } from './compute/testKernels.ts'
import { WorkerPool, type WorkerPoolEvent } from './WorkerPool.ts'

// Needs build/wasm/mandelbrot.wasm: run `npm run build:wasm` first.

let pool: WorkerPool | undefined

afterEach(() => {
  pool?.dispose()
  pool = undefined
})

function createPool(parameters: ConstructorParameters<typeof WorkerPool>[0]): WorkerPool {
  pool = new WorkerPool(parameters)
  return pool
}

async function mandelbrotKernel(): Promise<ComputeKernel> {
  const response = await fetch(mandelbrotWasmUrl)
  if (!response.ok)
    throw new Error(`${mandelbrotWasmUrl}: ${response.status}; run npm run build:wasm`)
  const bytes = await response.arrayBuffer()
  return { bytes, sha256: await sha256Hex(bytes) }
}

async function testKernel(run: TestKernelBehaviour): Promise<ComputeKernel> {
  const bytes = buildTestKernel({ run }).buffer
  return { bytes, sha256: await sha256Hex(bytes) }
}

function mandelbrotUnit(index: number) {
  return {
    index,
    count: mandelbrotUnitCount(demoMandelbrotParams),
    params: encodeMandelbrotParams(demoMandelbrotParams),
    input: new Uint8Array(0),
    outputBytes: mandelbrotUnitOutputBytes(demoMandelbrotParams),
  }
}

function echoUnit(first: number) {
  return {
    index: 0,
    count: 1,
    params: new Uint8Array(0),
    input: new Uint8Array([first, 2, 3]),
    outputBytes: 3,
  }
}

function collectEvents(target: WorkerPool): WorkerPoolEvent[] {
  const events: WorkerPoolEvent[] = []
  target.onChange((event) => events.push(event))
  return events
}

describe('WorkerPool', () => {
  test('mandelbrot tiles computed in workers equal the reference', async () => {
    const pool = createPool({ size: 2 })
    await pool.load(await mandelbrotKernel())
    const indices = [0, 27, 35, 63]
    const results = await Promise.all(
      indices.map((index) => pool.run(mandelbrotUnit(index), { timeLimitMs: 30_000 })),
    )
    results.forEach(({ output, kernelMs }, i) => {
      const expected = renderMandelbrotTile(demoMandelbrotParams, indices[i]!)
      expect(output.length).toBe(expected.length)
      expect(output.findIndex((byte, j) => byte !== expected[j])).toBe(-1)
      expect(kernelMs).toBeGreaterThan(0)
    })
    expect(pool.stats).toMatchObject({ size: 2, unitsRun: 4, unitsFailed: 0, busy: 0 })
  })

  test('a kernel whose bytes do not match its hash is refused', async () => {
    const pool = createPool({ size: 2 })
    const { bytes } = await mandelbrotKernel()
    await expect(pool.load({ bytes, sha256: 'ab'.repeat(32) })).rejects.toMatchObject({
      code: 'kernel/hash-mismatch',
    })
    await expect(pool.run(mandelbrotUnit(0), { timeLimitMs: 1000 })).rejects.toMatchObject({
      code: 'kernel/not-loaded',
    })
  })

  test('kernel errors keep their code across the worker boundary', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('trap'))
    await expect(pool.run(echoUnit(0), { timeLimitMs: 5000 })).rejects.toMatchObject({
      code: 'kernel/trap',
      name: 'KernelTrapError',
    })
    await pool.load(await testKernel({ returns: 9 }))
    await expect(pool.run(echoUnit(0), { timeLimitMs: 5000 })).rejects.toMatchObject({
      code: 'kernel/run-failed',
    })
  })

  test('a unit over its time limit is rejected, its worker replaced, and the pool goes on', async () => {
    const pool = createPool({ size: 1 })
    const events = collectEvents(pool)
    await pool.load(await testKernel('spin-if-input'))
    await expect(pool.run(echoUnit(1), { timeLimitMs: 300 })).rejects.toMatchObject({
      code: 'unit/time-limit',
    })
    expect(events).toContainEqual({ type: 'worker-replaced', slot: 0, reason: 'time-limit' })
    // The fresh worker got the kernel without being asked.
    const { output } = await pool.run(echoUnit(0), { timeLimitMs: 5000 })
    expect([...output]).toEqual([0, 2, 3])
    expect(pool.stats).toMatchObject({ unitsRun: 1, unitsFailed: 1 })
  })

  test('the page stays responsive while a worker spins', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('spin'))
    const spinning = pool.run(echoUnit(0), { timeLimitMs: 1500 }).catch((error: unknown) => error)
    const busyWhenTimerFired = await new Promise<number>((resolve) =>
      setTimeout(() => resolve(pool.busy), 50),
    )
    expect(busyWhenTimerFired).toBe(1)
    expect(await spinning).toMatchObject({ code: 'unit/time-limit' })
  })

  test('setCpuShare changes the rest between units while the pool runs', async () => {
    const pool = createPool({ size: 1, cpuShare: 1 })
    const events = collectEvents(pool)
    await pool.load(await mandelbrotKernel())
    await pool.run(mandelbrotUnit(27), { timeLimitMs: 30_000 })

    pool.setCpuShare(0.5)
    // The share is read when a unit ends: a change made after unit 2 applies to unit 3's rest.
    const unsubscribe = pool.onChange((event) => {
      if (event.type === 'unit-done' && pool.cpuShare === 0.5) pool.setCpuShare(0.25)
    })
    await Promise.all([27, 28, 35].map((i) => pool.run(mandelbrotUnit(i), { timeLimitMs: 30_000 })))
    unsubscribe()
    await new Promise<void>((resolve) => pool.onChange((e) => e.type === 'rest-done' && resolve()))

    const done = events.filter((e) => e.type === 'unit-done')
    expect(done).toHaveLength(4)
    const [first, second, third, fourth] = done
    expect(first!.restMs).toBe(0)
    expect(second!.restMs).toBeCloseTo(second!.runMs, 6)
    expect(third!.restMs).toBeCloseTo(third!.runMs * 3, 6)
    expect(fourth!.restMs).toBeCloseTo(fourth!.runMs * 3, 6)

    // Each rest was taken in full before the next unit started.
    const order = events
      .filter((e) => e.type === 'unit-done' || e.type === 'rest-done')
      .map((e) => e.type)
    expect(order).toEqual([
      'unit-done',
      'unit-done',
      'rest-done',
      'unit-done',
      'rest-done',
      'unit-done',
      'rest-done',
    ])
    for (const rest of events.filter((e) => e.type === 'rest-done')) {
      expect(rest.restedMs).toBeGreaterThanOrEqual(rest.plannedMs - 1)
    }
  })

  test('an invalid CPU share is refused', () => {
    const pool = createPool({ size: 1 })
    for (const share of [0, 0.05, 1.5, Number.NaN])
      expect(() => pool.setCpuShare(share)).toThrow(
        expect.objectContaining({ code: 'pool/invalid-cpu-share' }),
      )
    expect(() => new WorkerPool({ size: 1, cpuShare: 2 })).toThrow(
      expect.objectContaining({ code: 'pool/invalid-cpu-share' }),
    )
  })

  test('dispose rejects running and queued units', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('spin'))
    const units = [1, 2, 3].map(() =>
      pool.run(echoUnit(0), { timeLimitMs: 60_000 }).catch((error: unknown) => error),
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    pool.dispose()
    for (const error of await Promise.all(units))
      expect(error).toMatchObject({ code: 'pool/disposed' })
    await expect(pool.run(echoUnit(0), { timeLimitMs: 1000 })).rejects.toMatchObject({
      code: 'pool/disposed',
    })
  })
})
