import { mandelbrotCatalogueEntry } from '../mandelbrot/catalogue.ts'
import type { CatalogueEntry } from './CatalogueEntry.ts'

/**
 * The built-in jobs of the requester page, in the order shown. Each kernel folder exports its
 * entry from `src/kernels/<name>/catalogue.ts`; add it here.
 */
export const catalogue: readonly CatalogueEntry[] = [mandelbrotCatalogueEntry]

/** The entry with this id, if the catalogue has it. */
export function catalogueEntry(id: string | undefined): CatalogueEntry | undefined {
  return catalogue.find((entry) => entry.id === id)
}
