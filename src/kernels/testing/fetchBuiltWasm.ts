import { readFile } from 'node:fs/promises'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../../..')

/**
 * What `fetch` of a catalogue entry's `?url` import gives in the browser, for Node tests: the
 * URL is a path from the project root, where `npm run build:wasm` put the file.
 *
 * @example
 * const pkg = await createMontecarloPackage({ fetchWasm: fetchBuiltWasm })
 */
export async function fetchBuiltWasm(url: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(path.join(root, url)))
}
