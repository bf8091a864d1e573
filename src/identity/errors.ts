import { BaseError } from '../errors/BaseError.ts'

/**
 * Errors of volunteer identities. A host that catches either refuses the hello: the volunteer
 * did not prove it holds the key it names.
 */

/** The public key is not an ECDSA P-256 key in canonical SPKI DER form. */
export class IdentityKeyError extends BaseError {
  override readonly code = 'identity/key'
  constructor(details: string, options: { cause?: unknown } = {}) {
    super('The identity key is not a valid ECDSA P-256 public key.', {
      details,
      cause: options.cause,
    })
  }
}

/** The proof of possession does not hold: wrong length, wrong fields, or another key signed it. */
export class IdentityProofError extends BaseError {
  override readonly code = 'identity/proof'
  constructor(details: string) {
    super('The identity proof is invalid.', { details })
  }
}
