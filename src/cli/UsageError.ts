import { BaseError } from '../errors/BaseError.ts'

/** A command line the CLI cannot run: an unknown command or flag, a missing argument. Exit 2. */
export class UsageError extends BaseError {
  override readonly code = 'cli/usage'
}
