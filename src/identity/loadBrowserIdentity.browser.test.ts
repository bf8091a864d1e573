import { expect, test } from 'vitest'
import { helloProofBytes } from './helloProofBytes.ts'
import { loadBrowserIdentity } from './loadBrowserIdentity.ts'
import { verifyHelloProof } from './verifyHelloProof.ts'

// Each test its own database, fresh for every run: the browser profile outlives one test file.
function freshDbName(): string {
  return `volunteer-identity-test-${crypto.randomUUID()}`
}

test('creates an identity once, then loads the same one', async () => {
  const dbName = freshDbName()
  const first = await loadBrowserIdentity(dbName)
  const second = await loadBrowserIdentity(dbName)
  expect(first.created).toBe(true)
  expect(second.created).toBe(false)
  expect(second.id).toBe(first.id)
  expect(second.publicKey).toEqual(first.publicKey)
  // The stored private key still signs, and the signature is the loaded identity's.
  const fields = { jobId: 'job', hostPeerId: 'host', volunteerPeerId: 'volunteer', nonce: 'n' }
  const signature = await second.sign(helloProofBytes(fields))
  await expect(
    verifyHelloProof({ publicKey: first.publicKey, signature, ...fields }),
  ).resolves.toBe(first.id)
})

test('two concurrent first loads agree on one identity', async () => {
  const dbName = freshDbName()
  const loads = await Promise.all(Array.from({ length: 4 }, () => loadBrowserIdentity(dbName)))
  expect(new Set(loads.map((identity) => identity.id)).size).toBe(1)
  expect(loads.filter((identity) => identity.created)).toHaveLength(1)
  expect((await loadBrowserIdentity(dbName)).id).toBe(loads[0]!.id)
})

test('another database name has another identity', async () => {
  const a = await loadBrowserIdentity(freshDbName())
  const b = await loadBrowserIdentity(freshDbName())
  expect(b.id).not.toBe(a.id)
})

test('the stored private key cannot be exported', async () => {
  const dbName = freshDbName()
  await loadBrowserIdentity(dbName)
  const request = indexedDB.open(dbName)
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const read = db.transaction('keys').objectStore('keys').get('identity')
  const keyPair = await new Promise<CryptoKeyPair>((resolve, reject) => {
    read.onsuccess = () => resolve(read.result as CryptoKeyPair)
    read.onerror = () => reject(read.error)
  })
  db.close()
  expect(keyPair.privateKey.extractable).toBe(false)
  await expect(crypto.subtle.exportKey('pkcs8', keyPair.privateKey)).rejects.toThrow()
})
