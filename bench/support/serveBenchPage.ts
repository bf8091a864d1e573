import os from 'node:os'
import path from 'node:path'
import { build } from 'vite'
import { serveDist } from '../pipeline/harness.ts'

/**
 * Builds a bench's page (`<dir>/index.html` and what it imports, workers as ES modules) into
 * `<dir>/dist` and serves it cross-origin isolated on a free port of 127.0.0.1.
 *
 * @example
 * const site = await serveBenchPage(here)
 * await page.goto(site.url)
 */
export async function serveBenchPage(dir: string, options: { minify?: boolean } = {}) {
  const dist = path.join(dir, 'dist')
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    worker: { format: 'es' },
    build: {
      outDir: dist,
      emptyOutDir: true,
      target: 'es2022',
      ...(options.minify === false && { minify: false }),
    },
  })
  return serveDist(dist)
}

/** The machine's load average over 1, 5 and 15 minutes, as the reports print it. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')
}
