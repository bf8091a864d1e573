/** The rows a table shows, and how many more there are. */
export type Capped<T> = { shown: T[]; more: number }

/**
 * The first `limit` rows: a job with thousands of volunteers must not make thousands of table
 * rows, each rendered again on every progress event.
 */
export function capRows<T>(rows: readonly T[], limit: number): Capped<T> {
  return { shown: rows.slice(0, limit), more: Math.max(0, rows.length - limit) }
}
