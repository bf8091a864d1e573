import { randomBytes } from 'node:crypto'
import type {
  DirectoryQuotas,
  DirectoryState,
  DirectoryStore,
  ListingPage,
  PutResult,
  StoredListing,
} from './DirectoryStore.ts'
import type { Listing } from './schemas.ts'
import { SiteHistory } from './SiteHistory.ts'
import type { SiteHistoryEntry } from './SiteHistory.ts'

type Entry = StoredListing & { expiresAt: number }

/** Rate-limit windows kept at most; the oldest go first (a flood of addresses cannot grow it). */
const maxCounters = 100_000

/**
 * The directory's state in this process: what one signaling node without Redis keeps (the
 * default). The partner sites' history goes to `siteHistory`, which may keep a file.
 *
 * @example
 * const store = new MemoryDirectoryStore({ siteHistory: await SiteHistory.open({ file }) })
 */
export class MemoryDirectoryStore implements DirectoryStore {
  readonly #entries = new Map<string, Entry>()
  readonly #siteHistory: SiteHistory
  readonly #counters = new Map<string, number>()
  readonly #epoch = randomBytes(4).toString('hex')
  #version = 0
  /** Job ids in order, rebuilt on the first page after a change. */
  #sortedIds: string[] | undefined

  constructor({ siteHistory }: { siteHistory?: SiteHistory | undefined } = {}) {
    this.#siteHistory = siteHistory ?? SiteHistory.inMemory()
  }

  async put(
    entry: StoredListing,
    quotas: DirectoryQuotas,
    now: number,
    expiresAt: number,
  ): Promise<PutResult> {
    this.#expire(now)
    const { jobId, hostPeerId } = entry.listing
    const existing = this.#entries.get(jobId)
    if (existing && existing.ownerTokenDigest !== entry.ownerTokenDigest)
      return { ok: false, refusal: 'job-exists' }
    let host = 0
    let address = 0
    let network = 0
    for (const other of this.#entries.values()) {
      if (other.listing.jobId === jobId) continue
      if (other.listing.hostPeerId === hostPeerId) host++
      if (other.address === entry.address) address++
      if (other.network === entry.network) network++
    }
    if (host >= quotas.maxListingsPerHost) return { ok: false, refusal: 'host-limit' }
    if (address >= quotas.maxListingsPerAddress) return { ok: false, refusal: 'address-limit' }
    if (network >= quotas.maxListingsPerNetwork) return { ok: false, refusal: 'network-limit' }
    if (!existing && this.#entries.size >= quotas.maxListings) return { ok: false, refusal: 'full' }
    const listedAt = existing?.listing.listedAt ?? entry.listing.listedAt
    this.#entries.set(jobId, { ...entry, listing: { ...entry.listing, listedAt }, expiresAt })
    this.#changed()
    return { ok: true, replaced: existing !== undefined, listedAt }
  }

  async get(jobId: string, now: number): Promise<StoredListing | undefined> {
    this.#expire(now)
    const entry = this.#entries.get(jobId)
    return entry && { ...entry, listing: { ...entry.listing } }
  }

  async update(
    jobId: string,
    ownerTokenDigest: string,
    listing: Listing,
    now: number,
    expiresAt: number,
  ): Promise<boolean> {
    this.#expire(now)
    const entry = this.#entries.get(jobId)
    if (!entry || entry.ownerTokenDigest !== ownerTokenDigest) return false
    entry.listing = { ...listing, listedAt: entry.listing.listedAt }
    entry.expiresAt = expiresAt
    this.#changed()
    return true
  }

  async remove(jobId: string, ownerTokenDigest: string, now: number): Promise<boolean> {
    this.#expire(now)
    const entry = this.#entries.get(jobId)
    if (!entry || entry.ownerTokenDigest !== ownerTokenDigest) return false
    this.#entries.delete(jobId)
    this.#changed()
    return true
  }

  async removeHost(hostPeerId: string, now: number): Promise<number> {
    this.#expire(now)
    let removed = 0
    for (const [jobId, entry] of this.#entries)
      if (entry.listing.hostPeerId === hostPeerId) {
        this.#entries.delete(jobId)
        removed++
      }
    if (removed > 0) this.#changed()
    return removed
  }

  async page(after: string | undefined, limit: number, now: number): Promise<ListingPage> {
    this.#expire(now)
    this.#sortedIds ??= [...this.#entries.keys()].sort(compareIds)
    const ids = this.#sortedIds
    const start = after === undefined ? 0 : firstAfter(ids, after)
    const listings = ids
      .slice(start, start + limit)
      .map((jobId) => ({ ...this.#entries.get(jobId)!.listing }))
    const more = start + limit < ids.length
    return { listings, ...(more && { next: listings.at(-1)?.jobId }) }
  }

  async state(now: number): Promise<DirectoryState> {
    this.#expire(now)
    return { version: `${this.#epoch}-${this.#version}`, count: this.#entries.size }
  }

  async hosts(now: number): Promise<{ jobId: string; hostPeerId: string }[]> {
    this.#expire(now)
    return [...this.#entries.values()].map(({ listing }) => ({
      jobId: listing.jobId,
      hostPeerId: listing.hostPeerId,
    }))
  }

  async touch(jobIds: readonly string[], now: number, expiresAt: number): Promise<void> {
    this.#expire(now)
    for (const jobId of jobIds) {
      const entry = this.#entries.get(jobId)
      if (entry) entry.expiresAt = Math.max(entry.expiresAt, expiresAt)
    }
  }

  async rememberSites(entry: SiteHistoryEntry): Promise<void> {
    this.#siteHistory.remember(entry)
  }

  async siteHistory(siteKey: string): Promise<SiteHistoryEntry[]> {
    const entries: SiteHistoryEntry[] = []
    for (const { jobId, name, sites } of this.#siteHistory.entries())
      if (sites[siteKey]) entries.push({ jobId, name, sites: { ...sites } })
    return entries
  }

  async hit(key: string, windowMs: number, now: number): Promise<number> {
    const window = `${Math.floor(now / windowMs)}:${key}`
    const count = (this.#counters.get(window) ?? 0) + 1
    this.#counters.delete(window)
    this.#counters.set(window, count)
    if (this.#counters.size > maxCounters) this.#dropOldCounters(now, windowMs)
    return count
  }

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {
    await this.#siteHistory.close()
  }

  #expire(now: number): void {
    let expired = false
    for (const [jobId, entry] of this.#entries)
      if (entry.expiresAt <= now) {
        this.#entries.delete(jobId)
        expired = true
      }
    if (expired) this.#changed()
  }

  #changed(): void {
    this.#version++
    this.#sortedIds = undefined
  }

  /** Windows other than the current one go first, then the least recently hit. */
  #dropOldCounters(now: number, windowMs: number): void {
    const current = `${Math.floor(now / windowMs)}:`
    for (const window of this.#counters.keys())
      if (!window.startsWith(current)) this.#counters.delete(window)
    for (const window of this.#counters.keys()) {
      if (this.#counters.size <= maxCounters) break
      this.#counters.delete(window)
    }
  }
}

/** Byte order, as Redis sorts members of equal score: job ids are ASCII. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function firstAfter(ids: readonly string[], after: string): number {
  let low = 0
  let high = ids.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (ids[middle]! <= after) low = middle + 1
    else high = middle
  }
  return low
}
