import { readFile } from 'node:fs/promises'
import { instantiateWasmKernel, validateWasmKernel } from '../wasmAbi.ts'

/**
 * The kernel `npm run build:wasm` built from `assembly/<name>.ts`, checked against the WASM ABI
 * and instantiated as a volunteer's worker would: for Node tests.
 *
 * @example
 * beforeAll(async () => (instance = await instantiateBuiltKernel('montecarlo')))
 */
export async function instantiateBuiltKernel(name: string): Promise<WebAssembly.Instance> {
  const url = new URL(`../../../build/wasm/${name}.wasm`, import.meta.url)
  const bytes = await readFile(url).catch(() => {
    throw new Error(`${url.pathname} is missing: run \`npm run build:wasm\` first`)
  })
  const module = await WebAssembly.compile(bytes)
  validateWasmKernel(module)
  return instantiateWasmKernel(module)
}
