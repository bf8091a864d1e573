import Database from 'better-sqlite3'
import {
  StoreForeignDatabaseError,
  StoreLockedError,
  StoreNotDatabaseError,
  StoreUnwritableError,
  StoreVersionError,
} from './storeErrors.ts'

/** The schema this version writes (`PRAGMA user_version`); a file of a later one is refused. */
export const storeSchemaVersion = 1

/** `PRAGMA application_id`: "VCJS", so that a job store is told apart from other SQLite files. */
const applicationId = 0x56434a53

/**
 * Records are JSON text keyed by their ids; bytes are BLOBs. The input file is cut into chunks:
 * SQLite keeps at most 1,000,000,000 bytes in one value, and inputs may reach 2 GiB.
 */
const schema = `
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    record TEXT NOT NULL,
    params BLOB NOT NULL,
    wasm BLOB
  );
  CREATE INDEX jobs_by_created_at ON jobs (created_at, job_id);
  CREATE TABLE units (
    job_id TEXT NOT NULL,
    unit_index INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (job_id, unit_index)
  );
  CREATE TABLE outputs (
    job_id TEXT NOT NULL,
    unit_index INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (job_id, unit_index, sha256)
  );
  CREATE TABLE inputs (job_id TEXT PRIMARY KEY, type TEXT NOT NULL);
  CREATE TABLE input_chunks (
    job_id TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (job_id, chunk)
  );
  CREATE TABLE reputation (identity TEXT PRIMARY KEY, record TEXT NOT NULL);
`

/**
 * Opens (or creates) a job store's SQLite file for writing, set up to keep every committed
 * transaction through a crash or a power loss, and held exclusively until it is closed. Throws
 * `store/unwritable`, `store/locked`, `store/not-a-database`, `store/foreign-database` or
 * `store/newer-version`.
 *
 * @example
 * const db = openStoreDatabase('./host.sqlite')
 */
export function openStoreDatabase(path: string): Database.Database {
  let db: Database.Database | undefined
  try {
    // The file is held exclusively (below): a second host waits this long, then is refused.
    db = new Database(path, { timeout: 1_000 })
    // Before anything is written: another program's database is left as it was.
    checkOwner(db, path)
    db.pragma('journal_mode = WAL')
    // The host acknowledges a result once the saveUnits that stored it has resolved, so a
    // commit must be on disk when it returns. With WAL, NORMAL syncs only at checkpoints: a
    // power loss may undo the last commits, results already acknowledged among them. FULL
    // syncs the WAL at every commit. better-sqlite3 is built with NORMAL as the WAL default,
    // so FULL is set here, on every connection (the setting is not kept in the file).
    db.pragma('synchronous = FULL')
    // One host per store: two processes hosting one job would issue its units twice and
    // overwrite each other's records. In exclusive mode the first write below takes the lock
    // and the connection keeps it until it closes, or its process dies.
    db.pragma('locking_mode = EXCLUSIVE')
    prepareSchema(db, path)
    return db
  } catch (error) {
    db?.close()
    throw storeErrorOf(error, path)
  }
}

function checkOwner(db: Database.Database, path: string): void {
  const id = db.pragma('application_id', { simple: true }) as number
  if (id === applicationId) return
  const tables = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number
  if (id !== 0 || tables > 0) throw new StoreForeignDatabaseError({ path })
}

function prepareSchema(db: Database.Database, path: string): void {
  // IMMEDIATE takes the write lock first, so two processes opening a new file do not both
  // create the schema, and a read-only file fails here rather than at the first save.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > storeSchemaVersion) {
      throw new StoreVersionError({ path, version, supported: storeSchemaVersion })
    }
    if (version === 0) {
      db.exec(schema)
      db.pragma(`application_id = ${applicationId}`)
    }
    // Written even when unchanged: this write is what finds a file we may read but not write.
    db.pragma(`user_version = ${storeSchemaVersion}`)
  }).immediate()
}

const unwritableCodes = new Set([
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PERM',
  'SQLITE_AUTH',
])

function storeErrorOf(error: unknown, path: string): unknown {
  if (!(error instanceof Error)) return error
  const code = 'code' in error && typeof error.code === 'string' ? error.code : ''
  if (code === 'SQLITE_NOTADB') return new StoreNotDatabaseError({ path, cause: error })
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
    return new StoreLockedError({ path, cause: error })
  // better-sqlite3 checks the folder itself, and throws a TypeError without a code.
  if (
    unwritableCodes.has(code) ||
    code.startsWith('SQLITE_READONLY_') ||
    /directory does not exist/.test(error.message)
  ) {
    return new StoreUnwritableError({ path, cause: error })
  }
  return error
}
