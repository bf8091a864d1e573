import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sha256Hex } from '../../crypto/sha256Hex.ts'
import { packParams } from '../../tasks/packParams.ts'
import { GpuUnitRunner } from './GpuUnitRunner.ts'

// The volunteer's GPU runner, in a page with its real dedicated worker, on SwiftShader.

const doubling = `
struct Uniforms { unitIndex: u32, unitCount: u32, inputBytes: u32, workgroupOffset: u32, k: u32 }
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;
@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let i = (uniforms.workgroupOffset + group.x) * 32u + local;
  if (i >= uniforms.inputBytes / 4u) { return; }
  output[i] = input[i] * uniforms.k + uniforms.unitIndex;
}`

// Each invocation spins k rounds of an LCG: a shader that runs as long as one likes. SwiftShader
// has no GPU watchdog: work already submitted runs to its end even after its device is destroyed,
// so the test's runaway lasts seconds, not forever (a real GPU's driver resets a shader that
// hangs, which the runner sees as device loss).
const spinning = `
struct Uniforms { unitIndex: u32, unitCount: u32, inputBytes: u32, workgroupOffset: u32, k: u32 }
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@group(0) @binding(2) var<uniform> uniforms: Uniforms;
@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let i = (uniforms.workgroupOffset + group.x) * 32u + local;
  if (i >= uniforms.inputBytes / 4u) { return; }
  var x = input[i];
  for (var round = 0u; round < uniforms.k; round++) { x = x * 1664525u + 1013904223u; }
  output[i] = x;
}`

async function kernel(source: string) {
  const bytes = new TextEncoder().encode(source).buffer
  return {
    bytes,
    sha256: await sha256Hex(bytes),
    entry: 'main',
    workgroupSize: [32, 1, 1] as [number, number, number],
    elementsPerInvocation: 1,
  }
}

let runner: GpuUnitRunner

beforeAll(async () => {
  runner = await GpuUnitRunner.start({ allowFallbackAdapter: true, maxSliceMs: 0.2 })
})

afterAll(() => runner.dispose())

describe('GpuUnitRunner', () => {
  test('says which adapter it got, and measures it', async () => {
    expect(runner.adapter.isFallbackAdapter).toBe(true)
    expect(await runner.calibrate()).toBeGreaterThan(0)
  })

  test('runs units of a manifest WGSL kernel, sliced, at any GPU share', async () => {
    await runner.load(await kernel(doubling))
    const input = new Uint32Array(5000).map((_, i) => i)
    const params = packParams([{ name: 'k', type: 'u32', value: 3 }])
    for (const share of [1, 0.5]) {
      runner.setGpuShare(share)
      const { output, kernelMs } = await runner.run(
        { index: 7, count: 9, params, input: new Uint8Array(input.buffer), outputBytes: 20_000 },
        { timeLimitMs: 30_000 },
      )
      expect(kernelMs).toBeGreaterThan(0)
      expect([...new Uint32Array(output.slice().buffer)]).toEqual([...input].map((x) => x * 3 + 7))
    }
  })

  test('refuses a kernel whose bytes are not the announced ones, and keeps none loaded', async () => {
    const good = await kernel(doubling)
    await expect(runner.load({ ...good, sha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'kernel/hash-mismatch',
    })
    await expect(
      runner.run(
        {
          index: 0,
          count: 1,
          params: new Uint8Array(16),
          input: new Uint8Array(4),
          outputBytes: 4,
        },
        { timeLimitMs: 1000 },
      ),
    ).rejects.toMatchObject({ code: 'kernel/not-loaded' })
  })

  test('reports WGSL compile errors with line and column', async () => {
    const broken = await kernel(doubling.replace('output[i] =', 'output[i] = nope +'))
    await expect(runner.load(broken)).rejects.toMatchObject({
      code: 'kernel/wgsl-compile',
      details: expect.stringMatching(/^\d+:\d+ .*nope/m),
    })
  })

  test('a GPU share outside 0.1..1 is refused', () => {
    expect(() => runner.setGpuShare(0)).toThrow(
      expect.objectContaining({ code: 'webgpu/invalid-share' }),
    )
  })

  test('a shader that runs past its time limit is stopped, the page stays responsive, and the next unit runs on a fresh device', async () => {
    await runner.load(await kernel(spinning))
    runner.setGpuShare(1)
    const input = new Uint32Array(4096).map((_, i) => i)
    const unit = (k: number) => ({
      index: 0,
      count: 1,
      params: packParams([{ name: 'k', type: 'u32', value: k }]),
      input: new Uint8Array(input.buffer),
      outputBytes: input.byteLength,
    })
    // The main thread's timers keep firing while the GPU spins.
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const started = performance.now()
    await expect(runner.run(unit(400_000), { timeLimitMs: 400 })).rejects.toMatchObject({
      code: 'unit/time-limit',
    })
    const stoppedAfterMs = performance.now() - started
    clearInterval(ticker)
    expect(stoppedAfterMs).toBeLessThan(5_000)
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(stoppedAfterMs / 20 / 4))

    // Two LCG rounds, checked on the CPU.
    const { output } = await runner.run(unit(2), { timeLimitMs: 60_000 })
    const lcg = (x: number) => (Math.imul(x, 1664525) + 1013904223) >>> 0
    expect([...new Uint32Array(output.slice().buffer)]).toEqual([...input].map((x) => lcg(lcg(x))))
  }, 120_000)
})
