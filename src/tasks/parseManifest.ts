import { ManifestError } from './errors.ts'
import type { Manifest } from './manifestSchema.ts'
import { validateManifest } from './validateManifest.ts'

/**
 * Reads a manifest file's text: JSON syntax errors and every schema or cross-field problem come
 * back as one `task/invalid-manifest` error listing them by path.
 *
 * @example
 * const manifest = parseManifest(await manifestFile.text())
 */
export function parseManifest(text: string): Manifest {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ManifestError([
      { path: '', message: `Not valid JSON: ${error instanceof Error ? error.message : error}` },
    ])
  }
  return validateManifest(value)
}
