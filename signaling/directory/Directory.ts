import { createHash, timingSafeEqual } from 'node:crypto'
import type {
  DirectoryQuotas,
  DirectoryState,
  DirectoryStore,
  ListingPage,
} from './DirectoryStore.ts'
import {
  AddressLimitError,
  DirectoryError,
  DirectoryFullError,
  DirectoryUnavailableError,
  ForbiddenError,
  HostNotConnectedError,
  NotHostError,
  InvalidBodyError,
  JobExistsError,
  ListingLimitError,
  NotFoundError,
  RateLimitedError,
} from './errors.ts'
import { MemoryDirectoryStore } from './MemoryDirectoryStore.ts'
import { networkOf, normalizeAddress } from './networkOf.ts'
import type {
  Listing,
  RegisterJobRequest,
  SiteContributionResponse,
  UpdateJobRequest,
} from './schemas.ts'
import type { SiteHistory } from './SiteHistory.ts'

export type DirectoryParameters = {
  maxListings: number
  maxListingsPerHost: number
  /** Listings one remote address may hold (32 by default). */
  maxListingsPerAddress?: number | undefined
  /** Listings one network may hold: a `/24` for IPv4, a `/48` for IPv6 (128 by default). */
  maxListingsPerNetwork?: number | undefined
  /** Registrations (`register` calls, refused ones too) one address may make per minute (60 by default). */
  maxRegistrationsPerMinute?: number | undefined
  /** Whether a peer id currently holds a peer connection; only live hosts may list jobs. */
  isHostConnected: (peerId: string) => boolean | Promise<boolean>
  /**
   * Whether `token` is the one the peer id's connection registered with: the proof that whoever
   * lists a job controls its host's signaling session.
   */
  isHostToken: (peerId: string, token: string) => boolean | Promise<boolean>
  /**
   * Whether the host's socket is held by this node: each node keeps its own hosts' listings
   * alive. `isHostConnected` when absent.
   */
  isHostLocal?: ((peerId: string) => boolean) | undefined
  /** Where listings, quotas, site history and counters are kept; in this process when absent. */
  store?: DirectoryStore | undefined
  /** The site history of the default in-memory store; ignored with `store`. */
  siteHistory?: SiteHistory | undefined
  /**
   * How long a listing outlives the last sign of its host (90 s by default): a listing whose
   * node died goes after this, unless the host reconnects to another node, which keeps it.
   */
  listingTtlMs?: number | undefined
  now?: (() => Date) | undefined
}

export type RegisterReturnType = {
  listing: Listing
  /** True when an owner re-listed its job (typically a reloaded host tab with a new peer id). */
  replaced: boolean
}

export type ListParameters = {
  /** The last job id of the page before; from the start when absent. */
  after?: string | undefined
  limit?: number | undefined
}

export const defaultListingTtlMs = 90_000
const defaultPageSize = 100

/**
 * The list of open jobs. It holds no job data: just enough for a volunteer to find a host and
 * connect to it. Listings live as long as their host's peer connection. Its state is kept in a
 * `DirectoryStore`: this process's memory by default, or a Redis that several signaling nodes
 * share, so that any node answers for any listing.
 *
 * @example
 * const directory = new Directory({ maxListings: 1000, maxListingsPerHost: 4, isHostConnected: (id) => peers.has(id) })
 * await directory.register({ v: 1, jobId: 'j1', name: 'Mandelbrot', hostPeerId: 'h1', kernelKinds: ['wgsl'], unitsTotal: 64, unitsDone: 0, ownerToken }, '203.0.113.7')
 */
export class Directory {
  readonly #store: DirectoryStore
  readonly #parameters: DirectoryParameters
  readonly #quotas: DirectoryQuotas
  readonly #ttlMs: number
  readonly #keepAlive: ReturnType<typeof setInterval>
  #keepingAlive = false

