import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { BaseError } from '../src/errors/BaseError.ts'

/** Everything an operator can set; `createSignalingServer` takes any subset of it. */
export type SignalingConfig = {
  port: number
  host: string
  /** Page origins (`https://example.org`) allowed to call the directory and open peer sockets. */
  allowedOrigins: readonly string[] | '*'
  maxBodyBytes: number
  maxListingsPerHost: number
  maxConnectionsPerAddress: number
  maxListings: number
  /** Listings one remote address, and one /24 (IPv4) or /48 (IPv6) network, may hold. */
  maxListingsPerAddress: number
  maxListingsPerNetwork: number
  /** Listing requests (POST) one remote address may make per minute. */
  maxRegistrationsPerMinute: number
  /** Peer sockets this server holds in all. */
  maxPeers: number
  /** Signaling frames one peer may send per second on average, and at once after a quiet spell. */
  peerMessagesPerSecond: number
  peerMessageBurst: number
  /** Where partner sites' counts are kept across restarts; in memory only when undefined. */
  sitesFile: string | undefined
  /** The Redis that signaling nodes share (`redis://host:port`); this process only when undefined. */
  redisUrl: string | undefined
  /** After SIGTERM, the peer sockets are closed over this many seconds, then the node stops. */
  drainSeconds: number
  /**
   * Addresses of the load balancers in front of this node: for requests from them, the client's
   * address (for per-address limits) is read from `X-Forwarded-For`.
   */
  trustedProxies: readonly string[]
}

export const defaultSignalingConfig: SignalingConfig = {
  port: 9000,
  host: '127.0.0.1',
  allowedOrigins: '*',
  maxBodyBytes: 4096,
  maxListingsPerHost: 4,
  maxConnectionsPerAddress: 32,
  maxListings: 1000,
  maxListingsPerAddress: 32,
  maxListingsPerNetwork: 128,
  maxRegistrationsPerMinute: 60,
  maxPeers: 10_000,
  peerMessagesPerSecond: 100,
  peerMessageBurst: 500,
  sitesFile: undefined,
  redisUrl: undefined,
  drainSeconds: 10,
  trustedProxies: [],
}

export class InvalidConfigError extends BaseError {
  override readonly code = 'signaling/invalid-config'
}

type IntegerSetting = {
  key: Exclude<
    keyof SignalingConfig,
    'host' | 'allowedOrigins' | 'sitesFile' | 'redisUrl' | 'trustedProxies'
  >
  flag: string
  env: string
  min: number
  max: number
}

// A listing request is a few hundred bytes; below 512 no valid request fits.
const integerSettings: readonly IntegerSetting[] = [
  { key: 'port', flag: 'port', env: 'SIGNALING_PORT', min: 0, max: 65_535 },
  {
    key: 'maxBodyBytes',
    flag: 'max-body-bytes',
    env: 'SIGNALING_MAX_BODY_BYTES',
    min: 512,
    max: 1_048_576,
  },
  {
    key: 'maxListingsPerHost',
    flag: 'max-listings-per-host',
    env: 'SIGNALING_MAX_LISTINGS_PER_HOST',
    min: 1,
    max: 10_000,
  },
  {
    key: 'maxConnectionsPerAddress',
    flag: 'max-connections-per-address',
    env: 'SIGNALING_MAX_CONNECTIONS_PER_ADDRESS',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'maxListings',
    flag: 'max-listings',
    env: 'SIGNALING_MAX_LISTINGS',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'maxListingsPerAddress',
    flag: 'max-listings-per-address',
    env: 'SIGNALING_MAX_LISTINGS_PER_ADDRESS',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'maxListingsPerNetwork',
    flag: 'max-listings-per-network',
    env: 'SIGNALING_MAX_LISTINGS_PER_NETWORK',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'maxRegistrationsPerMinute',
    flag: 'max-registrations-per-minute',
    env: 'SIGNALING_MAX_REGISTRATIONS_PER_MINUTE',
    min: 1,
    max: 1_000_000,
  },
  { key: 'maxPeers', flag: 'max-peers', env: 'SIGNALING_MAX_PEERS', min: 1, max: 10_000_000 },
  {
    key: 'peerMessagesPerSecond',
    flag: 'peer-messages-per-second',
    env: 'SIGNALING_PEER_MESSAGES_PER_SECOND',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'peerMessageBurst',
    flag: 'peer-message-burst',
    env: 'SIGNALING_PEER_MESSAGE_BURST',
    min: 1,
    max: 1_000_000,
  },
  {
    key: 'drainSeconds',
    flag: 'drain-seconds',
    env: 'SIGNALING_DRAIN_SECONDS',
    min: 0,
    max: 3_600,
  },
]

