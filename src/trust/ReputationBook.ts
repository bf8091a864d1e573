/**
 * What a requester's host knows of one volunteer identity running one kernel: BOINC's
 * consecutive valid count (`cv`) and the tallies behind it. An identity is new with no trust,
 * earns it only through checked work (replicas that agree, canaries passed) and loses all of it
 * with one invalid result.
 */
export type KernelStanding = {
  /** Results checked and found right: in an agreeing quorum, or a canary answered right. */
  valid: number
  /** Results found wrong: against a quorum, or a canary answered wrong. */
  invalid: number
  /** Valid results since the last invalid one. */
  cv: number
  canariesPassed: number
  canariesFailed: number
  /** Units it reported as failed. */
  errors: number
  /** Units it held past their deadline. */
  missed: number
}

/** One identity's standing with this requester, across its jobs. */
export type ReputationEntry = {
  identity: string
  firstSeen: number
  lastSeen: number
  /** By kernel SHA-256: trust earned on one kernel says nothing of another. */
  kernels: Record<string, KernelStanding>
  /** Jobs in which it was flagged. */
  flaggedJobs: string[]
}

/** Where a host keeps the book (its JobStore). */
export type ReputationStore = {
  loadReputation(): Promise<ReputationEntry[]>
  /** Saves these entries (replacing earlier versions of them). */
  saveReputation(entries: readonly ReputationEntry[]): Promise<void>
}

const emptyStanding = (): KernelStanding => ({
  valid: 0,
  invalid: 0,
  cv: 0,
  canariesPassed: 0,
  canariesFailed: 0,
  errors: 0,
  missed: 0,
})

/** Past this many invalid results the requirement stops doubling (N × 2^16 is out of reach). */
const maxDoublings = 16

/**
 * The checked results in a row an identity needs on a kernel before its units may be accepted on
 * its result alone: the policy's `minConsecutiveValid`, doubled for every invalid result it has
 * ever had on that kernel with this requester. BOINC resets `cv` to 0 on an invalid result and
 * asks for the same N again, so an intermittent liar that lies on one unit in ten earns trust
 * back within a few dozen units and lies again on single results; here a second chance costs
 * twice the checked work, and a repeated liar soon has none (0.9^80 < 2e-4). An honest volunteer
 * outvoted once needs 2N.
 *
 * @example
 * consecutiveValidNeeded({ ...standing, invalid: 2 }, 10) // 40
 */
export function consecutiveValidNeeded(
  standing: Pick<KernelStanding, 'invalid'>,
  minConsecutiveValid: number,
): number {
  return minConsecutiveValid * 2 ** Math.min(standing.invalid, maxDoublings)
}

/** Whether a standing has earned single-result acceptance: `cv` reached what it needs. */
export function isTrusted(standing: KernelStanding, minConsecutiveValid: number): boolean {
  return standing.cv >= consecutiveValidNeeded(standing, minConsecutiveValid)
}

/** At most this many flagged jobs are remembered per identity. */
const maxFlaggedJobs = 50

/**
 * The host's reputation book: one entry per identity, kept across the requester's jobs in its
 * store. The Scheduler reads trust from it and records every check; the host saves what
 * changed (`takeChanged`) before it acknowledges the result that changed it.
 *
 * @example
 * const book = new ReputationBook(await store.loadReputation())
 * book.recordValid(identity, kernelSha, now)
 * book.trusted(identity, kernelSha, 10) // cv >= 10 × 2^invalid
 * await store.saveReputation(book.takeChanged())
 */
export class ReputationBook {
  readonly #entries = new Map<string, ReputationEntry>()
  readonly #changed = new Set<string>()

  constructor(entries: Iterable<ReputationEntry> = []) {
    for (const entry of entries) this.#entries.set(entry.identity, structuredClone(entry))
  }

  get size(): number {
    return this.#entries.size
  }

  entry(identity: string): Readonly<ReputationEntry> | undefined {
    return this.#entries.get(identity)
  }

  entries(): IterableIterator<Readonly<ReputationEntry>> {
    return this.#entries.values()
  }

  /** The identity's standing on a kernel; zeros for one never seen. */
  standing(identity: string, kernel: string): Readonly<KernelStanding> {
    return this.#entries.get(identity)?.kernels[kernel] ?? emptyStanding()
  }

  /** Whether it has the valid results in a row it needs on this kernel (`isTrusted`). */
  trusted(identity: string, kernel: string, minConsecutiveValid: number): boolean {
    return isTrusted(this.standing(identity, kernel), minConsecutiveValid)
  }

  /** A result of it agreed with a quorum, or it answered a canary right. */
  recordValid(identity: string, kernel: string, now: number, canary = false): void {
    this.#update(identity, kernel, now, (s) => {
      s.valid++
      s.cv++
      if (canary) s.canariesPassed++
    })
  }

  /** A result of it was wrong: its trust on the kernel starts again from zero. */
  recordInvalid(identity: string, kernel: string, now: number): void {
    this.#update(identity, kernel, now, (s) => {
      s.invalid++
      s.cv = 0
    })
  }

  /** It answered a canary differently from the known answer (the unit is disputed). */
  recordCanaryFailed(identity: string, kernel: string, now: number): void {
    this.#update(identity, kernel, now, (s) => s.canariesFailed++)
  }

  recordError(identity: string, kernel: string, now: number): void {
    this.#update(identity, kernel, now, (s) => s.errors++)
  }

  recordMissed(identity: string, kernel: string, now: number): void {
    this.#update(identity, kernel, now, (s) => s.missed++)
  }

  recordFlagged(identity: string, jobId: string, now: number): void {
    const entry = this.#entry(identity, now)
    if (entry.flaggedJobs.includes(jobId)) return
    entry.flaggedJobs = [...entry.flaggedJobs, jobId].slice(-maxFlaggedJobs)
    this.#changed.add(identity)
  }

  /** The entries changed since the last call, to be saved. */
  takeChanged(): ReputationEntry[] {
    const changed = [...this.#changed].flatMap((id) => {
      const entry = this.#entries.get(id)
      return entry ? [structuredClone(entry)] : []
    })
    this.#changed.clear()
    return changed
  }

  #entry(identity: string, now: number): ReputationEntry {
    let entry = this.#entries.get(identity)
    if (!entry) {
      entry = { identity, firstSeen: now, lastSeen: now, kernels: {}, flaggedJobs: [] }
      this.#entries.set(identity, entry)
    }
    entry.lastSeen = Math.max(entry.lastSeen, now)
    return entry
  }

  #update(identity: string, kernel: string, now: number, change: (s: KernelStanding) => void) {
    const entry = this.#entry(identity, now)
    const standing = (entry.kernels[kernel] ??= emptyStanding())
    change(standing)
    this.#changed.add(identity)
  }
}
