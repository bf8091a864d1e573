import { BaseError } from '../errors/BaseError.ts'

/** The host did not answer a verification in time, or closed the link part way. */
export class VerifyTransportError extends BaseError {
  override readonly code = 'verify/no-answer'
}
