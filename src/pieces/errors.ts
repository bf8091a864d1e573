import { BaseError } from '../errors/BaseError.ts'

/** A piece of a unit's input could not be had, from peers or the host: the unit fails. */
export class PieceFetchError extends BaseError {
  override readonly code = 'pieces/unavailable'
}
