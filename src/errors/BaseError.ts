/**
 * Root of every error the project throws on purpose. Follows viem's shape: a
 * short human message, optional details, the cause, and a stable `code` that
 * callers (and tests) switch on instead of parsing text.
 *
 * @example
 * class TooLargeError extends BaseError { override readonly code = 'p2p/message-too-large' }
 */
export type BaseErrorParameters = {
  details?: string | undefined
  cause?: unknown
}

export abstract class BaseError extends Error {
  abstract readonly code: string
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    super(
      parameters.details ? `${shortMessage}\n\nDetails: ${parameters.details}` : shortMessage,
      parameters.cause === undefined ? undefined : { cause: parameters.cause },
    )
    this.shortMessage = shortMessage
    this.details = parameters.details
    this.name = new.target.name
  }

  /** Plain-data form that survives `postMessage` and JSON (workers, the wire). */
  toJSON(): SerializedError {
    return { code: this.code, name: this.name, message: this.shortMessage, details: this.details }
  }
}

export type SerializedError = {
  code: string
  name: string
  message: string
  details?: string | undefined
}
