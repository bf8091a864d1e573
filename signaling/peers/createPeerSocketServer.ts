import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import WebSocket, { WebSocketServer } from 'ws'
import { DrainingError, NotFoundError } from '../directory/errors.ts'
import type { ClientFrame, RelayFrame, ServerFrame } from './frames.ts'
import {
  maxFrameBytes,
  parseClientFrame,
  peerIdSchema,
  peerTokenSchema,
  serializeServerFrame,
} from './frames.ts'
import type { PeerRouter } from './PeerRouter.ts'
import { PeerSocketSession } from './PeerSocketSession.ts'
import { PendingMessages } from './PendingMessages.ts'
import type { PendingMessagesLimits } from './PendingMessages.ts'
import { emptyPeerSocketStats } from './PeerSocketStats.ts'
import type { PeerSocketStats } from './PeerSocketStats.ts'
import type { UpgradeGate } from './createUpgradeGate.ts'
import { rejectUpgrade } from './createUpgradeGate.ts'

/** Where peerjs opens its socket: its `path` option (`/peerjs`) followed by `peerjs`. */
export const peerSocketPath = '/peerjs/peerjs'

/** The API key peerjs sends; one service, one key. */
export const peerServerKey = 'peerjs'

export type PeerSocketTimings = {
  /** A socket silent this long (peerjs sends HEARTBEAT every 5 s) is closed and its id freed. */
  aliveTimeoutMs: number
  /** How often silent sockets and waiting frames are checked. */
  sweepIntervalMs: number
  /** A peer whose socket holds this many unsent bytes is not reading: it is closed. */
  maxBufferedBytes: number
  pending: PendingMessagesLimits
}

/** Any of `PeerSocketTimings`, the waiting room's limits one by one. */
export type PeerSocketTimingsOverrides = Partial<Omit<PeerSocketTimings, 'pending'>> & {
  pending?: Partial<PendingMessagesLimits> | undefined
}

export const defaultPeerSocketTimings: PeerSocketTimings = {
  aliveTimeoutMs: 90_000,
  sweepIntervalMs: 1_000,
  maxBufferedBytes: 1024 * 1024,
  pending: {
    maxPerSender: 64,
    maxBytesPerSender: 256 * 1024,
    maxMessages: 20_000,
    maxBytes: 16 * 1024 * 1024,
    expireAfterMs: 5_000,
  },
}

export type CreatePeerSocketServerParameters = {
  router: PeerRouter
  gate: UpgradeGate
  /** Peers this node holds at most. */
  maxPeers: number
  /** A peer's frames per second on average, and at once after a quiet spell. */
  messagesPerSecond: number
  messageBurst: number
  timings?: PeerSocketTimingsOverrides | undefined
  /** A peer id is gone from this node (closed, left, timed out); not called when a reconnect replaced it. */
  onPeerGone: (id: string) => void
  /** Failures of our own (a router that throws); client faults are counted, not reported. */
  onError: (error: unknown) => void
  now?: (() => number) | undefined
}

export type PeerSocketServer = {
  /** Serves the upgrade if it is for `peerSocketPath`, and answers 404 otherwise. */
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  readonly stats: Readonly<PeerSocketStats>
  /** Whether `drain` has begun: new sockets are refused with 503. */
  readonly draining: boolean
  /**
   * Takes this node out of service gently: refuses new sockets, then closes the open ones with
   * 1012 (service restart), spread evenly over `spreadMs` so that their reconnections do not all
   * land on the other nodes at once. Their ids are released, but not their listings: a host that
   * reconnects to another node within the listing's lifetime keeps its listing. Resolves when
   * every socket is closed.
   */
  drain: (spreadMs: number) => Promise<void>
  /** Terminates every peer socket and stops every timer. */
  close: () => Promise<void>
}

// A client may send before its OPEN arrives; more than this before registration ends is a flood.
const maxEarlyFrames = 32

/**
 * The PeerJS server protocol on WebSockets: registers peers with a `PeerRouter`, relays OFFER,
 * ANSWER, CANDIDATE and LEAVE between them with `src` set from the registration, holds frames for
 * peers not yet connected (bounded, then EXPIRE), and closes sockets that send what the schema
 * refuses, flood, or fall silent.
 *
 * @example
 * const peers = createPeerSocketServer({ router: new LocalPeerRouter(), gate, maxPeers: 10_000,
 *   messagesPerSecond: 100, messageBurst: 500, onPeerGone: (id) => directory.removeHost(id), onError })
 * httpServer.on('upgrade', peers.handleUpgrade)
 */
