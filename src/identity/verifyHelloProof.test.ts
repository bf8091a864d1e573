import { describe, expect, test } from 'vitest'
import { createIdentity } from './createIdentity.ts'
import { helloProofBytes, type HelloProofFields } from './helloProofBytes.ts'
import { verifyHelloProof } from './verifyHelloProof.ts'

const fields: HelloProofFields = {
  jobId: 'job-1',
  hostPeerId: 'host-peer',
  volunteerPeerId: 'volunteer-peer',
  nonce: 'nonce-1',
}

async function signedHello() {
  const { identity } = await createIdentity()
  const signature = await identity.sign(helloProofBytes(fields))
  return { identity, signature, publicKey: identity.publicKey }
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return (error as { code?: unknown }).code
  }
  return 'resolved'
}

async function spkiOf(algorithm: EcKeyGenParams | Algorithm): Promise<Uint8Array> {
  const pair = (await crypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  return new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey))
}

describe('verifyHelloProof', () => {
  test('returns the identity id of a valid proof', async () => {
    const { identity, signature, publicKey } = await signedHello()
    expect(signature).toHaveLength(64)
    await expect(verifyHelloProof({ publicKey, signature, ...fields })).resolves.toBe(identity.id)
  })

  test.each([
    ['nonce', { nonce: 'nonce-2' }],
    ['job', { jobId: 'job-2' }],
    ['host peer id', { hostPeerId: 'other-host' }],
    ['volunteer peer id', { volunteerPeerId: 'other-volunteer' }],
  ])('refuses a signature over another %s', async (_, change) => {
    const { signature, publicKey } = await signedHello()
    const result = verifyHelloProof({ publicKey, signature, ...fields, ...change })
    expect(await codeOf(result)).toBe('identity/proof')
  })

  test('refuses a signature by another key', async () => {
    const { signature } = await signedHello()
    const { publicKey } = await signedHello()
    expect(await codeOf(verifyHelloProof({ publicKey, signature, ...fields }))).toBe(
      'identity/proof',
    )
  })

  test('refuses a tampered signature and signatures of the wrong length', async () => {
    const { signature, publicKey } = await signedHello()
    const tampered = signature.slice()
    tampered[10]! ^= 1
    for (const bad of [tampered, signature.subarray(0, 63), new Uint8Array([...signature, 0])]) {
      expect(await codeOf(verifyHelloProof({ publicKey, signature: bad, ...fields }))).toBe(
        'identity/proof',
      )
    }
  })

  test('refuses a DER signature: only IEEE P1363 r || s', async () => {
    const { signature, publicKey } = await signedHello()
    const der = new Uint8Array([0x30, 68, 0x02, 32, ...signature.subarray(0, 32), 0x02, 32])
    const result = verifyHelloProof({ publicKey, signature: der, ...fields })
    expect(await codeOf(result)).toBe('identity/proof')
  })

  test('refuses a tampered key', async () => {
    const { signature, publicKey } = await signedHello()
    const tampered = publicKey.slice()
    // A bit of the point's x coordinate: the point leaves the curve.
    tampered[40]! ^= 1
    const result = verifyHelloProof({ publicKey: tampered, signature, ...fields })
    expect(await codeOf(result)).toBe('identity/key')
  })

  test('refuses a key with bytes after it (another id for the same key)', async () => {
    const { signature, publicKey } = await signedHello()
    const padded = new Uint8Array([...publicKey, 0])
    const result = verifyHelloProof({ publicKey: padded, signature, ...fields })
    expect(await codeOf(result)).toBe('identity/key')
  })

  test('refuses the same key with a compressed point (another id for the same key)', async () => {
    const { signature, publicKey } = await signedHello()
    // SPKI of P-256 with a 33-byte compressed point: 0x02 or 0x03 (the parity of y), then x.
    const header = [0x30, 0x39, ...publicKey.subarray(2, 23), 0x03, 0x22, 0x00]
    const x = publicKey.subarray(27, 59)
    const parity = publicKey[90]! & 1
    const compressed = new Uint8Array([...header, 0x02 + parity, ...x])
    const result = verifyHelloProof({ publicKey: compressed, signature, ...fields })
    expect(await codeOf(result)).toBe('identity/key')
  })

  test.each([
    ['a P-384 key', () => spkiOf({ name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams)],
    ['an Ed25519 key', () => spkiOf({ name: 'Ed25519' })],
    ['garbage bytes', async () => new Uint8Array([0x30, 0x03, 0x01, 0x02, 0x03])],
    ['no bytes', async () => new Uint8Array()],
  ])('refuses %s', async (_, makeKey) => {
    const { signature } = await signedHello()
    const result = verifyHelloProof({ publicKey: await makeKey(), signature, ...fields })
    expect(await codeOf(result)).toBe('identity/key')
  })

  test('refuses fields with a line break, which could shift one field into the next', async () => {
    const { signature, publicKey } = await signedHello()
    const result = verifyHelloProof({ publicKey, signature, ...fields, jobId: 'job\nhost' })
    expect(await codeOf(result)).toBe('identity/proof')
  })
})
