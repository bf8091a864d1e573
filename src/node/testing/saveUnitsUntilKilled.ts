import { SqliteJobStore } from '../SqliteJobStore.ts'
import { crashJobId, crashUnit } from './crashUnit.ts'

/**
 * The crash test's writer (run with tsx): saves unit after unit into the store at argv[2] and
 * prints each index once its saveUnits has resolved, as a host acknowledges a result, until it
 * is killed.
 */
const store = new SqliteJobStore(process.argv[2]!)
for (let index = 0; ; index++) {
  const { unit, bytes, sha256, reputation } = crashUnit(index)
  await store.saveUnits(crashJobId, [{ unit, change: { put: { sha256, bytes } } }], [reputation])
  process.stdout.write(`${index}\n`)
}
