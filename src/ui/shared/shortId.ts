/**
 * The first characters of a long id (an identity, a peer id, a hash): enough to tell the ids on
 * one page apart. Show the whole id in a `title`.
 *
 * @example
 * shortId('k3JdX9aQ2LmPz81') // 'k3JdX9aQ2L…'
 */
export function shortId(id: string, length = 10): string {
  return id.length > length ? `${id.slice(0, length)}…` : id
}
