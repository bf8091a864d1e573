import { Directory } from './Directory.ts'
import { MemoryDirectoryStore } from './MemoryDirectoryStore.ts'
import { RedisDirectoryStore } from './RedisDirectoryStore.ts'
import { SiteHistory } from './SiteHistory.ts'

export type OpenDirectoryParameters = {
  maxListings: number
  maxListingsPerHost: number
  maxListingsPerAddress?: number | undefined
  maxListingsPerNetwork?: number | undefined
  maxRegistrationsPerMinute?: number | undefined
  /** A Redis several signaling nodes share; this process's memory when undefined. */
  redisUrl?: string | undefined
  /** Where partner sites' counts are kept without Redis; in memory only when undefined. */
  sitesFile?: string | undefined
  isHostConnected: (peerId: string) => boolean | Promise<boolean>
  isHostToken: (peerId: string, token: string) => boolean | Promise<boolean>
  isHostLocal?: ((peerId: string) => boolean) | undefined
  /** Failures no request sees: a sites file write, a lost Redis connection. */
  onError: (error: unknown) => void
}

/**
 * The signaling server's job directory: kept in Redis with `redisUrl` (every node naming that
 * Redis sees one directory; the sites file is not used), else in this process with the partner
 * sites' counts in `sitesFile`. Throws `signaling/site-history-file` for a sites file that exists
 * but is not ours to overwrite.
 *
 * @example
 * const directory = await openDirectory({ maxListings: 1000, maxListingsPerHost: 4, redisUrl, isHostConnected, onError })
 */
export async function openDirectory(parameters: OpenDirectoryParameters): Promise<Directory> {
  const { redisUrl, sitesFile, onError } = parameters
  const store =
    redisUrl === undefined
      ? new MemoryDirectoryStore({
          siteHistory: await SiteHistory.open({ file: sitesFile, onError }),
        })
      : new RedisDirectoryStore({ url: redisUrl, onError })
  return new Directory({
    maxListings: parameters.maxListings,
    maxListingsPerHost: parameters.maxListingsPerHost,
    maxListingsPerAddress: parameters.maxListingsPerAddress,
    maxListingsPerNetwork: parameters.maxListingsPerNetwork,
    maxRegistrationsPerMinute: parameters.maxRegistrationsPerMinute,
    isHostConnected: parameters.isHostConnected,
    isHostToken: parameters.isHostToken,
    isHostLocal: parameters.isHostLocal,
    store,
  })
}
