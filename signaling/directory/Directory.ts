import { createHash, timingSafeEqual } from 'node:crypto'
import {
  DirectoryFullError,
  ForbiddenError,
  HostNotConnectedError,
  InvalidBodyError,
  JobExistsError,
  ListingLimitError,
  NotFoundError,
} from './errors.ts'
import type {
  Listing,
  RegisterJobRequest,
  SiteContributionResponse,
  UpdateJobRequest,
} from './schemas.ts'
import { SiteHistory } from './SiteHistory.ts'

export type DirectoryParameters = {
  maxListings: number
  maxListingsPerHost: number
  /** Whether a peer id currently holds a PeerServer connection; only live hosts may list jobs. */
  isHostConnected: (peerId: string) => boolean
  /** Where each job's per-site counts are kept; in memory when absent. */
  siteHistory?: SiteHistory | undefined
  now?: (() => Date) | undefined
}

export type RegisterReturnType = {
  listing: Listing
  /** True when an owner re-listed its job (typically a reloaded host tab with a new peer id). */
  replaced: boolean
}

type Entry = {
  listing: Listing
  /** Only a digest is kept, so a heap dump or log of the directory cannot impersonate an owner. */
  ownerTokenDigest: Buffer
}

/**
 * In-memory list of open jobs. It holds no job data: just enough for a volunteer to find a host
 * and connect to it. Listings live as long as their host's PeerServer connection.
 *
 * @example
 * const directory = new Directory({ maxListings: 1000, maxListingsPerHost: 4, isHostConnected: (id) => peers.has(id) })
 * directory.register({ v: 1, jobId: 'j1', name: 'Mandelbrot', hostPeerId: 'h1', kernelKinds: ['wgsl'], unitsTotal: 64, unitsDone: 0, ownerToken })
 */
export class Directory {
  readonly #entries = new Map<string, Entry>()
  /** Each job's latest per-site counts; see `siteContribution`. */
  readonly #siteHistory: SiteHistory
  readonly #parameters: DirectoryParameters

  constructor(parameters: DirectoryParameters) {
    this.#parameters = parameters
    this.#siteHistory = parameters.siteHistory ?? SiteHistory.inMemory()
  }

  get size(): number {
    return this.#entries.size
  }

  /**
   * What a partner site's visitors contributed to every job this server has listed (kept after a
   * listing goes, for the last 10,000 jobs, and across restarts when the history has a file):
   * each job's host reports its cumulative per-site counts, so a job listed again is not counted
   * twice.
   */
  siteContribution(siteKey: string): Omit<SiteContributionResponse, 'v'> {
    const jobs: SiteContributionResponse['jobs'] = []
    for (const { jobId, name, sites } of this.#siteHistory.entries()) {
      const units = sites[siteKey]
      if (units) jobs.push({ jobId, name, units, open: this.#entries.has(jobId) })
    }
    return { siteKey, units: jobs.reduce((sum, job) => sum + job.units, 0), jobs }
  }

  #remember(listing: Listing): void {
    if (!listing.sites) return
    this.#siteHistory.remember({ jobId: listing.jobId, name: listing.name, sites: listing.sites })
  }

  list(): Listing[] {
    return [...this.#entries.values()].map((entry) => ({ ...entry.listing }))
  }

  get(jobId: string): Listing {
    return { ...this.#find(jobId).listing }
  }

  register(request: RegisterJobRequest): RegisterReturnType {
    const { maxListings, maxListingsPerHost, isHostConnected } = this.#parameters
    const existing = this.#entries.get(request.jobId)
    const ownerTokenDigest = digest(request.ownerToken)
    if (existing && !timingSafeEqual(existing.ownerTokenDigest, ownerTokenDigest))
      throw new JobExistsError(request.jobId)
    if (!isHostConnected(request.hostPeerId)) throw new HostNotConnectedError(request.hostPeerId)
    if (this.#countHostListings(request.hostPeerId, request.jobId) >= maxListingsPerHost)
      throw new ListingLimitError(request.hostPeerId, maxListingsPerHost)
    if (!existing && this.#entries.size >= maxListings) throw new DirectoryFullError(maxListings)

    const now = this.#now()
    const listing: Listing = {
      jobId: request.jobId,
      name: request.name,
      hostPeerId: request.hostPeerId,
      kernelKinds: request.kernelKinds,
      unitsTotal: request.unitsTotal,
      unitsDone: request.unitsDone,
      ...(request.reward && { reward: request.reward }),
      ...(request.sites && { sites: request.sites }),
      ...(request.verification && { verification: request.verification }),
      listedAt: existing?.listing.listedAt ?? now,
      updatedAt: now,
    }
    this.#entries.set(request.jobId, { listing, ownerTokenDigest })
    this.#remember(listing)
    return { listing: { ...listing }, replaced: existing !== undefined }
  }

  /** Throws `NotFoundError` or `ForbiddenError` before looking at the request. */
  authorize(jobId: string, ownerToken: string | undefined): void {
    const entry = this.#find(jobId)
    if (ownerToken === undefined || !timingSafeEqual(entry.ownerTokenDigest, digest(ownerToken)))
      throw new ForbiddenError(jobId)
  }

  update(jobId: string, ownerToken: string | undefined, request: UpdateJobRequest): Listing {
    this.authorize(jobId, ownerToken)
    const entry = this.#find(jobId)
    const unitsTotal = request.unitsTotal ?? entry.listing.unitsTotal
    if (request.unitsDone > unitsTotal)
      throw new InvalidBodyError([
        { path: ['unitsDone'], message: `Must not exceed unitsTotal (${unitsTotal}).` },
      ])
    entry.listing = {
      ...entry.listing,
      unitsDone: request.unitsDone,
      unitsTotal,
      ...(request.reward && { reward: request.reward }),
      ...(request.sites && { sites: request.sites }),
      ...(request.verification && { verification: request.verification }),
      updatedAt: this.#now(),
    }
    this.#remember(entry.listing)
    return { ...entry.listing }
  }

  remove(jobId: string, ownerToken: string | undefined): void {
    this.authorize(jobId, ownerToken)
    this.#entries.delete(jobId)
  }

  /** Drops every listing of a host that left; returns how many went. */
  removeHost(hostPeerId: string): number {
    let removed = 0
    for (const [jobId, entry] of this.#entries)
      if (entry.listing.hostPeerId === hostPeerId) {
        this.#entries.delete(jobId)
        removed++
      }
    return removed
  }

  #find(jobId: string): Entry {
    const entry = this.#entries.get(jobId)
    if (!entry) throw new NotFoundError(`Job "${jobId}" is not listed.`)
    return entry
  }

  #countHostListings(hostPeerId: string, exceptJobId: string): number {
    let count = 0
    for (const entry of this.#entries.values())
      if (entry.listing.hostPeerId === hostPeerId && entry.listing.jobId !== exceptJobId) count++
    return count
  }

  #now(): string {
    return (this.#parameters.now?.() ?? new Date()).toISOString()
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
