import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { Redis } from 'ioredis'
import { parseNodeMessage } from './nodeMessage.ts'
import type { PeerRouter, PeerSession, RegisterOutcome } from './PeerRouter.ts'
import { redisPeerScripts } from './redisPeerScripts.ts'
import type { RedisPeerScript } from './redisPeerScripts.ts'

export type RedisPeerRouterParameters = {
  /** `redis://[:password@]host:port[/db]` or `rediss://` for TLS: a standalone Redis 7. */
  url: string
  /** This node's id, unique in the cluster (`A-Z a-z 0-9 _ -`); a random UUID by default. */
  nodeId?: string | undefined
  /** Prefix of every key and channel. */
  keyPrefix?: string | undefined
  /**
   * How long a peer key outlives the last sweep that heard its peer (ms). Longer than the socket
   * server's `aliveTimeoutMs` (90 s), so that no live socket loses its id to expiry.
   */
  peerTtlMs?: number | undefined
  /** How long one command may take before the call fails (ms). */
  commandTimeoutMs?: number | undefined
  /** Connection trouble and failed re-registrations; ioredis reconnects by itself. */
  onError?: ((error: unknown) => void) | undefined
}

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>

type Entry = { session: PeerSession; tag: string; value: string }

const defaultKeyPrefix = 'vc:peers:'
// Keys per reclaim script call: a sweep of many peers is one pipeline of a few calls, none long.
const reclaimBatch = 1000

/**
 * The router of signaling nodes that share one Redis. Each peer id is one key naming the node
 * that holds its socket (claimed atomically, with a TTL that `refresh` extends); each node
 * subscribes to one shard channel of its own (SSUBSCRIBE), and `deliver` publishes a frame to the
 * holder's channel in the same script that looks the holder up, so one sender's frames stay in
 * order. A subscriber connection listens, a command connection does the rest; after Redis comes
 * back, the node subscribes again and writes its peers' keys again (`reconnects` counts this).
 *
 * @example
 * const router = new RedisPeerRouter({ url: 'redis://127.0.0.1:6379' })
 * const server = await createSignalingServer({ peerRouter: router })
 */
