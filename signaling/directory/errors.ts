import { BaseError } from '../../src/errors/BaseError.ts'
import type { BaseErrorParameters } from '../../src/errors/BaseError.ts'
import type { ErrorResponse } from './schemas.ts'

/** One problem with a request body, located by its path inside the body (`[]` is the body itself). */
export type DirectoryIssue = {
  path: (string | number)[]
  message: string
}

/**
 * Every failure the signaling server reports over HTTP. The `status` travels with the error so
 * that one handler can answer every route the same way.
 */
export abstract class DirectoryError extends BaseError {
  abstract readonly status: number
}

export class InvalidBodyError extends DirectoryError {
  override readonly code = 'directory/invalid-body'
  override readonly status = 400
  readonly issues: DirectoryIssue[]

  constructor(issues: DirectoryIssue[], parameters?: BaseErrorParameters) {
    super('The request body does not match the schema.', parameters)
    this.issues = issues
  }
}

export class InvalidJsonError extends DirectoryError {
  override readonly code = 'directory/invalid-json'
  override readonly status = 400

  constructor(parameters?: BaseErrorParameters) {
    super('The request body is not a JSON object.', parameters)
  }
}

export class BadRequestError extends DirectoryError {
  override readonly code = 'directory/bad-request'
  override readonly status = 400

  constructor(parameters?: BaseErrorParameters) {
    super('The request could not be read.', parameters)
  }
}

export class BodyTooLargeError extends DirectoryError {
  override readonly code = 'directory/body-too-large'
  override readonly status = 413

  constructor(maxBodyBytes: number, parameters?: BaseErrorParameters) {
    super(`The request body is larger than ${maxBodyBytes} bytes.`, parameters)
  }
}

export class LengthRequiredError extends DirectoryError {
  override readonly code = 'directory/length-required'
  override readonly status = 411

  constructor(parameters?: BaseErrorParameters) {
    super('Send the body with a Content-Length header, not chunked.', parameters)
  }
}

export class UnsupportedMediaTypeError extends DirectoryError {
  override readonly code = 'directory/unsupported-media-type'
  override readonly status = 415

  constructor(parameters?: BaseErrorParameters) {
    super('The request body must be sent as application/json (UTF-8).', parameters)
  }
}

export class ForbiddenError extends DirectoryError {
  override readonly code = 'directory/forbidden'
  override readonly status = 403

  constructor(jobId: string) {
    super(
      `A valid "Authorization: Bearer <ownerToken>" header is required to change job "${jobId}".`,
    )
  }
}

export class OriginNotAllowedError extends DirectoryError {
  override readonly code = 'directory/origin-not-allowed'
  override readonly status = 403

  constructor(origin: string) {
    super(`Origin "${origin}" is not allowed to use this signaling server.`)
  }
}

export class NotFoundError extends DirectoryError {
  override readonly code = 'directory/not-found'
  override readonly status = 404
}

export class JobExistsError extends DirectoryError {
  override readonly code = 'directory/job-exists'
  override readonly status = 409

  constructor(jobId: string) {
    super(`Job "${jobId}" is already listed by another owner.`)
  }
}

export class HostNotConnectedError extends DirectoryError {
  override readonly code = 'directory/host-not-connected'
  override readonly status = 409

  constructor(hostPeerId: string) {
    super(`Host peer "${hostPeerId}" is not connected to this signaling server.`, {
      details: 'Open the PeerJS connection first, then list the job.',
    })
  }
}

export class NotHostError extends DirectoryError {
  override readonly code = 'directory/not-host'
  override readonly status = 403

  constructor(hostPeerId: string) {
    super(`hostToken is not the signaling token of host peer "${hostPeerId}".`, {
      details: "Only the host's own signaling session may list a job under its peer id.",
    })
  }
}

export class ListingLimitError extends DirectoryError {
  override readonly code = 'directory/listing-limit'
  override readonly status = 429

  constructor(hostPeerId: string, maxListingsPerHost: number) {
    super(`Host peer "${hostPeerId}" already lists ${maxListingsPerHost} jobs, the most allowed.`)
  }
}

export class TooManyConnectionsError extends DirectoryError {
  override readonly code = 'directory/too-many-connections'
  override readonly status = 429

  constructor(maxConnectionsPerAddress: number) {
    super(
      `This address already holds ${maxConnectionsPerAddress} peer connections, the most allowed.`,
    )
  }
}

/** 503 rather than 429: the directory as a whole is full, whoever asks. */
export class DirectoryFullError extends DirectoryError {
  override readonly code = 'directory/full'
  override readonly status = 503

  constructor(maxListings: number) {
    super(`The directory already holds ${maxListings} listings, the most allowed.`)
  }
}

export class InternalError extends DirectoryError {
  override readonly code = 'directory/internal'
  override readonly status = 500

  constructor(parameters?: BaseErrorParameters) {
    super('The signaling server failed to handle the request.', parameters)
  }
}

/** The JSON body of every 4xx/5xx answer. */
export function toErrorResponse(error: DirectoryError): ErrorResponse {
  return {
    v: 1,
    error: {
      code: error.code,
      message: error.shortMessage,
      ...(error instanceof InvalidBodyError ? { issues: error.issues } : {}),
    },
  }
}

export class AddressLimitError extends DirectoryError {
  override readonly code = 'directory/address-limit'
  override readonly status = 429

  constructor(scope: 'address' | 'network', max: number) {
    super(
      scope === 'address'
        ? `This address already lists ${max} jobs, the most allowed.`
        : `This address's network (/24 for IPv4, /48 for IPv6) already lists ${max} jobs, the most allowed.`,
    )
  }
}

export class RateLimitedError extends DirectoryError {
  override readonly code = 'directory/rate-limited'
  override readonly status = 429

  constructor(max: number) {
    super(`This address sent more than ${max} listings this minute; try again in a minute.`)
  }
}

/** The directory's shared store (Redis) does not answer: the request may succeed on a retry. */
export class DirectoryUnavailableError extends DirectoryError {
  override readonly code = 'directory/unavailable'
  override readonly status = 503

  constructor(parameters?: BaseErrorParameters) {
    super('The job directory cannot reach its store right now.', parameters)
  }
}

export class InvalidQueryError extends DirectoryError {
  override readonly code = 'directory/invalid-query'
  override readonly status = 400

  constructor(message: string) {
    super(message)
  }
}

/** This node is draining (stopping after SIGTERM): the client should retry, and reach another. */
export class DrainingError extends DirectoryError {
  override readonly code = 'signaling/draining'
  override readonly status = 503

  constructor(parameters?: BaseErrorParameters) {
    super('This signaling node is shutting down; connect again to reach another.', parameters)
  }
}
