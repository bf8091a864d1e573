import { readFile } from 'node:fs/promises'
import { readWasmMemoryType } from '../limitWasmMemory.ts'
import { instantiateWasmKernel, validateWasmKernel } from '../wasmAbi.ts'

/**
 * The kernel `npm run build:wasm` built from `assembly/<name>.ts`, checked against the WASM ABI
 * and instantiated as a volunteer's worker would (a threaded kernel on a fresh shared memory, or
 * on `memory` to share one between instances): for Node tests.
 *
 * @example
 * beforeAll(async () => (instance = await instantiateBuiltKernel('montecarlo')))
 */
export async function instantiateBuiltKernel(
  name: string,
  memory?: WebAssembly.Memory,
): Promise<WebAssembly.Instance> {
  const url = new URL(`../../../build/wasm/${name}.wasm`, import.meta.url)
  const bytes = await readFile(url).catch(() => {
    throw new Error(`${url.pathname} is missing: run \`npm run build:wasm\` first`)
  })
  const module = await WebAssembly.compile(bytes)
  const { threaded } = validateWasmKernel(module)
  if (!threaded) return instantiateWasmKernel(module)
  const type = readWasmMemoryType(bytes)!
  const shared =
    memory ??
    new WebAssembly.Memory({
      initial: type.minimumPages,
      maximum: type.maximumPages!,
      shared: true,
    })
  return instantiateWasmKernel(module, shared)
}
