import { readdir, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { statusFileSchema, type StatusFile } from './statusFile.ts'

/**
 * One file of the status directory: a process that is `running` (alive, and its file fresh),
 * `stale` (alive, or on another machine, but not updated for three of its refresh periods: hung,
 * or its pid reused), `exited` (its pid is gone: it ended without removing its file), or
 * `unreadable` (not a status file of this program, or not readable), with the reason.
 */
export type StatusEntry =
  | { file: string; condition: 'running' | 'stale' | 'exited'; status: StatusFile }
  | { file: string; condition: 'unreadable'; reason: string }

export type ReadStatusBoardParameters = {
  dir: string
  now?: number
  /** Whether a pid on this machine is a live process; default `process.kill(pid, 0)`. */
  isAlive?: (pid: number) => boolean
}

/**
 * Reads every status file in `dir` (see `publishStatus`); a missing folder has none. Processes
 * come first, by kind and start, then the files it could not read.
 *
 * @example
 * for (const entry of await readStatusBoard({ dir: statusDirOf(undefined, process.env) })) console.log(entry.condition)
 */
export async function readStatusBoard(
  parameters: ReadStatusBoardParameters,
): Promise<StatusEntry[]> {
  const { dir, now = Date.now(), isAlive = isLiveProcess } = parameters
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return []
    throw error
  }
  const hostname = os.hostname()
  const entries = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map(async (name): Promise<StatusEntry | undefined> => {
        const file = path.join(dir, name)
        let status: StatusFile
        try {
          const parsed = statusFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
          if (!parsed.success)
            return { file, condition: 'unreadable', reason: 'not a status file of this program' }
          status = parsed.data
        } catch (error) {
          // Removed since the listing: that process has just ended cleanly.
          if ((error as { code?: unknown }).code === 'ENOENT') return undefined
          return { file, condition: 'unreadable', reason: reasonOf(error) }
        }
        if (status.hostname === hostname && !isAlive(status.pid))
          return { file, condition: 'exited', status }
        if (now - status.updatedAt > 3 * status.refreshMs)
          return { file, condition: 'stale', status }
        return { file, condition: 'running', status }
      }),
  )
  return entries.filter((entry) => entry !== undefined).sort(byKindThenStart)
}

function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as { code?: unknown }).code === 'EPERM'
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof SyntaxError) return 'not JSON'
  const code = (error as { code?: unknown }).code
  if (code === 'EISDIR') return 'a folder, not a file'
  if (code === 'EACCES') return 'not readable (permission denied)'
  return error instanceof Error ? error.message : String(error)
}

function byKindThenStart(a: StatusEntry, b: StatusEntry): number {
  if (!('status' in a) || !('status' in b)) return Number('status' in b) - Number('status' in a)
  return (
    a.status.status.kind.localeCompare(b.status.status.kind) ||
    a.status.startedAt - b.status.startedAt ||
    a.status.pid - b.status.pid
  )
}
