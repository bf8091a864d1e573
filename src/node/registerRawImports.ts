import { register } from 'node:module'

// Vite's `?raw`: the file's text as the default export.
const hooks = `
import { readFile } from 'node:fs/promises'
export async function resolve(specifier, context, next) {
  if (!specifier.endsWith('?raw')) return next(specifier, context)
  const resolved = await next(specifier.slice(0, -'?raw'.length), context)
  return { url: resolved.url + '?raw', shortCircuit: true }
}
export async function load(url, context, next) {
  if (!url.endsWith('?raw')) return next(url, context)
  const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8')
  return { format: 'module', source: 'export default ' + JSON.stringify(text), shortCircuit: true }
}
`

let registered = false

/**
 * Lets Node import a file's text the way Vite does, `import source from './kernel.wgsl?raw'`,
 * so that modules written for the browser build (the WGSL kernels' programs) load in Node too.
 * Registers module hooks for this thread; modules imported after it see them.
 *
 * @example
 * registerRawImports()
 * const { createGpuComputeApi } = await import('../workers/webgpu/createGpuComputeApi.ts')
 */
export function registerRawImports(): void {
  if (registered) return
  registered = true
  register(`data:text/javascript,${encodeURIComponent(hooks)}`)
}
