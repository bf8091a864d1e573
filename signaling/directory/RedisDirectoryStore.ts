import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { z } from 'zod'
import type {
  DirectoryQuotas,
  DirectoryState,
  DirectoryStore,
  ListingPage,
  PutRefusal,
  PutResult,
  StoredListing,
} from './DirectoryStore.ts'
import { redisDirectoryScripts } from './redisDirectoryScripts.ts'
import type { RedisDirectoryScript } from './redisDirectoryScripts.ts'
import { listingSchema, siteCreditsSchema } from './schemas.ts'
import type { Listing } from './schemas.ts'
import { maxSiteHistory } from './SiteHistory.ts'
import type { SiteHistoryEntry } from './SiteHistory.ts'

export type RedisDirectoryStoreParameters = {
  /** `redis://[:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string
  /** Prefix of every key; its `{...}` hash tag keeps them in one Redis Cluster slot. */
  keyPrefix?: string | undefined
  /** How long one command may take before the request fails (ms). */
  commandTimeoutMs?: number | undefined
  /** Connection trouble, as ioredis reports it (it reconnects by itself). */
  onError?: ((error: unknown) => void) | undefined
}

const defaultKeyPrefix = 'vc:{directory}:'

const siteEntrySchema = z.object({ name: z.string(), sites: siteCreditsSchema })

const putRefusals: readonly PutRefusal[] = [
  'job-exists',
  'host-limit',
  'address-limit',
  'network-limit',
  'full',
]

/**
 * The directory's state in Redis, shared by every signaling node that names the same Redis: a
 * listing registered through one node is listed, updated and removed through any other. Each
 * operation is one Lua script (`redisDirectoryScripts`), so quotas and the global cap hold under
 * concurrent writes. Listings expire unless refreshed; every key is bounded (the caps, 10,000
 * jobs of site history, rate counters that expire with their window). Persistence is Redis's
 * own: run it with `appendonly yes`.
 *
 * @example
 * const store = new RedisDirectoryStore({ url: 'redis://127.0.0.1:6379' })
 * const directory = new Directory({ store, ... })
 */
export class RedisDirectoryStore implements DirectoryStore {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #epoch = randomBytes(4).toString('hex')

