import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { PeerSocketStats, RejectReason } from './peers/PeerSocketStats.ts'

export type NodeMetricsSources = {
  /** Peer sockets registered on this node. */
  peers: () => number
  stats: Readonly<PeerSocketStats>
  draining: () => boolean
  /** Jobs listed in the directory (all nodes'), or undefined when its store does not answer. */
  listings: () => Promise<number | undefined>
  /** One round trip to the directory's store: whether it answered. */
  pingStore: () => Promise<boolean>
  /** Whether the store is shared (Redis) rather than this process's memory. */
  storeKind: 'memory' | 'redis'
  /** Times this node got Redis back after losing it (peer routing), when it uses Redis. */
  redisReconnects?: (() => number) | undefined
  now?: (() => number) | undefined
}

export type NodeMetrics = {
  /** The Prometheus text exposition of every metric below, and the process's own. */
  render: () => Promise<string>
  contentType: string
  /** Stops the sampling timer. */
  close: () => void
}

// Frames per second are averaged over this many one-second samples.
const rateWindowS = 10

/**
 * The metrics of one signaling node for Prometheus (`GET /metrics`), in a registry of its own so
 * that several nodes in one process (tests, benchmarks) do not share counters. Counters mirror
 * `PeerSocketStats`; the store's round trip is timed at each scrape; frames per second are the
 * average of the last 10 s, for dashboards that do not compute `rate()`.
 *
 * @example
 * const metrics = createNodeMetrics({ peers: () => router.localCount, stats: peers.stats, ... })
 * app.get('/metrics', async (_req, res) => res.type(metrics.contentType).send(await metrics.render()))
 */
export function createNodeMetrics(sources: NodeMetricsSources): NodeMetrics {
  const now = sources.now ?? Date.now
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const { stats } = sources

  const samples: { at: number; received: number }[] = [{ at: now(), received: 0 }]
  const sampler = setInterval(() => {
    samples.push({ at: now(), received: stats.received })
    if (samples.length > rateWindowS + 1) samples.shift()
  }, 1000)
  sampler.unref()

  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })

  gauge('signaling_peers', 'Peer sockets registered on this node.', sources.peers)
  gauge('signaling_draining', '1 while this node drains (after SIGTERM), else 0.', () =>
    sources.draining() ? 1 : 0,
  )
  counter('signaling_frames_received_total', 'Frames read from peer sockets.', () => stats.received)
  gauge(
    'signaling_frames_received_per_second',
    `Frames read from peer sockets per second, over the last ${rateWindowS} s.`,
    () => {
      const first = samples[0]!
      const seconds = (now() - first.at) / 1000
      return seconds > 0 ? (stats.received - first.received) / seconds : 0
    },
  )
  counter(
    'signaling_frames_relayed_total',
    'Frames handed to their destination.',
    () => stats.relayed,
  )
  counter(
    'signaling_frames_queued_total',
    'Frames that waited for their destination to connect.',
    () => stats.queued,
  )
  counter(
    'signaling_frames_expired_total',
    'EXPIREs sent for frames whose destination never came.',
    () => stats.expired,
  )
  counter(
    'signaling_frames_rate_limited_total',
    'Frames dropped because their sender was over its rate.',
    () => stats.rateLimited,
  )
  new Counter({
    name: 'signaling_frames_rejected_total',
    help: 'Frames that closed their socket, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [reason, count] of Object.entries(stats.rejected) as [RejectReason, number][])
        this.inc({ reason }, count)
    },
  })
  counter(
    'signaling_sockets_timed_out_total',
    'Sockets closed for silence or for not reading.',
    () => stats.timedOut,
  )
  counter(
    'signaling_sockets_drained_total',
    'Sockets closed by a drain, told to reconnect elsewhere.',
    () => stats.drained,
  )

  const storeUp = new Gauge({
    name: 'signaling_store_up',
    help: 'Whether the directory store answered at the last scrape (1) or not (0).',
    labelNames: ['kind'],
    registers: [registry],
  })
  const roundTrip = new Gauge({
    name: 'signaling_store_round_trip_seconds',
    help: 'One round trip to the directory store (a Redis PING), timed at the last scrape.',
    labelNames: ['kind'],
    registers: [registry],
  })
  const listings = new Gauge({
    name: 'signaling_listings',
    help: 'Jobs listed in the directory, all nodes included (absent while its store does not answer).',
    registers: [registry],
  })
  // Before each scrape, not in a collect(): prom-client collects all metrics at once.
  async function probeStore() {
    const labels = { kind: sources.storeKind }
    const started = performance.now()
    const up = await sources.pingStore()
    storeUp.set(labels, up ? 1 : 0)
    if (up) roundTrip.set(labels, (performance.now() - started) / 1000)
    else roundTrip.remove(labels)
    const count = up ? await sources.listings() : undefined
    if (count === undefined) listings.reset()
    else listings.set(count)
  }
  const { redisReconnects } = sources
  if (redisReconnects)
    counter(
      'signaling_redis_reconnects_total',
      'Times this node got Redis back after losing it and registered its peers again.',
      redisReconnects,
    )

  return {
    render: async () => {
      await probeStore()
      return registry.metrics()
    },
    contentType: registry.contentType,
    close: () => clearInterval(sampler),
  }
}
