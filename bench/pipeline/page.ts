import { hostApi } from './host.ts'
import { volunteerApi } from './volunteer.ts'

/**
 * The pipeline bench page: the host tab and the volunteer tabs load the same page, and run.ts
 * calls `window.bench.*` on each.
 */
export const bench = {
  ...hostApi,
  ...volunteerApi,
  gc: () => (globalThis as { gc?: () => void }).gc?.(),
}
export type BenchApi = typeof bench

Object.assign(globalThis, { bench })
