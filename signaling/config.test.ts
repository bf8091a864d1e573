// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { defaultSignalingConfig, InvalidConfigError, parseSignalingConfig } from './config.ts'

function configOf(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseSignalingConfig(argv, env)
  if (parsed.help) throw new Error('unexpected help')
  return parsed.config
}

describe('parseSignalingConfig', () => {
  it('defaults to 127.0.0.1:9000 and any origin', () => {
    expect(configOf([])).toEqual(defaultSignalingConfig)
    expect(defaultSignalingConfig).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      allowedOrigins: '*',
    })
  })

  it('reads flags, falling back to the environment', () => {
    const config = configOf(
      [
        '--port',
        '9100',
        '--origins',
        'https://a.example, http://localhost:5173/',
        '--max-listings-per-host=8',
        '--max-listings-per-network',
        '64',
        '--peer-message-burst',
        '40',
      ],
      {
        SIGNALING_PORT: '1',
        SIGNALING_HOST: '0.0.0.0',
        SIGNALING_MAX_BODY_BYTES: '8192',
        SIGNALING_MAX_CONNECTIONS_PER_ADDRESS: '64',
        SIGNALING_MAX_LISTINGS: '50',
        SIGNALING_MAX_LISTINGS_PER_ADDRESS: '4',
        SIGNALING_MAX_LISTINGS_PER_NETWORK: '16',
        SIGNALING_MAX_PEERS: '2000',
        SIGNALING_PEER_MESSAGES_PER_SECOND: '20',
        SIGNALING_DRAIN_SECONDS: '30',
        SIGNALING_TRUSTED_PROXIES: '10.0.0.2, fd00::2',
      },
    )
    expect(config).toEqual({
      port: 9100,
      host: '0.0.0.0',
      allowedOrigins: ['https://a.example', 'http://localhost:5173'],
      maxBodyBytes: 8192,
      maxListingsPerHost: 8,
      maxConnectionsPerAddress: 64,
      maxListings: 50,
      maxListingsPerAddress: 4,
      maxListingsPerNetwork: 64,
      maxRegistrationsPerMinute: 60,
      maxPeers: 2000,
      peerMessagesPerSecond: 20,
      peerMessageBurst: 40,
      sitesFile: undefined,
      redisUrl: undefined,
      drainSeconds: 30,
      trustedProxies: ['10.0.0.2', 'fd00::2'],
    })
  })

  it('takes a sites file from the flag or the environment; none by default', () => {
    expect(configOf([]).sitesFile).toBeUndefined()
    expect(configOf(['--sites-file', '/var/lib/signaling/sites.json']).sitesFile).toBe(
      '/var/lib/signaling/sites.json',
    )
    expect(configOf([], { SIGNALING_SITES_FILE: 'sites.json' }).sitesFile).toBe('sites.json')
  })

  it('takes a Redis URL from the flag or the environment; none by default', () => {
    expect(configOf([]).redisUrl).toBeUndefined()
    expect(configOf(['--redis', 'redis://10.0.0.5:6379/2']).redisUrl).toBe(
      'redis://10.0.0.5:6379/2',
    )
    expect(
      configOf(['--redis=rediss://:secret@redis.example:6380'], {
        SIGNALING_REDIS_URL: 'redis://ignored:1',
      }).redisUrl,
    ).toBe('rediss://:secret@redis.example:6380')
    expect(configOf([], { SIGNALING_REDIS_URL: ' redis://127.0.0.1:6379 ' }).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    )
  })

  it('recognizes --help', () => {
    expect(parseSignalingConfig(['--help'], {})).toEqual({ help: true })
    expect(parseSignalingConfig(['-h'], {})).toEqual({ help: true })
  })

  it.each([
    [['--port', 'abc'], {}, '--port'],
    [['--port', '70000'], {}, '--port'],
    [['--port', '-1'], {}, '--port'],
    [[], { SIGNALING_PORT: '9000.5' }, 'SIGNALING_PORT'],
    [['--max-body-bytes', '10'], {}, '--max-body-bytes'],
    [['--max-listings-per-host', '0'], {}, '--max-listings-per-host'],
    [
      [],
      { SIGNALING_MAX_CONNECTIONS_PER_ADDRESS: 'lots' },
      'SIGNALING_MAX_CONNECTIONS_PER_ADDRESS',
    ],
    [['--origins', 'example.org'], {}, '--origins'],
    [['--origins', 'https://example.org/app'], {}, '--origins'],
    [['--origins', ' , '], {}, '--origins'],
    [['--host', 'a b'], {}, '--host'],
    [['--redis', '127.0.0.1:6379'], {}, '--redis'],
    [['--redis', 'http://127.0.0.1:6379'], {}, '--redis'],
    [[], { SIGNALING_REDIS_URL: 'redis://' }, 'SIGNALING_REDIS_URL'],
    [['--max-listings-per-address', '0'], {}, '--max-listings-per-address'],
    [['--trusted-proxies', 'lb.example'], {}, '--trusted-proxies'],
    [[], { SIGNALING_TRUSTED_PROXIES: ' , ' }, 'SIGNALING_TRUSTED_PROXIES'],
    [['--drain-seconds', '3601'], {}, '--drain-seconds'],
    [['--verbose'], {}, '--verbose'],
    [['extra'], {}, 'extra'],
  ])('rejects %j %j naming %s', (argv, env, culprit) => {
    expect(() => parseSignalingConfig(argv, env)).toThrow(InvalidConfigError)
    expect(() => parseSignalingConfig(argv, env)).toThrow(culprit)
  })
})
