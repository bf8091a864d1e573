import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { expect, test, type Page } from '@playwright/test'
import binaryen from 'binaryen'
import {
  chromiumArgs,
  chromiumExecutablePath,
  noBackgroundThrottlingArgs,
  swiftShaderWebGpuArgs,
} from '../support/chromium.ts'
import { openRequester, openVolunteer, startDonating, stat } from './support.ts'

// A requester's own job, written only from docs/task-api.md (a WGSL kernel and a hand-written
// WAT module, neither from this project's kernels), going through the upload page: checks, dry
// run of unit 0 on the requester's device, publish, three volunteers, verified output. The
// browsers get SwiftShader's WebGPU, so the requester can compile and dry-run the WGSL.

const executablePath = chromiumExecutablePath()
test.use({
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: [...chromiumArgs, ...noBackgroundThrottlingArgs, ...swiftShaderWebGpuArgs],
  },
})

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

function buildWat(text: string): Buffer {
  const module = binaryen.parseText(text)
  try {
    if (!module.validate()) throw new Error('invalid WAT fixture')
    return Buffer.from(module.emitBinary())
  } finally {
    module.dispose()
  }
}

const wgsl = fixture('collatz.wgsl')
const wasm = buildWat(fixture('collatz.wat'))
const items = 50_000
const maxSteps = 1000
const input = Buffer.from(new Uint32Array(items).map((_, i) => (i * 7919 + 1) >>> 0).buffer)

/** The job's output computed here: Collatz steps of every item, in u32 arithmetic. */
function referenceOutput(): Buffer {
  const values = new Uint32Array(input.buffer, input.byteOffset, items)
  const steps = values.map((value) => {
    let n = value
    let count = 0
    while (n > 1 && count < maxSteps) {
      n = n % 2 === 0 ? n >>> 1 : (Math.imul(n, 3) + 1) >>> 0
      count++
    }
    return count
  })
  return Buffer.from(steps.buffer)
}

function manifest(kernels: ('wgsl' | 'wasm')[], overrides: Record<string, unknown> = {}) {
  const all = {
    wgsl: { kind: 'wgsl', sha256: sha256(wgsl), entry: 'main', workgroupSize: [64] },
    wasm: { kind: 'wasm', sha256: sha256(wasm) },
  }
  return JSON.stringify(
    {
      manifestVersion: 1,
      name: `Collatz steps (${kernels.join(' + ')})`,
      kernels: kernels.map((kind) => all[kind]),
      units: { mode: 'split', itemBytes: 4, itemsPerUnit: 4096 },
      params: [{ name: 'maxSteps', type: 'u32', value: maxSteps }],
      output: { bytesPerItem: 4 },
      comparison: { mode: 'exact' },
      replication: { quorum: 2 },
      limits: { timeLimitMs: 20_000, memoryBytes: 1048576 },
      ...overrides,
    },
    null,
    2,
  )
}

type Upload = { manifest: string; wgsl?: string; wasm?: Buffer; input?: Buffer }

async function fillUpload(requester: Page, upload: Upload): Promise<void> {
  if (upload.wgsl !== undefined)
    await requester.locator('#wgsl-file').setInputFiles({
      name: 'kernel.wgsl',
      mimeType: 'text/plain',
      buffer: Buffer.from(upload.wgsl),
    })
  if (upload.wasm)
    await requester.locator('#wasm-file').setInputFiles({
      name: 'kernel.wasm',
      mimeType: 'application/wasm',
      buffer: upload.wasm,
    })
  if (upload.input)
    await requester.locator('#input-file').setInputFiles({
      name: 'input.bin',
      mimeType: 'application/octet-stream',
      buffer: upload.input,
    })
  await requester.getByLabel('Manifest (JSON)').fill(upload.manifest)
  await requester.getByRole('button', { name: 'Check and dry run' }).click()
}

const problems = (requester: Page, what: string) =>
  requester.getByRole('alert', { name: `Problems with ${what}` })

