import { bytesToBase64 } from '../encoding/base64.ts'

/**
 * A fresh nonce for a volunteer's hello proof: 24 random bytes, base64url (32 characters), so
 * that a proof made for one connection cannot be replayed on another.
 *
 * @example
 * await link.send({ v: JOB_PROTOCOL_VERSION, type: 'challenge', nonce: createChallengeNonce() })
 */
export function createChallengeNonce(): string {
  return bytesToBase64(crypto.getRandomValues(new Uint8Array(24)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}
