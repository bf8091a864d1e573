import { BaseError } from '../errors/BaseError.ts'

/** A well-framed message whose header does not match the protocol's schema. */
export class InvalidMessageError extends BaseError {
  override readonly code = 'p2p/invalid-message'
  constructor(issues: string) {
    super('The peer sent a message that does not match the protocol.', { details: issues })
  }
}
