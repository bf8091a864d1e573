import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  STATUS_FILE_VERSION,
  statusFileName,
  type StatusFile,
  type StatusSnapshot,
} from './statusFile.ts'

export type PublishStatusParameters = {
  /** The status directory (`statusDirOf`); created when missing. */
  dir: string
  /** What the process is doing now; called at every refresh. */
  snapshot: () => StatusSnapshot
  /** How often the file is rewritten (default 5 s). */
  refreshMs?: number
  /** A write that failed; the next refresh tries again. Default: ignored. */
  onError?: (error: unknown) => void
}

/** Stops refreshing and removes the file (resolves once it is gone). */
export type PublishStatusReturnType = () => Promise<void>

/**
 * Keeps this process's status file in the status directory for `volunteer-compute status`:
 * written at once, then every `refreshMs`, each time to a temporary file renamed over the old one
 * so a reader never sees half a file. The stop function removes it; a process that dies without
 * calling it leaves the file behind, and the reader sees its pid is gone or its `updatedAt` stale.
 *
 * @example
 * const stop = publishStatus({ dir: statusDirOf(values['status-dir'], env), snapshot: () => ({ kind: 'host', ... }) })
 * await stop() // on a clean exit
 */
export function publishStatus(parameters: PublishStatusParameters): PublishStatusReturnType {
  const { dir, snapshot, refreshMs = 5000, onError = () => undefined } = parameters
  const hostname = os.hostname()
  const file = path.join(dir, statusFileName(hostname, process.pid))
  const startedAt = Date.now()
  let writing: Promise<void> | undefined
  let stopped = false

  const write = async () => {
    const status: StatusFile = {
      v: STATUS_FILE_VERSION,
      pid: process.pid,
      hostname,
      startedAt,
      updatedAt: Date.now(),
      refreshMs,
      status: snapshot(),
    }
    const temporary = `${file}.${Math.random().toString(36).slice(2)}.tmp`
    try {
      await mkdir(dir, { recursive: true })
      await writeFile(temporary, `${JSON.stringify(status)}\n`)
      // A stop that came during the write wins: no file is left behind.
      if (stopped) await rm(temporary, { force: true })
      else await rename(temporary, file)
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined)
      onError(error)
    }
  }
  const refresh = () => {
    if (writing || stopped) return
    writing = write().finally(() => (writing = undefined))
  }
  refresh()
  const timer = setInterval(refresh, refreshMs)
  timer.unref()

  return async () => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    await writing
    await rm(file, { force: true }).catch(onError)
  }
}
