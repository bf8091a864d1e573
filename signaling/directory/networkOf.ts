import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network an address belongs to, for per-network quotas: its `/24` for IPv4, its `/48` for
 * IPv6 (what one site or customer is usually given), e.g. `203.0.113.0/24`, `2001:db8:1::/48`.
 * IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`, what a dual-stack socket reports) count as
 * IPv4. Anything else (no address known) is its own network.
 *
 * @example
 * networkOf('::ffff:127.0.0.9') // '127.0.0.0/24'
 */
export function networkOf(address: string): string {
  const ipv4 = ipv4Of(address)
  if (ipv4 !== undefined) return `${ipv4.split('.').slice(0, 3).join('.')}.0/24`
  if (!isIPv6(address)) return address
  const groups = expandIPv6(address)
  return `${groups
    .slice(0, 3)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`
}

/**
 * The address in its usual form: IPv4-mapped IPv6 as IPv4, IPv6 lowercased and without a zone,
 * so that one host is one key whichever way its socket reports it.
 */
export function normalizeAddress(address: string): string {
  const ipv4 = ipv4Of(address)
  if (ipv4 !== undefined) return ipv4
  const withoutZone = address.replace(/%.*$/, '')
  return isIPv6(withoutZone) ? withoutZone.toLowerCase() : address
}

function ipv4Of(address: string): string | undefined {
  if (isIPv4(address)) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  return mapped !== undefined && isIPv4(mapped) ? mapped : undefined
}

/** The eight 16-bit groups, in hex; an embedded IPv4 tail counts as the last two. */
function expandIPv6(address: string): string[] {
  let text = address.replace(/%.*$/, '').toLowerCase()
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right]
}