export const signalingUsage = `Usage: tsx signaling/main.ts [options]

Options (each falls back to the environment variable in brackets):
  --port N                         port to listen on, 0 for any free one [SIGNALING_PORT] (9000)
  --host ADDRESS                   address to bind [SIGNALING_HOST] (127.0.0.1)
  --origins LIST                   comma-separated page origins allowed, or * [SIGNALING_ORIGINS] (*)
  --max-body-bytes N               largest directory request body [SIGNALING_MAX_BODY_BYTES] (4096)
  --max-listings-per-host N        jobs one host peer may list [SIGNALING_MAX_LISTINGS_PER_HOST] (4)
  --max-connections-per-address N  peer sockets per remote IP [SIGNALING_MAX_CONNECTIONS_PER_ADDRESS] (32)
  --max-listings N                 jobs listed in all [SIGNALING_MAX_LISTINGS] (1000)
  --max-listings-per-address N     jobs one remote IP may list [SIGNALING_MAX_LISTINGS_PER_ADDRESS] (32)
  --max-listings-per-network N     jobs one /24 (IPv4) or /48 (IPv6) may list
                                   [SIGNALING_MAX_LISTINGS_PER_NETWORK] (128)
  --max-registrations-per-minute N listing requests one remote IP may make per minute
                                   [SIGNALING_MAX_REGISTRATIONS_PER_MINUTE] (60)
  --max-peers N                    peer sockets held in all [SIGNALING_MAX_PEERS] (10000)
  --peer-messages-per-second N     signaling frames one peer may send per second, on average
                                   [SIGNALING_PEER_MESSAGES_PER_SECOND] (100)
  --peer-message-burst N           ... and at once [SIGNALING_PEER_MESSAGE_BURST] (500)
  --sites-file PATH                keep partner sites' counts in this file across restarts
                                   [SIGNALING_SITES_FILE] (none: in memory)
  --redis URL                      keep the job directory in this Redis, shared by every node that
                                   names it (redis://[:password@]host:port[/db], rediss:// for TLS)
                                   [SIGNALING_REDIS_URL] (none: in this process)
  --drain-seconds N                after SIGTERM, close the peer sockets over N seconds (their
                                   peers reconnect to other nodes), then stop; SIGINT stops at
                                   once [SIGNALING_DRAIN_SECONDS] (10)
  --trusted-proxies LIST           comma-separated IP addresses of the load balancers in front of
                                   this node; for their requests the client's address is read
                                   from X-Forwarded-For [SIGNALING_TRUSTED_PROXIES] (none)
  -h, --help                       show this help`

export type ParseSignalingConfigReturnType =
  { help: true } | { help: false; config: SignalingConfig }

/**
 * Reads the command line, then the environment, then the defaults. Throws `InvalidConfigError`
 * naming the flag or variable at fault.
 *
 * @example
 * const parsed = parseSignalingConfig(['--port', '9100'], { SIGNALING_ORIGINS: 'https://example.org' })
 */
export function parseSignalingConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParseSignalingConfigReturnType {
  const { values } = parseFlags(argv)
  if (values['help'] === true) return { help: true }

  const setting = (flag: string, envName: string) => {
    const fromFlag = values[flag]
    if (typeof fromFlag === 'string') return { source: `--${flag}`, value: fromFlag }
    const fromEnv = env[envName]
    if (fromEnv !== undefined && fromEnv !== '') return { source: envName, value: fromEnv }
    return undefined
  }

  const config: SignalingConfig = { ...defaultSignalingConfig }
  for (const { key, flag, env: envName, min, max } of integerSettings) {
    const given = setting(flag, envName)
    if (given) config[key] = parseInteger(given.source, given.value, min, max)
  }
  const host = setting('host', 'SIGNALING_HOST')
  if (host) config.host = parseHost(host.source, host.value)
  const origins = setting('origins', 'SIGNALING_ORIGINS')
  if (origins) config.allowedOrigins = parseOrigins(origins.source, origins.value)
  const sitesFile = setting('sites-file', 'SIGNALING_SITES_FILE')
  if (sitesFile) config.sitesFile = sitesFile.value
  const redis = setting('redis', 'SIGNALING_REDIS_URL')
  if (redis) config.redisUrl = parseRedisUrl(redis.source, redis.value)
  const proxies = setting('trusted-proxies', 'SIGNALING_TRUSTED_PROXIES')
  if (proxies) config.trustedProxies = parseAddresses(proxies.source, proxies.value)
  return { help: false, config }
}

function parseFlags(argv: readonly string[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    host: { type: 'string' },
    origins: { type: 'string' },
    'sites-file': { type: 'string' },
    redis: { type: 'string' },
    'trusted-proxies': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }
  for (const { flag } of integerSettings) options[flag] = { type: 'string' }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
  } catch (error) {
    throw new InvalidConfigError(error instanceof Error ? error.message : String(error), {
      cause: error,
    })
  }
}

function parseInteger(source: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw new InvalidConfigError(
      `${source} must be a whole number from ${min} to ${max}, not "${value}".`,
    )
  return number
}

function parseRedisUrl(source: string, value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value.trim())
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '')
    throw new InvalidConfigError(
      // Not echoed: the URL may hold a password.
      `${source} must be a Redis URL: redis://[:password@]host:port[/db], or rediss:// for TLS.`,
    )
  return value.trim()
}

function parseAddresses(source: string, value: string): readonly string[] {
  const addresses = value
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '')
  if (addresses.length === 0)
    throw new InvalidConfigError(`${source} must list at least one IP address.`)
  for (const address of addresses)
    if (isIP(address) === 0)
      throw new InvalidConfigError(`${source}: "${address}" is not an IP address.`)
  return addresses
}

function parseHost(source: string, value: string): string {
  const host = value.trim()
  if (host === '' || /[\s/]/.test(host))
    throw new InvalidConfigError(`${source} must be a host name or IP address, not "${value}".`)
  return host
}

function parseOrigins(source: string, value: string): readonly string[] | '*' {
  if (value.trim() === '*') return '*'
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
  if (origins.length === 0)
    throw new InvalidConfigError(`${source} must list at least one origin, or be "*".`)
  return origins.map((origin) => {
    const normalized = normalizeOrigin(origin)
    if (normalized === undefined)
      throw new InvalidConfigError(
        `${source}: "${origin}" is not an origin; write it as scheme://host[:port], e.g. https://example.org.`,
      )
    return normalized
  })
}

/** The form browsers send in the `Origin` header, or undefined when `value` has a path, query or user. */
function normalizeOrigin(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/')
    return undefined
  return url.origin
}
