import { fractalCatalogueEntry } from '../fractal/catalogue.ts'
import { lennardJonesCatalogueEntry } from '../lennardJones/catalogue.ts'
import { mandelbrotCatalogueEntry } from '../mandelbrot/catalogue.ts'
import { matmulCatalogueEntry } from '../matmul/catalogue.ts'
import { largeMatmulCatalogueEntry } from '../matmul/threadsCatalogue.ts'
import { montecarloCatalogueEntry } from '../montecarlo/catalogue.ts'
import { sha256nonceCatalogueEntry } from '../sha256nonce/catalogue.ts'
import { wordfreqCatalogueEntry } from '../wordfreq/catalogue.ts'
import type { CatalogueEntry } from './CatalogueEntry.ts'

/**
 * The built-in jobs of the requester page, in the order shown. Each kernel folder exports its
 * entry from `src/kernels/<name>/catalogue.ts`; add it here.
 */
export const catalogue: readonly CatalogueEntry[] = [
  mandelbrotCatalogueEntry,
  matmulCatalogueEntry,
  largeMatmulCatalogueEntry,
  lennardJonesCatalogueEntry,
  montecarloCatalogueEntry,
  sha256nonceCatalogueEntry,
  fractalCatalogueEntry,
  wordfreqCatalogueEntry,
]

/** The entry with this id, if the catalogue has it. */
export function catalogueEntry(id: string | undefined): CatalogueEntry | undefined {
  return catalogue.find((entry) => entry.id === id)
}
