import { identitySignAlgorithm } from './identityAlgorithms.ts'
import { identityIdOf } from './identityIdOf.ts'
import type { VolunteerIdentity } from './VolunteerIdentity.ts'

/**
 * The identity of an ECDSA P-256 key pair: its id, its public key as SPKI, and a `sign` bound to
 * its private key. WebCrypto always lets a public key be exported, whatever the private key's
 * `extractable` says.
 *
 * @example
 * const identity = await identityFromKeyPair(storedKeyPair)
 */
export async function identityFromKeyPair(keyPair: CryptoKeyPair): Promise<VolunteerIdentity> {
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', keyPair.publicKey))
  return {
    id: await identityIdOf(publicKey),
    publicKey,
    async sign(data) {
      // A copy: WebCrypto takes only bytes over an ArrayBuffer, not a SharedArrayBuffer view.
      const signature = await crypto.subtle.sign(
        identitySignAlgorithm,
        keyPair.privateKey,
        new Uint8Array(data),
      )
      return new Uint8Array(signature)
    },
  }
}
