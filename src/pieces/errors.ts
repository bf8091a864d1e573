import { BaseError } from '../errors/BaseError.ts'

/** A piece of a unit's input could not be had, from peers or the host: the unit fails. */
export class PieceFetchError extends BaseError {
  override readonly code = 'pieces/unavailable'
}

/**
 * A funded job's stored input is not the one its escrow job commits to (its pieces' Merkle root
 * differs): the host refuses to serve it, since no unit computed on it could be re-verified.
 */
export class InputChangedError extends BaseError {
  override readonly code = 'pieces/input-changed'

  constructor(committed: string, found: string) {
    super("The stored input is not the one the job's funding committed to", {
      details: `The escrow job commits to input root ${committed}; the stored input's root is ${found}. Restore the job's original input file.`,
    })
  }
}
