import { expect, test } from 'vitest'
import { createIdentity } from './createIdentity.ts'
import { identityFromKeyPair } from './identityFromKeyPair.ts'
import { identityIdOf } from './identityIdOf.ts'

test('makes a P-256 key pair whose private key cannot be exported', async () => {
  const { keyPair, identity } = await createIdentity()
  expect(keyPair.privateKey.extractable).toBe(false)
  expect(keyPair.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
  await expect(crypto.subtle.exportKey('pkcs8', keyPair.privateKey)).rejects.toThrow()
  await expect(crypto.subtle.exportKey('jwk', keyPair.privateKey)).rejects.toThrow()
  expect(identity.publicKey).toHaveLength(91)
  expect(identity.publicKey).toEqual(
    new Uint8Array(await crypto.subtle.exportKey('spki', keyPair.publicKey)),
  )
})

test('the id is 43 characters of base64url, stable for one key, different between keys', async () => {
  const first = await createIdentity()
  const second = await createIdentity()
  expect(first.identity.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(await identityIdOf(first.identity.publicKey)).toBe(first.identity.id)
  expect((await identityFromKeyPair(first.keyPair)).id).toBe(first.identity.id)
  expect(second.identity.id).not.toBe(first.identity.id)
})

test('signs in IEEE P1363 form with ECDSA over SHA-256', async () => {
  const { identity, keyPair } = await createIdentity()
  const data = new TextEncoder().encode('some bytes')
  const signature = await identity.sign(data)
  expect(signature).toHaveLength(64)
  const algorithm = { name: 'ECDSA', hash: 'SHA-256' }
  expect(
    await crypto.subtle.verify(algorithm, keyPair.publicKey, new Uint8Array(signature), data),
  ).toBe(true)
})