export function createPeerSocketServer(
  parameters: CreatePeerSocketServerParameters,
): PeerSocketServer {
  const { router, gate, maxPeers, messagesPerSecond, messageBurst, onPeerGone, onError } =
    parameters
  const now = parameters.now ?? Date.now
  const timings = {
    ...defaultPeerSocketTimings,
    ...parameters.timings,
    pending: { ...defaultPeerSocketTimings.pending, ...parameters.timings?.pending },
  }
  const stats = emptyPeerSocketStats()
  const pending = new PendingMessages(timings.pending, now)
  const sessions = new Set<PeerSocketSession>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes })
  let closed = false
  let draining = false

  const sessionOptions = {
    messagesPerSecond,
    messageBurst,
    maxBufferedBytes: timings.maxBufferedBytes,
    stats,
    now,
  }

  const sweep = setInterval(() => {
    try {
      sweepOnce()
    } catch (error) {
      onError(error)
    }
  }, timings.sweepIntervalMs)

  function sweepOnce() {
    const cutoff = now() - timings.aliveTimeoutMs
    const heard: string[] = []
    for (const session of sessions) {
      if (session.lastSeenAt <= cutoff) {
        stats.timedOut += 1
        session.ws.terminate()
      } else if (session.heard && session.state === 'open') {
        session.heard = false
        heard.push(session.id)
      }
    }
    const told = new Set<string>()
    for (const { src, dst } of pending.expire()) {
      // One EXPIRE per sender and destination: peerjs reports each as one failed connection.
      const pair = `${src}\n${dst}`
      if (told.has(pair)) continue
      told.add(pair)
      sendExpire(src, dst)
    }
    if (heard.length > 0) router.refresh(heard).catch(onError)
    void flushToOtherNodes()
  }

  /**
   * Frames wait on their sender's node; their destination may register on another. Once a sweep
   * finds it connected elsewhere, what waits for it is delivered there, oldest first.
   */
  let flushing = false
  async function flushToOtherNodes() {
    if (flushing) return
    flushing = true
    try {
      for (const dst of pending.destinations()) {
        if (closed) return
        if (router.localSession(dst) || !(await router.isConnected(dst))) continue
        const waiting = pending.take(dst)
        const found = await Promise.all(waiting.map(({ frame }) => router.deliver(dst, frame)))
        const told = new Set<string>()
        waiting.forEach(({ src }, i) => {
          if (found[i]) return void (stats.relayed += 1)
          // Gone again meanwhile: one EXPIRE per sender, as for a wait that ran out.
          if (told.has(src)) return
          told.add(src)
          sendExpire(src, dst)
        })
      }
    } catch (error) {
      onError(error)
    } finally {
      flushing = false
    }
  }

  function sendExpire(src: string, dst: string) {
    stats.expired += 1
    router.localSession(src)?.send(serializeServerFrame({ type: 'EXPIRE', src: dst, dst: src }))
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== peerSocketPath && url.pathname !== `${peerSocketPath}/`)
      return rejectUpgrade(socket, new NotFoundError('No WebSocket endpoint here.'))
    if (closed) return void socket.destroy()
    if (draining) return rejectUpgrade(socket, new DrainingError())
    if (!gate(req, socket)) return
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket, url.searchParams))
  }

  function accept(ws: WebSocket, socket: Duplex, query: URLSearchParams) {
    // Oversized frames and protocol violations surface here, after ws has begun closing the socket.
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') stats.rejected.oversized += 1
      else if (error.code?.startsWith('WS_ERR_')) stats.rejected.protocol += 1
    })
    const refuse = (type: 'ERROR' | 'ID-TAKEN', msg: string) => {
      ws.send(serializeServerFrame({ type, payload: { msg } }))
      ws.close(1008)
    }
    const key = query.get('key')
    const id = query.get('id')
    const token = query.get('token')
    // The messages are peerjs's own: its users may already match on them.
    if (!key || !id || !token)
      return refuse('ERROR', 'No id, token, or key supplied to websocket server')
    if (key !== peerServerKey) return refuse('ERROR', 'Invalid key provided')
    if (!peerIdSchema.safeParse(id).success) return refuse('ERROR', 'Invalid id provided')
    if (!peerTokenSchema.safeParse(token).success) return refuse('ERROR', 'Invalid token provided')
    if (router.localCount >= maxPeers && router.localSession(id) === undefined)
      return refuse('ERROR', 'Server has reached its concurrent user limit')

    const session = new PeerSocketSession(id, ws, socket, sessionOptions)
    sessions.add(session)
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // A throw here would take the whole process down with it; it would be our bug, not the peer's.
      try {
        receive(session, data, isBinary)
      } catch (error) {
        onError(error)
        ws.terminate()
      }
    })
    ws.on('close', () => void onClose(session))
    router
      .register(session, token)
      .then(
        (outcome) => {
          // Closed, or refused and closing, while its registration was out: it never opens, and
          // the frames it sent early are never relayed.
          if (session.state === 'closed' || ws.readyState !== WebSocket.OPEN) {
            session.state = 'closed'
            if (outcome === 'registered') void forget(session)
            return
          }
          if (outcome === 'id-taken') return refuse('ID-TAKEN', 'ID is taken')
          session.state = 'open'
          session.send(serializeServerFrame({ type: 'OPEN' }))
          for (const message of pending.take(id)) {
            stats.relayed += 1
            session.send(message.frame)
          }
          for (const frame of session.early.splice(0)) handle(session, frame)
        },
        (error: unknown) => {
          onError(error)
          if (session.state !== 'closed') refuse('ERROR', 'The server could not register this peer')
        },
      )
      .catch((error: unknown) => {
        onError(error)
        ws.terminate()
      })
  }

  function receive(session: PeerSocketSession, data: Buffer, isBinary: boolean) {
    if (session.state === 'closed' || session.ws.readyState !== WebSocket.OPEN) return
    session.lastSeenAt = now()
    session.heard = true
    stats.received += 1
    if (!session.bucket.take()) {
      stats.rateLimited += 1
      // Dropping keeps a bursty but honest client alive; one that goes on at twice its rate is closed.
      session.overLimit += 1
      if (session.overLimit > messageBurst)
        session.reject('rate-limit', `More than ${messagesPerSecond} messages a second.`)
      return
    }
    session.overLimit = 0
    const parsed = parseClientFrame(data, isBinary)
    if (!parsed.ok) return session.reject(parsed.reason, parsed.message)
    if (session.state === 'open') return handle(session, parsed.frame)
    if (session.early.length >= maxEarlyFrames)
      return session.reject('rate-limit', 'Too many messages before OPEN.')
    session.early.push(parsed.frame)
  }

  function handle(session: PeerSocketSession, frame: ClientFrame) {
    switch (frame.type) {
      case 'HEARTBEAT':
        return
      case 'OFFER':
      case 'ANSWER':
      case 'CANDIDATE':
        return relay(session, frame)
      case 'LEAVE':
        if (frame.dst === undefined) return session.ws.close(1000, 'Left')
        return leave(session, frame.dst, frame.payload)
      default: {
        const unexpected: never = frame
        throw new TypeError(`Unhandled frame ${JSON.stringify(unexpected)}`)
      }
    }
  }

  function relay(session: PeerSocketSession, { type, dst, payload }: RelayFrame) {
    const frame = serializeServerFrame({
      type,
      src: session.id,
      dst,
      payload,
    } satisfies ServerFrame)
    // Behind frames already waiting for `dst`, so that an OFFER is never overtaken by its
    // CANDIDATEs when `dst` turns up on another node.
    if (pending.waitsFor(dst) && !router.localSession(dst)) {
      if (pending.add(session.id, dst, frame)) stats.queued += 1
      else sendExpire(session.id, dst)
      return
    }
    router
      .deliver(dst, frame)
      .then((found) => {
        if (found) return void (stats.relayed += 1)
        // The target may have registered here while the lookup was out.
        const target = router.localSession(dst)
        if (target) {
          stats.relayed += 1
          return target.send(frame)
        }
        if (session.state === 'closed') return
        if (pending.add(session.id, dst, frame)) stats.queued += 1
        else sendExpire(session.id, dst)
      })
      .catch(onError)
  }

  function leave(session: PeerSocketSession, dst: string, payload: unknown) {
    // LEAVE tells a connected peer; for an absent one it has no meaning and is not kept.
    const frame: ServerFrame =
      payload === undefined
        ? { type: 'LEAVE', src: session.id, dst }
        : { type: 'LEAVE', src: session.id, dst, payload }
    router
      .deliver(dst, serializeServerFrame(frame))
      .then((found) => {
        if (found) stats.relayed += 1
      })
      .catch(onError)
  }

  async function onClose(session: PeerSocketSession) {
    const wasRegistered = session.state === 'open'
    session.state = 'closed'
    sessions.delete(session)
    if (wasRegistered) await forget(session)
  }

  /** Releases a registered session's id, and what it left waiting, unless a reconnect took the id over. */
  async function forget(session: PeerSocketSession) {
    if (session.evicted) return
    pending.dropFrom(session.id)
    try {
      await router.unregister(session)
    } catch (error) {
      onError(error)
    }
    if (router.localSession(session.id) === undefined && !session.drained) onPeerGone(session.id)
  }

  async function drain(spreadMs: number) {
    draining = true
    const open = [...sessions]
    const gapMs = open.length > 1 ? spreadMs / (open.length - 1) : 0
    const closing = open.map(
      (session, i) =>
        new Promise<void>((resolve) => {
          session.ws.once('close', () => resolve())
          setTimeout(() => {
            if (session.state === 'closed') return resolve()
            session.drained = true
            stats.drained += 1
            session.ws.close(1012, 'Service restart: reconnect')
            // A peer that does not finish the close handshake is not waited for.
            setTimeout(() => session.ws.terminate(), 2_000).unref()
          }, i * gapMs)
        }),
    )
    await Promise.all(closing)
  }

  return {
    handleUpgrade,
    stats,
    get draining() {
      return draining
    },
    drain,
    close: async () => {
      closed = true
      clearInterval(sweep)
      // Every socket, those refused before registration included.
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      pending.clear()
      await router.close()
    },
  }
}
