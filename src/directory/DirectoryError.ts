import { BaseError } from '../errors/BaseError.ts'

/** The job directory refused a request, or could not be reached. */
export class DirectoryError extends BaseError {
  override readonly code: string
  readonly status: number

  constructor(code: string, message: string, status: number) {
    super(message)
    this.code = code
    this.status = status
  }
}
