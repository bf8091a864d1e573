import { createServer } from 'node:http'
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { defaultSignalingConfig } from './config.ts'
import type { SignalingConfig } from './config.ts'
import { createDirectoryRouter } from './directory/createDirectoryRouter.ts'
import { openDirectory } from './directory/openDirectory.ts'
import {
  BadRequestError,
  DirectoryError,
  InternalError,
  NotFoundError,
  OriginNotAllowedError,
  toErrorResponse,
} from './directory/errors.ts'
import { siteKeySchema } from './directory/schemas.ts'
import type { HealthResponse, SiteContributionResponse } from './directory/schemas.ts'
import { createNodeMetrics } from './createNodeMetrics.ts'
import { isOriginAllowed } from './isOriginAllowed.ts'
import { createPeerIdHandler } from './peers/createPeerIdHandler.ts'
import { createPeerSocketServer } from './peers/createPeerSocketServer.ts'
import type {
  PeerSocketServer,
  PeerSocketTimingsOverrides,
} from './peers/createPeerSocketServer.ts'
import { createUpgradeGate } from './peers/createUpgradeGate.ts'
import { LocalPeerRouter } from './peers/LocalPeerRouter.ts'
import type { PeerRouter } from './peers/PeerRouter.ts'
import { RedisPeerRouter } from './peers/RedisPeerRouter.ts'

export type SignalingServerOptions = {
  [key in keyof SignalingConfig]?: SignalingConfig[key] | undefined
} & {
  /** Errors no request can be answered with: a bug in a route or in peer routing. */
  onError?: ((error: unknown) => void) | undefined
  /**
   * Where peers are found: a `RedisPeerRouter` with `redisUrl`, else a `LocalPeerRouter` (this
   * process only).
   */
  peerRouter?: PeerRouter | undefined
  /** Peer socket timeouts and waiting-room sizes; tests shorten them. */
  peerTimings?: PeerSocketTimingsOverrides | undefined
}

export type SignalingServer = {
  /** `http://host:port`; PeerJS clients use `path: '/peerjs'`, `key: 'peerjs'` on the same host and port. */
  url: string
  port: number
  /**
   * Takes the node out of service before `close()`: `/healthz` answers 503 `draining` (so that
   * a load balancer stops sending new clients), new peer sockets get 503, and the open ones are
   * closed with 1012 over `spreadMs`, their peers left to reconnect to another node; their
   * listings stay for the node they reconnect to. HTTP requests are still answered meanwhile.
   */
  drain: (spreadMs: number) => Promise<void>
  close: () => Promise<void>
}

/**
 * Starts the signaling server: the PeerJS server protocol that introduces peers (`/peerjs`), the
 * job directory (`/api/v1/jobs`) and a health check (`/healthz`), on one HTTP port.
 *
 * @example
 * const server = await createSignalingServer({ port: 0, allowedOrigins: ['https://example.org'] })
 * const peer = new Peer({ host: '127.0.0.1', port: server.port, path: '/peerjs', key: 'peerjs' })
 */
