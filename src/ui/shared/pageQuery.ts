/**
 * The page address's query, read and rewritten in place (no navigation): a page keeps what the
 * person asked for in its address, so that a reload or a shared link asks it again. The other
 * parameters (`?signaling=`) stay.
 *
 * @example
 * const job = queryValue(location.search, 'job') ?? ''
 * replaceQuery({ job, unit: '3' })
 */
export function queryValue(search: string, name: string): string | undefined {
  return new URLSearchParams(search).get(name) ?? undefined
}

/** Sets these parameters in the address (an empty value removes one), keeping the others. */
export function replaceQuery(values: Record<string, string>): void {
  const others = [...new URLSearchParams(location.search)].filter(([name]) => !(name in values))
  const named = Object.entries(values).filter(([, value]) => value !== '')
  history.replaceState(null, '', `?${new URLSearchParams([...others, ...named])}`)
}