  constructor({ url, keyPrefix, commandTimeoutMs, onError }: RedisDirectoryStoreParameters) {
    this.#prefix = keyPrefix ?? defaultKeyPrefix
    this.#redis = new Redis(url, {
      // Fail a request within a few seconds while Redis is away, rather than queue it forever.
      commandTimeout: commandTimeoutMs ?? 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
    })
    this.#redis.on('error', (error) => onError?.(error))
    for (const [name, lua] of Object.entries(redisDirectoryScripts))
      this.#redis.defineCommand(commandName(name), { numberOfKeys: 0, lua })
  }

  async put(
    entry: StoredListing,
    quotas: DirectoryQuotas,
    now: number,
    expiresAt: number,
  ): Promise<PutResult> {
    const { listing } = entry
    const reply = (await this.#run('put', now, [
      listing.jobId,
      entry.ownerTokenDigest,
      listing.hostPeerId,
      entry.address,
      entry.network,
      JSON.stringify(listing),
      listing.listedAt,
      expiresAt,
      quotas.maxListings,
      quotas.maxListingsPerHost,
      quotas.maxListingsPerAddress,
      quotas.maxListingsPerNetwork,
    ])) as string[]
    const [outcome, replaced, listedAt] = reply
    if (outcome === 'ok') return { ok: true, replaced: replaced === '1', listedAt: listedAt! }
    const refusal = putRefusals.find((known) => known === outcome)
    if (!refusal) throw new Error(`Unexpected answer from the directory's put script: ${outcome}.`)
    return { ok: false, refusal }
  }

  async get(jobId: string, now: number): Promise<StoredListing | undefined> {
    const reply = (await this.#run('get', now, [jobId])) as (string | null)[]
    if (reply.length === 0) return undefined
    const [entry, listedAt, owner, address, network] = reply
    return {
      listing: parseListing(entry!, listedAt!),
      ownerTokenDigest: owner!,
      address: address!,
      network: network!,
    }
  }

  async update(
    jobId: string,
    ownerTokenDigest: string,
    listing: Listing,
    now: number,
    expiresAt: number,
  ): Promise<boolean> {
    const args = [jobId, ownerTokenDigest, JSON.stringify(listing), expiresAt]
    return (await this.#run('update', now, args)) === 1
  }

  async remove(jobId: string, ownerTokenDigest: string, now: number): Promise<boolean> {
    return (await this.#run('remove', now, [jobId, ownerTokenDigest])) === 1
  }

  async removeHost(hostPeerId: string, now: number): Promise<number> {
    return (await this.#run('removeHost', now, [hostPeerId])) as number
  }

  async page(after: string | undefined, limit: number, now: number): Promise<ListingPage> {
    const reply = (await this.#run('page', now, [after ?? '', limit])) as [
      number,
      string,
      ...string[],
    ]
    const [more, last, ...pairs] = reply
    const listings: Listing[] = []
    for (let i = 0; i < pairs.length; i += 2) listings.push(parseListing(pairs[i]!, pairs[i + 1]!))
    return { listings, ...(more === 1 && { next: last }) }
  }

  async state(now: number): Promise<DirectoryState> {
    const [epoch, version, count] = (await this.#run('state', now, [this.#epoch])) as [
      string,
      string,
      number,
    ]
    return { version: `${epoch}-${version}`, count }
  }

  async hosts(now: number): Promise<{ jobId: string; hostPeerId: string }[]> {
    const reply = (await this.#run('hosts', now, [])) as string[]
    const hosts: { jobId: string; hostPeerId: string }[] = []
    for (let i = 0; i < reply.length; i += 2)
      hosts.push({ jobId: reply[i]!, hostPeerId: reply[i + 1]! })
    return hosts
  }

  async touch(jobIds: readonly string[], now: number, expiresAt: number): Promise<void> {
    if (jobIds.length > 0) await this.#run('touch', now, [expiresAt, ...jobIds])
  }

  async rememberSites({ jobId, name, sites }: SiteHistoryEntry): Promise<void> {
    const json = JSON.stringify({ name, sites })
    await this.#run('rememberSites', Date.now(), [jobId, json, maxSiteHistory])
  }

  async siteHistory(siteKey: string): Promise<SiteHistoryEntry[]> {
    const [order, all] = await Promise.all([
      this.#redis.zrange(`${this.#prefix}sites:order`, '0', '-1'),
      this.#redis.hgetall(`${this.#prefix}sites`),
    ])
    const entries: SiteHistoryEntry[] = []
    for (const jobId of order) {
      const text = all[jobId]
      if (text === undefined) continue
      const { name, sites } = siteEntrySchema.parse(JSON.parse(text))
      if (sites[siteKey]) entries.push({ jobId, name, sites })
    }
    return entries
  }

  async hit(key: string, windowMs: number, now: number): Promise<number> {
    return (await this.#run('hit', now, [key, windowMs])) as number
  }

  async ping(): Promise<boolean> {
    if (this.#redis.status !== 'ready') return false
    try {
      return (await this.#redis.ping()) === 'PONG'
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    try {
      await this.#redis.quit()
    } catch {
      this.#redis.disconnect()
    }
  }

  #run(script: RedisDirectoryScript, now: number, args: (string | number)[]): Promise<unknown> {
    const command = (
      this.#redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
    )[commandName(script)]!
    return command.call(this.#redis, this.#prefix, now, ...args)
  }
}

function commandName(script: string): string {
  return `directory_${script}`
}

/** Entries are written by this class from checked listings; parsing guards against a foreign key. */
function parseListing(entry: string, listedAt: string): Listing {
  return listingSchema.parse({ ...(JSON.parse(entry) as object), listedAt })
}
