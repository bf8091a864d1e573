/**
 * The network origin an IP address belongs to, as a key: its IPv4 /24 (`ip4:203.0.113`) or its
 * IPv6 /48 (`ip6:2001:0db8:0001`, three groups of four lower-case hex digits). Those are the
 * smallest blocks one person or household plausibly controls several addresses in: a home or
 * office behind one NAT, a VPS provider's neighbouring addresses, an IPv6 site prefix.
 *
 * IPv6 in any textual form (compressed, zero-padded, with a zone or brackets). An IPv4-mapped
 * address (`::ffff:1.2.3.4`) and a NAT64 one (`64:ff9b::1.2.3.4`) stand for an IPv4 host, so
 * they give that address's /24. An mDNS name (`*.local`), a host name or anything unparseable
 * gives `undefined`: the address is not known.
 *
 * @example
 * originKeyOf('203.0.113.7') // 'ip4:203.0.113'
 * originKeyOf('2001:db8:1::5') // 'ip6:2001:0db8:0001'
 * originKeyOf('::ffff:203.0.113.7') // 'ip4:203.0.113'
 * originKeyOf('4f1c2a3e-5b6d.local') // undefined
 */
export function originKeyOf(address: string): string | undefined {
  const bare = address
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '')
  const ipv4 = parseIpv4(bare)
  if (ipv4) return ipv4Key(ipv4)
  const ipv6 = parseIpv6(bare)
  if (!ipv6) return undefined
  const embedded = embeddedIpv4(ipv6)
  if (embedded) return ipv4Key(embedded)
  return `ip6:${ipv6
    .slice(0, 3)
    .map((group) => group.toString(16).padStart(4, '0'))
    .join(':')}`
}

function ipv4Key(octets: readonly number[]): string {
  return `ip4:${octets.slice(0, 3).join('.')}`
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined
  const octets = parts.map(Number)
  return octets.every((octet) => octet <= 255) ? octets : undefined
}

/** The eight 16-bit groups of an IPv6 address, or undefined. */
function parseIpv6(text: string): number[] | undefined {
  if (!text.includes(':')) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const compressed = halves.length === 2
  const head = groupsOf(halves[0]!, !compressed)
  const tail = compressed ? groupsOf(halves[1]!, true) : []
  if (!head || !tail) return undefined
  const missing = 8 - head.length - tail.length
  if (compressed ? missing < 1 : missing !== 0) return undefined
  return [...head, ...Array<number>(missing).fill(0), ...tail]
}

/** Groups of one side of `::`; a dotted IPv4 may end the address and counts as two groups. */
function groupsOf(side: string, endsAddress: boolean): number[] | undefined {
  if (side === '') return []
  const parts = side.split(':')
  const groups: number[] = []
  for (const [i, part] of parts.entries()) {
    if (endsAddress && i === parts.length - 1 && part.includes('.')) {
      const octets = parseIpv4(part)
      if (!octets) return undefined
      const [a, b, c, d] = octets as [number, number, number, number]
      groups.push((a << 8) | b, (c << 8) | d)
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16))
    } else {
      return undefined
    }
  }
  return groups
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address. */
function embeddedIpv4(groups: readonly number[]): number[] | undefined {
  const [g0, g1, g2, g3, g4, g5] = groups
  const mapped = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0
  if (!mapped && !nat64) return undefined
  const high = groups[6]!
  const low = groups[7]!
  return [high >> 8, high & 0xff, low >> 8, low & 0xff]
}
