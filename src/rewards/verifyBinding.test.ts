import { verifyMessage } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { createBindingMessage, createBindingNonce } from './bindingMessage.ts'
import { verifyBinding } from './verifyBinding.ts'

const volunteer = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())
const now = new Date('2026-11-23T12:00:00Z')
const nonce = createBindingNonce()
const expected = { domains: ['127.0.0.1:5173'], chainId: 31337, peerId: 'peer-a', nonce }
const base = {
  domain: '127.0.0.1:5173',
  uri: 'http://127.0.0.1:5173',
  address: volunteer.address,
  chainId: 31337,
  nonce,
  peerId: 'peer-a',
  now,
}

async function attempt(
  overrides: Partial<typeof base> = {},
  options: { signer?: typeof volunteer; at?: Date } = {},
) {
  const message = createBindingMessage({ ...base, ...overrides })
  const signature = await (options.signer ?? volunteer).signMessage({ message })
  return verifyBinding({
    message,
    signature,
    expected,
    verifySignature: (args) => verifyMessage(args),
    now: options.at ?? new Date(now.getTime() + 1000),
  })
}

describe('verifyBinding', () => {
  test('a fresh message for this site, chain, nonce and peer binds its signer', async () => {
    expect(await attempt()).toBe(volunteer.address)
  })

  test.each([
    ['another site', { domain: 'evil.example' }, 'bind/domain', /signed for the site evil.example/],
    ['another chain', { chainId: 1 }, 'bind/chain', /names chain 1/],
    ['another peer id', { peerId: 'peer-b' }, 'bind/peer', /another volunteer tab/],
    ['an old nonce', { nonce: createBindingNonce() }, 'bind/nonce', /old or unknown nonce/],
  ] as const)(
    'a message for %s is refused with a clear reason',
    async (_, overrides, code, reason) => {
      await expect(attempt(overrides)).rejects.toMatchObject({
        code,
        reason: expect.stringMatching(reason),
      })
    },
  )

  test('an expired message is refused', async () => {
    await expect(attempt({}, { at: new Date(now.getTime() + 6 * 60_000) })).rejects.toMatchObject({
      code: 'bind/expired',
    })
  })

  test("a signature by someone else than the message's address is refused", async () => {
    await expect(attempt({}, { signer: stranger })).rejects.toMatchObject({
      code: 'bind/signature',
      reason: `The signature is not by ${volunteer.address}.`,
    })
  })

  test('a message that is not SIWE is refused as malformed', async () => {
    await expect(
      verifyBinding({
        message: 'hello',
        signature: await volunteer.signMessage({ message: 'hello' }),
        expected,
        verifySignature: (args) => verifyMessage(args),
      }),
    ).rejects.toMatchObject({ code: 'bind/malformed' })
  })
})