  constructor(parameters: DirectoryParameters) {
    this.#parameters = parameters
    this.#store =
      parameters.store ?? new MemoryDirectoryStore({ siteHistory: parameters.siteHistory })
    this.#quotas = {
      maxListings: parameters.maxListings,
      maxListingsPerHost: parameters.maxListingsPerHost,
      maxListingsPerAddress: parameters.maxListingsPerAddress ?? 32,
      maxListingsPerNetwork: parameters.maxListingsPerNetwork ?? 128,
    }
    this.#ttlMs = parameters.listingTtlMs ?? defaultListingTtlMs
    this.#keepAlive = setInterval(() => void this.keepAlive(), this.#ttlMs / 3)
    this.#keepAlive.unref()
  }

  get store(): DirectoryStore {
    return this.#store
  }

  /** How many jobs are listed, and a version that changes with any listing. */
  state(): Promise<DirectoryState> {
    return this.#call(() => this.#store.state(this.#nowMs()))
  }

  /**
   * What a partner site's visitors contributed to every job this server has listed (kept after a
   * listing goes, for the last 10,000 jobs, and across restarts when the history is persistent):
   * each job's host reports its cumulative per-site counts, so a job listed again is not counted
   * twice.
   */
  async siteContribution(siteKey: string): Promise<Omit<SiteContributionResponse, 'v'>> {
    const now = this.#nowMs()
    const [history, listed] = await Promise.all([
      this.#call(() => this.#store.siteHistory(siteKey)),
      this.#call(() => this.#store.hosts(now)),
    ])
    const open = new Set(listed.map(({ jobId }) => jobId))
    const jobs: SiteContributionResponse['jobs'] = []
    for (const { jobId, name, sites } of history) {
      const units = sites[siteKey]
      if (units) jobs.push({ jobId, name, units, open: open.has(jobId) })
    }
    return { siteKey, units: jobs.reduce((sum, job) => sum + job.units, 0), jobs }
  }

  /** One page of listings, in job id order. */
  page({ after, limit = defaultPageSize }: ListParameters = {}): Promise<ListingPage> {
    return this.#call(() => this.#store.page(after, limit, this.#nowMs()))
  }

  /** Every listing, page by page. */
  async list(): Promise<Listing[]> {
    const listings: Listing[] = []
    let after: string | undefined
    do {
      const page = await this.page({ after, limit: 500 })
      listings.push(...page.listings)
      after = page.next
    } while (after !== undefined)
    return listings
  }

  async get(jobId: string): Promise<Listing> {
    return (await this.#find(jobId)).listing
  }

  /** `address` is the remote address that asked: quotas apply to it and to its network. */
  async register(request: RegisterJobRequest, address: string): Promise<RegisterReturnType> {
    const { maxRegistrationsPerMinute = 60, isHostConnected, isHostToken } = this.#parameters
    const normalized = normalizeAddress(address)
    const now = this.#nowMs()
    const hits = await this.#call(() => this.#store.hit(`register:${normalized}`, 60_000, now))
    if (hits > maxRegistrationsPerMinute) throw new RateLimitedError(maxRegistrationsPerMinute)
    if (!(await isHostToken(request.hostPeerId, request.hostToken))) {
      if (!(await isHostConnected(request.hostPeerId)))
        throw new HostNotConnectedError(request.hostPeerId)
      throw new NotHostError(request.hostPeerId)
    }

    const iso = new Date(now).toISOString()
    const listing: Listing = {
      jobId: request.jobId,
      name: request.name,
      hostPeerId: request.hostPeerId,
      kernelKinds: request.kernelKinds,
      ...(request.contentRoot && { contentRoot: request.contentRoot }),
      ...(request.about && { about: request.about }),
      ...(request.policy && { policy: request.policy }),
      ...(request.creditKey && { creditKey: request.creditKey }),
      unitsTotal: request.unitsTotal,
      unitsDone: request.unitsDone,
      ...(request.reward && { reward: request.reward }),
      ...(request.sites && { sites: request.sites }),
      ...(request.verification && { verification: request.verification }),
      listedAt: iso,
      updatedAt: iso,
    }
    const entry = {
      listing,
      ownerTokenDigest: digest(request.ownerToken),
      address: normalized,
      network: networkOf(normalized),
    }
    const result = await this.#call(() =>
      this.#store.put(entry, this.#quotas, now, now + this.#ttlMs),
    )
    if (!result.ok)
      switch (result.refusal) {
        case 'job-exists':
          throw new JobExistsError(request.jobId)
        case 'host-limit':
          throw new ListingLimitError(request.hostPeerId, this.#quotas.maxListingsPerHost)
        case 'address-limit':
          throw new AddressLimitError('address', this.#quotas.maxListingsPerAddress)
        case 'network-limit':
          throw new AddressLimitError('network', this.#quotas.maxListingsPerNetwork)
        case 'full':
          throw new DirectoryFullError(this.#quotas.maxListings)
      }
    const stored = { ...listing, listedAt: result.listedAt }
    await this.#remember(stored)
    return { listing: stored, replaced: result.replaced }
  }

  /** Throws `NotFoundError` or `ForbiddenError` before looking at the request. */
  async authorize(jobId: string, ownerToken: string | undefined): Promise<void> {
    await this.#authorized(jobId, ownerToken)
  }

  async update(
    jobId: string,
    ownerToken: string | undefined,
    request: UpdateJobRequest,
  ): Promise<Listing> {
    const entry = await this.#authorized(jobId, ownerToken)
    const unitsTotal = request.unitsTotal ?? entry.listing.unitsTotal
    if (request.unitsDone > unitsTotal)
      throw new InvalidBodyError([
        { path: ['unitsDone'], message: `Must not exceed unitsTotal (${unitsTotal}).` },
      ])
    const now = this.#nowMs()
    const listing: Listing = {
      ...entry.listing,
      unitsDone: request.unitsDone,
      unitsTotal,
      ...(request.reward && { reward: request.reward }),
      ...(request.sites && { sites: request.sites }),
      ...(request.verification && { verification: request.verification }),
      updatedAt: new Date(now).toISOString(),
    }
    const updated = await this.#call(() =>
      this.#store.update(jobId, entry.ownerTokenDigest, listing, now, now + this.#ttlMs),
    )
    // Removed, or re-listed by another owner, since it was read.
    if (!updated) throw new NotFoundError(`Job "${jobId}" is not listed.`)
    await this.#remember(listing)
    return listing
  }

  async remove(jobId: string, ownerToken: string | undefined): Promise<void> {
    const entry = await this.#authorized(jobId, ownerToken)
    await this.#call(() => this.#store.remove(jobId, entry.ownerTokenDigest, this.#nowMs()))
  }

  /** Drops every listing of a host that left; returns how many went. */
  removeHost(hostPeerId: string): Promise<number> {
    return this.#call(() => this.#store.removeHost(hostPeerId, this.#nowMs()))
  }

  /**
   * Pushes back the expiry of the listings whose hosts this node holds. Runs every third of the
   * listing TTL by itself; failures wait for the next round (the TTL spans three).
   */
  async keepAlive(): Promise<void> {
    if (this.#keepingAlive) return
    this.#keepingAlive = true
    try {
      const isLocal = this.#parameters.isHostLocal ?? this.#parameters.isHostConnected
      const now = this.#nowMs()
      const hosts = await this.#store.hosts(now)
      const local: string[] = []
      for (const { jobId, hostPeerId } of hosts)
        if ((await isLocal(hostPeerId)) === true) local.push(jobId)
      await this.#store.touch(local, now, now + this.#ttlMs)
    } catch {
      // The store is away; the next round tries again.
    } finally {
      this.#keepingAlive = false
    }
  }

  /** Whether the store answers. */
  ping(): Promise<boolean> {
    return this.#store.ping().catch(() => false)
  }

  async close(): Promise<void> {
    clearInterval(this.#keepAlive)
    await this.#store.close()
  }

  async #remember(listing: Listing): Promise<void> {
    if (!listing.sites) return
    const { jobId, name, sites } = listing
    await this.#call(() => this.#store.rememberSites({ jobId, name, sites }))
  }

  async #find(jobId: string) {
    const entry = await this.#call(() => this.#store.get(jobId, this.#nowMs()))
    if (!entry) throw new NotFoundError(`Job "${jobId}" is not listed.`)
    return entry
  }

  async #authorized(jobId: string, ownerToken: string | undefined) {
    const entry = await this.#find(jobId)
    const expected = Buffer.from(entry.ownerTokenDigest, 'hex')
    if (ownerToken === undefined || !timingSafeEqual(expected, digestBytes(ownerToken)))
      throw new ForbiddenError(jobId)
    return entry
  }

  /** A store failure (Redis away, a timeout) is a 503 the client may retry, not a bug. */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      if (error instanceof DirectoryError) throw error
      if (this.#store instanceof MemoryDirectoryStore) throw error
      throw new DirectoryUnavailableError({ cause: error })
    }
  }

  #nowMs(): number {
    return (this.#parameters.now?.() ?? new Date()).getTime()
  }
}

function digestBytes(token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

function digest(token: string): string {
  return digestBytes(token).toString('hex')
}
