import { IdentityKeyError, IdentityProofError } from './errors.ts'
import { helloProofBytes, type HelloProofFields } from './helloProofBytes.ts'
import {
  identityKeyAlgorithm,
  identitySignAlgorithm,
  identitySignatureLength,
} from './identityAlgorithms.ts'
import { identityIdOf } from './identityIdOf.ts'

export type VerifyHelloProofParameters = HelloProofFields & {
  /** The key the volunteer claims, SPKI DER. */
  publicKey: Uint8Array
  /** Its signature over {@link helloProofBytes} of the fields, IEEE P1363 (64 bytes). */
  signature: Uint8Array
}

export type VerifyHelloProofErrorType = IdentityKeyError | IdentityProofError

/**
 * Checks a volunteer's proof of possession and returns its identity id. The fields are the
 * host's own: this job, this host's peer id, the peer id of the connection the hello came on,
 * and the nonce this host just sent there. Throws `IdentityKeyError` (`identity/key`) for a key
 * that is not P-256 ECDSA in canonical SPKI form, and `IdentityProofError` (`identity/proof`) for
 * a signature that is not 64 bytes or not by that key over these fields.
 *
 * @example
 * const identityId = await verifyHelloProof({ publicKey, signature, jobId, hostPeerId, volunteerPeerId: connection.peer, nonce })
 */
export async function verifyHelloProof(parameters: VerifyHelloProofParameters): Promise<string> {
  const { publicKey, signature, ...fields } = parameters
  const key = await importIdentityKey(publicKey)
  if (signature.length !== identitySignatureLength)
    throw new IdentityProofError(
      `The signature is ${signature.length} bytes; a P-256 signature is ${identitySignatureLength} bytes (r || s).`,
    )
  const valid = await crypto.subtle.verify(
    identitySignAlgorithm,
    key,
    new Uint8Array(signature),
    helloProofBytes(fields),
  )
  if (!valid)
    throw new IdentityProofError(
      'The signature is not by this key over this job, these peer ids and this nonce.',
    )
  return identityIdOf(publicKey)
}

async function importIdentityKey(spki: Uint8Array): Promise<CryptoKey> {
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('spki', new Uint8Array(spki), identityKeyAlgorithm, true, [
      'verify',
    ])
  } catch (cause) {
    throw new IdentityKeyError(
      `The ${spki.length} bytes do not import as a P-256 ECDSA SPKI key: ${String(cause)}`,
      { cause },
    )
  }
  // The id hashes the bytes, so one key must have one encoding: importers accept trailing bytes
  // or a compressed point, and each such variant would be another id for the same key.
  const canonical = new Uint8Array(await crypto.subtle.exportKey('spki', key))
  if (!sameBytes(canonical, spki))
    throw new IdentityKeyError(
      'The key is not in canonical SPKI form (uncompressed point, nothing after it).',
    )
  return key
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
