import os from 'node:os'
import { common, parse, type Io } from './commandLine.ts'
import { readStatusBoard, type StatusEntry } from './readStatusBoard.ts'
import { defaultStatusDir, statusDirOf, type StatusFile } from './statusFile.ts'
import { UsageError } from './UsageError.ts'
import { statusText } from './volunteer.ts'

const statusUsage = `Usage: volunteer-compute status [options]

What this machine is doing: one line for each volunteer and host process that runs here, from the
status files they keep up to date (every 5 s) and remove when they stop. A process that ended
without removing its file is shown as exited, and one that stopped updating it as stale.

Options:
  --status-dir DIR  The status files' folder (default $VOLUNTEER_COMPUTE_STATUS_DIR,
                    else ${defaultStatusDir})
  --json            Every entry as JSON: file, condition (running, stale, exited,
                    unreadable) and the status the process wrote
  -h, --help        This help
`

/** `volunteer-compute status`: the volunteer and host processes of this machine. */
export async function status(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    help: common.help,
    json: { type: 'boolean' },
    'status-dir': { type: 'string' },
  })
  if (values.help) {
    io.out.write(statusUsage)
    return 0
  }
  if (positionals.length) throw new UsageError(`status takes no arguments, got '${positionals[0]}'`)
  const dir = statusDirOf(values['status-dir'], io.env)
  const entries = await readStatusBoard({ dir })
  if (values.json) {
    io.out.write(`${JSON.stringify(entries, null, 2)}\n`)
    return 0
  }
  if (!entries.length) {
    io.out.write(`No volunteer or host process is running (no status file in ${dir}).\n`)
    return 0
  }
  const now = Date.now()
  for (const entry of entries) io.out.write(`${formatStatusEntry(entry, now)}\n`)
  return 0
}

/**
 * One line of `volunteer-compute status`.
 *
 * @example
 * formatStatusEntry(entry, Date.now()) // 'volunteer  pid 4242  since 2025-06-01 10:02  computing · Monte Carlo π (job-1) · 12 units done · 12 credited · 8 threads at 50% CPU · wasm'
 */
export function formatStatusEntry(entry: StatusEntry, now: number): string {
  if (entry.condition === 'unreadable') return `?          ${entry.file}: ${entry.reason}`
  const { status: file } = entry
  const where = file.hostname === os.hostname() ? '' : ` on ${file.hostname}`
  const head = `${file.status.kind.padEnd(9)}  pid ${file.pid}${where}  since ${formatTime(file.startedAt)}`
  const condition =
    entry.condition === 'exited'
      ? [`exited without cleaning up, last seen ${formatTime(file.updatedAt)}`]
      : entry.condition === 'stale'
        ? [`stale: no update for ${formatAge(now - file.updatedAt)}`]
        : []
  return `${head}  ${[...condition, ...describe(file.status)].join(' · ')}`
}

function describe(status: StatusFile['status']): string[] {
  switch (status.kind) {
    case 'volunteer':
      return [
        statusText[status.state as keyof typeof statusText] ?? status.state,
        ...(status.job ? [`${status.job.name} (${status.job.jobId})`] : []),
        `${status.unitsDone} units done`,
        `${status.credit} credited`,
        `${status.threads} thread${status.threads === 1 ? '' : 's'} at ${Math.round(status.cpuShare * 100)}% CPU`,
        status.engines.join('+') || 'no engine',
        ...(status.wallet ? [`rewards to ${status.wallet}`] : []),
      ]
    case 'host':
      return [
        status.state,
        `${status.job.name} (${status.job.jobId})`,
        `${status.validated}/${status.total} validated`,
        `${status.volunteers} volunteer${status.volunteers === 1 ? '' : 's'}`,
        `${status.unitsPerSecond.toFixed(1)} units/s`,
        `${status.flagged} flagged`,
      ]
    default: {
      const unexpected: never = status
      return unexpected
    }
  }
}

/** Local time to the minute: `2025-06-01 10:02`. */
function formatTime(ms: number): string {
  const date = new Date(ms)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`
}

function formatAge(ms: number): string {
  const seconds = Math.max(0, ms / 1000)
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}
