import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, test } from 'vitest'
import { sha256Hex } from '../crypto/sha256Hex.ts'
import {
  demoMandelbrotParams,
  encodeMandelbrotParams,
  mandelbrotUnitCount,
  mandelbrotUnitOutputBytes,
} from '../kernels/mandelbrot/params.ts'
import { renderMandelbrotTile } from '../kernels/mandelbrot/reference.ts'
import type { ComputeKernel } from '../workers/compute/createComputeApi.ts'
import { buildTestKernel, type TestKernelBehaviour } from '../workers/compute/testKernels.ts'
import { UnitTimeLimitError } from '../workers/errors.ts'
import type { WorkerPool, WorkerPoolEvent } from '../workers/WorkerPool.ts'
import { createNodeWorkerPool } from './createNodeWorkerPool.ts'

// Needs build/wasm/mandelbrot.wasm: run `npm run build:wasm` first. Each worker thread loads its
// entry through tsx, which takes a moment on a busy machine: hence the generous limits.

let pool: WorkerPool | undefined

afterEach(() => {
  pool?.dispose()
  pool = undefined
})

function createPool(parameters: Parameters<typeof createNodeWorkerPool>[0]): WorkerPool {
  pool = createNodeWorkerPool(parameters)
  return pool
}

async function mandelbrotKernel(): Promise<ComputeKernel> {
  const url = new URL('../../build/wasm/mandelbrot.wasm', import.meta.url)
  const file = await readFile(url).catch(() => {
    throw new Error(`${url.pathname} is missing: run \`npm run build:wasm\` first`)
  })
  const bytes = new Uint8Array(file).buffer
  return { bytes, sha256: await sha256Hex(bytes) }
}

async function testKernel(run: TestKernelBehaviour, memoryBytes?: number): Promise<ComputeKernel> {
  const bytes = buildTestKernel({ run }).buffer
  const kernel = { bytes, sha256: await sha256Hex(bytes) }
  return memoryBytes === undefined ? kernel : { ...kernel, memoryBytes }
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

describe('createNodeWorkerPool', () => {
  test('defaults to one worker thread per core', () => {
    expect(createPool({}).size).toBeGreaterThanOrEqual(1)
  })

  test('mandelbrot tiles computed on two worker threads equal the reference', async () => {
    const pool = createPool({ size: 2 })
    const events = collectEvents(pool)
    await pool.load(await mandelbrotKernel())
    const indices = [0, 7, 27, 28, 35, 63]
    const results = await Promise.all(
      indices.map((index) => pool.run(mandelbrotUnit(index), { timeLimitMs: 60_000 })),
    )
    results.forEach(({ output, kernelMs }, i) => {
      const expected = renderMandelbrotTile(demoMandelbrotParams, indices[i]!)
      expect(output.length).toBe(expected.length)
      expect(output.findIndex((byte, j) => byte !== expected[j])).toBe(-1)
      expect(kernelMs).toBeGreaterThan(0)
    })
    expect(pool.stats).toMatchObject({ size: 2, unitsRun: 6, unitsFailed: 0, busy: 0 })
    const slots = new Set(events.flatMap((e) => (e.type === 'unit-done' ? [e.slot] : [])))
    expect([...slots].sort()).toEqual([0, 1])
  })

  test('a kernel that never returns is stopped at its time limit and its thread replaced', async () => {
    const pool = createPool({ size: 1 })
    const events = collectEvents(pool)
    await pool.load(await testKernel('spin-if-input'))
    const error = await pool.run(echoUnit(1), { timeLimitMs: 500 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnitTimeLimitError)
    expect(error).toMatchObject({ code: 'unit/time-limit', name: 'UnitTimeLimitError' })
    expect(events).toContainEqual({ type: 'worker-replaced', slot: 0, reason: 'time-limit' })
    // The fresh thread got the kernel without being asked.
    const { output } = await pool.run(echoUnit(0), { timeLimitMs: 30_000 })
    expect([...output]).toEqual([0, 2, 3])
    expect(pool.stats).toMatchObject({ unitsRun: 1, unitsFailed: 1 })
  })

  test('kernel errors keep their code across the thread boundary', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('trap'))
    await expect(pool.run(echoUnit(0), { timeLimitMs: 30_000 })).rejects.toMatchObject({
      code: 'kernel/trap',
      name: 'KernelTrapError',
    })
  })

  test('a kernel that allocates without bound stops at its memory limit', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('grow-forever', 4 * 1024 * 1024))
    for (let round = 0; round < 2; round++)
      await expect(pool.run(echoUnit(0), { timeLimitMs: 30_000 })).rejects.toMatchObject({
        code: 'unit/memory-limit',
        name: 'UnitMemoryLimitError',
      })
    expect(pool.stats).toMatchObject({ unitsRun: 0, unitsFailed: 2 })
  })

  test('the CPU share rests each thread in proportion to its unit', async () => {
    const pool = createPool({ size: 1, cpuShare: 0.5 })
    const events = collectEvents(pool)
    await pool.load(await mandelbrotKernel())
    await Promise.all([27, 35].map((i) => pool.run(mandelbrotUnit(i), { timeLimitMs: 60_000 })))
    await new Promise<void>((resolve) => pool.onChange((e) => e.type === 'rest-done' && resolve()))
    const done = events.filter((e) => e.type === 'unit-done')
    const rests = events.filter((e) => e.type === 'rest-done')
    expect(done).toHaveLength(2)
    for (const unit of done) expect(unit.restMs).toBeCloseTo(unit.runMs, 6)
    expect(rests).toHaveLength(2)
    // Node starts a timer from the event loop's cached clock, which can lag
    // performance.now() by however long the current turn has run, so a rest
    // may measure a few milliseconds short of its plan.
    for (const rest of rests) expect(rest.restedMs).toBeGreaterThanOrEqual(rest.plannedMs - 10)
    expect(events.map((e) => e.type)).toEqual(['unit-done', 'rest-done', 'unit-done', 'rest-done'])
  })

  test('dispose rejects the running unit and stops its thread', async () => {
    const pool = createPool({ size: 1 })
    await pool.load(await testKernel('spin'))
    const running = pool.run(echoUnit(0), { timeLimitMs: 60_000 }).catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 200))
    pool.dispose()
    expect(await running).toMatchObject({ code: 'pool/disposed' })
  })

  test('after a time limit and dispose the process exits by itself', async () => {
    const script = new URL('./testing/runNodePoolOnce.ts', import.meta.url).pathname
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
    expect(stdout.trim().split('\n')).toEqual(['unit/time-limit', '[0,5,6]'])
    expect(exitCode).toBe(0)
  }, 90_000)
})
