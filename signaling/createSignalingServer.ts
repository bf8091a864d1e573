import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { ExpressPeerServer } from 'peer'
import type { IClient } from 'peer'
import { WebSocketServer } from 'ws'
import { defaultSignalingConfig } from './config.ts'
import type { SignalingConfig } from './config.ts'
import { createDirectoryRouter } from './directory/createDirectoryRouter.ts'
import { Directory } from './directory/Directory.ts'
import { SiteHistory } from './directory/SiteHistory.ts'
import {
  BadRequestError,
  DirectoryError,
  InternalError,
  NotFoundError,
  OriginNotAllowedError,
  toErrorResponse,
  TooManyConnectionsError,
} from './directory/errors.ts'
import { siteKeySchema } from './directory/schemas.ts'
import type { HealthResponse, SiteContributionResponse } from './directory/schemas.ts'

export type SignalingServerOptions = {
  [key in keyof SignalingConfig]?: SignalingConfig[key] | undefined
} & {
  /** Errors no request can be answered with: a peer socket failing, a bug in a route. */
  onError?: ((error: unknown) => void) | undefined
}

export type SignalingServer = {
  /** `http://host:port`; PeerJS clients use `path: '/peerjs'`, `key: 'peerjs'` on the same host and port. */
  url: string
  port: number
  close: () => Promise<void>
}

/** The PeerServer relays SDP offers, answers and ICE candidates: a few KB. ws would take 100 MiB. */
const maxPeerMessageBytes = 64 * 1024

const peerServerKey = 'peerjs'

/**
 * Starts the signaling server: a PeerServer that introduces peers (`/peerjs`), the job directory
 * (`/api/v1/jobs`) and a health check (`/healthz`), on one HTTP port.
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

  // Keyed by id but holding the client, so that a stale socket's disconnect cannot evict a newer one.
  const connectedPeers = new Map<string, IClient>()
  // Throws `signaling/site-history-file` for a file that exists but is not ours to overwrite.
  const siteHistory = await SiteHistory.open({ file: config.sitesFile, onError })
  const directory = new Directory({
    maxListings: config.maxListings,
    maxListingsPerHost: config.maxListingsPerHost,
    isHostConnected: (peerId) => connectedPeers.has(peerId),
    siteHistory,
  })

  const app = express()
  app.disable('x-powered-by')
  const server = createServer(app)

  let peerSockets: WebSocketServer | undefined
  const peerServer = ExpressPeerServer(server, {
    path: '/',
    key: peerServerKey,
    allow_discovery: false,
    corsOptions: { origin: config.allowedOrigins === '*' ? true : [...config.allowedOrigins] },
    createWebSocketServer: (serverOptions) => {
      // No `server` here: our own upgrade handler applies the origin and per-address limits first.
      peerSockets = new WebSocketServer({
        noServer: true,
        path: serverOptions.path ?? '/',
        maxPayload: maxPeerMessageBytes,
      })
      return peerSockets
    },
  })
  peerServer.on('connection', (client) => {
    connectedPeers.set(client.getId(), client)
  })
  peerServer.on('disconnect', (client) => {
    const id = client.getId()
    directory.removeHost(id)
    if (connectedPeers.get(id) === client) connectedPeers.delete(id)
  })
  // The PeerServer emits 'error' for every malformed peer message; unheard, it would crash us.
  peerServer.on('error', onError)

  app.use(cors(config.allowedOrigins))
  app.use('/peerjs', peerServer)
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      v: 1,
      status: 'ok',
      peers: connectedPeers.size,
      listings: directory.size,
      uptimeS: Math.floor((Date.now() - startedAt) / 1000),
    } satisfies HealthResponse)
  })
  app.use('/api/v1/jobs', createDirectoryRouter({ directory, maxBodyBytes: config.maxBodyBytes }))
  // A partner site's page of ours reads what its visitors contributed.
  app.get('/api/v1/sites/:siteKey', (req, res) => {
    const parsed = siteKeySchema.safeParse(req.params['siteKey'])
    if (!parsed.success) throw new NotFoundError('No such site key.')
    res
      .set('Cache-Control', 'no-store')
      .json({ v: 1, ...directory.siteContribution(parsed.data) } satisfies SiteContributionResponse)
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

  const connectionsByAddress = new Map<string, number>()
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const sockets = peerSockets
    if (!sockets || !sockets.shouldHandle(req))
      return rejectUpgrade(socket, new NotFoundError('No WebSocket endpoint here.'))
    const origin = req.headers.origin
    if (origin !== undefined && !isOriginAllowed(config.allowedOrigins, origin))
      return rejectUpgrade(socket, new OriginNotAllowedError(origin))
    const address = remoteAddressOf(req)
    const count = connectionsByAddress.get(address) ?? 0
    if (count >= config.maxConnectionsPerAddress)
      return rejectUpgrade(socket, new TooManyConnectionsError(config.maxConnectionsPerAddress))
    connectionsByAddress.set(address, count + 1)
    // Counted per TCP socket, so the slot comes back however the handshake or the peer ends.
    socket.once('close', () => {
      const left = (connectionsByAddress.get(address) ?? 1) - 1
      if (left > 0) connectionsByAddress.set(address, left)
      else connectionsByAddress.delete(address)
    })
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host

  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
        for (const ws of peerSockets?.clients ?? []) ws.terminate()
        peerSockets?.close()
      })
      await siteHistory.close()
    },
  }
}

function withDefaults(options: SignalingServerOptions): SignalingConfig {
  const config: Record<string, unknown> = { ...defaultSignalingConfig }
  for (const [key, value] of Object.entries(options)) if (value !== undefined) config[key] = value
  return config as SignalingConfig
}

function isOriginAllowed(allowedOrigins: SignalingConfig['allowedOrigins'], origin: string) {
  return allowedOrigins === '*' || allowedOrigins.includes(origin)
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

function remoteAddressOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown'
  // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; count them as one address.
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
}

function rejectUpgrade(socket: Duplex, error: DirectoryError): void {
  const body = JSON.stringify(toErrorResponse(error))
  // A client that resets mid-answer must not take the server down with an unhandled 'error'.
  socket.on('error', () => socket.destroy())
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
