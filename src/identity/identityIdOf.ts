import { bytesToBase64 } from '../encoding/base64.ts'

/**
 * A volunteer's identity id: base64url, unpadded, of the SHA-256 of its public key's SPKI DER
 * bytes (43 characters of `[A-Za-z0-9_-]`). Short enough for logs and the wire, and it names
 * the key itself, so no one can claim an id without holding the key behind it.
 *
 * @example
 * const id = await identityIdOf(identity.publicKey) // 'q3x...' (43 characters)
 */
export async function identityIdOf(publicKeySpki: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(publicKeySpki))
  return bytesToBase64(new Uint8Array(digest))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}
