// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { networkOf, normalizeAddress } from './networkOf.ts'

describe('networkOf', () => {
  it('takes the /24 of an IPv4 address, mapped or not', () => {
    expect(networkOf('203.0.113.7')).toBe('203.0.113.0/24')
    expect(networkOf('::ffff:127.0.0.9')).toBe('127.0.0.0/24')
    expect(networkOf('::FFFF:10.1.2.3')).toBe('10.1.2.0/24')
  })

  it('takes the /48 of an IPv6 address, however it is written', () => {
    expect(networkOf('2001:db8:1:2::7')).toBe('2001:db8:1::/48')
    expect(networkOf('2001:0DB8:0001:ffff:0:0:0:1')).toBe('2001:db8:1::/48')
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0::/48')
    expect(networkOf('::1')).toBe('0:0:0::/48')
    expect(networkOf('fe80::1%eth0')).toBe('fe80:0:0::/48')
    expect(networkOf('64:ff9b::192.0.2.33')).toBe('64:ff9b:0::/48')
  })

  it('keeps anything else as its own network', () => {
    expect(networkOf('unknown')).toBe('unknown')
  })
})

describe('normalizeAddress', () => {
  it('writes one host one way', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1')
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1')
    expect(normalizeAddress('unknown')).toBe('unknown')
  })
})
