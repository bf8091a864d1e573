import type { CatalogueEntry } from './CatalogueEntry.ts'

/**
 * The built-in jobs of the requester page, in the order shown. Each kernel folder exports its
 * entry from `src/kernels/<name>/catalogue.ts`; add it here.
 */
export const catalogue: readonly CatalogueEntry[] = []
