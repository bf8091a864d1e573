import { identityKeyAlgorithm } from './identityAlgorithms.ts'
import { identityFromKeyPair } from './identityFromKeyPair.ts'
import type { VolunteerIdentity } from './VolunteerIdentity.ts'

export type CreateIdentityReturnType = {
  identity: VolunteerIdentity
  /** To store (CryptoKeys are structured-cloneable); the private key cannot be exported. */
  keyPair: CryptoKeyPair
}

/**
 * A new identity key: ECDSA P-256 with a non-extractable private key, so that no script on the
 * page (nor a copy of the profile's IndexedDB) can read the key out and claim the identity
 * elsewhere. Works wherever `crypto.subtle` does: browsers and Node 20.
 *
 * @example
 * const { identity, keyPair } = await createIdentity()
 * const signature = await identity.sign(bytes)
 */
export async function createIdentity(): Promise<CreateIdentityReturnType> {
  const keyPair = await crypto.subtle.generateKey(identityKeyAlgorithm, false, ['sign', 'verify'])
  return { identity: await identityFromKeyPair(keyPair), keyPair }
}