export async function createSignalingServer(
  options: SignalingServerOptions = {},
): Promise<SignalingServer> {
  const config = withDefaults(options)
  const onError = options.onError ?? (() => {})
  const startedAt = Date.now()

  const router =
    options.peerRouter ??
    (config.redisUrl === undefined
      ? new LocalPeerRouter()
      : new RedisPeerRouter({ url: config.redisUrl, onError }))
  // Throws `signaling/site-history-file` for a file that exists but is not ours to overwrite.
  const directory = await openDirectory({
    ...config,
    isHostConnected: (peerId) => router.isConnected(peerId),
    isHostToken: (peerId, token) => router.holdsToken(peerId, token),
    isHostLocal: (peerId) => router.localSession(peerId) !== undefined,
    onError,
  }).catch(async (error: unknown) => {
    await router.close()
    throw error
  })
  const peers = createPeerSocketServer({
    router,
    gate: createUpgradeGate(config),
    maxPeers: config.maxPeers,
    messagesPerSecond: config.peerMessagesPerSecond,
    messageBurst: config.peerMessageBurst,
    timings: options.peerTimings,
    onPeerGone: (id) => void directory.removeHost(id).catch(onError),
    onError,
  })

  const metrics = createNodeMetrics({
    peers: () => router.localCount,
    stats: peers.stats,
    draining: () => peers.draining,
    listings: async () => (await directory.state().catch(() => undefined))?.count,
    pingStore: () => directory.ping(),
    storeKind: config.redisUrl === undefined ? 'memory' : 'redis',
    redisReconnects: router instanceof RedisPeerRouter ? () => router.reconnects : undefined,
  })

  const app = express()
  app.disable('x-powered-by')
  const server = createServer(app)
  server.on('upgrade', peers.handleUpgrade)

  app.use(cors(config.allowedOrigins))
  app.get('/peerjs/:key/id', createPeerIdHandler({ router }))
  app.get('/healthz', (_req, res) => {
    void (async () => {
      const started = performance.now()
      const reachable = await directory.ping()
      const roundTripMs = performance.now() - started
      const listings = reachable ? (await directory.state().catch(() => undefined))?.count : 0
      const up = reachable && listings !== undefined
      const status = peers.draining ? 'draining' : up ? 'ok' : 'unavailable'
      res
        .status(status === 'ok' ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({
          v: 1,
          status,
          peers: router.localCount,
          listings: listings ?? 0,
          frames: framesOf(peers.stats),
          uptimeS: Math.floor((Date.now() - startedAt) / 1000),
          store: {
            kind: config.redisUrl === undefined ? 'memory' : 'redis',
            reachable: up,
            ...(up &&
              config.redisUrl !== undefined && {
                roundTripMs: Math.round(roundTripMs * 1000) / 1000,
              }),
          },
        } satisfies HealthResponse)
    })()
  })
  app.get('/metrics', (_req, res, next) => {
    metrics.render().then((text) => {
      res.set('Cache-Control', 'no-store').type(metrics.contentType).send(text)
    }, next)
  })
  app.use(
    '/api/v1/jobs',
    createDirectoryRouter({
      directory,
      maxBodyBytes: config.maxBodyBytes,
      trustedProxies: config.trustedProxies,
    }),
  )
  // A partner site's page of ours reads what its visitors contributed.
  app.get('/api/v1/sites/:siteKey', (req, res, next) => {
    const parsed = siteKeySchema.safeParse(req.params['siteKey'])
    if (!parsed.success) throw new NotFoundError('No such site key.')
    directory.siteContribution(parsed.data).then((contribution) => {
      res
        .set('Cache-Control', 'no-store')
        .json({ v: 1, ...contribution } satisfies SiteContributionResponse)
    }, next)
  })
  app.use((req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path.slice(0, 200)}.`))
  })
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const answer = toDirectoryError(error)
    if (answer instanceof InternalError) onError(error)
    if (res.headersSent) return void res.destroy()
    res.status(answer.status).json(toErrorResponse(answer))
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(config.port, config.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    // Nothing may keep the process alive after a failed start: the sweep timer, the sites file.
    metrics.close()
    await peers.close()
    await directory.close()
    throw error
  }
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host

  return {
    url: `http://${host}:${port}`,
    port,
    drain: (spreadMs) => peers.drain(spreadMs),
    close: async () => {
      metrics.close()
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
      })
      server.closeAllConnections()
      // Upgraded sockets count as the server's connections until they end.
      await peers.close()
      await closed
      await directory.close()
    },
  }
}

function withDefaults(options: SignalingServerOptions): SignalingConfig {
  const config: Record<string, unknown> = { ...defaultSignalingConfig }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) config[key] = value
  return config as SignalingConfig
}

/** Requests without an `Origin` header come from tools, not pages, and are let through. */
function cors(allowedOrigins: SignalingConfig['allowedOrigins']): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin')
    if (origin === undefined) return next()
    res.vary('Origin')
    if (!isOriginAllowed(allowedOrigins, origin)) return next(new OriginNotAllowedError(origin))
    res.set('Access-Control-Allow-Origin', allowedOrigins === '*' ? '*' : origin)
    res.set('Access-Control-Expose-Headers', 'Location')
    if (req.method !== 'OPTIONS' || req.get('access-control-request-method') === undefined)
      return next()
    res.set('Access-Control-Allow-Methods', 'GET, POST, PATCH, DELETE')
    res.set('Access-Control-Allow-Headers', 'Content-Type, Authorization')
    res.set('Access-Control-Max-Age', '600')
    res.status(204).end()
  }
}

function toDirectoryError(error: unknown): DirectoryError {
  if (error instanceof DirectoryError) return error
  // Express itself reports client faults (a malformed URL) as errors carrying a 4xx status.
  const status =
    typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new BadRequestError({ cause: error })
  return new InternalError({ cause: error })
}

function framesOf(stats: PeerSocketServer['stats']): HealthResponse['frames'] {
  const { relayed, queued, expired, rateLimited, timedOut } = stats
  const rejected = Object.values(stats.rejected).reduce((sum, count) => sum + count, 0)
  return { relayed, queued, expired, rateLimited, rejected, timedOut }
}
