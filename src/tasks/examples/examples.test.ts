import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import binaryen from 'binaryen'
import { referenceHits } from './monteCarloPiReference.ts'
import { describe, expect, test } from 'vitest'
import { instantiateWasmKernel, runWasmUnit, validateWasmKernel } from '../../kernels/wasmAbi.ts'
import { assembleOutputs } from '../assembleOutputs.ts'
import { packParams } from '../packParams.ts'
import { parseManifest } from '../parseManifest.ts'
import { planUnits } from '../planUnits.ts'

// The worked examples of docs/task-api.md: valid manifests, kernels that match their hashes,
// and a WASM kernel written from the document alone (WAT, not AssemblyScript) that runs
// through the project's WASM ABI and agrees with a reference built on unitRandom.ts.

const read = (name: string) => readFileSync(new URL(name, import.meta.url))
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

function buildWat(text: string): Uint8Array<ArrayBuffer> {
  const module = binaryen.parseText(text)
  try {
    expect(module.validate()).toBeTruthy()
    return new Uint8Array(module.emitBinary())
  } finally {
    module.dispose()
  }
}

describe('task API examples', () => {
  test('scale and offset: the manifest is valid and names the WGSL file by its hash', () => {
    const manifest = parseManifest(read('scaleOffset.manifest.json').toString())
    expect(manifest.kernels[0]?.sha256).toBe(sha256(read('scaleOffset.wgsl')))
    const plan = planUnits(manifest, 4 * 100_000)
    expect(plan.unitCount).toBe(2)
    expect(plan.outputBytes(1)).toBe(4 * (100_000 - 65536))
    expect(packParams(manifest.params).length).toBe(16)
  })

  test('docs/task-api.md shows the whole Monte Carlo pi module, as the file has it', () => {
    const docs = readFileSync(new URL('../../../docs/task-api.md', import.meta.url), 'utf8')
    const shown = /`monteCarloPi\.wat`, the whole module[^]*?```wat\n([^]*?)```/.exec(docs)?.[1]
    expect(shown).toBe(read('monteCarloPi.wat').toString())
  })

  test('Monte Carlo pi: the WAT kernel runs through the WASM ABI and matches its reference', async () => {
    const manifest = parseManifest(read('monteCarloPi.manifest.json').toString())
    const kernel = buildWat(read('monteCarloPi.wat').toString())
    const module = await WebAssembly.compile(kernel)
    validateWasmKernel(module)
    const instance = await instantiateWasmKernel(module)
    const samples = 20_000
    const params = packParams(
      manifest.params.map((p) => (p.name === 'samples' ? { ...p, value: samples } : p)),
    )
    const unitCount = 8
    const results = Array.from({ length: unitCount }, (_, index) => {
      const { output } = runWasmUnit(instance, {
        index,
        count: unitCount,
        params,
        input: new Uint8Array(0),
        outputBytes: 4,
      })
      expect(new DataView(output.buffer).getUint32(0, true)).toBe(referenceHits(42, index, samples))
      return output
    })
    const total = assembleOutputs(manifest.output.assemble, results)
    const pi = (4 * new DataView(total.buffer).getUint32(0, true)) / (samples * unitCount)
    expect(pi).toBeCloseTo(Math.PI, 1)
  })
})
