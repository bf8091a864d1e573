import { verifyMessage } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { createBindingMessage, createBindingNonce } from '../rewards/bindingMessage.ts'
import { verifyBinding } from '../rewards/verifyBinding.ts'
import { createKeyWallet } from './createKeyWallet.ts'

const source = 'VOLUNTEER_WALLET_KEY'
const siteUrl = 'http://127.0.0.1:5173'

describe('createKeyWallet', () => {
  test("its binding for a peer id is one a host's verifyBinding accepts", async () => {
    const key = generatePrivateKey()
    const wallet = createKeyWallet({ privateKey: key, source, siteUrl })
    expect(wallet.address).toBe(privateKeyToAccount(key).address)
    const signer = wallet.forPeer('peer-a')
    expect(signer).toMatchObject({ domain: '127.0.0.1:5173', uri: siteUrl, peerId: 'peer-a' })
    const nonce = createBindingNonce()
    const message = createBindingMessage({
      domain: signer.domain,
      uri: signer.uri,
      address: signer.address()!,
      chainId: 31337,
      nonce,
      peerId: signer.peerId,
    })
    const bound = await verifyBinding({
      message,
      signature: await signer.sign(message),
      expected: { domains: ['127.0.0.1:5173'], chainId: 31337, peerId: 'peer-a', nonce },
      verifySignature: (args) => verifyMessage(args),
    })
    expect(bound).toBe(wallet.address)
  })

  test('takes the key without 0x, in capitals, with a trailing newline', () => {
    const key = generatePrivateKey()
    const wallet = createKeyWallet({
      privateKey: `${key.slice(2).toUpperCase()}\n`,
      source,
      siteUrl,
    })
    expect(wallet.address).toBe(privateKeyToAccount(key).address)
  })

  test.each([
    ['', /it has 0 digits/],
    ['0x1234', /it has 4 digits/],
    [`0x${'g'.repeat(64)}`, /holds other characters/],
    [`0x${'0'.repeat(64)}`, /not a valid secp256k1 private key/],
    [`0x${'f'.repeat(64)}`, /not a valid secp256k1 private key/],
  ])('%j is a wallet/key error naming the source, not the key', (privateKey, message) => {
    let error: unknown
    try {
      createKeyWallet({ privateKey, source, siteUrl })
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'wallet/key', message: expect.stringMatching(message) })
    expect((error as Error).message).toMatch(/^VOLUNTEER_WALLET_KEY /)
    expect((error as Error).cause).toBeUndefined()
    expect((error as Error).message).not.toMatch(/\d{20}|ffffffff|gggggggg/)
  })
})
