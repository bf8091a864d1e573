import { readFile, rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { BaseError } from '../../src/errors/BaseError.ts'
import { jobIdSchema, siteCreditsSchema, type SiteCredits } from './schemas.ts'

/** How many jobs' counts are kept: the oldest go first. */
export const maxSiteHistory = 10_000

/** How long a change waits before it is written, so that a busy directory writes once a second. */
const writeDelayMs = 1000

/** One job's latest per-site counts. */
export type SiteHistoryEntry = { jobId: string; name: string; sites: SiteCredits }

const fileSchema = z.strictObject({
  v: z.literal(1),
  jobs: z
    .array(
      z.strictObject({
        jobId: jobIdSchema,
        name: z.string().min(1).max(120),
        sites: siteCreditsSchema,
      }),
    )
    .max(maxSiteHistory),
})

/** The history file cannot be read or is not one this server wrote. */
export class SiteHistoryFileError extends BaseError {
  override readonly code = 'signaling/site-history-file'
}

export type SiteHistoryParameters = {
  /** Where the history is kept across restarts; in memory only when absent. */
  file?: string | undefined
  /** A write to the file failed (the history stays in memory and is written again later). */
  onError?: ((error: unknown) => void) | undefined
}

/**
 * Each job's latest per-site counts, as its host reported them, kept after its listing goes
 * (for the last `maxSiteHistory` jobs): what the partner's page of ours shows. With a file, the
 * counts survive a restart: a change is written within a second, atomically (a temporary file
 * renamed over the old one), and `close` writes what is pending.
 *
 * @example
 * const history = await SiteHistory.open({ file: '/var/lib/signaling/sites.json' })
 * history.remember({ jobId: 'j1', name: 'Mandelbrot', sites: { 'my-blog': 12 } })
 * await history.close()
 */
export class SiteHistory {
  /** Oldest first. */
  readonly #jobs = new Map<string, { name: string; sites: SiteCredits }>()
  readonly #parameters: SiteHistoryParameters
  #timer: ReturnType<typeof setTimeout> | undefined
  /** The write under way, if any: writes never overlap. */
  #writing: Promise<void> = Promise.resolve()

  private constructor(parameters: SiteHistoryParameters) {
    this.#parameters = parameters
  }

  /** A history kept in memory only (lost on restart). */
  static inMemory(): SiteHistory {
    return new SiteHistory({})
  }

  /**
   * The history, read from `file` when it exists. Throws `SiteHistoryFileError` when the file
   * exists but cannot be read or parsed: starting empty would overwrite it.
   */
  static async open(parameters: SiteHistoryParameters = {}): Promise<SiteHistory> {
    const history = new SiteHistory(parameters)
    const { file } = parameters
    if (!file) return history
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return history
      throw new SiteHistoryFileError(`Cannot read the site history file ${file}.`, {
        cause: error,
      })
    }
    let parsed
    try {
      parsed = fileSchema.safeParse(JSON.parse(text))
    } catch (error) {
      throw new SiteHistoryFileError(`The site history file ${file} is not JSON.`, {
        cause: error,
      })
    }
    if (!parsed.success)
      throw new SiteHistoryFileError(
        `The site history file ${file} is not a site history (v: 1): ${parsed.error.issues[0]?.message ?? 'invalid'}.`,
      )
    for (const { jobId, name, sites } of parsed.data.jobs) history.#jobs.set(jobId, { name, sites })
    return history
  }

  get size(): number {
    return this.#jobs.size
  }

  /** Every job's latest counts, oldest first (not copies: read them, do not change them). */
  *entries(): IterableIterator<Readonly<SiteHistoryEntry>> {
    for (const [jobId, { name, sites }] of this.#jobs) yield { jobId, name, sites }
  }

  /** Keeps a job's latest counts (they are cumulative: they replace the job's earlier ones). */
  remember({ jobId, name, sites }: SiteHistoryEntry): void {
    this.#jobs.delete(jobId)
    this.#jobs.set(jobId, { name, sites: { ...sites } })
    const oldest = this.#jobs.keys().next().value
    if (this.#jobs.size > maxSiteHistory && oldest !== undefined) this.#jobs.delete(oldest)
    if (this.#parameters.file && this.#timer === undefined)
      this.#timer = setTimeout(() => void this.#write(), writeDelayMs)
  }

  /** Writes what is pending, if anything, and waits for it. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) await this.#write()
    await this.#writing
  }

  #write(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const file = this.#parameters.file!
    const text = JSON.stringify({ v: 1, jobs: [...this.entries()] })
    this.#writing = this.#writing.then(async () => {
      try {
        const temporary = `${file}.${process.pid}.tmp`
        await writeFile(temporary, text)
        await rename(temporary, file)
      } catch (error) {
        this.#parameters.onError?.(error)
        // Try again with the next change.
      }
    })
    return this.#writing
  }
}
