import { BaseError } from '../errors/BaseError.ts'

/**
 * Errors of a job host's SQLite store (`SqliteJobStore`). Each names the file: a headless host
 * is told where its state lives on the command line, and that is what the requester must fix.
 */

/** The file cannot be opened or created for writing: a missing folder, permissions, a directory. */
export class StoreUnwritableError extends BaseError {
  override readonly code = 'store/unwritable'
  readonly path: string
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(`Cannot write the job store at ${path}.`, { details: messageOf(cause), cause })
    this.path = path
  }
}

/** Another process has the store open: a host already running this job, most likely. */
export class StoreLockedError extends BaseError {
  override readonly code = 'store/locked'
  readonly path: string
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(
      `The job store at ${path} is in use by another process: is a host of this job already running? Stop it, or use another file.`,
      { details: messageOf(cause), cause },
    )
    this.path = path
  }
}

/** The file exists but is not a SQLite database. */
export class StoreNotDatabaseError extends BaseError {
  override readonly code = 'store/not-a-database'
  readonly path: string
  constructor({ path, cause }: { path: string; cause: unknown }) {
    super(`${path} is not a SQLite database.`, { details: messageOf(cause), cause })
    this.path = path
  }
}

/** A SQLite database, but another program's: the store does not write into it. */
export class StoreForeignDatabaseError extends BaseError {
  override readonly code = 'store/foreign-database'
  readonly path: string
  constructor({ path }: { path: string }) {
    super(`${path} is a SQLite database of another program, not a job store.`)
    this.path = path
  }
}

/** The file was written by a newer version of this program, whose schema this one cannot read. */
export class StoreVersionError extends BaseError {
  override readonly code = 'store/newer-version'
  readonly path: string
  readonly version: number
  readonly supported: number
  constructor({ path, version, supported }: { path: string; version: number; supported: number }) {
    super(
      `The job store at ${path} has schema version ${version}; this version of volunteer-compute reads version ${supported} at most. Upgrade volunteer-compute, or use another file.`,
    )
    this.path = path
    this.version = version
    this.supported = supported
  }
}

/** A record holds a value that JSON cannot keep (a typed array, a bigint, a Map...). */
export class StoreRecordError extends BaseError {
  override readonly code = 'store/unserializable'
  constructor(details: string) {
    super('A record cannot be stored as JSON.', { details })
  }
}

const messageOf = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)