export class RedisPeerRouter implements PeerRouter {
  readonly nodeId: string
  readonly #redis: Redis
  readonly #subscriber: Redis
  readonly #prefix: string
  readonly #channel: string
  readonly #ttlMs: number
  readonly #onError: (error: unknown) => void
  readonly #entries = new Map<string, Entry>()
  #subscribed: Promise<unknown>
  #readyOnce = false
  #reconnects = 0
  // Remote deliveries not yet answered, and the last one: a local one waits its turn behind them.
  #inFlight = 0
  #last: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(parameters: RedisPeerRouterParameters) {
    this.nodeId = parameters.nodeId ?? randomUUID()
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(this.nodeId))
      throw new TypeError(`A node id is 1 to 64 of A-Z a-z 0-9 _ -, not ${this.nodeId}`)
    this.#prefix = parameters.keyPrefix ?? defaultKeyPrefix
    this.#channel = `${this.#prefix}node:${this.nodeId}`
    this.#ttlMs = parameters.peerTtlMs ?? 120_000
    this.#onError = parameters.onError ?? (() => {})
    const retryStrategy = (times: number) => Math.min(times * 100, 2000)
    this.#redis = new Redis(parameters.url, {
      commandTimeout: parameters.commandTimeoutMs ?? 2000,
      maxRetriesPerRequest: 1,
      retryStrategy,
    })
    this.#redis.on('error', this.#onError)
    for (const [name, lua] of Object.entries(redisPeerScripts))
      this.#redis.defineCommand(commandName(name), { lua })
    // Subscribed again by hand on each connection, so that re-registering waits for it.
    this.#subscriber = new Redis(parameters.url, {
      autoResubscribe: false,
      maxRetriesPerRequest: null,
      retryStrategy,
    })
    this.#subscriber.on('error', this.#onError)
    this.#subscriber.on('smessage', (_channel: string, message: string) => this.#receive(message))
    this.#subscribed = this.#subscriber.ssubscribe(this.#channel)
    this.#subscriber.on('ready', () => {
      if (!this.#readyOnce) return void (this.#readyOnce = true)
      this.#reconnects += 1
      this.#subscribed = this.#subscriber.ssubscribe(this.#channel)
      this.#subscribed.then(() => this.#reclaim([...this.#entries.keys()])).catch(this.#onError)
    })
  }

  /** How many times this node got Redis back after losing it, and re-registered its peers. */
  get reconnects(): number {
    return this.#reconnects
  }

  get localCount(): number {
    return this.#entries.size
  }

  async register(session: PeerSession, token: string): Promise<RegisterOutcome> {
    // A frame published to this node before it listens would find the channel empty and be lost.
    await this.#subscribed
    const tokenHash = createHash('sha256').update(token).digest('hex')
    const tag = randomBytes(6).toString('hex')
    const value = `${this.nodeId} ${tag} ${tokenHash}`
    const result = (await this.#run(
      'register',
      [this.#key(session.id)],
      [value, tokenHash, this.#ttlMs, this.#channelPrefix(), this.nodeId, session.id],
    )) as [string, string?, string?]
    if (result[0] === 'id-taken') return 'id-taken'
    const held = this.#entries.get(session.id)
    this.#entries.set(session.id, { session, tag, value })
    if (held && held.session !== session) held.session.evict()
    return 'registered'
  }

  async unregister(session: PeerSession): Promise<void> {
    const entry = this.#entries.get(session.id)
    if (entry?.session !== session) return
    this.#entries.delete(session.id)
    await this.#run('unregister', [this.#key(session.id)], [entry.value])
  }

  refresh(ids: readonly string[]): Promise<void> {
    return this.#reclaim(ids)
  }

  deliver(dst: string, frame: string): Promise<boolean> {
    if (this.#inFlight === 0) {
      const entry = this.#entries.get(dst)
      if (entry) {
        entry.session.send(frame)
        return Promise.resolve(true)
      }
    }
    this.#inFlight += 1
    const answer = this.#run(
      'deliver',
      [this.#key(dst)],
      [this.#channelPrefix(), this.nodeId, dst, frame],
    )
    // Answers come back in the order the commands went out; this keeps the resolutions in it too.
    const delivered = Promise.allSettled([this.#last, answer]).then(([, settled]) => {
      this.#inFlight -= 1
      if (settled.status === 'rejected') throw settled.reason
      if (settled.value === 1) return true
      const entry = this.#entries.get(dst)
      entry?.session.send(frame)
      return entry !== undefined
    })
    this.#last = delivered
    return delivered
  }

  /** Whether any node holds a socket for `id`: this node's memory first, then Redis. */
  async isConnected(id: string): Promise<boolean> {
    if (this.#entries.has(id)) return true
    return (await this.#redis.exists(this.#key(id))) === 1
  }

  /** Compares SHA-256 digests, so that the time taken says nothing of how much of a token is right. */
  async holdsToken(id: string, token: string): Promise<boolean> {
    const value = this.#entries.get(id)?.value ?? (await this.#redis.get(this.#key(id)))
    const held = value?.split(' ')[2]
    if (held === undefined || !/^[0-9a-f]{64}$/.test(held)) return false
    return timingSafeEqual(Buffer.from(held, 'hex'), createHash('sha256').update(token).digest())
  }

  localSession(id: string): PeerSession | undefined {
    return this.#entries.get(id)?.session
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const values = [...this.#entries.entries()]
    this.#entries.clear()
    // Peers of a node that closes cleanly are free at once, not after their TTL.
    await Promise.allSettled(
      values.map(([id, { value }]) => this.#run('unregister', [this.#key(id)], [value])),
    )
    for (const connection of [this.#subscriber, this.#redis]) {
      try {
        await connection.quit()
      } catch {
        connection.disconnect()
      }
    }
  }

  /** Extends (or writes again) the keys of these local ids, and evicts those another session took. */
  async #reclaim(ids: readonly string[]): Promise<void> {
    const entries = ids.flatMap((id) => {
      const entry = this.#entries.get(id)
      return entry ? [{ id, entry }] : []
    })
    if (entries.length === 0) return
    const pipeline = this.#redis.pipeline() as unknown as Record<string, ScriptCommand> & {
      exec: () => Promise<[Error | null, unknown][] | null>
    }
    const batches: (typeof entries)[] = []
    for (let start = 0; start < entries.length; start += reclaimBatch) {
      const batch = entries.slice(start, start + reclaimBatch)
      batches.push(batch)
      const keys = batch.map(({ id }) => this.#key(id))
      const values = batch.map(({ entry }) => entry.value)
      pipeline[commandName('reclaim')]!(keys.length, ...keys, this.#ttlMs, ...values)
    }
    const results = await pipeline.exec()
    batches.forEach((batch, b) => {
      const [error, kept] = results?.[b] ?? [new Error('No answer from Redis')]
      if (error) return this.#onError(error)
      batch.forEach(({ id, entry }, i) => {
        if ((kept as number[])[i] === 1 || this.#entries.get(id) !== entry) return
        this.#entries.delete(id)
        entry.session.evict()
      })
    })
  }

  #receive(message: string): void {
    const parsed = parseNodeMessage(message)
    if (!parsed) return
    switch (parsed.type) {
      case 'frame':
        // A peer that left between the lookup and now: the frame is dropped, as on one node.
        return this.#entries.get(parsed.dst)?.session.send(parsed.frame)
      case 'evict': {
        const entry = this.#entries.get(parsed.id)
        if (entry?.tag !== parsed.tag) return
        this.#entries.delete(parsed.id)
        return entry.session.evict()
      }
      default: {
        const unexpected: never = parsed
        throw new TypeError(`Unhandled node message ${JSON.stringify(unexpected)}`)
      }
    }
  }

  #key(id: string): string {
    return `${this.#prefix}peer:${id}`
  }

  #channelPrefix(): string {
    return `${this.#prefix}node:`
  }

  #run(script: RedisPeerScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const command = (this.#redis as unknown as Record<string, ScriptCommand>)[commandName(script)]!
    return command.call(this.#redis, keys.length, ...keys, ...args)
  }
}

function commandName(script: string): string {
  return `peers_${script}`
}
