import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/**
 * The address a request comes from, for per-address limits: the TCP peer's, or, when that peer
 * is one of `trustedProxies` (the load balancers in front of this node), the address the proxies
 * recorded in `X-Forwarded-For`: the rightmost entry that is not itself a trusted proxy. Entries
 * a client wrote (to the left) are never believed. IPv4-mapped IPv6 counts as IPv4.
 *
 * @example
 * clientAddressOf(req, ['10.0.0.2']) // '203.0.113.7' for a request from 10.0.0.2 forwarded for it
 */
export function clientAddressOf(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = unmapped(req.socket.remoteAddress ?? 'unknown')
  if (!trustedProxies.includes(peer)) return peer
  const header = req.headers['x-forwarded-for']
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => unmapped(entry.trim()))
  for (let i = forwarded.length - 1; i >= 0; i -= 1) {
    const entry = forwarded[i]!
    if (isIP(entry) === 0) break
    if (!trustedProxies.includes(entry)) return entry
  }
  return peer
}

function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}