test.describe('a requester uploads a job of their own', () => {
  test.afterEach(async ({ browser }) => {
    for (const context of browser.contexts()) await context.close()
  })

  test('WGSL and WAT kernels: checked, dry-run, published, computed by three volunteers', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    await fillUpload(requester, { manifest: manifest(['wgsl', 'wasm']), wgsl, wasm, input })
    await expect(requester.getByText('The WGSL and WASM kernels agree on unit 0.')).toBeVisible({
      timeout: 60_000,
    })
    await expect(requester.getByTestId('dry-run-ms-wgsl')).toBeVisible()
    await expect(requester.getByTestId('dry-run-ms-wasm')).toBeVisible()
    await requester.getByRole('button', { name: 'Publish job' }).click()
    await expect(stat(requester, 'Units total')).toHaveText('13')

    const volunteers = await Promise.all(['B', 'C', 'D'].map((n) => openVolunteer(browser, n)))
    for (const volunteer of volunteers) await startDonating(volunteer)
    const hash = requester.getByTestId('output-sha256')
    await expect(hash).toHaveText(sha256(referenceOutput()), { timeout: 200_000 })
    await expect(stat(requester, 'Validated')).toHaveText('13')
    await expect(stat(requester, 'Flagged volunteers')).toHaveText('0')
  })

  test('a GPU-only job runs on volunteers who let their software adapter take it', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    await fillUpload(requester, { manifest: manifest(['wgsl']), wgsl, input })
    await expect(requester.getByTestId('dry-run-ms-wgsl')).toBeVisible({ timeout: 60_000 })
    await requester.getByRole('button', { name: 'Publish job' }).click()
    await expect(stat(requester, 'Units total')).toHaveText('13')

    const volunteers = await Promise.all(['B', 'C'].map((n) => openVolunteer(browser, n)))
    for (const volunteer of volunteers) {
      await startDonating(volunteer)
      await volunteer.getByLabel(/Let the software WebGPU adapter run jobs/).check()
    }
    const hash = requester.getByTestId('output-sha256')
    await expect(hash).toHaveText(sha256(referenceOutput()), { timeout: 200_000 })
    await expect(stat(requester, 'Validated')).toHaveText('13')
  })

  test('each bad upload gets its own message next to its field', async ({ browser }) => {
    const requester = await openRequester(browser)
    const brokenWgsl = wgsl.replace('var steps = 0u;', 'var steps = 0u\n')
    const noReset = buildWat(fixture('collatz.wat').replace('(export "reset")', ''))
    await fillUpload(requester, {
      manifest: manifest(['wgsl', 'wasm'])
        .replace(sha256(wgsl), sha256(brokenWgsl))
        .replace(sha256(wasm), sha256(noReset)),
      wgsl: brokenWgsl,
      wasm: noReset,
      input: input.subarray(0, 10),
    })
    await expect(problems(requester, 'the WGSL kernel')).toContainText('does not compile', {
      timeout: 60_000,
    })
    // getCompilationInfo's position of the error: line and column.
    await expect(problems(requester, 'the WGSL kernel')).toContainText(/\b2[4-5]:\d+\b/)
    await expect(problems(requester, 'the WASM kernel')).toContainText(
      'does not export function `reset`',
    )
    await expect(problems(requester, 'the input file')).toContainText('2 bytes are left over')
    await expect(requester.getByRole('button', { name: 'Publish job' })).toHaveCount(0)

    await fillUpload(requester, {
      manifest: manifest(['wasm'], { units: { mode: 'split', itemBytes: 0, itemsPerUnit: 1 } }),
      wasm,
      input,
    })
    await expect(problems(requester, 'the manifest')).toContainText('units.itemBytes:')
  })

  test('a kernel that never returns is stopped at its time limit; one that allocates without bound at its memory limit', async ({
    browser,
  }) => {
    const requester = await openRequester(browser)
    const spin = buildWat(fixture('misbehaving.wat').replace('    BODY', '(loop $l (br $l))'))
    const count = (kernel: Buffer, limits: Record<string, number>) =>
      JSON.stringify({
        manifestVersion: 1,
        name: 'misbehaving',
        kernels: [{ kind: 'wasm', sha256: sha256(kernel) }],
        units: { mode: 'count', unitCount: 4 },
        output: { bytesPerUnit: 4 },
        limits,
      })
    await fillUpload(requester, { manifest: count(spin, { timeLimitMs: 1500 }), wasm: spin })
    // The page stays responsive while the kernel spins in its worker.
    await expect(requester.getByText('Running unit 0 on this device…')).toBeVisible()
    const lag = await requester.evaluate(async () => {
      const started = performance.now()
      let worst = 0
      for (let i = 0; i < 10; i++) {
        const before = performance.now()
        await new Promise((resolve) => setTimeout(resolve, 20))
        worst = Math.max(worst, performance.now() - before - 20)
      }
      return { worst, total: performance.now() - started }
    })
    expect(lag.worst).toBeLessThan(200)
    await expect(problems(requester, 'the WASM kernel')).toContainText(
      'longer than its 1500 ms limit',
      { timeout: 30_000 },
    )

    const grow = buildWat(
      fixture('misbehaving.wat').replace(
        '    BODY',
        '(loop $l (if (i32.lt_s (memory.grow (i32.const 16)) (i32.const 0)) (then unreachable)) (br $l))',
      ),
    )
    await fillUpload(requester, {
      manifest: count(grow, { memoryBytes: 8 * 1048576 }),
      wasm: grow,
    })
    await expect(problems(requester, 'the WASM kernel')).toContainText('memory limit', {
      timeout: 30_000,
    })
  })
})
