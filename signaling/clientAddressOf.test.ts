import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientAddressOf } from './clientAddressOf.ts'

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage
}

describe('clientAddressOf', () => {
  it('is the TCP peer when no proxy is trusted, whatever the header says', () => {
    expect(clientAddressOf(request('198.51.100.4', '203.0.113.7'), [])).toBe('198.51.100.4')
    expect(clientAddressOf(request('::ffff:198.51.100.4'), [])).toBe('198.51.100.4')
  })

  it('takes the address a trusted proxy recorded, not what the client wrote before it', () => {
    const proxies = ['10.0.0.2', '10.0.0.3']
    // The client claimed 1.2.3.4; the first proxy appended the real address, the second its own.
    const req = request('::ffff:10.0.0.3', '1.2.3.4, 203.0.113.7, 10.0.0.2')
    expect(clientAddressOf(req, proxies)).toBe('203.0.113.7')
    expect(clientAddressOf(request('10.0.0.2', '2001:db8::1'), proxies)).toBe('2001:db8::1')
  })

  it('falls back to the proxy itself when the header is missing or malformed', () => {
    expect(clientAddressOf(request('10.0.0.2'), ['10.0.0.2'])).toBe('10.0.0.2')
    expect(clientAddressOf(request('10.0.0.2', 'not-an-ip'), ['10.0.0.2'])).toBe('10.0.0.2')
    expect(clientAddressOf(request('10.0.0.2', '203.0.113.7, junk'), ['10.0.0.2'])).toBe('10.0.0.2')
  })
})
