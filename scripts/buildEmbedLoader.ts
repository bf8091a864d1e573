import { resolve } from 'node:path'
import { build, type Rolldown } from 'vite'

/**
 * Builds embed.js in memory with vite.embed.config.ts and returns its code: for the dev server,
 * which has no dist/, and for the test of the loader's size budget.
 */
export async function buildEmbedLoader(): Promise<string> {
  const result = await build({
    configFile: resolve(import.meta.dirname, '../vite.embed.config.ts'),
    logLevel: 'warn',
    build: { write: false },
  })
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[]
  const chunks = outputs.flatMap((output) => output.output)
  if (chunks.length !== 1 || chunks[0]?.type !== 'chunk')
    throw new Error(`embed.js must build to one chunk, got ${chunks.map((c) => c.fileName)}`)
  return chunks[0].code
}
