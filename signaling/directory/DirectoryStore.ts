import type { Listing } from './schemas.ts'
import type { SiteHistoryEntry } from './SiteHistory.ts'

/** A listing as the directory keeps it: never returned to clients as such. */
export type StoredListing = {
  listing: Listing
  /** SHA-256 of the owner token, hex: a dump of the store cannot impersonate an owner. */
  ownerTokenDigest: string
  /** The address that listed it, and that address's network (`/24`, `/48`): see `networkOf`. */
  address: string
  network: string
}

export type DirectoryQuotas = {
  maxListings: number
  maxListingsPerHost: number
  maxListingsPerAddress: number
  maxListingsPerNetwork: number
}

/** Why `put` refused a listing; every quota counts the others' listings, not the one replaced. */
export type PutRefusal = 'job-exists' | 'host-limit' | 'address-limit' | 'network-limit' | 'full'

export type PutResult =
  { ok: true; replaced: boolean; listedAt: string } | { ok: false; refusal: PutRefusal }

export type ListingPage = {
  listings: Listing[]
  /** The last job id of this page when more follow: pass it as `after` for the next one. */
  next?: string | undefined
}

export type DirectoryState = {
  /**
   * Changes whenever a listing is added, changed, removed or expires, and never comes back to
   * an earlier value (it starts with a random epoch): an ETag for the listings.
   */
  version: string
  count: number
}

/**
 * What the job directory keeps: its listings with their owners' token digests and quotas, the
 * partner sites' history, and the rate limits' counters. `MemoryDirectoryStore` keeps them in
 * this process; `RedisDirectoryStore` in a Redis shared by several signaling nodes. Each call is
 * atomic: checks and writes cannot interleave with another node's. Times are milliseconds since
 * the epoch, passed in so that tests control the clock; a listing not refreshed (by `put`,
 * `update` or `touch`) before its `expiresAt` is gone.
 */
export interface DirectoryStore {
  /**
   * Adds or replaces (same owner digest only) a listing, within the quotas. On replace, the
   * stored `listedAt` is kept and returned.
   */
  put(
    entry: StoredListing,
    quotas: DirectoryQuotas,
    now: number,
    expiresAt: number,
  ): Promise<PutResult>
  get(jobId: string, now: number): Promise<StoredListing | undefined>
  /** Replaces the listing's public fields when `ownerTokenDigest` still owns it; false otherwise. */
  update(
    jobId: string,
    ownerTokenDigest: string,
    listing: Listing,
    now: number,
    expiresAt: number,
  ): Promise<boolean>
  /** Removes the listing when `ownerTokenDigest` owns it; false otherwise. */
  remove(jobId: string, ownerTokenDigest: string, now: number): Promise<boolean>
  /** Removes every listing naming `hostPeerId`; returns how many went. */
  removeHost(hostPeerId: string, now: number): Promise<number>
  /** Listings in job id order, `limit` at most, starting after job id `after`. */
  page(after: string | undefined, limit: number, now: number): Promise<ListingPage>
  state(now: number): Promise<DirectoryState>
  /** Every live listing's job id and host, for keeping local hosts' listings alive. */
  hosts(now: number): Promise<{ jobId: string; hostPeerId: string }[]>
  /** Pushes the expiry of these listings (those still there) to `expiresAt`. */
  touch(jobIds: readonly string[], now: number, expiresAt: number): Promise<void>
  /** Keeps a job's latest per-site counts (the newest `maxSiteHistory` jobs are kept). */
  rememberSites(entry: SiteHistoryEntry): Promise<void>
  /** Every job's latest per-site counts that name `siteKey`. */
  siteHistory(siteKey: string): Promise<SiteHistoryEntry[]>
  /** Counts one hit on `key` in the fixed window of `windowMs` that holds `now`; returns the window's count. */
  hit(key: string, windowMs: number, now: number): Promise<number>
  /** Whether the store answers now (always true in memory). */
  ping(): Promise<boolean>
  close(): Promise<void>
}
