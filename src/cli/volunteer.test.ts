import { describe, expect, test } from 'vitest'
import type { Io } from './commandLine.ts'
import { main } from './main.ts'

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let out = ''
  let err = ''
  const io: Io = {
    out: { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WriteStream,
    err: { write: (text: string) => ((err += text), true) } as unknown as NodeJS.WriteStream,
    env,
  }
  const code = await main(argv, io)
  return { code, out, err }
}

describe('volunteer-compute volunteer: the wallet key', () => {
  test.each([
    ['too short', '0x1234', /VOLUNTEER_WALLET_KEY must be a private key in hex .* it has 4 digits/],
    ['not hex', `0x${'zz'.repeat(32)}`, /VOLUNTEER_WALLET_KEY .* holds other characters/],
    ['zero', `0x${'0'.repeat(64)}`, /VOLUNTEER_WALLET_KEY is not a valid secp256k1 private key/],
    ['above the curve order', `0x${'f'.repeat(64)}`, /not a valid secp256k1 private key/],
  ])(
    'a key %s exits 2 before anything starts, and names it without printing it',
    async (_, key, message) => {
      const { code, out, err } = await run(['volunteer', '--identity', '/nonexistent/id.json'], {
        VOLUNTEER_WALLET_KEY: key,
      })
      expect(code).toBe(2)
      expect(err).toMatch(message)
      expect(out + err).not.toContain(key.slice(2, 10))
      // viem's own message quotes the key in decimal.
      expect(out + err).not.toMatch(/\d{20}/)
    },
  )

  test('a bad --site exits 2', async () => {
    const { code, err } = await run(['volunteer', '--site', 'ftp://example.org'], {
      VOLUNTEER_WALLET_KEY: `0x${'11'.repeat(32)}`,
    })
    expect(code).toBe(2)
    expect(err).toMatch(/--site must be an http\(s\) URL, not 'ftp:\/\/example.org'/)
  })

  test('--help names the variable', async () => {
    const { out } = await run(['volunteer', '--help'])
    expect(out).toMatch(/VOLUNTEER_WALLET_KEY/)
    expect(out).toMatch(/--status-dir DIR/)
  })
})
